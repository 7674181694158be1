"""Helpers shared by the page view-models: JSON-safe numbers, one Member State's ranking row,
the tier colours of the map."""

from __future__ import annotations

import json
import math
from typing import Any

from aicap.analysis.tier_statement import statement_fields
from aicap.web.data import SiteData, jsonable

TIER_COLOURS = ("#3b0f70", "#3e4989", "#26828e", "#35b779", "#d8e219")  # viridis, 5 classes
#: map fills, told apart by lightness and labelled by tier in the lists under the map
NO_DATA_COLOUR = "#d4d4d4"


def _f(v: Any) -> float | None:
    j = jsonable(v)
    return None if j is None else float(j)


def _i(v: Any) -> int | None:
    j = jsonable(v)
    return None if j is None else int(j)


def row_summary(site: SiteData, iso3: str) -> dict[str, Any]:
    """One Member State's latest result (the ranking row)."""
    c = site.countries[iso3]
    r = site.results.loc[iso3] if iso3 in site.results.index else None
    out: dict[str, Any] = {**c.as_dict(), "year": site.year}
    if r is None:
        out.update(status="not_in_index", score=None, rank=None, tier=None)
        return out
    out.update(
        status=str(r["status"]),
        score=_f(r["score"]),
        rank=_i(r["rank"]),
        rank_band=(
            [_i(r.get("rank_p05")), _i(r.get("rank_p95"))]
            if _f(r.get("rank_p05")) is not None
            else None
        ),
        score_band=(
            [_f(r.get("score_p05")), _f(r.get("score_p95"))]
            if _f(r.get("score_p05")) is not None
            else None
        ),
        tier=_i(r.get("tier")),
        tier_label=jsonable(r.get("tier_label")),
        tier_high=_i(r.get("tier_high")),
        tier_range=jsonable(r.get("tier_range")) or None,
        tier_p=_f(r.get("p_tier")),
        tier_near=bool(jsonable(r.get("near_boundary")) or False),
        **statement_fields(r),  # capacity level, what holds the tier (tier_statement)
        pillars={p: _f(r.get(p)) for p in site.pillar_codes},
        missing_pillars=[p for p in str(r.get("missing_pillars") or "").split(",") if p],
    )
    return out


def _loads(v: Any) -> Any:
    """A JSON text column of the results (tier conditions, probabilities) back to data."""
    if not isinstance(v, str) or not v:
        return None
    try:
        return json.loads(v)
    except ValueError:
        return None


def finite(v: float | None) -> bool:
    return v is not None and math.isfinite(v)
