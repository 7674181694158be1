"""The briefing's sections computed from the data: the findings for each focus group (LDCs,
LLDCs, SIDS, low-income countries), expected against actual capacity, the annex profiles'
figure and the sources' footnotes (English; :mod:`aicap.analysis.localise` translates them)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import numpy as np
import pandas as pd

from aicap.analysis.capacity_data import CapacityData
from aicap.analysis.claims_run import StandardClaims
from aicap.analysis.diagnose import Diagnosis
from aicap.analysis.divide import GROUP_WORDS, group_mask
from aicap.analysis.localise import Localiser
from aicap.report import charts
from aicap.report.divide_section import expected_names, group_claims, verdict_row

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
