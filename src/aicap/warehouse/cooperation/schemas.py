"""Input schemas of the cooperation registry (pydantic; unknown fields are refused, and every
error names its field). Controlled vocabularies that live in the intervention catalogue
(intervention ids, areas, modalities) are checked by the service against a
:class:`Vocabulary` given by the analysis layer, not redefined here."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Role(StrEnum):
    administrator = "administrator"
    focal_point = "focal_point"  # a country focal point
    partner = "partner"  # a partner organisation
    reviewer = "reviewer"  # reviews national submissions and error reports (issue 20)
    public = "public"  # a public reader


class ProviderType(StrEnum):
    government = "government"
    multilateral = "multilateral"
    development_bank = "development_bank"
    private_company = "private_company"
    academia = "academia"
    civil_society = "civil_society"


class PledgeType(StrEnum):
    financial = "financial"
    programmatic = "programmatic"
    policy = "policy"
    compute = "compute"
    data = "data"
    models = "models"
    training = "training"


class CapacityUnit(StrEnum):
    USD = "USD"
    gpu_hours = "GPU-hours"
    training_seats = "training-seats"
    person_months = "person-months"


class BeneficiaryGroup(StrEnum):
    women_and_girls = "women_and_girls"
    persons_with_disabilities = "persons_with_disabilities"
    indigenous_peoples = "indigenous_peoples"
    rural_remote = "rural_remote_communities"
    youth = "youth"
    older_persons = "older_persons"
    smes = "small_enterprises"
    public_servants = "public_servants"


class FlowKind(StrEnum):
    commitment = "commitment"
    disbursement = "disbursement"
    delivery = "delivery"


class Dataset(StrEnum):
    real = "real"
    demo = "demo"


#: Shown beside every demonstration record.
DEMO_LABEL = "FICTITIOUS demonstration record: not real data"

ISO3 = Field(pattern=r"^[A-Z]{3}$", description="ISO 3166-1 alpha-3 code")
Iso3 = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
Lang = Annotated[str, Field(pattern=r"^[a-z]{2,3}$", description="ISO 639-1 code")]
Tier = Annotated[int, Field(ge=0, le=4)]
#: A record id (ids are 32-bit integer columns on PostgreSQL).
RecordId = Annotated[int, Field(ge=1, le=2**31 - 1)]

#: The largest amount the registry takes (USD or an in-kind unit): ten trillion, above any
#: budget, far below where sums and formatting lose their meaning.
MAX_AMOUNT = 1e13
#: Free text inside open-ended fields (conditions, participating organisations, notes).
MAX_TEXT = 2000
MAX_ITEMS = 200
Amount = Annotated[float, Field(ge=0, le=MAX_AMOUNT, allow_inf_nan=False)]
PositiveAmount = Annotated[float, Field(gt=0, le=MAX_AMOUNT, allow_inf_nan=False)]
Measure = Annotated[float, Field(ge=-MAX_AMOUNT, le=MAX_AMOUNT, allow_inf_nan=False)]
Text = Annotated[str, Field(max_length=MAX_TEXT)]

_XML_BAD = frozenset([*(chr(c) for c in range(0x20) if chr(c) not in "\t\n\r"), "\ufffe", "\uffff"])


def text_problem(value: str) -> str | None:
    """Why a string cannot be stored (a character XML 1.0 forbids, a lone surrogate), or
    ``None``. Tab, line feed and carriage return are allowed."""
    for ch in value:
        if ch in _XML_BAD or "\ud800" <= ch <= "\udfff":
            return f"contains the control character U+{ord(ch):04X}; remove it"
    return None


def check_value(value: Any, path: str, depth: int = 0) -> None:
    """Refuse (``ValueError`` starting with the field's name) what no field may hold: a
    number that is not finite or above :data:`MAX_AMOUNT`, a control character, text longer
    than :data:`MAX_TEXT` or lists longer than :data:`MAX_ITEMS` inside open-ended fields."""
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, float):
        if not math.isfinite(value) or abs(value) > MAX_AMOUNT:
            raise ValueError(f"{path}: numbers must be finite and at most {MAX_AMOUNT:.0e}")
    elif isinstance(value, int):
        if abs(value) > MAX_AMOUNT:
            raise ValueError(f"{path}: numbers must be at most {MAX_AMOUNT:.0e}")
    elif isinstance(value, str):
        problem = text_problem(value)
        if problem:
            raise ValueError(f"{path}: {problem}")
        if depth and len(value) > MAX_TEXT:
            raise ValueError(f"{path}: text longer than {MAX_TEXT} characters")
    elif isinstance(value, Mapping | list | tuple):
        if depth > 4:
            raise ValueError(f"{path}: nested too deeply")
        if len(value) > MAX_ITEMS:
            raise ValueError(f"{path}: more than {MAX_ITEMS} items")
        items = value.items() if isinstance(value, Mapping) else enumerate(value)
        for key, item in items:
            check_value(key, path, depth + 1)
            check_value(item, path, depth + 1)


@dataclass(frozen=True)
class Vocabulary:
    """The catalogue's controlled terms (``aicap.analysis.cooperate.vocabulary`` builds it
    from ``catalogues/interventions.yaml``); empty sets switch a check off."""

    interventions: frozenset[str] = frozenset()
    areas: frozenset[str] = frozenset()
    modalities: frozenset[str] = frozenset()
    area_of: dict[str, str] = field(default_factory=dict)  # intervention id -> area id


class Strict(BaseModel):
    """Unknown fields refused; numbers finite and bounded; no control characters anywhere."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _finite_and_printable(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            for key, value in data.items():
                check_value(value, str(key))
        return data


class NeedIn(Strict):
    """A diagnosed need of one country."""

    country_iso3: str = ISO3
    title: str = Field(min_length=3, max_length=300)
    interventions: list[str] = Field(default_factory=list, description="Catalogue ids")
    areas: list[str] = Field(default_factory=list, description="Catalogue area ids")
    priority: int = Field(2, ge=1, le=4, description="1 low ... 4 critical")
    beneficiary_groups: list[BeneficiaryGroup] = Field(default_factory=list)
    budget_gap_usd: Amount | None = None
    demand: dict[CapacityUnit, Amount] = Field(
        default_factory=dict, description="Non-financial demand, e.g. {'GPU-hours': 50000}"
    )
    preferred_modality: str | None = Field(None, max_length=20)
    languages: list[Lang] = Field(default_factory=list, description="ISO 639-1 codes")
    status: str = Field(
        "open", pattern=r"^(open|closed|withdrawn)$", description="open, closed or withdrawn"
    )
    dataset: Dataset = Dataset.real

    @model_validator(mode="after")
    def _something(self) -> NeedIn:
        if not self.interventions and not self.areas:
            raise ValueError("interventions, areas: name at least one intervention or area")
        return self


class NeedRecord(NeedIn):
    """A need as stored: the client's fields and those the server derives (never taken from
    a client: see :data:`SERVER_FIELDS`)."""

    tier: int | None = Field(None, ge=0, le=4, description="aicap tier (from the diagnosis)")
    ldc: bool | None = Field(None, description="Least developed country (from the reference)")
    evidence: dict[str, Any] = Field(default_factory=dict, description="Diagnosis snapshot")


#: Fields the server derives (the diagnosis snapshot, the tier it states, LDC status from the
#: country reference); a client that sends one is refused (422 naming it).
SERVER_FIELDS: dict[str, frozenset[str]] = {"need": frozenset({"tier", "ldc", "evidence"})}


class OfferIn(Strict):
    """An offer or pledge of a provider organisation."""

    provider_org: str = Field(min_length=2, max_length=200)
    provider_type: ProviderType
    pledge_type: PledgeType
    title: str = Field(min_length=3, max_length=300)
    interventions: list[str] = Field(default_factory=list)
    areas: list[str] = Field(default_factory=list)
    eligible_countries: list[Iso3] = Field(default_factory=list, description="ISO3; empty: any")
    eligible_tiers: list[Tier] = Field(default_factory=list, description="aicap tiers; empty: any")
    capacity_amount: PositiveAmount
    capacity_unit: CapacityUnit
    modalities: list[str] = Field(default_factory=list)
    languages: list[Lang] = Field(default_factory=list)
    conditions: dict[str, Any] = Field(
        default_factory=dict, description="licence, lock_in, data_localisation, ..."
    )
    valid_from: date | None = None
    valid_until: date | None = None
    status: str = Field(
        "open", pattern=r"^(open|closed|withdrawn)$", description="open, closed or withdrawn"
    )
    dataset: Dataset = Dataset.real

    @model_validator(mode="after")
    def _checks(self) -> OfferIn:
        if not self.interventions and not self.areas:
            raise ValueError("interventions, areas: name at least one intervention or area")
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise ValueError("valid_until: before valid_from")
        return self


class MatchIn(Strict):
    need_id: RecordId
    offer_id: RecordId
    score: float = Field(0.0, ge=-1e6, le=1e6)
    terms: list[dict[str, Any]] = Field(default_factory=list)
    allocated_amount: Amount = 0.0
    allocated_unit: CapacityUnit = CapacityUnit.USD
    note: Text = ""
    dataset: Dataset = Dataset.real


class ActivityIn(Strict):
    """An activity recorded by hand or imported. The activity of a match is made by the
    server on the match's first flow or result; clients never name a match here."""

    iati_identifier: str = Field(min_length=3, max_length=200)
    source: str = Field("aicap", pattern=r"^(aicap|iati|crs)$")
    title: str = Field("", max_length=500)
    reporting_org_ref: str = Field("", max_length=120)
    reporting_org_name: str = Field("", max_length=300)
    provider_org: str = Field("", max_length=300)
    provider_type: ProviderType | None = None
    participating_orgs: list[dict[str, Any]] = Field(default_factory=list)
    recipient_iso3: str | None = Field(None, pattern=r"^[A-Z]{3}$")
    sectors: list[Annotated[str, Field(max_length=100)]] = Field(default_factory=list)
    modality: str | None = Field(None, max_length=20)
    status: str = Field("2", pattern=r"^[1-6]$", description="IATI ActivityStatus code")
    dataset: Dataset = Dataset.real


class FlowIn(Strict):
    """A commitment, disbursement or delivery; name the activity or the match (its activity
    is created on the first flow)."""

    activity_id: RecordId | None = None
    match_id: RecordId | None = None
    kind: FlowKind
    amount: PositiveAmount
    unit: CapacityUnit = CapacityUnit.USD
    on_date: date
    description: Text = ""
    dataset: Dataset = Dataset.real

    @model_validator(mode="after")
    def _target(self) -> FlowIn:
        if self.activity_id is None and self.match_id is None:
            raise ValueError("activity_id, match_id: give one of them")
        if self.kind != FlowKind.delivery and self.unit != CapacityUnit.USD:
            raise ValueError("unit: commitments and disbursements are in USD (in-kind: delivery)")
        return self


class ResultIn(Strict):
    """An IATI-aligned result indicator with one reporting period."""

    activity_id: RecordId | None = None
    match_id: RecordId | None = None
    result_type: str = Field("1", pattern=r"^(1|2|3|9)$", description="IATI ResultType")
    indicator: str = Field(min_length=3, max_length=500)
    measure: str = Field("1", pattern=r"^[1-5]$", description="IATI IndicatorMeasure")
    baseline_year: int | None = Field(None, ge=1950, le=2100)
    baseline: Measure | None = None
    target: Measure | None = None
    actual: Measure | None = None
    period_start: date
    period_end: date
    dataset: Dataset = Dataset.real

    @model_validator(mode="after")
    def _period(self) -> ResultIn:
        if self.activity_id is None and self.match_id is None:
            raise ValueError("activity_id, match_id: give one of them")
        if self.period_end < self.period_start:
            raise ValueError("period_end: before period_start")
        return self


MIN_PASSWORD = 12  # OWASP ASVS 4.0 level 1 (2.1.1)
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The bundled list of common (breached) passwords, normalised (see :func:`_normal`)."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(_normal(x) for x in lines if x.strip() and not x.startswith("#"))


def _normal(password: str) -> str:
    return "".join(password.split()).casefold()


def password_problem(password: str, username: str = "") -> str | None:
    """Why ``password`` may not be used, or ``None``: shorter than :data:`MIN_PASSWORD`, on
    the bundled list of common breached passwords, one repeated character, or containing the
    username."""
    if len(password) < MIN_PASSWORD:
        return f"at least {MIN_PASSWORD} characters"
    norm = _normal(password)
    if norm in common_passwords():
        return "this password is on a list of breached passwords; choose another"
    if len(set(norm)) <= 2:
        return "a password of one or two repeated characters is guessed at once"
    if username and len(username) >= 3 and username.casefold() in norm:
        return "the password contains the username"
    return None


class AccountIn(Strict):
    username: str = Field(min_length=3, max_length=80, pattern=r"^[A-Za-z0-9_.@-]+$")
    password: str = Field(min_length=MIN_PASSWORD, max_length=200)
    role: Role
    country_iso3: str | None = Field(None, pattern=r"^[A-Z]{3}$")
    organisation: str | None = Field(None, min_length=2, max_length=200)

    @model_validator(mode="after")
    def _scope(self) -> AccountIn:
        problem = password_problem(self.password, self.username)
        if problem:
            raise ValueError(f"password: {problem}")
        if self.role == Role.focal_point and not self.country_iso3:
            raise ValueError("country_iso3: a country focal point needs one")
        if self.role == Role.partner and not self.organisation:
            raise ValueError("organisation: a partner organisation account needs one")
        return self


SCHEMAS: dict[str, type[Strict]] = {
    "need": NeedRecord,
    "offer": OfferIn,
    "match": MatchIn,
    "activity": ActivityIn,
    "flow": FlowIn,
    "result": ResultIn,
}
