"""The Secretary-General briefing and the one-page country profiles: context, HTML, PDF.

``write_briefing`` computes every figure from :class:`~aicap.analysis.capacity_data.CapacityData`
(the divide, grouped findings for LDCs, LLDCs, SIDS and low-income countries, expected versus
actual capacity, recommendations by audience, an annex of country profiles), renders
``briefing.html`` with Jinja2 and ``briefing.pdf`` with WeasyPrint, and writes the data behind
each figure to ``data/*.csv`` so that every number traces to a file (and, through the index
outputs, to the warehouse's provenance).
"""

from __future__ import annotations

import datetime as _dt
import json
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from aicap.analysis.capacity_data import CapacityData
from aicap.analysis.catalogue import Catalogue
from aicap.analysis.claims_run import StandardClaims, standard_claims
from aicap.analysis.diagnose import Diagnosis, diagnose, expected_for
from aicap.analysis.divide import GROUP_WORDS, group_mask
from aicap.analysis.localise import Localiser
from aicap.analysis.localise_profile import localise_profile
from aicap.analysis.monitor.data import MonitorData
from aicap.analysis.monitor.links import Links, MonitorResults, Signal, all_signals
from aicap.analysis.profile import _json_list, build_profile
from aicap.analysis.recommend import asset_states, recommend
from aicap.report import charts
from aicap.report.briefing_recs import audience_section, financing_section, gender_section
from aicap.report.cache import Cache, key
from aicap.report.divide_section import (
    ClaimRefs,
    divide_section,
    expected_names,
    group_claims,
    verdict_row,
)
from aicap.report.lang import environment, finish
from aicap.report.monitor_section import incident_totals, monitor_section, profile_monitor
from aicap.report.monitor_source import MonitorJob, Signals
from aicap.report.monitor_source import compute as compute_monitor
from aicap.report.pdf import PdfBatch, render_pdf
from aicap.report.profile_claims import claim_objects, with_claims
from aicap.report.result import Briefing
from aicap.report.workers import STATE, Progress, Workers, chunk_size, collect

#: The groups whose unique challenges the briefing reports (A/RES/78/311 PP11, OP15).
FOCUS_GROUPS = ("LDC", "LLDC", "SIDS", "LIC")
TOP_N = 5  # recommendations counted per country for the aggregate


def _bad(v: Any) -> bool:
    if v is None:
        return True
    try:
        return bool(np.isnan(float(v)))
    except (TypeError, ValueError):
        return False


def _num(v: Any, nd: int = 1) -> str:
    """Format a number for the page ("n/a" for missing; thousands separators)."""
    if _bad(v):
        return "n/a"
    if isinstance(v, str):
        return v
    f = float(v)
    if abs(f) >= 1000:
        return f"{f:,.0f}"
    if abs(f) < 1 and f != 0 and nd < 2:
        return f"{f:.2f}"
    return f"{f:.{nd}f}"


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


# ------------------------------------------------------------------------------ sections
def _group_section(
    data: CapacityData,
    group: str,
    diags: dict[str, Diagnosis],
    recs: dict[str, list[str]],
    n_boot: int,
    std: StandardClaims,
) -> dict[str, Any]:
    c = data.countries
    mask = group_mask(c, group)
    members = sorted(mask[mask].index)
    sc = data.scores()
    sub = sc.reindex(members)
    scored = sub[sub["status"] == "scored"] if "status" in sub.columns else sub
    hic = sc[sc.index.isin(group_mask(c, "HIC").pipe(lambda s: s[s].index))]
    others_mask = ~mask & ~group_mask(c, "HIC")
    others = sc[sc.index.isin(others_mask[others_mask].index)]
    tiers = pd.to_numeric(sub["tier"], errors="coerce") if "tier" in sub.columns else None
    n_tier0 = int((tiers == 0).sum()) if tiers is not None else 0
    n_tiered = int(tiers.notna().sum()) if tiers is not None else 0
    binding = Counter(diags[m].binding for m in members if m in diags and diags[m].binding)
    bott: Counter[str] = Counter()
    gaps_missing = []
    for m in members:
        if m not in diags:
            continue
        d = diags[m]
        bott.update(d.bottlenecks["name"].tolist())
        gaps_missing.append(int(d.indicators["value"].isna().sum()))
    top_recs = Counter(i for m in members for i in recs.get(m, [])[:TOP_N])
    pillar_names = list(data.pillars.values())
    fig = charts.grouped_bars(
        pillar_names,
        {
            GROUP_WORDS[group].capitalize(): [float(scored[p].median()) for p in data.pillars],
            "Other developing countries": [float(others[p].median()) for p in data.pillars],
            "High-income countries": [float(hic[p].median()) for p in data.pillars],
        },
        title=f"Median pillar scores: {GROUP_WORDS[group]}, {data.year}",
        x_label=f"median pillar score (0-100), {data.year}",
    )
    gc = group_claims(data, group, std, n_boot)
    gv = std.group_verdicts.get(group)
    trend = verdict_row(gv) if gv is not None else None
    n = len(members)
    n_scored = len(scored)
    pname = data.pillars
    findings = [
        f"{n_scored} of the {n} {GROUP_WORDS[group]} have an index score for {data.year}; "
        f"their median score is {_num(scored['score'].median())} against "
        f"{_num(others['score'].median())} for other developing countries and "
        f"{_num(hic['score'].median())} for high-income countries.",
    ]
    claims: list[Any] = [None]
    if n_tiered and tiers is not None:
        findings.append(_tier0_finding(sub, tiers, n_tier0, n_tiered))
        claims.append(None)
    # relative to other developing countries: only differences whose interval excludes zero
    for c in gc["shortfalls"][:2]:
        findings.append(c.text)
        claims.append(c)
    for c in gc["strengths"][:1]:
        findings.append(c.text)
        claims.append(c)
    if not gc["shortfalls"] and not gc["strengths"] and gc["differences"]:
        findings.append(
            "No pillar differs clearly from other developing countries (every 95 % interval of "
            "the difference of medians includes zero)."
        )
        claims.append(None)
    if binding:
        top = binding.most_common(2)
        findings.append(
            "The binding constraint (weakest pillar against income-group peers) is most often "
            + " and ".join(f"{pname.get(str(k), str(k)).lower()} ({v} countries)" for k, v in top)
            + "."
        )
        claims.append(None)
    if bott:
        top_b = bott.most_common(3)
        findings.append(
            "The most frequent indicator bottlenecks are "
            + ", ".join(f"{k.lower()} ({v})" for k, v in top_b)
            + " (number of countries where the indicator lags both income-group and "
            "another peer group)."
        )
        claims.append(None)
    if gaps_missing:
        findings.append(
            f"Data gaps: a median of {int(np.median(gaps_missing))} of "
            f"{len(data.indicators)} indicators is missing per country; "
            f"{n - n_scored} cannot be scored for lack of data."
        )
        claims.append(None)
    if gc["trend"] is not None:
        findings.append(gc["trend"].text)
        claims.append(gc["trend"])
    assert len(claims) == len(findings)
    return {
        "group": group,
        "label": GROUP_WORDS[group],
        "claims": claims,
        "n": n,
        "n_scored": n_scored,
        "n_tier0": n_tier0,
        "n_tiered": n_tiered,
        "findings": findings,
        "figure": fig,
        "binding": dict(binding),
        "bottlenecks": dict(bott.most_common(8)),
        "top_recommendations": top_recs.most_common(8),
        "trend": trend,
    }


def _expected_section(
    data: CapacityData, focus: set[str], std: StandardClaims, ec: Any
) -> dict[str, Any]:
    t = ec.table
    names = data.countries.set_index("iso3")["name"]
    band_x = np.linspace(float(t["log_gdp"].min()), float(t["log_gdp"].max()), 30)
    lo, hi = ec.fit.prediction_interval(band_x)
    # named only when outside the band *and* significant after Holm over all countries
    over, under = expected_names(std, names, focus)
    named = {i for _, i in over} | {i for _, i in under}
    hl = {i: str(t["iso3"].iloc[i]) for i in range(len(t)) if t["iso3"].iloc[i] in named}
    fig = charts.scatter_fit(
        t["log_gdp"].tolist(),
        t["actual"].tolist(),
        (ec.fit.intercept, ec.fit.slope),
        list(zip(band_x.tolist(), lo.tolist(), hi.tolist(), strict=True)),
        title="aicap index score against GDP per capita",
        x_label="GDP per capita, PPP (current international $, log scale)",
        y_label="aicap index score",
        highlight=hl,
    )
    table = t.merge(std.outliers[["iso3", "p_value", "named"]], on="iso3", how="left")
    return {
        "fit": ec.fit.as_dict(),
        "n": len(t),
        "figure": fig,
        "over": over,
        "under": under,
        "table": table,
        "claim": std.get("outlier_count"),
        "n_over": int((t["verdict"] == "over-performs").sum()),
        "n_under": int((t["verdict"] == "under-performs").sum()),
    }


def profile_figure(profile: dict[str, Any], loc: Localiser | None = None) -> str:
    loc = loc or Localiser("en")
    pil = profile["pillars"]
    binding = next((k for k, p in enumerate(pil) if p["binding"]), None)
    nan = float("nan")
    if loc.rtl:  # SVG text is neither shaped nor reordered: HTML boxes for Arabic
        return charts.pillar_profile_html(
            [p["name"] for p in pil],
            [p["score"] if p["score"] is not None else nan for p in pil],
            [p["peer_median"] if p["peer_median"] is not None else nan for p in pil],
            [p["frontier"] if p["frontier"] is not None else nan for p in pil],
            title=loc.gettext("%(name)s: pillar scores, peers and frontier")
            % {"name": profile["name"]},
            binding=binding,
            words={w: loc.gettext(w) for w in ("score", "peer median", "frontier", "no score")},
            rtl=True,
        )
    return charts.pillar_profile(
        [p["name"] for p in pil],
        [p["score"] if p["score"] is not None else nan for p in pil],
        [p["peer_median"] if p["peer_median"] is not None else nan for p in pil],
        [p["frontier"] if p["frontier"] is not None else nan for p in pil],
        title=loc.gettext("%(name)s: pillar scores, peers and frontier")
        % {"name": profile["name"]},
        peer_label=profile["peers"][0]["label"],
        binding=binding,
        words={w: loc.gettext(w) for w in ("score", "peer median", "frontier", "no score")},
    )


def _footnotes(data: CapacityData) -> list[str]:
    meta = data.indicators
    notes = [
        f"{data.index_title} {data.index_version}, {data.years[0]}-{data.year}, fixed goalposts; "
        f"read from {data.origin}. Scores are 0-100; pillar and indicator definitions in "
        "frameworks/aicap.yaml.",
    ]
    if "route" not in meta.columns:
        meta = meta.assign(route="")
    for (pub, title, lic, vint, route), g in meta.groupby(
        ["publisher", "source_title", "licence", "vintage", "route"], sort=True
    ):
        if not pub:
            continue
        series = ", ".join(sorted(set(g["series"])))
        via = f", obtained through {route}" if route else ""
        notes.append(
            f"Publisher: {pub}, {title}; licence {lic}; series {series}. Snapshot ({vint}){via}."
        )
    return notes


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


def _tier0_finding(sub: pd.DataFrame, tiers: pd.Series, n_tier0: int, n_tiered: int) -> str:
    """Tier 0 by the evidence the sources hold, the ones that could be higher (a condition
    not assessed), and what is most often missing for tier 1 (A/79/966's step)."""
    s = (
        f"{n_tier0} of the {n_tiered} with a tier are in tier 0 (\u201cAI nascent\u201d) by "
        f"the evidence the sources hold: they do not show A/79/966's minimum irreducible AI "
        f"capacity (A/79/966 is a report of the Secretary-General)"
    )
    zero = sub[tiers == 0]
    if "tier_high" in zero.columns:
        high = pd.to_numeric(zero["tier_high"], errors="coerce")
        ranged = int((high > 0).sum())
        if ranged:
            s += (
                f"; {ranged} of them could be higher, because a condition (a national "
                f"strategy, compute within reach) was not assessed there"
            )
    missing: Counter[str] = Counter()
    for needs in zero.get("next_needs", pd.Series(dtype=object)).dropna():
        try:
            items = json.loads(str(needs))
        except ValueError:
            continue
        missing.update(
            str(i.get("needs", "")).split(" (", 1)[0] for i in items if i.get("state") == "not_met"
        )
    if missing:
        s += ". Most often missing for tier 1: " + "; ".join(
            f"{k} ({v})" for k, v in missing.most_common(3)
        )
    return s + "."


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


#: Profile entries that only the page uses (its chart, its claims by role, its footnote
#: markers and the function that writes their key): not data, never in profiles.json.
PAGE_ONLY = frozenset({"figure", "cl", "cref", "claim_key"})


def _json_value(value: Any) -> Any:
    """JSON for the few non-JSON values a profile holds (NumPy scalars, dates, paths, claims);
    anything else is an error, never an object's repr (which would hold a memory address and
    make the file differ from run to run)."""
    import datetime as _dt
    from pathlib import PurePath

    import numpy as np

    from aicap.analysis.claims import Claim

    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, Claim):
        return value.as_dict()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"profiles.json: a {type(value).__name__} is not data: {value!r:.80}")


def _data_files(ctx: dict[str, Any], out: Path) -> list[Path]:
    d = out / "data"
    d.mkdir(parents=True, exist_ok=True)
    files = []

    def put(name: str, frame: pd.DataFrame) -> None:
        path = d / name
        frame.to_csv(path, index=False)
        files.append(path)

    put("divide_by_year_and_pillar.csv", ctx["divide"]["table"])
    put(
        "divide_verdicts.csv",
        pd.DataFrame(
            [{"measure": "score", **(ctx["divide"]["verdict_row"] or {})}]
            + [
                {
                    "measure": r["pillar"],
                    **{k: v for k, v in r.items() if k not in ("pillar", "name", "claim")},
                }
                for r in ctx["divide"]["pillars"]
            ]
        ),
    )
    put("expected_capacity.csv", ctx["expected"]["table"])
    claims_path = d / "claims.json"
    ctx["claims"].write(claims_path)
    files.append(claims_path)
    rows = []
    for g in ctx["groups"]:
        for k, f in enumerate(g["findings"], start=1):
            rows.append({"group": g["group"], "finding": k, "text": f})
    put("group_findings.csv", pd.DataFrame(rows))
    rows = []
    for a in ctx["audiences"]:
        for it in a["entries"]:
            rows.append(
                {
                    "audience": a["audience"],
                    **{k: v for k, v in it.items() if k not in ("citations", "sdg_targets")},
                    "citations": "; ".join(it["citations"]),
                    "sdg_targets": " ".join(it["sdg_targets"]),
                }
            )
    put("recommendations_by_audience.csv", pd.DataFrame(rows))
    put("financing_by_country.csv", ctx["financing"]["table"])
    put("financing_by_group.csv", pd.DataFrame(ctx["financing"]["totals"]))
    put("gender_gaps_by_series.csv", ctx["gender"]["table"])
    recs = [
        {"iso3": k, "rank": n + 1, "intervention": i}
        for k, v in ctx["recommendations"].items()
        for n, i in enumerate(v)
    ]
    put("country_recommendations_top5.csv", pd.DataFrame(recs))
    mon = ctx.get("monitor")
    if mon is not None:
        conc = mon["concentration"]
        put("monitor_concentration_latest.csv", conc["table"])
        put("monitor_concentration_over_time.csv", conc["hhi_rows"])
        put("monitor_compute_shares.csv", conc["share_rows"])
        put("monitor_compute_lorenz.csv", conc["lorenz"])
        put("monitor_access_by_group.csv", mon["access"]["table"])
        put("monitor_gaps_by_group.csv", mon["gaps"]["table"])
        put("monitor_signals.csv", mon["signals_frame"])
        put("monitor_links.csv", mon["links_frame"])
    prof = [{k: v for k, v in p.items() if k not in PAGE_ONLY} for p in ctx["profiles"]]
    path = d / "profiles.json"
    path.write_text(json.dumps(prof, ensure_ascii=False, indent=1, default=_json_value), "utf-8")
    files.append(path)
    return files


def render_html(
    ctx: dict[str, Any], template: str = "briefing.html.j2", loc: Localiser | None = None
) -> str:
    """The briefing (or ``template``) as HTML in ``loc``'s language (default English): the
    annex's profiles localised and their figures drawn in that language."""
    loc = loc or Localiser("en")
    c = dict(ctx)
    # one A4 page per annex profile at 8.5 pt in every language: its first two
    # recommendations in English, one in the longer languages (the heading says how many of
    # how many; all are in data/profiles.json)
    c.setdefault("n_recs", 2 if loc.lang == "en" else 1)
    if c.get("profiles"):
        profs = []
        for p in c["profiles"]:
            q = localise_profile(p, loc)
            q["figure"] = profile_figure(q, loc)
            profs.append(q)
        c["profiles"] = profs
    html = environment(loc).get_template(template).render(**c)
    return finish(html, loc)


def html_to_pdf(html: str, path: Path, base_url: str | None = None) -> int:
    """Render ``html`` to ``path`` with WeasyPrint in one piece; returns the number of pages."""
    return render_pdf(html, path, base_url=base_url)


def write_briefing(
    data: CapacityData,
    catalogue: Catalogue,
    out: Path,
    *,
    annex: Sequence[str] = (),
    pdf: bool = True,
    n_boot: int = 1000,
    monitor: MonitorResults | None = None,
    links: Links | None = None,
    signals: Signals | None = None,
    monitor_job: MonitorJob | None = None,
    workers: int = 1,
    cache: Cache | None = None,
    progress: Progress | None = None,
    derived: str = "",
    langs: Sequence[str] = ("en",),
    localisers: dict[str, Localiser] | None = None,
    replies: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
) -> Briefing:
    """Write ``briefing.html``, ``briefing.pdf`` and ``data/`` to ``out``; with several
    ``langs``, ``briefing-<lang>.html`` and ``.pdf`` for each (the context is computed once;
    ``data/`` is the English record, written once). ``localisers``: per language, with the
    country reference's names (default: catalogues only). ``workers``:
    processes for the diagnoses, profiles, the Monitor (``monitor_job``) and the annex's PDF
    pages (1: all in process; the result is the same); ``cache``: rendered annex pages are
    kept there and reused while their HTML is unchanged, and with ``derived`` (a digest of
    every input, :func:`aicap.report.reuse.inputs_digest`) the diagnoses; ``progress``: called
    with ``(stage, done, total)``."""
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    with Workers(workers, worker_state(data, catalogue)) as pool:
        ctx = briefing_context(
            data,
            catalogue,
            annex=annex,
            n_boot=n_boot,
            monitor=monitor,
            links=links,
            signals=signals,
            monitor_job=monitor_job,
            workers=pool,
            progress=progress,
            cache=cache,
            derived=derived,
            replies=replies,
        )
        t1 = time.perf_counter()
        files = _data_files(ctx, out)  # the record: English, once for every language
        written: dict[str, tuple[Path, Path | None, int | None]] = {}
        t_html = t_pdf = 0.0
        batch = PdfBatch(pool, base_url=str(out), cache=cache, progress=progress)  # langperf
        for lg in langs:
            ta = time.perf_counter()
            if progress is not None:
                progress(f"html {lg}", 0, 1)
            loc = localisers[lg] if localisers and lg in localisers else Localiser(lg)
            html = render_html(ctx, loc=loc)
            stem = "briefing" if len(langs) == 1 else f"briefing-{lg}"
            html_path = out / f"{stem}.html"
            html_path.write_text(html, "utf-8")
            if progress is not None:
                progress(f"html {lg}", 1, 1)
            tb = time.perf_counter()
            pdf_path = None
            pages = None
            if pdf:
                pdf_path = out / f"{stem}.pdf"
                batch.add(html, pdf_path, f"pdf {lg}")  # annex laid out by the workers meanwhile
            t_html += tb - ta
            t_pdf += time.perf_counter() - tb
            written[lg] = (html_path, pdf_path, pages)
        tc = time.perf_counter()
        for lg, n in zip([x for x in langs if pdf], batch.finish(), strict=True):  # langperf
            written[lg] = (written[lg][0], written[lg][1], n)
        t_pdf += time.perf_counter() - tc
        t3 = time.perf_counter()
    first = written[langs[0]]
    html_path, pdf_path, pages = first
    t2 = t1 + t_html
    return Briefing(
        html_path,
        pdf_path,
        files,
        list(annex),
        {
            "diagnose": float(ctx["timing"]["diagnoses_s"]),
            "context": t1 - t0,
            "html": t2 - t1,
            "pdf": t_pdf,
            "total": t3 - t0,
        },
        pages,
        str(ctx["generated"]),
        languages=written,
    )


def profile_html(profile: dict[str, Any], loc: Localiser | None = None, n_recs: int = 3) -> str:
    """The one-page profile as HTML in ``loc``'s language (default English, country names in
    their prose form only where ``loc`` knows them), with its first ``n_recs``
    recommendations."""
    loc = loc or Localiser("en")
    p = localise_profile(with_claims(dict(profile)), loc)
    p["figure"] = profile_figure(p, loc)
    tpl = environment(loc).get_template("profile.html.j2")
    return finish(tpl.render(p=p, standalone=True, n_recs=n_recs), loc)


def write_profile_pdf(profile: dict[str, Any], path: Path, loc: Localiser | None = None) -> int:
    """The profile on one A4 page: with its first three recommendations, or two or one where
    a longer language needs the room (the heading says how many of how many)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pages = html_to_pdf(profile_html(profile, loc), path)
    for n in (2, 1):
        if pages <= 1:
            break
        pages = html_to_pdf(profile_html(profile, loc, n_recs=n), path)
    return pages
