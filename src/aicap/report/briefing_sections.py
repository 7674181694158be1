"""The briefing's sections computed from the data: the findings for each focus group (LDCs,
LLDCs, SIDS, low-income countries), expected against actual capacity, the annex profiles'
figure and the sources' footnotes (English; :mod:`aicap.analysis.localise` translates them)."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping
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
from aicap.report.lang import Note, Sentences

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
    findings: list[str] = [
        Note(
            "{n_scored} of the {n} {group} have an index score for {year}; their median score "
            "is {a} against {b} for other developing countries and {c} for high-income "
            "countries.",
            frozenset({"group"}),
            n_scored=n_scored,
            n=n,
            group=GROUP_WORDS[group],
            year=str(data.year),
            a=float(scored["score"].median()),
            b=float(others["score"].median()),
            c=float(hic["score"].median()),
        ),
    ]
    claims: list[Any] = [None]
    if n_tiered and tiers is not None:
        findings.append(_tier0_finding(sub, tiers, n_tier0, n_tiered, data.pillars))
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
            Note(
                "No pillar differs clearly from other developing countries (every 95 % interval "
                "of the difference of medians includes zero)."
            )
        )
        claims.append(None)
    if binding:
        top = binding.most_common(2)
        items = [
            Note("{pillar} ({n:d} countries)", frozenset({"pillar"}), pillar=_lower(pname, k), n=v)
            for k, v in top
        ]
        findings.append(
            Note(
                "The binding constraint (weakest pillar against income-group peers) is most "
                "often {a} and {b}.",
                a=items[0],
                b=items[1],
            )
            if len(items) > 1
            else Note(
                "The binding constraint (weakest pillar against income-group peers) is most "
                "often {a}.",
                a=items[0],
            )
        )
        claims.append(None)
    if bott:
        top_b = bott.most_common(3)
        findings.append(
            Note(
                "The most frequent indicator bottlenecks are {list} (number of countries where "
                "the indicator lags both income-group and another peer group).",
                list=[
                    Note("{indicator} ({n:d})", frozenset({"indicator"}), indicator=k.lower(), n=v)
                    for k, v in top_b
                ],
            )
        )
        claims.append(None)
    if gaps_missing:
        findings.append(
            Note(
                "Data gaps: a median of {k} of {n} indicators is missing per country; {m} "
                "cannot be scored for lack of data.",
                k=int(np.median(gaps_missing)),
                n=len(data.indicators),
                m=n - n_scored,
            )
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
    """The profile's pillar chart, drawn with HTML boxes in every language: its words are set
    by the page's text engine at the profile's 8.5 pt (an SVG scaled to the column set them
    at 5-8 pt) and, in Arabic, shaped and in reading order."""
    loc = loc or Localiser("en")
    pil = profile["pillars"]
    binding = next((k for k, p in enumerate(pil) if p["binding"]), None)
    nan = float("nan")
    return charts.pillar_profile_html(
        [p["name"] for p in pil],
        [p["score"] if p["score"] is not None else nan for p in pil],
        [p["peer_median"] if p["peer_median"] is not None else nan for p in pil],
        [p["frontier"] if p["frontier"] is not None else nan for p in pil],
        title=loc.gettext("%(name)s: pillar scores, peers and frontier")
        % {"name": profile["name"]},
        binding=binding,
        words={w: loc.gettext(w) for w in ("score", "peer median", "frontier", "no score")},
        rtl=loc.rtl,
    )


_ORIGIN = re.compile(r"^index outputs in (.+) \(written (.+)\)$")
_ROUTES = (
    (re.compile(r"^GitHub mirror (\S+) at commit (\w+)$"), "GitHub mirror {repo} at commit {sha}"),
    (re.compile(r"^copy from (\S+) at commit (\w+)$"), "copy from {repo} at commit {sha}"),
    (
        re.compile(r"^GitHub mirror (\S+), commit not stated$"),
        "GitHub mirror {repo}, commit not stated",
    ),
    (re.compile(r"^downloaded from (\S+) on (.+)$"), "downloaded from {repo} on {sha}"),
    (re.compile(r"^downloaded from (\S+)$"), "downloaded from {repo}"),
)


def route_notes(route: str) -> list[Any]:
    """A snapshot's route (``aicap.sources.route.route_text``) as notes: the wording
    translated, repositories, commits and addresses as written."""
    out: list[Any] = []
    for part in str(route).split("; "):
        for pattern, msgid in _ROUTES:
            m = pattern.match(part)
            if m:
                vals = dict(zip(("repo", "sha"), m.groups(), strict=False))
                out.append(Note(msgid, **vals))
                break
        else:
            out.append(part)
    return out


def _footnotes(data: CapacityData) -> list[str]:
    """The sources' notes: the index, then one per publisher's dataset (titles and snapshots
    as published; the wording around them translated, :class:`~aicap.report.lang.Note`)."""
    meta = data.indicators
    index = {"title": data.index_title, "version": data.index_version}
    index |= {"first": str(data.years[0]), "year": str(data.year)}
    m = _ORIGIN.match(data.origin)
    first: str = (
        Note(
            "{title} {version}, {first}-{year}, fixed goalposts; read from the index outputs in "
            "{folder} (written {when}). Scores are 0-100; pillar and indicator definitions in "
            "frameworks/aicap.yaml.",
            frozenset({"title"}),
            folder=m.group(1),
            when=m.group(2),
            **index,
        )
        if m
        else Note(
            "{title} {version}, {first}-{year}, fixed goalposts; read from {origin}. Scores are "
            "0-100; pillar and indicator definitions in frameworks/aicap.yaml.",
            frozenset({"title", "origin"}),
            origin=data.origin,
            **index,
        )
    )
    notes: list[str] = [first]
    if "route" not in meta.columns:
        meta = meta.assign(route="")
    for (pub, title, lic, vint, route), g in meta.groupby(
        ["publisher", "source_title", "licence", "vintage", "route"], sort=True
    ):
        if not pub:
            continue
        series = ", ".join(sorted(set(g["series"])))
        common = {"pub": str(pub), "title": str(title), "lic": str(lic), "series": series}
        common["vint"] = str(vint)
        if route:
            notes.append(
                Note(
                    "Publisher: {pub}, {title}; licence {lic}; series {series}. Snapshot "
                    "({vint}), obtained through {route}.",
                    route=route_notes(str(route)),
                    **common,
                )
            )
        else:
            notes.append(
                Note(
                    "Publisher: {pub}, {title}; licence {lic}; series {series}. Snapshot ({vint}).",
                    **common,
                )
            )
    return notes


def _lower(names: Mapping[str, str], code: Any) -> str:
    return names.get(str(code), str(code)).lower()


_POINTS = re.compile(r"^\+[\d.]+ points of (\w+)")


def _need_key(need: str, pillars: Mapping[str, str]) -> str:
    """What a tier-1 condition asks, counted across countries: a pillar's score (however many
    points each country lacks), else the condition as worded."""
    m = _POINTS.match(need)
    return "pillar:" + pillars.get(m.group(1), m.group(1)) if m else need


def _need_note(key: str) -> Any:
    if key.startswith("pillar:"):
        return Note("{pillar} pillar score", frozenset({"pillar"}), pillar=key[7:].lower())
    return key


def _tier0_finding(
    sub: pd.DataFrame,
    tiers: pd.Series,
    n_tier0: int,
    n_tiered: int,
    pillars: Mapping[str, str],
) -> str:
    """Tier 0 by the evidence the sources hold, the ones that could be higher (a condition
    not assessed), and what is most often missing for tier 1 (A/79/966's step)."""
    zero = sub[tiers == 0]
    ranged = 0
    if "tier_high" in zero.columns:
        high = pd.to_numeric(zero["tier_high"], errors="coerce")
        ranged = int((high > 0).sum())
    missing: Counter[str] = Counter()
    for needs in zero.get("next_needs", pd.Series(dtype=object)).dropna():
        try:
            items = json.loads(str(needs))
        except ValueError:
            continue
        missing.update(
            _need_key(str(i.get("needs", "")), pillars)
            for i in items
            if i.get("state") == "not_met"
        )
    held = 0
    if "capacity_tier" in zero.columns:  # the capacity level (aicap.analysis.tier_statement)
        cap = pd.to_numeric(zero["capacity_tier"], errors="coerce")
        high0 = zero["tier_high"] if "tier_high" in zero.columns else pd.Series(0, index=zero.index)
        proven = pd.to_numeric(high0, errors="coerce") == 0
        held = int(((cap > 0) & proven).sum())
    if held:
        # A/79/966's tier 0 describes weak foundations; a country held there only by an
        # enabler (no adopted strategy) while its capacity conditions meet a higher tier is
        # not "nascent" in that sense, so the sentence counts it apart (tier_statement).
        first = (
            "{n} of the {m} with a tier are in tier 0 by the evidence the sources hold "
            "(A/79/966, a report of the Secretary-General, calls it \u201cAI nascent\u201d); "
            "{h} of them meet the capacity conditions of tier 1 or higher and are held there "
            "only for want of an adopted national AI or digital strategy"
        )
    else:
        first = (
            "{n} of the {m} with a tier are in tier 0 (\u201cAI nascent\u201d) by the evidence "
            "the sources hold: they do not show A/79/966's minimum irreducible AI capacity "
            "(A/79/966 is a report of the Secretary-General)"
        )
    counts: dict[str, Any] = {"n": n_tier0, "m": n_tiered, **({"h": held} if held else {})}
    lead = (
        Note(
            first + "; {k} of them could be higher, because a condition (a national strategy, "
            "compute within reach) was not assessed there.",
            k=ranged,
            **counts,
        )
        if ranged
        else Note(first + ".", **counts)
    )
    if not missing:
        return lead
    needs = [
        Note("{need} ({n:d})", frozenset({"need"}), need=_need_note(k), n=v)
        for k, v in missing.most_common(3)
    ]
    return Sentences(lead, Note("Most often missing for tier 1: {missing}.", missing=needs))
