"""The cooperation pages' labels (translatable names of codes), the visitor, URLs, and the
forms' input: what a need, offer, flow or result form sends, as the schemas' input, and a
record's values to fill a form again."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import FormData

from aicap.analysis.catalogue import Modality
from aicap.warehouse.cooperation.schemas import (
    BeneficiaryGroup,
    CapacityUnit,
    FlowKind,
    PledgeType,
    ProviderType,
    Role,
)
from aicap.warehouse.cooperation.states import MatchState
from aicap.warehouse.cooperation.store import (
    InvalidInputError,
    Principal,
)
from aicap.web.i18n import N_

DATASETS = ("all", "real", "demo")

#: Labels of the registry's codes, translated at render time.
PROVIDER_TYPES = {
    ProviderType.government: N_("Government"),
    ProviderType.multilateral: N_("Multilateral organisation"),
    ProviderType.development_bank: N_("Development bank"),
    ProviderType.private_company: N_("Private company"),
    ProviderType.academia: N_("Academia"),
    ProviderType.civil_society: N_("Civil society"),
}
PLEDGE_TYPES = {
    PledgeType.financial: N_("Financial"),
    PledgeType.programmatic: N_("Programmatic"),
    PledgeType.policy: N_("Policy"),
    PledgeType.compute: N_("Compute"),
    PledgeType.data: N_("Data"),
    PledgeType.models: N_("Models"),
    PledgeType.training: N_("Training"),
}
UNITS = {
    CapacityUnit.USD: N_("US dollars"),
    CapacityUnit.gpu_hours: N_("GPU-hours"),
    CapacityUnit.training_seats: N_("training seats"),
    CapacityUnit.person_months: N_("person-months"),
}
BENEFICIARIES = {
    BeneficiaryGroup.women_and_girls: N_("Women and girls"),
    BeneficiaryGroup.persons_with_disabilities: N_("Persons with disabilities"),
    BeneficiaryGroup.indigenous_peoples: N_("Indigenous Peoples"),
    BeneficiaryGroup.rural_remote: N_("Rural and remote communities"),
    BeneficiaryGroup.youth: N_("Youth"),
    BeneficiaryGroup.older_persons: N_("Older persons"),
    BeneficiaryGroup.smes: N_("Small enterprises"),
    BeneficiaryGroup.public_servants: N_("Public servants"),
}
MODALITIES = {
    Modality.north_south: N_("North-South"),
    Modality.south_south: N_("South-South"),
    Modality.triangular: N_("Triangular"),
    Modality.multilateral: N_("Multilateral"),
}
STATES = {
    MatchState.proposed: N_("proposed"),
    MatchState.accepted: N_("accepted"),
    MatchState.declined: N_("declined"),
    MatchState.committed: N_("committed"),
    MatchState.in_progress: N_("in progress"),
    MatchState.partially_fulfilled: N_("partially fulfilled"),
    MatchState.fulfilled: N_("fulfilled"),
    MatchState.lapsed: N_("lapsed"),
}
ROLES = {
    Role.administrator: N_("administrator"),
    Role.focal_point: N_("country focal point"),
    Role.partner: N_("partner organisation"),
    Role.public: N_("public reader"),
    Role.reviewer: N_("reviewer"),
}
PRIORITIES = {1: N_("low"), 2: N_("medium"), 3: N_("high"), 4: N_("critical")}
RECORD_STATUS = {"open": N_("open"), "closed": N_("closed"), "withdrawn": N_("withdrawn")}
FLOW_KINDS = {
    FlowKind.commitment: N_("Commitment"),
    FlowKind.disbursement: N_("Disbursement"),
    FlowKind.delivery: N_("Delivery in kind"),
}
#: IATI ResultType and IndicatorMeasure codes
RESULT_TYPES = {"1": N_("Output"), "2": N_("Outcome"), "3": N_("Impact"), "9": N_("Other")}
MEASURES = {
    "1": N_("Unit"),
    "2": N_("Percentage"),
    "3": N_("Nominal"),
    "4": N_("Ordinal"),
    "5": N_("Qualitative"),
}
#: States in which commitments, disbursements, deliveries and results are recorded.
RECORDABLE = frozenset({"accepted", "committed", "in_progress", "partially_fulfilled", "fulfilled"})
DECISIONS = ("accepted", "declined")
TERMS = {
    "fit": N_("fit of areas and interventions"),
    "capacity": N_("capacity"),
    "modality": N_("modality"),
    "language": N_("language"),
    "priority": N_("priority (LDC, tier 0)"),
}
BY = {"provider": N_("by provider"), "country": N_("by country"), "modality": N_("by modality")}
DATASET_NAMES = {
    "all": N_("all records"),
    "real": N_("real records"),
    "demo": N_("demonstration records (fictitious)"),
}
CONDITION_KEYS = ("licence", "lock_in", "data_localisation")


@dataclass(frozen=True)
class Visitor:
    """Who is looking at a page: a signed-in account with its session's CSRF token, or the
    public."""

    who: Principal
    csrf: str = ""
    signed_in: bool = False


def _lang_prefix(lang: str) -> str:
    return "" if lang == "en" else f"/{lang}"


def coop_url(lang: str, path: str = "", **query: Any) -> str:
    """``/fr/coop/need/3?dataset=demo`` (empty query values are left out)."""
    q = {k: v for k, v in query.items() if v not in (None, "")}
    return f"{_lang_prefix(lang)}/coop{path}" + (f"?{urlencode(q)}" if q else "")


def _safe_next(target: str) -> str | None:
    """A local path to go back to after sign-in (never another site)."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def _field_errors(exc: InvalidInputError) -> dict[str, list[str]]:
    """Field name -> messages, from the store's 422 detail (``loc``: ``["body", field, ...]``).
    Demand entries are ``demand:<unit>``, conditions ``conditions``."""
    out: dict[str, list[str]] = {}
    for d in exc.detail or []:
        loc = [str(x) for x in d.get("loc", [])]
        if loc and loc[0] == "body":
            loc = loc[1:]
        field = loc[0] if loc else "form"
        if field == "demand" and len(loc) > 1:
            field = f"demand:{loc[1]}"
        msg = str(d.get("msg", "")).removeprefix("Value error, ")
        out.setdefault(field, []).append(msg)
    return out


def _split(text: str) -> list[str]:
    return [p for p in text.replace(";", ",").replace(" ", ",").split(",") if p]


def _number(text: str) -> str | None:
    """A number as typed (spaces and non-breaking spaces removed); ``None`` when empty. The
    schema checks it and names the field when it is not a number."""
    t = "".join(text.split()).replace("\u202f", "").replace("_", "")
    return t or None


def form_values(form: FormData) -> dict[str, Any]:
    """What the user typed, to fill the form again (lists for repeated fields)."""
    out: dict[str, Any] = {}
    for key in form:
        vals = [str(v) for v in form.getlist(key)]
        out[key] = vals if len(vals) > 1 or key in LIST_FIELDS else vals[0]
    return out


LIST_FIELDS = frozenset(
    {"interventions", "areas", "beneficiary_groups", "modalities", "eligible_tiers"}
)


def need_input(form: FormData) -> dict[str, Any]:
    """The need form as the schema's input."""
    demand: dict[str, Any] = {}
    for unit in CapacityUnit:
        if unit == CapacityUnit.USD:
            continue
        v = _number(str(form.get(f"demand:{unit.value}", "")))
        if v is not None:
            demand[unit.value] = v
    data: dict[str, Any] = {
        "country_iso3": str(form.get("country_iso3", "")).strip().upper(),
        "title": str(form.get("title", "")),
        "interventions": [str(v) for v in form.getlist("interventions")],
        "areas": [str(v) for v in form.getlist("areas")],
        "priority": str(form.get("priority", "")).strip() or 2,
        "beneficiary_groups": [str(v) for v in form.getlist("beneficiary_groups")],
        "budget_gap_usd": _number(str(form.get("budget_gap_usd", ""))),
        "demand": demand,
        "preferred_modality": str(form.get("preferred_modality", "")).strip() or None,
        "languages": _split(str(form.get("languages", "")).lower()),
    }
    return data


def offer_input(form: FormData) -> dict[str, Any]:
    """The offer form as the schema's input."""
    conditions = {
        k: str(form.get(f"conditions:{k}", "")).strip()
        for k in CONDITION_KEYS
        if str(form.get(f"conditions:{k}", "")).strip()
    }
    other = str(form.get("conditions:other", "")).strip()
    if other:
        conditions["other"] = other
    return {
        "provider_org": str(form.get("provider_org", "")),
        "provider_type": str(form.get("provider_type", "")),
        "pledge_type": str(form.get("pledge_type", "")),
        "title": str(form.get("title", "")),
        "interventions": [str(v) for v in form.getlist("interventions")],
        "areas": [str(v) for v in form.getlist("areas")],
        "eligible_countries": _split(str(form.get("eligible_countries", "")).upper()),
        "eligible_tiers": [str(v) for v in form.getlist("eligible_tiers")],
        "capacity_amount": _number(str(form.get("capacity_amount", ""))),
        "capacity_unit": str(form.get("capacity_unit", "")),
        "modalities": [str(v) for v in form.getlist("modalities")],
        "languages": _split(str(form.get("languages", "")).lower()),
        "conditions": conditions,
        "valid_from": str(form.get("valid_from", "")).strip() or None,
        "valid_until": str(form.get("valid_until", "")).strip() or None,
    }


def flow_input(form: FormData, match_id: int) -> dict[str, Any]:
    """The flow form (commitment, disbursement, delivery) as the API's ``FlowIn``."""
    return {
        "match_id": match_id,
        "kind": str(form.get("kind", "")).strip(),
        "amount": _number(str(form.get("amount", ""))),
        "unit": str(form.get("unit", "")).strip() or "USD",
        "on_date": str(form.get("on_date", "")).strip() or None,
        "description": str(form.get("description", "")).strip(),
    }


def result_input(form: FormData, match_id: int) -> dict[str, Any]:
    """The result form as the API's ``ResultIn`` (IATI-aligned)."""
    out: dict[str, Any] = {
        "match_id": match_id,
        "result_type": str(form.get("result_type", "")).strip() or "1",
        "indicator": str(form.get("indicator", "")),
        "measure": str(form.get("measure", "")).strip() or "1",
        "period_start": str(form.get("period_start", "")).strip() or None,
        "period_end": str(form.get("period_end", "")).strip() or None,
    }
    for key in ("baseline_year", "baseline", "target", "actual"):
        out[key] = _number(str(form.get(key, "")))
    return out


def _plain(x: Any) -> str:
    """A stored number as a form shows it (no exponent, no ``.0``)."""
    if x is None:
        return ""
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return str(x)


def record_values(kind: str, rec: Mapping[str, Any]) -> dict[str, Any]:
    """A stored need or offer as the values of its form (to edit it)."""
    if kind == "need":
        out: dict[str, Any] = {
            "country_iso3": rec["country_iso3"],
            "title": rec["title"],
            "interventions": list(rec["interventions"]),
            "areas": list(rec["areas"]),
            "priority": str(rec["priority"]),
            "beneficiary_groups": list(rec["beneficiary_groups"]),
            "budget_gap_usd": _plain(rec["budget_gap_usd"]),
            "preferred_modality": rec["preferred_modality"] or "",
            "languages": ", ".join(rec["languages"]),
        }
        for unit, amount in (rec.get("demand") or {}).items():
            out[f"demand:{unit}"] = _plain(amount)
    else:
        out = {
            "provider_org": rec["provider_org"],
            "provider_type": rec["provider_type"],
            "pledge_type": rec["pledge_type"],
            "title": rec["title"],
            "interventions": list(rec["interventions"]),
            "areas": list(rec["areas"]),
            "eligible_countries": ", ".join(rec["eligible_countries"]),
            "eligible_tiers": [str(t) for t in rec["eligible_tiers"]],
            "capacity_amount": _plain(rec["capacity_amount"]),
            "capacity_unit": rec["capacity_unit"],
            "modalities": list(rec["modalities"]),
            "languages": ", ".join(rec["languages"]),
            "valid_from": rec["valid_from"] or "",
            "valid_until": rec["valid_until"] or "",
        }
        for k, v in (rec.get("conditions") or {}).items():
            if k in (*CONDITION_KEYS, "other"):
                out[f"conditions:{k}"] = str(v)
    out["status"] = rec["status"]
    out["version"] = str(rec["version"])
    return out


def _version(form: FormData) -> int:
    """The ``version`` a form carries (422 naming it when it is not a number)."""
    v = str(form.get("version", "")).strip()
    if not v.isdigit() or int(v) < 1:
        raise InvalidInputError(
            "invalid input: version",
            [{"loc": ["body", "version"], "msg": "give the version you read (reload the form)"}],
        )
    return int(v)


def _sum_flows(activity: Mapping[str, Any] | None) -> dict[str, Any]:
    """Committed and disbursed USD, delivered amounts by unit, results with an actual."""
    out: dict[str, Any] = {"commitment": 0.0, "disbursement": 0.0, "delivery": {}}
    for f in (activity or {}).get("flows", []):
        if f["kind"] == "delivery":
            out["delivery"][f["unit"]] = out["delivery"].get(f["unit"], 0.0) + f["amount"]
        else:
            out[f["kind"]] += f["amount"]
    return out
