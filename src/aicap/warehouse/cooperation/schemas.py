"""Input schemas of the cooperation registry (pydantic; unknown fields are refused, and every
error names its field). Controlled vocabularies that live in the intervention catalogue
(intervention ids, areas, modalities) are checked by the service against a
:class:`Vocabulary` given by the analysis layer, not redefined here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Role(StrEnum):
    administrator = "administrator"
    focal_point = "focal_point"  # a country focal point
    partner = "partner"  # a partner organisation
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
Amount = Annotated[float, Field(ge=0)]


@dataclass(frozen=True)
class Vocabulary:
    """The catalogue's controlled terms (``aicap.analysis.cooperate.vocabulary`` builds it
    from ``catalogues/interventions.yaml``); empty sets switch a check off."""

    interventions: frozenset[str] = frozenset()
    areas: frozenset[str] = frozenset()
    modalities: frozenset[str] = frozenset()
    area_of: dict[str, str] = field(default_factory=dict)  # intervention id -> area id


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class NeedIn(Strict):
    """A diagnosed need of one country."""

    country_iso3: str = ISO3
    title: str = Field(min_length=3, max_length=300)
    interventions: list[str] = Field(default_factory=list, description="Catalogue ids")
    areas: list[str] = Field(default_factory=list, description="Catalogue area ids")
    priority: int = Field(2, ge=1, le=4, description="1 low ... 4 critical")
    beneficiary_groups: list[BeneficiaryGroup] = Field(default_factory=list)
    budget_gap_usd: float | None = Field(None, ge=0)
    demand: dict[CapacityUnit, Amount] = Field(
        default_factory=dict, description="Non-financial demand, e.g. {'GPU-hours': 50000}"
    )
    preferred_modality: str | None = None
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
    capacity_amount: float = Field(gt=0)
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
    need_id: int = Field(gt=0)
    offer_id: int = Field(gt=0)
    score: float = 0.0
    terms: list[dict[str, Any]] = Field(default_factory=list)
    allocated_amount: float = Field(0.0, ge=0)
    allocated_unit: CapacityUnit = CapacityUnit.USD
    note: str = ""
    dataset: Dataset = Dataset.real


class ActivityIn(Strict):
    """An activity recorded by hand or imported. The activity of a match is made by the
    server on the match's first flow or result; clients never name a match here."""

    iati_identifier: str = Field(min_length=3, max_length=200)
    source: str = Field("aicap", pattern=r"^(aicap|iati|crs)$")
    title: str = ""
    reporting_org_ref: str = ""
    reporting_org_name: str = ""
    provider_org: str = ""
    provider_type: ProviderType | None = None
    participating_orgs: list[dict[str, Any]] = Field(default_factory=list)
    recipient_iso3: str | None = Field(None, pattern=r"^[A-Z]{3}$")
    sectors: list[str] = Field(default_factory=list)
    modality: str | None = None
    status: str = Field("2", pattern=r"^[1-6]$", description="IATI ActivityStatus code")
    dataset: Dataset = Dataset.real


class FlowIn(Strict):
    """A commitment, disbursement or delivery; name the activity or the match (its activity
    is created on the first flow)."""

    activity_id: int | None = None
    match_id: int | None = None
    kind: FlowKind
    amount: float = Field(gt=0)
    unit: CapacityUnit = CapacityUnit.USD
    on_date: date
    description: str = ""
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

    activity_id: int | None = None
    match_id: int | None = None
    result_type: str = Field("1", pattern=r"^(1|2|3|9)$", description="IATI ResultType")
    indicator: str = Field(min_length=3, max_length=500)
    measure: str = Field("1", pattern=r"^[1-5]$", description="IATI IndicatorMeasure")
    baseline_year: int | None = Field(None, ge=1950, le=2100)
    baseline: float | None = None
    target: float | None = None
    actual: float | None = None
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


class AccountIn(Strict):
    username: str = Field(min_length=3, max_length=80, pattern=r"^[A-Za-z0-9_.@-]+$")
    password: str = Field(min_length=10, max_length=200)
    role: Role
    country_iso3: str | None = Field(None, pattern=r"^[A-Z]{3}$")
    organisation: str | None = Field(None, min_length=2, max_length=200)

    @model_validator(mode="after")
    def _scope(self) -> AccountIn:
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
