"""The briefing's context: every section computed once (in worker processes where they
help), whatever the language it is then rendered in (:mod:`aicap.report.briefing`)."""

from __future__ import annotations

import datetime as _dt
import time
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from aicap.analysis.capacity_data import CapacityData
from aicap.analysis.catalogue import Catalogue
from aicap.analysis.claims_run import standard_claims
from aicap.analysis.diagnose import Diagnosis, diagnose, expected_for
from aicap.analysis.monitor.data import MonitorData
from aicap.analysis.monitor.links import Links, MonitorResults, Signal, all_signals
from aicap.analysis.profile import _json_list, build_profile
from aicap.analysis.recommend import asset_states, recommend
from aicap.report.briefing_recs import audience_section, financing_section, gender_section
from aicap.report.briefing_sections import (
    FOCUS_GROUPS,
    TOP_N,
    _expected_section,
    _footnotes,
    _group_section,
    profile_figure,
)
from aicap.report.cache import Cache, key
from aicap.report.divide_section import ClaimRefs, divide_section
from aicap.report.monitor_section import incident_totals, monitor_section, profile_monitor
from aicap.report.monitor_source import MonitorJob, Signals
from aicap.report.monitor_source import compute as compute_monitor
from aicap.report.profile_claims import claim_objects, with_claims
from aicap.report.workers import STATE, Progress, Workers, chunk_size, collect


def annex_countries(data: CapacityData, spec: str) -> list[str]:
    """``all`` (every Member State), ``focus`` (LDC, LLDC, SIDS or low-income), ``none``, or a
    comma-separated list of ISO3 codes."""
    c = data.countries
    s = spec.strip()
    if s.lower() == "all":
        return sorted(c["iso3"])
    if s.lower() == "none" or not s:
        return []
    if s.lower() == "focus":
        m = c["ldc"] | c["lldc"] | c["sids"] | (c["income_group"] == "LIC")
        return sorted(c.loc[m, "iso3"])
    codes = [x.strip().upper() for x in s.split(",") if x.strip()]
    unknown = [x for x in codes if x not in set(c["iso3"])]
    if unknown:
        raise KeyError(f"not UN Member States: {', '.join(unknown)}")
    return codes


# ------------------------------------------------------------------------------ per country
# These run in the worker processes (aicap.report.workers) on what the parent loaded.
def worker_state(data: CapacityData, catalogue: Catalogue) -> dict[str, Any]:
    """What :class:`~aicap.report.workers.Workers` for a briefing start with."""
    return {"data": data, "catalogue": catalogue, "expected": expected_for(data)}


def _diagnose_chunk(codes: Sequence[str]) -> list[Diagnosis]:
    data: CapacityData = STATE["data"]
    return [diagnose(data, iso, expected=STATE["expected"]) for iso in codes]


def _monitor_chunk(frames: MonitorData, links: Links) -> tuple[MonitorResults, Signals]:
    return compute_monitor(frames, links)


def _holding_pillars(sc: pd.DataFrame, iso: str) -> str:
    if iso not in sc.index or "holding_pillars" not in sc.columns:
        return ""
    return str(sc.loc[iso, "holding_pillars"])


def _country_chunk(
    items: Sequence[tuple[str, Diagnosis, list[Signal], bool]],
) -> list[tuple[list[str], dict[str, Any] | None]]:
    """Per country: its first ``TOP_N`` recommendations (ids), drawn with its Monitor signals,
    and for the annex its profile (whose recommendations are these)."""
    data: CapacityData = STATE["data"]
    cat: Catalogue = STATE["catalogue"]
    sc = data.scores()
    out: list[tuple[list[str], dict[str, Any] | None]] = []
    for iso, d, sig, in_annex in items:
        if in_annex:
            p = build_profile(
                data,
                iso,
                cat,
                expected=STATE["expected"],
                diag=d,
                n_recommendations=TOP_N,
                signals=sig,
            )
            out.append(([str(r["id"]) for r in p["recommendations"]], p))
        else:
            hp = _holding_pillars(sc, iso)
            recs = recommend(
                d,
                cat,
                holding_pillars=hp,
                limit=TOP_N,
                signals=sig,
                assets=asset_states(data.assets, iso),
                next_needs=_json_list(sc.loc[iso, "next_needs"])
                if iso in sc.index and "next_needs" in sc.columns
                else [],
            )
            out.append(([r.intervention.id for r in recs], None))
    return out


def _chunks(items: Sequence[Any], size: int) -> list[Sequence[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


# ------------------------------------------------------------------------------ assemble
def briefing_context(
    data: CapacityData,
    catalogue: Catalogue,
    *,
    annex: Sequence[str] = (),
    n_boot: int = 1000,
    monitor: MonitorResults | None = None,
    links: Links | None = None,
    signals: Signals | None = None,
    monitor_job: MonitorJob | None = None,
    workers: Workers | None = None,
    progress: Progress | None = None,
    cache: Cache | None = None,
    derived: str = "",
    replies: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
) -> dict[str, Any]:
    """Everything the templates need (and the frames written to ``data/``). With ``monitor``
    and ``links`` (or a ``monitor_job`` that computes them) the briefing gains the section on
    concentration and governance gaps, and each country's recommendations include the
    interventions its Monitor signals point to (``signals``: precomputed, else drawn from
    ``monitor``). ``workers``: processes started with :func:`worker_state` of this ``data`` and
    ``catalogue`` for the diagnoses, the profiles and the Monitor (default: in process).
    ``cache`` and ``derived`` (a digest of every input the data came from): the diagnoses are
    kept there under it and reused."""
    t0 = time.perf_counter()
    pool = workers if workers is not None else Workers(1, worker_state(data, catalogue))
    if pool.state.get("data") is not data or pool.state.get("catalogue") is not catalogue:
        raise ValueError("the workers were started on other data or another catalogue")
    c = data.countries
    focus_mask = c["ldc"] | c["lldc"] | c["sids"] | (c["income_group"] == "LIC")
    focus = sorted(c.loc[focus_mask, "iso3"])
    codes = sorted(set(focus) | set(annex))
    # the Monitor in one worker, the diagnoses in the others, the divide here
    mon_future = None
    if monitor_job is not None:
        links = monitor_job.links
        mon_future = pool.submit(_monitor_chunk, monitor_job.frames, monitor_job.links)
    # diagnoses depend on the data alone: reused when ``derived`` (a digest of every input,
    # aicap.report.reuse.inputs_digest) is unchanged
    diag_key = key("diagnoses", derived, *codes) if cache is not None and derived else ""
    stored = cache.get("derived", diag_key) if cache is not None and diag_key else None
    parts = _chunks(codes, chunk_size(len(codes), pool.n))
    diag_futures = [] if stored is not None else [pool.submit(_diagnose_chunk, p) for p in parts]
    ec = expected_for(data)
    std = standard_claims(data, n_boot=n_boot, expected_table=ec.table)
    divide = divide_section(data, std)
    expected = _expected_section(data, set(focus), std, ec)
    if stored is not None:
        diags: dict[str, Diagnosis] = stored
    else:
        diag_list = collect(diag_futures, [len(p) for p in parts], "diagnose", progress)
        diags = dict(zip(codes, diag_list, strict=True))
        if cache is not None and diag_key:
            from aicap.report.reuse import put

            put(cache, "derived", diag_key, diags)
    if mon_future is not None and monitor_job is not None:
        if progress is not None:
            progress("monitor", 0, 1)
        monitor, signals = mon_future.result()
        if monitor_job.store is not None:
            monitor_job.store(monitor, signals)
        if progress is not None:
            progress("monitor", 1, 1)
    t_diag = time.perf_counter() - t0
    with_monitor = monitor is not None and links is not None
    if signals is None:
        signals = all_signals(links, monitor) if links is not None and monitor is not None else {}
    in_annex = set(annex)
    items = [(iso, diags[iso], signals.get(iso, []), iso in in_annex) for iso in codes]
    per_country = pool.map_chunks(
        _country_chunk, items, chunk_size(len(items), pool.n), "profiles", progress
    )
    recs: dict[str, list[str]] = {}
    built: dict[str, dict[str, Any]] = {}
    for iso, (ids, prof) in zip(codes, per_country, strict=True):
        recs[iso] = ids
        if prof is not None:
            built[iso] = prof
    groups = [_group_section(data, g, diags, recs, n_boot, std) for g in FOCUS_GROUPS]
    audiences = audience_section(catalogue, recs, focus, TOP_N)
    tier_of = {
        str(k): (int(v) if pd.notna(v) else None)
        for k, v in (data.scores()["tier"].items() if "tier" in data.scores().columns else [])
    }
    financing = financing_section(catalogue, recs, c, tier_of, focus, TOP_N)
    gender = gender_section(diags, recs, focus, TOP_N)
    footnotes = _footnotes(data)
    section = None
    totals: dict[str, int] = {}
    if with_monitor:
        assert monitor is not None and links is not None
        section = monitor_section(monitor, links, c, signals, len(footnotes) + 1)
        std.claims.extend(section["claims"].claims.values())
        footnotes = footnotes + section["notes"]
        totals = incident_totals(monitor)
    profiles = []
    for iso in annex:
        p = dict(built[iso])
        if section is not None:
            assert monitor is not None
            p["monitor"] = profile_monitor(monitor, signals.get(iso, []), iso, totals)
        p["figure"] = profile_figure(p)
        p["country_reply"] = [dict(r) for r in (replies or {}).get(iso, [])]  # issue 20
        profiles.append(with_claims(p))
        std.claims.extend(claim_objects(p))
    sc = data.scores()
    tiers = pd.to_numeric(sc["tier"], errors="coerce") if "tier" in sc.columns else pd.Series()
    tier_counts = {
        int(str(k)): int(v)
        for k, v in tiers.dropna().astype(int).value_counts().sort_index().items()
    }
    n_scored = int((sc["status"] == "scored").sum()) if "status" in sc.columns else len(sc)
    return {
        "title": "The global AI divide and the unique challenges of developing countries in AI "
        "capacity-building",
        "subtitle": "Evidence for the report requested in A/RES/78/311, OP 15",
        "generated": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "date": _dt.datetime.now(_dt.UTC).date(),
        "data": data,
        "year": data.year,
        "n_members": len(c),
        "n_scored": n_scored,
        "tier_counts": tier_counts,
        "tier_labels": data.tiers,
        "divide": divide,
        "claims": std.claims,
        "cite": ClaimRefs(),
        "groups": groups,
        "expected": expected,
        "audiences": audiences,
        "financing": financing,
        "gender": gender,
        "profiles": profiles,
        "footnotes": footnotes,
        "monitor": section,
        "mandate_op15": catalogue.mandates.resolve("A/RES/78/311 OP15"),
        "mandate_pp8": catalogue.mandates.resolve("A/RES/78/311 PP8"),
        "mandate_pp11": catalogue.mandates.resolve("A/RES/78/311 PP11"),
        "mandate_op6": catalogue.mandates.resolve("A/RES/78/311 OP6") if section else None,
        "n_focus": len(focus),
        "warnings": list(data.warnings),
        "timing": {"diagnoses_s": t_diag, "context_s": time.perf_counter() - t0},
        "diagnoses": diags,
        "recommendations": recs,
    }
