"""The country profile's view-model (``/country/ISO3`` and its JSON twin): the analysis profile
(:mod:`aicap.analysis.profile`: diagnosis, recommendations, claims) with the index's tier
detail, trends, Monitor rows and the data table, in English (the record; the HTML page renders
a localised copy, :mod:`aicap.web.page_lang`)."""

from __future__ import annotations

import csv
import io
from typing import Any

from aicap.analysis.capacity_index import STATUS_SCORED
from aicap.analysis.diagnose import PeerGroup, diagnose
from aicap.analysis.profile import NOT_AVAILABLE, build_profile
from aicap.analysis.tier_statement import statement_fields
from aicap.web import monitor
from aicap.web.data import SiteData, jsonable
from aicap.web.view_common import _f, _i, _loads, row_summary

#: How the list of recommendations is drawn (aicap.analysis.recommend), for the page and API.
RECOMMEND_METHOD = (
    "Ranked by need (shortfall below the primary peer median on the indicators an "
    "intervention moves) plus 10 points for the binding constraint and 5 for a pillar that "
    "holds the country in its tier; unmet prerequisites come first (topological order); tier 0 "
    "countries first get A/79/966's minimum irreducible AI capacity."
)


def _nav(v: Any) -> Any:
    """``profile.NOT_AVAILABLE`` -> None."""
    return None if v == NOT_AVAILABLE else v


def _member(site: SiteData, iso3: str) -> dict[str, Any]:
    """A peer by its ISO code (its names in the six languages are /api/ranking's, said once
    there, not in every profile: 30 KB of each profile's JSON)."""
    r = site.results.loc[iso3]
    return {
        "iso3": iso3,
        "score": _f(r["score"]),
        "rank": _i(r["rank"]),
        "tier": _i(r["tier"]),
    }


def _profile(site: SiteData, iso3: str) -> tuple[dict[str, Any], list[PeerGroup]]:
    """The analysis profile of ``iso3`` (aicap.analysis.profile, which runs diagnose and
    recommend, here with the country's Monitor signals, as ``aicap profile`` and the briefing
    draw them) and its peer groups."""
    diag = diagnose(site.diagnosis_data, iso3, expected=site.expected)
    prof = build_profile(
        site.diagnosis_data,
        iso3,
        site.catalogue,
        expected=site.expected,
        diag=diag,
        signals=monitor.signals(site, iso3),
    )
    return prof, diag.peers


def _diagnosis(site: SiteData, prof: dict[str, Any], groups: list[PeerGroup]) -> dict[str, Any]:
    peers = [
        {
            "key": g.key,
            "label": g.label,
            "members": [
                _member(site, m)
                for m in g.members
                if m in site.countries and m in site.results.index
            ],
        }
        for g in groups
    ]
    trends = prof["trends"]
    return {
        "peers": peers,
        "peer_groups": [g.key for g in groups],
        "pillars": prof["pillars"],
        "binding": prof["binding_constraint"],
        "strengths": prof["strengths"],
        "bottlenecks": prof["bottlenecks"],
        "expected": _nav(prof["expected_capacity"]),
        "trends": trends,
        "catching_up": [t["code"] for t in trends if t["relative"] == "catching up"],
        "falling_behind": [t["code"] for t in trends if t["relative"] == "falling behind"],
        "data_gaps": prof["data_gaps"],
    }


#: cell flags of the plausibility screen and the zero rule (aicap.analysis.plausibility), and
#: of the correction rules of accepted error reports (aicap.analysis.voice.corrections)
SCREEN_FLAGS = (
    "screen:",
    "capped:",
    "dropped:",
    "missing:not_listed",
    "zero:not_listed",
    "corrected:",
    "excluded:",
)


def _data_table(site: SiteData, iso3: str) -> list[dict[str, Any]]:
    cells = site.cells
    own = cells[(cells["iso3"] == iso3) & (cells["year"] == site.year)]
    meta = {i["code"]: i for i in site.indicators}
    rows = []
    for r in own.to_dict(orient="records"):
        code = str(r["indicator"])
        m = meta.get(code, {})
        vy = _i(r.get("value_year"))
        src = site.provenance.get((iso3, str(r["series"]), vy)) if vy is not None else None
        flags = [f for f in str(r.get("flags") or "").split(",") if f]
        rows.append(
            {
                "indicator": code,
                "name": m.get("name", code),
                "pillar": str(r["pillar"]),
                "series": str(r["series"]),
                "value": _f(r.get("value")),
                "unit": m.get("unit", ""),
                "value_year": vy,
                "normalised": _f(r.get("normalised")),
                "imputed": bool(r.get("imputed")),
                "flags": flags,
                # the plausibility screen and the zero rule (issue 16): shown whatever the year
                "screen": [
                    f.strip()
                    for f in str(r.get("flags") or "").replace(",", ";").split(";")
                    if f.strip().startswith(SCREEN_FLAGS)
                ],
                "source": src
                or (
                    {"publisher": m.get("publisher"), "licence": m.get("licence")}
                    if vy is not None
                    else None
                ),
            }
        )
    order = {c: k for k, c in enumerate(site.spec.indicator_codes)}
    return sorted(rows, key=lambda x: order.get(x["indicator"], 99))


def _trend_comparable(site: SiteData, iso3: str) -> list[dict[str, Any]]:
    """Constant-composition index and pillar scores per year (the only series a trend may be
    read from: the same indicators in every year)."""
    comp = site.diagnosis_data.composition()
    s = comp.scores[comp.scores["iso3"] == iso3].sort_values("year")
    return [
        {
            "year": int(r["year"]),
            "score": _f(r["score"]),
            **{p: _f(r.get(p)) for p in site.pillar_codes},
        }
        for r in s.to_dict(orient="records")
    ]


def _trend(site: SiteData, iso3: str) -> list[dict[str, Any]]:
    s = site.series[site.series["iso3"] == iso3].sort_values("year")
    return [
        {
            "year": int(r["year"]),
            "status": str(r["status"]),
            "score": _f(r["score"]) if r["status"] == STATUS_SCORED else None,
            "rank": _i(r["rank"]) if r["status"] == STATUS_SCORED else None,
            "tier": _i(r.get("tier")),
            **{p: _f(r.get(p)) for p in site.pillar_codes},
        }
        for r in s.to_dict(orient="records")
    ]


def country(site: SiteData, iso3: str) -> dict[str, Any]:
    key = f"country:{iso3}"
    cached = site.cache.get(key)
    if isinstance(cached, dict):
        return cached
    base = row_summary(site, iso3)
    r = site.results.loc[iso3] if iso3 in site.results.index else None
    tier_info: dict[str, Any] = {}
    if r is not None:
        gaps_raw = r.get("gaps")
        try:
            import json

            gaps = json.loads(str(gaps_raw)) if isinstance(gaps_raw, str) and gaps_raw else {}
        except ValueError:
            gaps = {}
        tier_info = {
            "tier": _i(r.get("tier")),
            "tier_high": _i(r.get("tier_high")),
            "range": jsonable(r.get("tier_range")) or None,
            "probability": _loads(r.get("tier_probability")) or {},
            "probability_if_unknown_met": _loads(r.get("tier_probability_high")) or {},
            "p_tier": _f(r.get("p_tier")),
            "near_boundary": bool(jsonable(r.get("near_boundary")) or False),
            "conditions": _loads(r.get("tier_conditions")) or [],
            "next_needs": _loads(r.get("next_needs")) or [],
            "label": jsonable(r.get("tier_label")),
            "basis": jsonable(r.get("tier_basis")) or None,
            "next_tier": _i(r.get("next_tier")),
            "holding_pillars": [p for p in str(r.get("holding_pillars") or "").split(",") if p],
            "binding_pillar": jsonable(r.get("binding_pillar")) or None,
            "gaps_to_next_tier": {str(k): _f(v) for k, v in gaps.items()},
            "evidence": jsonable(r.get("evidence")),
            **statement_fields(r),  # capacity level, what holds the tier (tier_statement)
        }
    change = None
    if iso3 in site.changes.index:
        ch = site.changes.loc[iso3]
        change = {
            k: jsonable(ch.get(k))
            for k in ("start", "end", "score_start", "score_end", "change", "direction", "relative")
        }
    prof, groups = _profile(site, iso3)
    diag = _diagnosis(site, prof, groups)
    out = {
        **base,
        "index": site.spec.title,
        "tier_detail": tier_info,
        "groups": {g.code: _f(r.get(g.code)) if r is not None else None for g in site.spec.groups},
        "change": change,
        "data_age": site.diagnosis_data.data_age_of(iso3),
        "trend": _trend(site, iso3),
        "trend_comparable": _trend_comparable(site, iso3),
        "claims": prof.get("claims", []),
        "financing": prof.get("financing"),
        "gender": prof.get("gender"),
        "breaks": [
            {"year": b["end"], "text": b["text"]}
            for b in site.divide.get("breaks", [])
            if b.get("end") is not None
        ],
        "diagnosis": diag,
        "recommendations": {
            "method": RECOMMEND_METHOD,
            "binding": diag["binding"],
            "holding_pillars": tier_info.get("holding_pillars", []),
            "ranked": prof["recommendations"],
        },
        "monitor": monitor.country_rows(site, iso3),
        "data": _data_table(site, iso3),
        "downloads": {"csv": f"api/country/{iso3}.csv"},
        "origin": site.origin,
    }
    site.cache[key] = out
    return out


#: Where each value of a profile's CSV comes from (its ``source`` record), in column order.
SOURCE_COLUMNS = ("publisher", "source_title", "licence", "url", "file", "row", "sha256")


def country_csv(data: dict[str, Any]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    cols = ["indicator", "name", "pillar", "series", "value", "unit", "value_year", "normalised"]
    w.writerow(["iso3", *cols, "imputed", "flags", *SOURCE_COLUMNS])
    for r in data["data"]:
        src = r.get("source") or {}
        w.writerow(
            [
                data["iso3"],
                *[r.get(c) for c in cols],
                r["imputed"],
                ";".join(r["flags"]),
                *[src.get(k) for k in SOURCE_COLUMNS],
            ]
        )
    return buf.getvalue()
