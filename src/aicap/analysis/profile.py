"""Country profile: tier, scores with uncertainty bands, peers, bottlenecks, recommendations with
citations, data gaps, as one JSON-ready dictionary (``aicap profile ISO3 --json``) that the
one-page PDF and the briefing annex render."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from aicap.analysis.capacity_data import CapacityData, nan_to_none
from aicap.analysis.catalogue import Catalogue
from aicap.analysis.claims_country import country_claims
from aicap.analysis.claims_profile import profile_claims
from aicap.analysis.diagnose import GROUP_LABELS, Diagnosis, ExpectedCapacity, diagnose
from aicap.analysis.financing import bundle_financing
from aicap.analysis.gender import NOT_HELD as GENDER_NOT_HELD
from aicap.analysis.recommend import Country, GapSignal, asset_states, recommend

NOT_AVAILABLE = "not available"
#: A value this many years older than the profile year is listed as a data gap ("old").
OLD_VALUE_YEARS = 3
TREND_COLUMNS = ["kind", "code", "name", "unit", "n_years", "first", "last", "slope", "gap_now"]
TREND_COLUMNS += ["gap_slope", "gap_slope_low", "gap_slope_high", "relative"]


def _json_col(v: Any) -> Any:
    """A JSON text column of the index outputs back to data (None when absent or invalid)."""
    if not isinstance(v, str) or not v:
        return None
    try:
        return json.loads(v)
    except json.JSONDecodeError:
        return None


def _r(v: Any, nd: int = 2) -> Any:
    v = nan_to_none(v)
    return round(v, nd) if isinstance(v, float) else v


def _rows(frame: pd.DataFrame, cols: list[str]) -> list[dict[str, Any]]:
    """``frame[cols].to_dict(orient="records")`` with the values as ``Series.tolist`` gives them
    (Python scalars; much faster than ``to_dict`` on string columns stored by Arrow)."""
    values = [frame[c].tolist() for c in cols]
    keys = [str(c) for c in cols]
    return [dict(zip(keys, row, strict=True)) for row in zip(*values, strict=True)]


def _records(frame: pd.DataFrame, cols: list[str], nd: int = 3) -> list[dict[str, Any]]:
    return [{k: _r(v, nd) for k, v in rec.items()} for rec in _rows(frame, cols)]


def _short(key: str) -> str:
    """Column heading for a peer group: ``income:LIC`` -> ``LIC``, ``LDC`` -> ``LDC``."""
    return key.split(":", 1)[-1] if key != "all" else "All"


def _json_list(v: Any) -> list[dict[str, Any]]:
    """A JSON list column of the scores (the tier rule's ``next_needs``), or []."""
    if not isinstance(v, str) or not v:
        return []
    try:
        got = json.loads(v)
    except json.JSONDecodeError:
        return []
    return [x for x in got if isinstance(x, dict)] if isinstance(got, list) else []


def data_gaps(diag: Diagnosis, missing_pillars: str = "") -> dict[str, Any]:
    ind = diag.indicators
    missing = ind[ind["value"].isna()]
    years = pd.to_numeric(ind["value_year"], errors="coerce")
    old = ind[years.notna() & (years <= diag.year - OLD_VALUE_YEARS)].assign(vy=years)
    return {
        "missing_pillars": [p for p in missing_pillars.split(",") if p],
        "missing_indicators": [
            {
                "indicator": r["indicator"],
                "name": r["name"],
                "pillar": r["pillar"],
                "flags": r["flags"],
            }
            for r in _rows(missing, ["indicator", "name", "pillar", "flags"])
        ],
        "old_values": [
            {
                "indicator": str(r["indicator"]),
                "name": str(r["name"]),
                "year": int(r["vy"]),
                "age": int(diag.year - int(r["vy"])),
            }
            for r in _rows(old, ["indicator", "name", "vy"])
        ],
        "n_indicators": len(ind),
        "n_with_data": int(ind["value"].notna().sum()),
    }


def build_profile(
    data: CapacityData,
    iso3: str,
    catalogue: Catalogue,
    *,
    expected: ExpectedCapacity | None = None,
    n_recommendations: int = 12,
    diag: Diagnosis | None = None,
    signals: Sequence[GapSignal] = (),
) -> dict[str, Any]:
    """The profile of ``iso3`` (JSON-ready); ``diag``: its diagnosis if already computed;
    ``signals``: the country's Monitor signals (:func:`aicap.analysis.monitor.links.all_signals`),
    passed to the recommender as the briefing does (none: recommendations from the index
    alone)."""
    iso3 = iso3.upper()
    diag = diag if diag is not None else diagnose(data, iso3, expected=expected)
    info = data.country(iso3)
    sc = data.scores()
    row: dict[str, Any] = (
        {str(k): v for k, v in sc.loc[iso3].to_dict().items()} if iso3 in sc.index else {}
    )
    holding = str(row.get("holding_pillars") or "")
    states = asset_states(data.assets, iso3)
    needs = _json_list(row.get("next_needs"))
    recs = recommend(
        diag,
        catalogue,
        holding_pillars=holding,
        limit=n_recommendations,
        signals=signals,
        assets=states,
        next_needs=needs,
    )
    # data.has_bands, on the latest year's rows already at hand
    has_bands = "score_p05" in sc.columns and bool(sc["score_p05"].notna().any())
    bands_known = has_bands and nan_to_none(row.get("score_p05")) is not None
    pillars = diag.pillars
    peer_cols = [c for c in pillars.columns if c.startswith("median:")]
    pillar_list = []
    for r in _rows(pillars, list(pillars.columns)):
        pillar_list.append(
            {
                "pillar": r["pillar"],
                "name": r["name"],
                "score": _r(r["score"]),
                "peer_medians": {c.split(":", 1)[1]: _r(r[c]) for c in peer_cols},
                "peer_median": _r(r["peer_median"]),
                "frontier": _r(r["frontier"]),
                "gap_peer": _r(r["gap_peer"]),
                "gap_frontier": _r(r["gap_frontier"]),
                "status": r["status"],
                "binding": bool(r["binding"]),
            }
        )
    ind_cols = [
        "indicator",
        "name",
        "pillar",
        "series",
        "unit",
        "value",
        "value_year",
        "normalised",
        "peer_median_value",
        "peer_median",
        "frontier_value",
        "gap_peer",
        "gap_peer_value",
        "gap_frontier_value",
        "status",
        "flags",
    ]
    bott = diag.bottlenecks
    strg = diag.strengths
    tier = diag.tier
    tier_gaps = row.get("gaps")
    try:
        gaps_to_next = json.loads(tier_gaps) if isinstance(tier_gaps, str) and tier_gaps else {}
    except json.JSONDecodeError:
        gaps_to_next = {}
    meta = data.indicator_meta()
    sources = sorted(
        {
            f"{m['publisher']}, {m['source_title']} ({m['licence']})"
            for _, m in meta.iterrows()
            if m["publisher"]
        }
    )
    exp = diag.expected
    inc = info.get("income_group")
    prof: dict[str, Any] = {
        "iso3": iso3,
        "name": diag.name,
        "year": data.year,
        "data_age": data.data_age_of(iso3) or NOT_AVAILABLE,
        "index": {"title": data.index_title, "version": data.index_version, "origin": data.origin},
        "income_group": inc,
        "income_group_label": GROUP_LABELS.get(str(inc), NOT_AVAILABLE) if inc else NOT_AVAILABLE,
        "un_region": info.get("un_region"),
        "ldc": bool(info.get("ldc")),
        "lldc": bool(info.get("lldc")),
        "sids": bool(info.get("sids")),
        "status": diag.status,
        "tier": tier,
        # the tier as stated (aicap.analysis.tier_statement): A/79/966's label only where the
        # evidence bears it out, else what holds the tier or what is not assessed
        "tier_label": (
            nan_to_none(row.get("tier_label")) or data.tiers.get(tier, NOT_AVAILABLE)
            if tier is not None
            else NOT_AVAILABLE
        ),
        "capacity_tier": nan_to_none(row.get("capacity_tier")),
        "held_by": [c for c in str(nan_to_none(row.get("held_by")) or "").split(",") if c],
        "tier_evidence": nan_to_none(row.get("evidence")) or NOT_AVAILABLE,
        "next_tier": nan_to_none(row.get("next_tier")),
        "gaps_to_next_tier": gaps_to_next,
        "tier_range": nan_to_none(row.get("tier_range")),
        "tier_probability": _json_col(row.get("tier_probability")) or {},
        "tier_near_boundary": bool(nan_to_none(row.get("near_boundary")) or False),
        "tier_conditions": _json_col(row.get("tier_conditions")) or [],
        "tier_next_needs": _json_col(row.get("next_needs")) or [],
        "score": _r(row.get("score")),
        "rank": nan_to_none(row.get("rank")),
        "n_scored": nan_to_none(row.get("n_scored")),
        "uncertainty": (
            {
                "score_p05": _r(row.get("score_p05")),
                "score_p95": _r(row.get("score_p95")),
                "rank_p05": _r(row.get("rank_p05"), 0),
                "rank_p95": _r(row.get("rank_p95"), 0),
            }
            if bands_known
            else NOT_AVAILABLE
        ),
        "peers": [
            {"group": g.key, "label": g.label, "short": _short(g.key), "n": len(g.members)}
            for g in diag.peers
        ],
        "pillars": pillar_list,
        "binding_constraint": diag.binding,
        "strengths": _records(strg, ind_cols),
        "bottlenecks": _records(bott, ind_cols),
        "indicators": _records(diag.indicators, ind_cols),
        "expected_capacity": (
            {
                "gdp_per_capita_ppp": _r(exp["gdp_pc"], 0),
                "gdp_year": nan_to_none(exp.get("gdp_year")),
                "actual": _r(exp["actual"]),
                "expected": _r(exp["expected"]),
                "interval": [_r(exp["pi_low"]), _r(exp["pi_high"])],
                "residual": _r(exp["residual"]),
                "residual_interval": [_r(exp["residual_low"]), _r(exp["residual_high"])],
                "verdict": exp["verdict"],
                "fit": {
                    k: _r(v, 4) if isinstance(v, float) else v
                    for k, v in (diag.expected_fit.as_dict() if diag.expected_fit else {}).items()
                },
            }
            if exp is not None
            else NOT_AVAILABLE
        ),
        "trends": _records(
            diag.trends,
            TREND_COLUMNS,
            4,
        ),
        "recommendations": [r.as_dict() for r in recs],
        "assets": {k: v.as_dict() for k, v in states.items()},
        "financing": bundle_financing(recs, catalogue, Country.of(diag)),
        "gender": {
            "gaps": _records(diag.gender, list(diag.gender.columns), 3) if len(diag.gender) else [],
            "not_held": GENDER_NOT_HELD,
        },
        "data_gaps": data_gaps(diag, str(row.get("missing_pillars") or "")),
        "claims": [
            c.as_dict()
            for c in [
                *profile_claims(
                    diag, row, [r.as_dict() for r in recs], data.tiers, _near_boundary(data)
                ),
                *country_claims(diag),
            ]
        ],
        "sources": sources,
        "warnings": list(data.warnings),
    }
    return prof


def _near_boundary(data: CapacityData) -> float:
    """The framework's ``near_boundary_probability`` (the shipped one's when ``data`` has no
    spec)."""
    spec = data.spec
    if spec is None:
        from aicap.analysis.spec import IndexSpec, default_framework_path

        spec = IndexSpec.load(default_framework_path())
    return float(spec.tiers.near_boundary_probability)


def profile_json(profile: dict[str, Any]) -> str:
    def default(o: Any) -> Any:
        if isinstance(o, np.generic):
            return o.item()
        raise TypeError(type(o).__name__)

    return json.dumps(profile, ensure_ascii=False, indent=1, default=default)
