"""What a country's recommended bundle costs, and the financing that fits it.

**Cost range**: the sum over the bundle's interventions (the first ``BUNDLE_N`` = 5
recommendations) of the bounds of their cost band
(``cost_estimate`` of the catalogue, US$ million per country over each item's lead time), stated
as an order-of-magnitude estimate with its basis, never as a costing.

**Financing modalities** that fit (the catalogue's financing instruments, area ``financing``,
filtered by their ``eligible`` data, plus the cooperation modalities of the bundle's items):

* the **Global Fund for AI** that A/79/966 proposes (FIN-01) for tier-0 developing countries
  (its initial target of US$1-3 billion and 2-4 year horizon from the report: a proposal, cited
  as its origin, not a mandate);
* **IFI lending** (FIN-02: concessional and blended development-bank finance for networks,
  power and compute) for developing countries whose bundle holds items that banks finance;
* **development assistance** allocations (FIN-03) and **domestic investment** (FIN-04, tier 1+);
* **South-South and triangular cooperation** where the bundle's items list those modalities.

:func:`group_totals` adds the countries' ranges by group (LDC, LLDC, SIDS, low income).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from aicap.analysis.catalogue import Catalogue
from aicap.analysis.recommend import FINANCING_AREA, Country, Recommendation, eligibility

#: A/79/966's figures for the Global Fund for AI (paraphrased in the library's entry
#: ``A/79/966 global-fund-for-ai``: initial target US$1-3 billion, tier 0 to 1 over 2-4 years).
GFAI_REF = "A/79/966 global-fund-for-ai"
GFAI_TARGET_USD_M = (1000.0, 3000.0)
GFAI_YEARS = (2, 4)
#: A country's bundle: its first recommendations (the briefing's first five).
BUNDLE_N = 5
GROUPS = {
    "LDC": "least developed countries",
    "LLDC": "landlocked developing countries",
    "SIDS": "small island developing States",
    "LIC": "low-income countries",
}


def bundle_cost(recs: Sequence[Recommendation], catalogue: Catalogue) -> dict[str, Any]:
    """The bundle's cost range (US$ million) with its basis and items."""
    lo = sum(r.cost_usd_m[0] for r in recs)
    hi = sum(r.cost_usd_m[1] for r in recs)
    return {
        "low_usd_m": round(lo, 1),
        "high_usd_m": round(hi, 1),
        "n_items": len(recs),
        "items": [
            {
                "id": r.intervention.id,
                "band": r.intervention.cost_band.value,
                "low_usd_m": r.cost_usd_m[0],
                "high_usd_m": r.cost_usd_m[1],
            }
            for r in recs
        ],
        "basis": " ".join(catalogue.model.cost_estimate.basis.split()),
        "label": "estimate",
    }


def bundle_financing(
    recs: Sequence[Recommendation], catalogue: Catalogue, country: Country
) -> dict[str, Any]:
    """Cost range and fitting financing modalities of the recommended bundle ``recs``."""
    recs = recs[:BUNDLE_N]
    cost = bundle_cost(recs, catalogue)
    instruments = []
    ifi_items = [
        r.intervention.id for r in recs if "ifis" in {a.value for a in r.intervention.audiences}
    ]
    for it in catalogue:
        if it.area != FINANCING_AREA or eligibility(it, country) is not None:
            continue
        if it.id == "FIN-02" and not ifi_items:
            continue
        entry: dict[str, Any] = {
            "id": it.id,
            "title": it.title,
            "why": _why(it.id, country, ifi_items),
            "citations": catalogue.citations(it.id, 200),
        }
        if it.id == "FIN-01":
            entry["target_usd_m"] = list(GFAI_TARGET_USD_M)
            entry["horizon_years"] = list(GFAI_YEARS)
        instruments.append(entry)
    mods = sorted({m.value for r in recs for m in r.intervention.modality})
    # South-South and triangular cooperation are among developing countries (a high-income
    # country takes part as a provider, not as the country supported)
    coop = (
        []
        if country.income_group == "HIC"
        else [m for m in ("south_south", "triangular") if m in mods]
    )
    return {"cost": cost, "instruments": instruments, "cooperation": coop}


def _why(iid: str, c: Country, ifi_items: list[str]) -> str:
    if iid == "FIN-01":
        return (
            f"tier {c.tier} developing country: the Global Fund for AI that A/79/966 proposes "
            "would finance the step from tier 0 to tier 1 (initial target US$1-3 billion, "
            "2-4 years)"
        )
    if iid == "FIN-02":
        return "development-bank lending for the bundle's items " + ", ".join(ifi_items)
    if iid == "FIN-03":
        return "a developing country: digital and AI capacity in development assistance"
    return "a budget line that makes the bundle last beyond donor projects"


def group_totals(
    costs: Mapping[str, tuple[float, float]],
    countries: pd.DataFrame,
    groups: Iterable[str] = tuple(GROUPS),
) -> list[dict[str, Any]]:
    """Per group: the number of countries with a costed bundle and the sum of their ranges.
    ``costs``: iso3 -> (low, high) US$ million; ``countries``: ``iso3, income_group, ldc, lldc,
    sids``."""
    c = countries.set_index("iso3")
    out = []
    for g in groups:
        mask = c["income_group"] == "LIC" if g == "LIC" else c[g.lower()].astype(bool)
        members = [i for i in c.index[mask] if i in costs]
        out.append(
            {
                "group": g,
                "label": GROUPS.get(g, g),
                "n_members": int(mask.sum()),
                "n_costed": len(members),
                "low_usd_m": round(sum(costs[i][0] for i in members), 1),
                "high_usd_m": round(sum(costs[i][1] for i in members), 1),
            }
        )
    return out
