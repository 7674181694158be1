"""The Monitor's claims: every sentence of concentration, dependency (who hosts none), governance
gaps and documented incidents, as claim objects (:mod:`aicap.analysis.claims`).

:func:`monitor_claims` computes them from the Monitor's tables alone, deterministically, so the
briefing writes them to ``claims.json``, the web pages link each sentence to
``/api/claims/{id}``, and ``aicap claim show ID --recompute`` computes them again from the
warehouse and compares. Pure: no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from aicap.analysis.claims import Claim, ClaimSet, claim_id
from aicap.analysis.divide import group_mask
from aicap.analysis.localise import prose_name
from aicap.analysis.monitor import concentration as conc
from aicap.analysis.monitor.links import (
    ACCESS_SOURCES,
    GOVERNANCE_SOURCE,
    INCIDENT_SOURCES,
    RESOURCE_SOURCES,
    RESOURCE_WORDS,
    MonitorResults,
)

#: the claim kinds this module makes (``aicap claim show`` recomputes them from the Monitor)
MONITOR_KINDS = (
    "market_concentration",
    "resource_holders",
    "access_count",
    "governance_gap_count",
    "incident_change",
)
#: groups of the dependency and governance-gap tables, in order, with their names in sentences
FOCUS = ("LDC", "LLDC", "SIDS", "LIC")
GROUPS = ("LDC", "LLDC", "SIDS", "LIC", "OTHER_DEV", "HIC")
GROUP_WORDS = {
    "ALL": "Member States",
    "DEV": "developing Member States",
    "LDC": "least developed countries",
    "LLDC": "landlocked developing countries",
    "SIDS": "small island developing States",
    "LIC": "low-income countries",
    "OTHER_DEV": "other developing Member States",
    "HIC": "high-income Member States",
}
ACCESS_WORDS = {
    "compute": "no AI compute (no GPU cluster)",
    "cloud_region": "no public-cloud region",
    "model_developer": "no developer of a notable AI model",
    "none": "none of the three (AI compute, a public-cloud region, a model developer)",
}
UNITS = {
    ("compute", "capacity"): "H100-equivalents",
    ("compute", "count"): "clusters",
    ("cloud_regions", "count"): "regions",
}
#: the claims' recompute command
RECOMPUTE = "aicap claim show {id} --recompute"


def members_of(countries: pd.DataFrame, group: str) -> set[str]:
    """Member States of ``group`` (``OTHER_DEV``: neither LDC, LLDC, SIDS, low income nor high
    income; ``DEV``: not high income; ``ALL``: every row)."""
    c = countries.set_index("iso3")
    if group == "ALL":
        return set(c.index)
    if group in ("OTHER_DEV", "DEV"):
        not_hic = (c["income_group"] != "HIC").to_numpy()
        if group == "DEV":
            return set(c.index[not_hic])
        focus = np.zeros(len(c), dtype=bool)
        for g in FOCUS:
            focus |= group_mask(countries, g).to_numpy()
        return set(c.index[~focus & not_hic])
    m = group_mask(countries, group)
    return set(m[m].index)


def _hhi_text(lo: float, hi: float) -> str:
    return f"{lo:,.0f}" if abs(hi - lo) < 0.5 else f"{lo:,.0f}-{hi:,.0f}"


def market_claims(
    table: pd.DataFrame,
    names: Mapping[str, str],
    min_coverage: float | None = None,
    markets: Sequence[tuple[str, str, str]] | None = None,
) -> list[Claim]:
    """One ``market_concentration`` claim per market (resource, view, variant) across
    countries, in its latest year. ``table``: :func:`~aicap.analysis.monitor.concentration.
    concentration_table`."""
    t = table[table["dimension"] == "country"]
    if markets is None:
        keys = t[["resource", "view", "variant"]].drop_duplicates()
        markets = [tuple(map(str, k)) for k in keys.itertuples(index=False)]  # type: ignore[misc]
    out: list[Claim] = []
    for resource, view, variant in markets:
        sel = t[(t["resource"] == resource) & (t["view"] == view) & (t["variant"] == variant)]
        if sel.empty:
            continue
        r = sel[sel["year"] == sel["year"].max()].iloc[0]
        n = int(r["n_actors"])
        if n == 0:
            continue
        year = int(r["year"])
        lo, hi = float(r["hhi_low"]), float(r["hhi_high"])
        noun, estimate = conc.COVERAGE_WORDS.get(resource.split("_")[0], ("items", "an estimate"))
        n_items = r.get("n_items")
        n_meas = r.get("n_measured")
        known = view == "capacity" and n_items is not None and not pd.isna(n_items)
        coverage_text = ""
        if known:
            coverage_text = (
                f"; it rests on the {int(n_meas)} of {int(n_items)} {noun} with {estimate}"
            )
        unit = UNITS.get((resource, view), "models" if view == "count" else view)
        label = RESOURCE_WORDS.get(resource, resource).split(" (")[0]
        frac = ", fractional" if variant == "fractional" else ""
        label = f"{label[:1].upper()}{label[1:]} ({unit}{frac})"
        top = str(r["top_actor"])
        a, b = conc.classify(lo), conc.classify(hi)
        i = claim_id("market_concentration", resource, view, variant, year)
        src = RESOURCE_SOURCES.get(resource, resource)
        out.append(
            Claim(
                id=i,
                kind="market_concentration",
                subject=f"{resource}:{view}:{variant}",
                value=hi,
                low=lo,
                high=hi,
                n=n,
                end=year,
                sample=f"the countries holding {label} in {year}",
                data=(f"source:{src}",),
                params={
                    "label": label,
                    "resource": resource,
                    "view": view,
                    "variant": variant,
                    "hhi": _hhi_text(lo, hi),
                    "band": f"{a.split()[0]} to {b}" if a != b else a,
                    "top_name": names.get(top, top),
                    "top_share": float(r["top_share"]),
                    "unattributed_share": float(r["unattributed_share"] or 0.0),
                    "low_coverage": bool(r.get("low_coverage", False)),
                    "n_items": int(n_items) if known else None,
                    "n_measured": int(n_meas) if known else None,
                    "items": noun,
                    "estimate": estimate,
                    "min_coverage": float(min_coverage) if min_coverage is not None else 0.0,
                    "coverage_text": coverage_text,
                },
                recompute=RECOMPUTE.format(id=i),
            )
        )
    return out


def holders_claim(
    shares: pd.DataFrame, access: pd.DataFrame, names: Mapping[str, str]
) -> Claim | None:
    """``resource_holders``: the three largest hosts of AI compute (capacity, latest year),
    the five largest hosts' share of the Member States' compute and its Gini. ``shares``:
    :func:`~aicap.analysis.monitor.concentration.shares_table`; ``access``: with
    ``compute_amount`` per Member State (zeros included)."""
    if shares.empty or "compute_amount" not in access.columns:
        return None
    cap = shares[
        (shares["resource"] == "compute")
        & (shares["view"] == "capacity")
        & (shares["variant"] == "full")
        & (shares["dimension"] == "country")
    ]
    if cap.empty:
        return None
    year = int(cap["year"].max())
    top = cap[(cap["year"] == year) & (cap["actor"] != "(unattributed)")]
    top = top.sort_values("share", ascending=False).head(3)
    if top.empty:
        return None
    amounts = access.set_index("iso3")["compute_amount"].astype("float64").fillna(0.0)
    total = float(amounts.sum())
    if total <= 0:
        return None
    lead = [
        (names.get(str(a), str(a)), float(v))
        for a, v in zip(top["actor"], top["share"], strict=True)
    ]
    top5 = float(100.0 * amounts.sort_values(ascending=False).head(5).sum() / total)
    i = claim_id("resource_holders", "compute", year)
    return Claim(
        id=i,
        kind="resource_holders",
        subject="compute",
        value=lead[0][1],
        n=len(amounts),
        end=year,
        sample="the H100-equivalents of Epoch AI's standard GPU clusters; the Member States",
        data=(f"source:{RESOURCE_SOURCES['compute']}",),
        params={
            "first": lead[0][0],
            "first_share": lead[0][1],
            "followers": (
                ", followed by " + " and ".join(f"{n} ({v:.1f} %)" for n, v in lead[1:])
                if len(lead) > 1
                else ""
            ),
            "top5_share": top5,
            "gini": conc.gini(amounts),
        },
        recompute=RECOMPUTE.format(id=i),
    )


def access_claims(access: pd.DataFrame, countries: pd.DataFrame) -> list[Claim]:
    """``access_count`` claims: per group (all Member States, developing ones and the groups
    of :data:`GROUPS`) and resource, how many host none of it."""
    a = access.set_index("iso3")
    out: list[Claim] = []
    for group in ("ALL", "DEV", *GROUPS):
        members = sorted(members_of(countries, group) & set(a.index))
        if not members:
            continue
        sub = a.loc[members]
        for what in ("compute", "cloud_region", "model_developer", "none"):
            col = "hosts_none" if what == "none" else f"hosts_{what}"
            if col not in sub.columns:
                continue
            hosts = sub[col].astype(bool)
            k = int(hosts.sum()) if what == "none" else int((~hosts).sum())
            i = claim_id("access_count", group, what)
            srcs = ACCESS_SOURCES.values() if what == "none" else (ACCESS_SOURCES[what],)
            out.append(
                Claim(
                    id=i,
                    kind="access_count",
                    subject=f"{group}:{what}",
                    value=float(k),
                    n=len(members),
                    sample=f"the {GROUP_WORDS[group]} in the country reference",
                    data=tuple(f"source:{s}" for s in dict.fromkeys(srcs)),
                    params={"who": GROUP_WORDS[group], "what": ACCESS_WORDS[what], "group": group},
                    recompute=RECOMPUTE.format(id=i),
                )
            )
    return out


def governance_claims(
    matrix: pd.DataFrame, countries: pd.DataFrame, risks: Mapping[str, str]
) -> list[Claim]:
    """``governance_gap_count`` claims: per assessed risk and group, how many of the group's
    Member States GIRAI covered have no adopted instrument (``risks``: id -> name)."""
    out: list[Claim] = []
    for risk, name in risks.items():
        r = matrix[matrix["risk"] == risk]
        if r.empty or not bool((r["status"] != "not assessed").any()):
            continue
        for group in ("ALL", *GROUPS):
            sub = r[r["iso3"].isin(members_of(countries, group))]
            covered = sub[~sub["status"].isin(["not covered", "not assessed"])]
            if sub.empty:
                continue
            k = int((covered["status"] == "gap").sum())
            i = claim_id("governance_gap_count", risk, group)
            out.append(
                Claim(
                    id=i,
                    kind="governance_gap_count",
                    subject=f"{risk}:{group}",
                    value=float(k),
                    n=len(covered),
                    sample=f"the {GROUP_WORDS[group]} GIRAI 2026 covered",
                    data=(f"source:{GOVERNANCE_SOURCE}",),
                    params={
                        "risk": name,
                        "group": GROUP_WORDS[group],
                        "not_covered": len(sub) - len(covered),
                    },
                    recompute=RECOMPUTE.format(id=i),
                )
            )
    return out


def poisson_change(a: int, b: int, level: float = 0.95) -> tuple[float, float, float]:
    """Change (%) from count ``a`` to count ``b`` with the exact interval of the rate ratio
    (Clopper-Pearson interval of ``b / (a + b)``, conditional on the total)."""
    if a + b == 0:
        return float("nan"), float("nan"), float("nan")
    ci = stats.binomtest(b, a + b).proportion_ci(confidence_level=level, method="exact")

    def ratio(p: float) -> float:
        return math.inf if p >= 1 else p / (1 - p)

    value = 100.0 * (b / a - 1) if a else math.inf
    return value, 100.0 * (ratio(ci.low) - 1), 100.0 * (ratio(ci.high) - 1)


def incident_claim(incidents: pd.DataFrame) -> Claim | None:
    """``incident_change``: documented incidents (all de-duplicated events) in the last two
    complete years; a year is complete when a later date is recorded. None without two."""
    if "year" not in incidents.columns:
        return None
    ev = incidents.dropna(subset=["year"])
    if ev.empty:
        return None
    years = ev["year"].astype(int)
    last_full = int(years.max()) - 1  # the latest year is still being recorded
    per = years.value_counts()
    a, b = int(per.get(last_full - 1, 0)), int(per.get(last_full, 0))
    if a == 0 or b == 0:
        return None
    v, lo, hi = poisson_change(a, b)
    i = claim_id("incident_change", "all", f"{last_full - 1}-{last_full}")
    return Claim(
        id=i,
        kind="incident_change",
        subject="all",
        value=v,
        low=lo,
        high=hi,
        level=0.95,
        n=a + b,
        start=last_full - 1,
        end=last_full,
        sample="AIID and AIAAIC events, de-duplicated across the two databases",
        data=tuple(f"source:{s}" for s in INCIDENT_SOURCES),
        params={"a": a, "b": b, "latest_recorded_year": int(years.max())},
        recompute=RECOMPUTE.format(id=i),
    )


def monitor_claims(
    concentration: pd.DataFrame,
    shares: pd.DataFrame,
    access: pd.DataFrame,
    matrix: pd.DataFrame,
    incidents: pd.DataFrame,
    countries: pd.DataFrame,
    risks: Mapping[str, str],
    min_coverage: float | None = None,
) -> ClaimSet:
    """Every Monitor claim (kinds :data:`MONITOR_KINDS`). ``countries``: the country
    reference (Member States are the rows with ``status == "member"`` when it has one)."""
    # in running text as on the pages: UNTERM's article dropped ("United States of America")
    names = {
        str(k): prose_name(str(v))
        for k, v in zip(countries["iso3"], countries["name"], strict=True)
    }
    members = countries
    if "status" in countries.columns:
        members = countries[countries["status"] == "member"]
    cs = ClaimSet()
    cs.extend(market_claims(concentration, names, min_coverage))
    hc = holders_claim(shares, access, names)
    if hc is not None:
        cs.add(hc)
    cs.extend(access_claims(access, members))
    cs.extend(governance_claims(matrix, members, risks))
    ic = incident_claim(incidents)
    if ic is not None:
        cs.add(ic)
    return cs


def claims_of_results(results: MonitorResults) -> ClaimSet:
    """:func:`monitor_claims` of the Monitor's results, with the shipped risk taxonomy's names
    and the minimum market coverage of ``catalogues/monitor_links.yaml``."""
    from aicap.analysis.monitor import risks as rk
    from aicap.analysis.monitor.links import load_market_coverage

    mc = load_market_coverage()
    return monitor_claims(
        results.concentration,
        results.shares,
        results.access,
        results.matrix,
        results.incidents,
        results.countries,
        {r.id: r.name for r in rk.load_taxonomy().risks},
        mc.min_share if mc is not None else None,
    )
