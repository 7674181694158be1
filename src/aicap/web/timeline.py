"""Any year of the index on the map, and any year of an indicator (OWID's grammar: map, chart
and table views of one indicator with a year slider). Past years come from the yearly series of
``aicap build`` (tier and score per year); tier ranges and probabilities exist for the latest
year only, so a past year's map shows the tier without them."""

from __future__ import annotations

import copy
from typing import Any

import pandas as pd

from aicap.analysis.capacity_index import STATUS_SCORED
from aicap.web import views
from aicap.web.data import SiteData

#: Indicator map classes: normalised score 0-100 in five bins of 20 points, viridis.
BINS = (0.0, 20.0, 40.0, 60.0, 80.0, 100.0001)


def years(site: SiteData) -> list[int]:
    return sorted(int(y) for y in site.series["year"].dropna().unique())


def check_year(site: SiteData, year: int | None) -> int:
    """``year`` if the index has it (``KeyError`` otherwise); the latest year for None."""
    if year is None:
        return site.year
    if year not in years(site):
        raise KeyError(f"year {year}")
    return year


def world_map(site: SiteData, year: int | None = None) -> dict[str, Any]:
    """The map of :func:`aicap.web.views.world_map`, for ``year`` (default: the latest)."""
    y = check_year(site, year)
    base = views.world_map(site)
    out = dict(base) | {"years": years(site), "latest": site.year}
    if y == site.year:
        return out
    key = f"map:{y}"
    cached = site.cache.get(key)
    if isinstance(cached, dict):
        return cached
    sub = site.series[site.series["year"] == y]
    by_iso = {str(r["iso3"]): dict(r) for r in sub.to_dict(orient="records")}
    shapes = []
    for c in copy.deepcopy(base["countries"]):
        r = by_iso.get(c["iso3"], {})
        scored = str(r.get("status")) == STATUS_SCORED
        tier = views._i(r.get("tier"))
        c.update(
            score=views._f(r.get("score")) if scored else None,
            rank=views._i(r.get("rank")) if scored else None,
            tier=tier,
            tier_range=None,
            tier_p=None,
            tier_near=False,
            ranged=False,
            fill=views.TIER_COLOURS[tier] if isinstance(tier, int) else views.NO_DATA_COLOUR,
            order=(views._i(r.get("rank")) if scored else None) or 1000,
        )
        shapes.append(c)
    out.update(year=y, countries=shapes)
    site.cache[key] = out
    return out


def indicator(site: SiteData, code: str, year: int | None = None) -> dict[str, Any]:
    """:func:`aicap.web.views.indicator` for ``year``, with the years that hold values and a
    colour per Member State for the map view."""
    base = views.indicator(site, code)
    cells = site.cells[site.cells["indicator"] == code]
    held = sorted(int(y) for y in cells.loc[cells["value"].notna(), "year"].unique())
    y = site.year if year is None else year
    if y not in held and y != site.year:
        raise KeyError(f"{code} has no values in {y}")
    out = dict(base) | {"years": held, "year": y, "latest": site.year}
    if y != site.year:
        rows = []
        sub = cells[cells["year"] == y].sort_values("normalised", ascending=False)
        for r in sub.to_dict(orient="records"):
            iso3 = str(r["iso3"])
            if iso3 not in site.countries:
                continue
            c = site.countries[iso3]
            rows.append(
                {
                    "iso3": iso3,
                    "names": c.names,
                    "un_region": c.un_region,
                    "value": views._f(r.get("value")),
                    "value_year": views._i(r.get("value_year")),
                    "normalised": views._f(r.get("normalised")),
                    "imputed": bool(r.get("imputed")),
                }
            )
        out.update(rows=rows, with_value=sum(1 for x in rows if x["value"] is not None))
    return out


def indicator_map(site: SiteData, data: dict[str, Any]) -> dict[str, Any]:
    """Map shapes coloured by the indicator's normalised score (five classes)."""
    base = views.world_map(site)
    score = {r["iso3"]: r["normalised"] for r in data["rows"]}
    shapes = []
    for c in base["countries"]:
        v = score.get(c["iso3"])
        k = (
            None
            if v is None or pd.isna(v)
            else int(pd.cut([v], BINS, right=False, labels=False)[0])
        )
        shapes.append(
            {
                "iso3": c["iso3"],
                "names": c["names"],
                "d": c["d"],
                "point": c["point"],
                "score": v,
                "fill": views.TIER_COLOURS[k] if k is not None else views.NO_DATA_COLOUR,
            }
        )
    legend = [
        {"low": int(BINS[i]), "high": round(BINS[i + 1]), "colour": views.TIER_COLOURS[i]}
        for i in range(len(BINS) - 1)
    ]
    return {
        "width": base["width"],
        "height": base["height"],
        "countries": shapes,
        "legend": legend,
        "no_data_colour": views.NO_DATA_COLOUR,
    }


def map_api(site: SiteData, year: int | None = None) -> dict[str, Any]:
    """The map's JSON twin for ``year`` (:func:`aicap.web.views.map_api`'s shape)."""
    m = world_map(site, year)
    return {
        "year": m["year"],
        "years": m["years"],
        "projection": m["projection"],
        "tiers": m["tiers"],
        "countries": [
            {
                k: s[k]
                for k in ("iso3", "names", "score", "rank", "tier", "tier_range", "tier_p", "fill")
            }
            | {"near_boundary": s["tier_near"]}
            | {"drawn_as": "polygon" if s["d"] else ("point" if s["point"] else "none")}
            for s in m["countries"]
        ],
    }
