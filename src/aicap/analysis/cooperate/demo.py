"""Demonstration data: FICTITIOUS needs, offers, a matchmaking run, a commitment, a
disbursement, a delivery and a result, all in the ``demo`` dataset (flagged on every row,
labelled in every view, never matched or summed with real records). Organisation names end
in "(fictitious)". Loading twice replaces nothing: it refuses if demo records exist."""

from __future__ import annotations

from datetime import date
from typing import Any

from aicap.analysis.cooperate.service import run_matchmaking
from aicap.warehouse.cooperation.store import ConflictError, CoopStore, Principal

TAG = " (fictitious)"

NEEDS: list[dict[str, Any]] = [
    {"country_iso3": "MWI", "title": "Shared compute for the national AI centre",
     "interventions": ["COMP-01", "STRAT-02"], "priority": 4, "budget_gap_usd": 1_200_000,
     "demand": {"GPU-hours": 40_000}, "preferred_modality": "south_south",
     "beneficiary_groups": ["youth", "rural_remote_communities"], "languages": ["en"],
     "tier": 0},
    {"country_iso3": "NPL", "title": "AI workforce skills and training of trainers",
     "interventions": ["SKILL-02"], "priority": 3, "budget_gap_usd": 400_000,
     "demand": {"training-seats": 300}, "preferred_modality": "triangular",
     "beneficiary_groups": ["women_and_girls"], "languages": ["en", "ne"], "tier": 1},
    {"country_iso3": "SEN", "title": "Local-language data and corpora",
     "interventions": ["DATA-04"], "priority": 3, "budget_gap_usd": 600_000,
     "preferred_modality": "south_south", "languages": ["fr", "wo"], "tier": 1},
    {"country_iso3": "KEN", "title": "AI for climate adaptation and early warning",
     "areas": ["sector_applications"], "priority": 2, "budget_gap_usd": 900_000,
     "preferred_modality": "multilateral", "languages": ["en", "sw"], "tier": 2},
]  # fmt: skip

OFFERS: list[dict[str, Any]] = [
    {"provider_org": "Northland Development Agency", "provider_type": "government",
     "pledge_type": "financial", "title": "Minimum irreducible capacity fund",
     "areas": ["compute", "strategy_institutions", "skills"], "eligible_tiers": [0, 1],
     "capacity_amount": 1_500_000, "capacity_unit": "USD",
     "modalities": ["north_south", "triangular"], "languages": ["en", "fr"],
     "conditions": {"licence": "open", "lock_in": "none"}},
    {"provider_org": "Southern Compute Cooperative", "provider_type": "academia",
     "pledge_type": "compute", "title": "GPU-hours on a regional HPC facility",
     "interventions": ["COMP-01", "COMP-02"], "capacity_amount": 60_000,
     "capacity_unit": "GPU-hours", "modalities": ["south_south"], "languages": ["en"],
     "conditions": {"data_localisation": "regional"}},
    {"provider_org": "Open Languages Foundation", "provider_type": "civil_society",
     "pledge_type": "data", "title": "Corpus building for under-resourced languages",
     "interventions": ["DATA-04", "MODEL-03"], "capacity_amount": 700_000,
     "capacity_unit": "USD", "modalities": ["south_south", "multilateral"],
     "languages": ["fr", "en"], "conditions": {"licence": "CC BY 4.0"}},
    {"provider_org": "Global Skills Academy", "provider_type": "private_company",
     "pledge_type": "training", "title": "Training seats for AI practitioners",
     "interventions": ["SKILL-02", "SKILL-05"], "capacity_amount": 250,
     "capacity_unit": "training-seats", "modalities": ["triangular"], "languages": ["en"]},
]  # fmt: skip


def load_demo(store: CoopStore, admin: Principal, *, on: date | None = None) -> dict[str, Any]:
    """Load the demonstration set and walk one match to a result (see the module doc)."""
    if any(store.counts()[k].get("demo") for k in ("need", "offer")):
        raise ConflictError("demonstration records are already loaded", field="dataset")
    for n in NEEDS:
        data = {k: v for k, v in n.items() if k != "tier"}
        derived = {"tier": n.get("tier"), "evidence": {"fictitious": True, "tier": n.get("tier")}}
        store.create(admin, "need", {**data, "dataset": "demo"}, derived=derived)
    for o in OFFERS:
        store.create(
            admin, "offer", {**o, "provider_org": o["provider_org"] + TAG, "dataset": "demo"}
        )
    result, saved = run_matchmaking(store, admin, dataset="demo", on=on or date.today())
    walked = None
    for m in saved:
        if m["allocated_unit"] == "USD":
            walked = m
            break
    if walked is not None:
        m = store.transition(admin, walked["id"], "accepted", walked["version"])
        store.create(
            admin,
            "flow",
            {"match_id": m["id"], "kind": "commitment", "amount": m["allocated_amount"],
             "on_date": "2026-01-15", "dataset": "demo"},
        )  # fmt: skip
        act = next(a for a in store.records("activity", dataset="demo") if a["match_id"] == m["id"])
        store.create(
            admin,
            "flow",
            {"activity_id": act["id"], "kind": "disbursement",
             "amount": round(m["allocated_amount"] * 0.4, 2), "on_date": "2026-04-01",
             "dataset": "demo"},
        )  # fmt: skip
        store.create(
            admin,
            "result",
            {"activity_id": act["id"], "indicator": "People trained or served (fictitious)",
             "baseline_year": 2025, "baseline": 0, "target": 500, "actual": 180,
             "period_start": "2026-01-01", "period_end": "2026-12-31", "dataset": "demo"},
        )  # fmt: skip
    return {
        "needs": len(NEEDS),
        "offers": len(OFFERS),
        "proposals": len(saved),
        "objective": round(result.objective, 4),
        "walked_match": walked["id"] if walked else None,
        "label": "FICTITIOUS demonstration data (dataset=demo)",
    }
