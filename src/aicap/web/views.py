"""Page contents as JSON-ready dictionaries: the API returns them as they are and the HTML
pages render them (so a page and its JSON twin can never disagree). Names come in the six
languages (``names``); labels are translated by the templates. The country profile's
view-model is :mod:`aicap.web.view_country`, the shared helpers :mod:`aicap.web.view_common`
(both re-exported here)."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

from aicap.web import geo
from aicap.web.data import SiteData, jsonable
from aicap.web.view_common import (
    NO_DATA_COLOUR,
    TIER_COLOURS,
    _f,
    _i,
    _loads,
    finite,
    row_summary,
)
from aicap.web.view_country import (
    RECOMMEND_METHOD,
    SCREEN_FLAGS,
    _profile,
    _trend_comparable,
    country,
    country_csv,
)
from aicap.web.whatif import COLLAPSE_POINTS, METHODS, WhatIf, nominal_weights

__all__ = [
    "NO_DATA_COLOUR",
    "RECOMMEND_METHOD",
    "SCREEN_FLAGS",
    "TIER_COLOURS",
    "_f",
    "_i",
    "_loads",
    "_profile",
    "_trend_comparable",
    "country",
    "country_csv",
    "finite",
    "row_summary",
]

FILTERS = ("region", "income", "group")


# ------------------------------------------------------------------------------ ranking
def parse_filters(params: Mapping[str, str | None]) -> dict[str, str]:
    return {k: str(v) for k, v in params.items() if k in FILTERS and v}


def ranking(site: SiteData, filters: Mapping[str, str] | None = None) -> dict[str, Any]:
    filters = dict(filters or {})
    rows = []
    for iso3 in site.ranked()["iso3"]:
        c = site.countries.get(iso3)
        if c is None:
            continue
        if "region" in filters and c.un_region != filters["region"]:
            continue
        if "income" in filters and c.income_group != filters["income"]:
            continue
        if "group" in filters and not getattr(c, filters["group"], False):
            continue
        rows.append(row_summary(site, iso3))
    return {
        "year": site.year,
        "index": site.spec.title,
        "filters": filters,
        "options": {
            "region": site.regions(),
            "income": site.income_groups(),
            "group": ["ldc", "lldc", "sids"],
        },
        "pillars": site.pillar_codes,
        "has_bands": site.has_bands,
        "count": len(rows),
        "rows": rows,
    }


def check_filters(site: SiteData, filters: Mapping[str, str]) -> str | None:
    """An error message for an unknown filter value, else None."""
    opts = {"region": site.regions(), "income": site.income_groups(), "group": list(GROUP_KEYS)}
    for k, v in filters.items():
        if v not in opts[k]:
            return f"unknown {k} {v!r}; one of: {', '.join(opts[k])}"
    return None


GROUP_KEYS = ("ldc", "lldc", "sids")


def ranking_csv(data: dict[str, Any], pillars: list[str]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(
        [
            "rank",
            "rank_p05",
            "rank_p95",
            "iso3",
            "name",
            "score",
            "tier",
            "status",
            "un_region",
            "income_group",
            *pillars,
        ]
    )
    for r in data["rows"]:
        band = r.get("rank_band") or [None, None]
        w.writerow(
            [
                r["rank"],
                band[0],
                band[1],
                r["iso3"],
                r["names"]["en"],
                r["score"],
                r["tier"],
                r["status"],
                r["un_region"],
                r["income_group"],
                *[(r.get("pillars") or {}).get(p) for p in pillars],
            ]
        )
    return buf.getvalue()


# ------------------------------------------------------------------------------ map
def world_map(site: SiteData) -> dict[str, Any]:
    cached = site.cache.get("map")
    if isinstance(cached, dict):
        return cached
    shapes = []
    for iso3, c in sorted(site.countries.items()):
        s = row_summary(site, iso3)
        tier = s.get("tier")
        fill = TIER_COLOURS[tier] if isinstance(tier, int) else NO_DATA_COLOUR
        geom = site.geometries.get(iso3)
        d = geo.path_data(geom) if geom else ""
        pt = geo.point(c.lon, c.lat) if not d and c.lon is not None and c.lat is not None else None
        shapes.append(
            {
                "iso3": iso3,
                "names": c.names,
                "score": s.get("score"),
                "rank": s.get("rank"),
                "tier": tier,
                "tier_range": s.get("tier_range"),
                "tier_p": s.get("tier_p"),
                "tier_near": s.get("tier_near", False),
                "held_capacity": s.get("capacity_tier")
                if s.get("held_by") and s.get("tier_high") == tier
                else None,
                "ranged": s.get("tier_high") is not None and s.get("tier_high") != tier,
                "fill": fill,
                "d": d,
                "point": pt,
                "order": s.get("rank") or 1000,
            }
        )
    out = {
        "year": site.year,
        "width": geo.WIDTH,
        "height": geo.map_height(),
        "projection": "Equal Earth",
        "tiers": [
            {"tier": t.tier, "label": t.label, "colour": TIER_COLOURS[t.tier]}
            for t in site.spec.tiers.tiers
        ],
        "no_data_colour": NO_DATA_COLOUR,
        "countries": shapes,
        "points": sum(1 for s in shapes if s["point"]),
    }
    site.cache["map"] = out
    return out


def map_api(site: SiteData) -> dict[str, Any]:
    """The map's JSON twin: per Member State its tier and score (no path data)."""
    m = world_map(site)
    return {
        "year": m["year"],
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


# ------------------------------------------------------------------------------ divide
def divide(site: SiteData) -> dict[str, Any]:
    cached = site.cache.get("divide")
    if isinstance(cached, dict):
        return cached
    t = site.divide["table"]
    rows = [{k: jsonable(v) for k, v in r.items()} for r in t.to_dict(orient="records")]
    out = {
        "year": site.year,
        "measures": ["score", *site.pillar_codes],
        "verdicts": site.divide["verdicts"],
        "table": rows,
        "columns": list(t.columns),
        "composition": site.divide.get("composition"),
        "composition_text": site.divide.get("composition_text"),
        "breaks": site.divide.get("breaks", []),
        "data_age": site.divide.get("data_age"),
        "claims": site.divide.get("claims", []),
    }
    site.cache["divide"] = out
    return out


def claims(site: SiteData) -> dict[str, Any]:
    """Every claim the pages publish, with its numbers, test and the command that recomputes
    it (``aicap claim show ID --recompute``)."""
    from aicap.web.claim_lookup import monitor_claims_json

    return {
        "year": site.year,
        "claims": [*site.divide.get("claims", []), *monitor_claims_json(site)],
        "note": "a country's claims are on its page and at /api/claims/{id}",
    }


def claim(site: SiteData, claim_id: str) -> dict[str, Any] | None:
    from aicap.web.claim_lookup import find_claim

    return find_claim(site, claim_id)


# ------------------------------------------------------------------------------ indicators
def indicators(site: SiteData) -> dict[str, Any]:
    return {
        "year": site.year,
        "pillars": [
            {
                "code": p.code,
                "name": p.name,
                "indicators": [i for i in site.indicators if i["pillar"] == p.code],
            }
            for p in site.spec.pillars
        ],
    }


def indicator(site: SiteData, code: str) -> dict[str, Any]:
    key = f"indicator:{code}"
    cached = site.cache.get(key)
    if isinstance(cached, dict):
        return cached
    meta = site.indicator(code)
    if meta is None:
        raise KeyError(code)
    cells = site.cells[site.cells["indicator"] == code]
    latest = cells[cells["year"] == site.year]
    rows = []
    for r in latest.sort_values("normalised", ascending=False, na_position="last").to_dict(
        orient="records"
    ):
        iso3 = str(r["iso3"])
        if iso3 not in site.countries:
            continue
        rows.append(
            {
                "iso3": iso3,
                "names": site.countries[iso3].names,
                "un_region": site.countries[iso3].un_region,
                "value": _f(r.get("value")),
                "value_year": _i(r.get("value_year")),
                "normalised": _f(r.get("normalised")),
                "imputed": bool(r.get("imputed")),
            }
        )
    cov = cells.groupby("year").agg(
        countries=("value", lambda s: int(s.notna().sum())),
        median=("normalised", "median"),
    )
    coverage = [
        {"year": int(v["year"]), "countries": int(v["countries"]), "median": _f(v["median"])}
        for v in cov.reset_index().to_dict(orient="records")
    ]
    out = {
        **meta,
        "year": site.year,
        "with_value": sum(1 for x in rows if x["value"] is not None),
        "member_states": len(site.countries),
        "coverage": coverage,
        "rows": rows,
    }
    site.cache[key] = out
    return out


# ------------------------------------------------------------------------------ methodology
def _sources(site: SiteData) -> list[dict[str, Any]]:
    """The index's sources: publisher (the custodian) and, apart, the route (how the snapshot
    obtained the files: the mirror and its commit), with the series read from each."""
    out: dict[str, dict[str, Any]] = {}
    for i in site.indicators:
        key = str(i.get("source") or i.get("publisher") or "")
        if not key:
            continue
        entry = out.setdefault(
            key,
            {
                "source": key,
                "publisher": i.get("publisher", ""),
                "title": i.get("source_title", ""),
                "route": i.get("route", ""),
                "licence": i.get("licence", ""),
                "url": i.get("url", ""),
                "indicators": [],
            },
        )
        entry["indicators"].append(i["code"])
    return sorted(out.values(), key=lambda e: str(e["publisher"]))


def methodology(site: SiteData) -> dict[str, Any]:
    spec = site.spec
    return {
        "sources": _sources(site),
        "title": spec.title,
        "version": spec.version,
        "description": " ".join(spec.description.split()),
        "window": {
            "max_age": spec.window.max_age,
            "rationale": " ".join(spec.window.rationale.split()),
        },
        "series": {
            "start": spec.series.start,
            "rationale": " ".join(spec.series.rationale.split()),
        },
        "allowed_licences": list(spec.allowed_licences),
        "excluded_sources": {k: " ".join(v.split()) for k, v in spec.excluded_sources.items()},
        "groups": [
            {
                "code": g.code,
                "name": g.name,
                "weight": g.weight,
                "rationale": " ".join(g.rationale.split()),
            }
            for g in spec.groups
        ],
        "pillars": [
            {
                "code": p.code,
                "name": p.name,
                "group": p.group,
                "a79966": p.a79966,
                "dat_thresh": p.dat_thresh,
                "weight": p.weight,
                "rationale": " ".join(p.rationale.split()),
                "indicators": [i for i in site.indicators if i["pillar"] == p.code],
            }
            for p in spec.pillars
        ],
        "tiers": {
            "rule": " ".join(spec.tiers.rule.split()),
            "tiers": [
                {
                    "tier": t.tier,
                    "label": t.label,
                    "name": t.name,
                    "name_source": t.name_source,
                    "description": " ".join(t.description.split()),
                    "conditions": list(t.conditions),
                }
                for t in spec.tiers.tiers
            ],
            "conditions": [
                {
                    "code": c.code,
                    "name": c.name,
                    "required": c.required,
                    "tier": spec.tiers.tier_of(c.code),
                    "reason": " ".join(c.reason.split()),
                    "coverage": " ".join(c.coverage.split()),
                    "cites": [
                        f"{x.doc} (report), {x.entry}: \u201c{x.quote}\u201d" for x in c.cites
                    ],
                    "interventions": list(c.interventions),
                }
                for c in spec.tiers.conditions
            ],
            "source_note": " ".join(spec.tiers.source_note.split()),
        },
        "validation_targets": [
            {"series": v.series, "name": v.name, "year": v.year} for v in spec.validation_targets
        ],
        "origin": site.origin,
        "notes": site.notes,
    }


# ------------------------------------------------------------------------------ what-if
def whatif_defaults(site: SiteData) -> dict[str, Any]:
    w = nominal_weights(site.composite, site.pillar_codes)
    scale = len(w)
    return {
        "weights": {p: round(v * scale, 3) for p, v in w.items()},
        "method": "arithmetic",
        "methods": list(METHODS),
    }


def whatif_result(site: SiteData, res: WhatIf | None) -> dict[str, Any]:
    d = whatif_defaults(site)
    out: dict[str, Any] = {
        "year": site.year,
        "pillars": site.pillar_codes,
        "methods": d["methods"],
        "weights": res.weights if res else d["weights"],
        "method": res.method if res else d["method"],
        "computed": res is not None,
    }
    if res is None:
        return out
    rows = []
    for r in res.table.to_dict(orient="records"):
        iso3 = str(r["iso3"])
        if iso3 not in site.countries:
            continue
        rows.append(
            {
                "iso3": iso3,
                "names": site.countries[iso3].names,
                "score": _f(r["score"]),
                "rank": _i(r["rank"]),
                "rank_band": [_i(r["rank_p05"]), _i(r["rank_p95"])],
                "nominal_rank": _i(r["nominal_rank"]),
                "change": _i(r["change"]),
            }
        )
    moved = {r["iso3"]: r for r in rows}
    collapses = []
    for c in res.collapses.to_dict(orient="records"):
        iso3 = str(c["iso3"])
        if iso3 not in site.countries:
            continue
        m = moved.get(iso3, {})
        collapses.append(
            {
                "iso3": iso3,
                "names": site.countries[iso3].names,
                "pillar": c["pillar"],
                "zeros": [z for z in str(c["zeros"]).split(",") if z],
                "score": _f(c["score"]),
                "without_zeros": _f(c["without_zeros"]),
                "drop": _f(c["drop"]),
                "rank": m.get("rank"),
                "nominal_rank": m.get("nominal_rank"),
            }
        )
    out.update(
        collapse_warning=bool(collapses),
        collapse_points=COLLAPSE_POINTS,
        collapses=collapses,
        effective_weights={p: round(v, 4) for p, v in res.effective.items()},
        replications=res.replications,
        failed=res.failed,
        seconds=round(res.seconds, 3),
        rows=rows,
    )
    return out
