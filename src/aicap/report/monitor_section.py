"""The briefing's Monitor section: concentration of AI resources, dependency, governance gaps,
and the interventions the signals point to (issue 11, items 6 and 7).

:func:`monitor_section` reads :class:`~aicap.analysis.monitor.links.MonitorResults` (every
figure is computed in :mod:`aicap.analysis.monitor`) and the links, and returns the template
context, the SVG charts and the frames written to ``data/monitor_*.csv``. Footnote texts name
each source with its publisher, title and year of retrieval.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import pandas as pd

from aicap.analysis.claims import Claim, ClaimSet, claim_id
from aicap.analysis.claims_monitor import claims_of_results
from aicap.analysis.divide import group_mask
from aicap.analysis.monitor import access as acc
from aicap.analysis.monitor import concentration as conc
from aicap.analysis.monitor import incidents as inc
from aicap.analysis.monitor.links import (
    ACCESS_SOURCES,
    GOVERNANCE_SOURCE,
    INCIDENT_SOURCES,
    RESOURCE_SOURCES,
    RESOURCE_WORDS,
    Links,
    MonitorResults,
    Signal,
    latest_markets,
    signals_frame,
)
from aicap.report import charts
from aicap.report.briefing_sections import route_notes
from aicap.report.lang import Note

#: the country groups of the governance-gap table, in order
GAP_GROUPS = ("LDC", "LLDC", "SIDS", "LIC", "OTHER_DEV", "HIC")
GROUP_SHORT = {
    "LDC": "LDCs",
    "LLDC": "LLDCs",
    "SIDS": "SIDS",
    "LIC": "Low income",
    "OTHER_DEV": "Other developing",
    "HIC": "High income",
}
FOCUS = ("LDC", "LLDC", "SIDS", "LIC")
#: markets in the concentration table: (resource, view, variant)
MARKETS = (
    ("compute", "capacity", "full"),
    ("compute", "count", "full"),
    ("models_notable", "count", "full"),
    ("models_notable", "count", "fractional"),
    ("models_large_scale", "count", "full"),
    ("models_frontier", "count", "full"),
    ("cloud_regions", "count", "full"),
)
VIEW_WORDS = {
    ("compute", "capacity"): "H100-equivalents",
    ("compute", "count"): "clusters",
    ("cloud_regions", "count"): "regions",
}
#: short risk names for the one-line profile summary (the taxonomy's name when not listed)
RISK_SHORT = {
    "misuse": "misuse",
    "disinformation": "disinformation",
    "hate_discrimination": "hate speech and discrimination",
    "privacy": "privacy",
    "safety_security": "safety and security",
    "labour_economic": "labour",
    "armed_conflict_terrorism": "armed conflict and terrorism",
}
FIRST_CHART_YEAR = 2018  # before 2018 Epoch lists fewer than ten clusters with a country


def _members(countries: pd.DataFrame, group: str) -> set[str]:
    if group == "OTHER_DEV":
        c = countries.set_index("iso3")
        focus = np.zeros(len(c), dtype=bool)
        for g in FOCUS:
            focus |= group_mask(countries, g).to_numpy()
        other = ~focus & (c["income_group"] != "HIC").to_numpy()
        return set(c.index[other])
    m = group_mask(countries, group)
    return set(m[m].index)


def _ids(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with its claim columns (``claim``, ``<group>_claim``) as claim ids (for the
    CSV files; the templates read the claims themselves from the rows)."""
    out = frame.copy()
    for col in out.columns:
        if col == "claim" or str(col).endswith("_claim"):
            out[col] = [c.id if isinstance(c, Claim) else "" for c in out[col]]
    return out


def _fmt_pair(low: float, high: float, nd: int = 0) -> str:
    if abs(high - low) < 0.5 * 10**-nd:
        return f"{low:,.{nd}f}"
    return f"{low:,.{nd}f}-{high:,.{nd}f}"


def _concentration(
    results: MonitorResults, names: dict[str, str], claims: ClaimSet
) -> dict[str, Any]:
    t = results.concentration
    t = t[t["dimension"] == "country"]
    rows = []
    coverage_notes: list[str] = []  # capacity views: the share of the market they rest on
    coverage_claims: list[Claim] = []  # the capacity views not read (too little measured)
    for resource, view, variant in MARKETS:
        sel = t[(t["resource"] == resource) & (t["view"] == view) & (t["variant"] == variant)]
        if sel.empty:
            continue
        r = sel[sel["year"] == sel["year"].max()].iloc[0]
        note = str(r.get("note") or "")
        if note:
            label = RESOURCE_WORDS[resource].split(" (")[0]
            coverage_notes.append(
                Note(
                    "{label}, {year}: {note}",
                    frozenset({"label", "note"}),
                    label=f"{label[:1].upper()}{label[1:]}",
                    year=str(int(r["year"])),
                    note=note,
                )
            )
        cid = claim_id("market_concentration", resource, view, variant, int(r["year"]))
        claim = claims.claims.get(cid)
        if bool(r.get("low_coverage", False)):
            if claim is not None:
                coverage_claims.append(claim)
            continue  # the count view of the same market is in the table
        rows.append(
            {
                "resource": resource,
                "view": view,
                "variant": variant,
                "label": RESOURCE_WORDS[resource].split(" (")[0],
                "unit": VIEW_WORDS.get((resource, view), "models" if view == "count" else view),
                "year": int(r["year"]),
                "n_actors": int(r["n_actors"]),
                "total": float(r["total"]),
                "unattributed_share": float(r["unattributed_share"]),
                "hhi": _fmt_pair(float(r["hhi_low"]), float(r["hhi_high"])),
                "hhi_low": float(r["hhi_low"]),
                "hhi_high": float(r["hhi_high"]),
                "cr1": _fmt_pair(float(r["cr1_low"]), float(r["cr1_high"]), 1),
                "cr3": _fmt_pair(float(r["cr3_low"]), float(r["cr3_high"]), 1),
                "top_actor": str(r["top_actor"]),
                "top_name": names.get(str(r["top_actor"]), str(r["top_actor"])),
                "top_share": float(r["top_share"]),
                "class": str(r["class"]),
                "class_ec": str(r["class_ec_low"])
                if r["class_ec_low"] == r["class_ec_high"]
                else f"{r['class_ec_low']} to {r['class_ec_high']}",
                "source": RESOURCE_SOURCES[resource],
                "claim": claim,
            }
        )
    table = _ids(pd.DataFrame(rows))
    # compute: who holds it, by country and by organisation, in the latest year
    sh = results.shares
    cap = sh[(sh["resource"] == "compute") & (sh["view"] == "capacity") & (sh["variant"] == "full")]
    year = int(cap["year"].max()) if len(cap) else 0
    by_country = cap[(cap["dimension"] == "country") & (cap["year"] == year)]
    by_org = cap[(cap["dimension"] == "organisation") & (cap["year"] == year)]
    top_c = [
        (names.get(str(a), str(a)), float(s))
        for a, s in zip(by_country["actor"], by_country["share"], strict=True)
        if a != "(unattributed)"
    ][:5]
    top_o = [
        (str(a), float(s))
        for a, s in zip(by_org["actor"], by_org["share"], strict=True)
        if a != "(unattributed)"
    ][:5]
    # figure: compute share by country over time (top 4 of the latest year and the rest)
    hist = sh[
        (sh["resource"] == "compute")
        & (sh["view"] == "capacity")
        & (sh["dimension"] == "country")
        & (sh["variant"] == "full")
        & (sh["year"] >= FIRST_CHART_YEAR)
    ]
    leaders = [str(a) for a in by_country["actor"] if a != "(unattributed)"][:4]
    lines: dict[str, list[tuple[float, float]]] = {}
    years = sorted(int(y) for y in hist["year"].unique())
    share_rows = []
    for a in [*leaders, "others"]:
        pts = []
        for y in years:
            hy = hist[hist["year"] == y]
            if a == "others":
                v = float(hy.loc[~hy["actor"].isin(leaders), "share"].sum())
            else:
                v = float(hy.loc[hy["actor"] == a, "share"].sum())
            pts.append((float(y), v))
            share_rows.append({"year": y, "actor": a, "share": v})
        label = "All other countries and unattributed" if a == "others" else names.get(a, a)
        lines[label] = pts
    fig_shares = charts.line_chart(
        lines,
        title="Share of AI compute (H100-equivalents) by country",
        y_label="% of H100e operational at year end",
        y_min=0,
        y_max=100,
    )
    ct = t[(t["resource"] == "compute") & (t["view"] == "capacity") & (t["variant"] == "full")]
    mt = t[(t["resource"] == "models_notable") & (t["view"] == "count") & (t["variant"] == "full")]
    ct = ct[ct["year"] >= FIRST_CHART_YEAR]
    mt = mt[mt["year"] >= FIRST_CHART_YEAR]
    hhi_years = sorted(set(ct["year"].astype(int)) | set(mt["year"].astype(int)))
    fig_hhi = charts.line_chart(
        {
            "AI compute (H100e), by country": [
                (float(y), float(h)) for y, h in zip(ct["year"], ct["hhi_high"], strict=True)
            ],
            "Notable models (count), by country": [
                (float(y), float(h)) for y, h in zip(mt["year"], mt["hhi_high"], strict=True)
            ],
            "'Highly concentrated' threshold (HHI 1,800)": [
                (float(y), conc.HIGH) for y in hhi_years
            ],
        },
        band={
            "AI compute (H100e), by country": [
                (float(y), float(lo), float(hi))
                for y, lo, hi in zip(ct["year"], ct["hhi_low"], ct["hhi_high"], strict=True)
            ]
        },
        title="Concentration of AI compute and notable models across countries (HHI)",
        y_label="HHI (0-10,000)",
        y_min=0,
        y_max=10000,
    )
    hhi_rows = pd.concat([ct, mt], ignore_index=True)[
        ["resource", "view", "variant", "year", "n_actors", "hhi_low", "hhi_high", "class"]
    ]
    # Lorenz curve of compute over all Member States, zeros included
    amounts = results.access.set_index("iso3")["compute_amount"].astype("float64")
    lor = conc.lorenz(amounts)
    g = conc.gini(amounts)
    # a host is a country with an existing cluster, with or without a capacity estimate: the
    # same definition as the dependency section's "host no AI compute" (they must add up)
    acc = results.access.set_index("iso3")
    n_hosts = int(acc["hosts_compute"].astype(bool).sum()) if "hosts_compute" in acc else 0
    n_hosts_unestimated = n_hosts - int((amounts > 0).sum())
    top_share = float(100.0 * amounts.sort_values(ascending=False).head(5).sum() / amounts.sum())
    fig_lorenz = charts.lorenz_chart(
        list(
            zip(
                (100.0 * lor["units_share"]).tolist(),
                (100.0 * lor["quantity_share"]).tolist(),
                strict=True,
            )
        ),
        title=f"Lorenz curve of AI compute over the {len(amounts)} Member States (Gini {g:.3f})",
        gini=g,
        x_label="% of Member States, fewest H100e first",
        y_label="% of H100e hosted",
    )
    return {
        "table": table,
        "rows": rows,
        "compute_year": year,
        "top_countries": top_c,
        "top_organisations": top_o,
        "fig_shares": fig_shares,
        "fig_hhi": fig_hhi,
        "fig_lorenz": fig_lorenz,
        "gini": g,
        "n_members": len(amounts),
        "n_hosts": n_hosts,
        "n_hosts_unestimated": n_hosts_unestimated,
        "top5_share": top_share,
        "share_rows": pd.DataFrame(share_rows),
        "hhi_rows": hhi_rows,
        "lorenz": lor,
        "coverage_notes": coverage_notes,
        "coverage_claims": coverage_claims,
        "hosts_claim": claims.claims.get(claim_id("access_count", "ALL", "compute")),
        "holders_claim": next(
            (x for x in claims.claims.values() if x.kind == "resource_holders"), None
        ),
    }


def _access(results: MonitorResults, countries: pd.DataFrame, claims: ClaimSet) -> dict[str, Any]:
    a = results.access.set_index("iso3")
    rows = []
    for group in (*FOCUS, "OTHER_DEV", "HIC"):
        members = sorted(_members(countries, group) & set(a.index))
        sub = a.loc[members]
        rows.append(
            {
                "group": group,
                "label": GROUP_SHORT[group],
                "n": len(members),
                "no_compute": int((~sub["hosts_compute"]).sum()),
                "no_cloud_region": int((~sub["hosts_cloud_region"]).sum()),
                "no_model_developer": int((~sub["hosts_model_developer"]).sum()),
                "none": int(sub["hosts_none"].sum()),
                "claim": claims.claims.get(claim_id("access_count", group, "none")),
            }
        )
    s = results.access_summary
    ow = results.open_weights
    ow = ow[ow["known"] > 0].sort_values("year")
    return {
        "summary": s,
        "by_group": rows,
        "table": _ids(pd.DataFrame(rows)),
        "open_weights": [
            (int(y), float(v)) for y, v in zip(ow["year"], ow["open_share"], strict=True)
        ][-4:],
        "definition": acc.DEVELOPING_DEFINITION,
        "claims": [
            claims.claims.get(claim_id("access_count", g, w))
            for g, w in (
                ("ALL", "compute"),
                ("ALL", "cloud_region"),
                ("ALL", "model_developer"),
                ("DEV", "none"),
            )
        ],
    }


def _gaps(
    results: MonitorResults, countries: pd.DataFrame, links: Links, claims: ClaimSet
) -> dict[str, Any]:
    m = results.matrix
    rows = []
    for risk in links.taxonomy.risks:
        r = m[m["risk"] == risk.id]
        entry: dict[str, Any] = {"risk": risk.id, "name": risk.name}
        for group in GAP_GROUPS:
            members = _members(countries, group)
            sub = r[r["iso3"].isin(members)]
            covered = sub[~sub["status"].isin(["not covered", "not assessed"])]
            entry[f"{group}_n"] = len(sub)
            entry[f"{group}_covered"] = len(covered)
            entry[f"{group}_gap"] = int((covered["status"] == "gap").sum())
            entry[f"{group}_incidents"] = int(sub["incidents"].sum())
            entry[f"{group}_claim"] = claims.claims.get(
                claim_id("governance_gap_count", risk.id, group)
            )
        entry["assessed"] = bool((r["status"] != "not assessed").any())
        entry["gap_total"] = int((r["status"] == "gap").sum())
        entry["incidents_total"] = int(r["incidents"].sum())
        entry["incidents_in_gaps"] = int(r.loc[r["status"] == "gap", "incidents"].sum())
        rows.append(entry)
    table = _ids(pd.DataFrame(rows))
    assessed = table[table["assessed"]]
    bars_groups = ("LDC", "OTHER_DEV", "HIC")
    fig = charts.grouped_bars(
        [
            RISK_SHORT.get(str(k), str(n)).capitalize()
            for k, n in zip(assessed["risk"], assessed["name"], strict=True)
        ],
        {
            GROUP_SHORT[g]: [
                100.0 * gp / cv if cv else float("nan")
                for gp, cv in zip(assessed[f"{g}_gap"], assessed[f"{g}_covered"], strict=True)
            ]
            for g in bars_groups
        },
        title="Risks without an adopted instrument, share of covered countries",
        x_label="% of countries covered by GIRAI 2026 with no adopted instrument",
    )
    covered_all = m[~m["status"].isin(["not covered", "not assessed"])]["iso3"].nunique()
    not_covered = m[m["status"] == "not covered"]["iso3"].nunique()
    return {
        "table": table,
        "rows": rows,
        "figure": fig,
        "groups": [(g, GROUP_SHORT[g]) for g in GAP_GROUPS],
        "n_covered": int(covered_all),
        "n_not_covered": int(not_covered),
        "not_assessed": [str(r["name"]) for r in rows if not r["assessed"]],
        "caveat": inc.CAVEAT,
        "n_events": len(results.incidents),
        "incident_claim": next(
            (c for c in claims.claims.values() if c.kind == "incident_change"), None
        ),
    }


def _actions(
    links: Links, signals: dict[str, list[Signal]], focus: list[str]
) -> list[dict[str, Any]]:
    """For each signal (risk or monitor signal): in how many focus countries it fires and the
    interventions it points to, with their first mandate citation."""
    fired: Counter[tuple[str, str]] = Counter()
    for iso in focus:
        seen = {
            (s.kind if s.kind != "incidents" else "governance_gap", s.key)
            for s in signals.get(iso, [])
        }
        fired.update(seen)
    out = []
    entries: list[tuple[str, str, str, tuple[str, ...]]] = [
        (s.kind, s.id, s.name, s.interventions) for s in links.of_kind("dependency")
    ]
    entries += [(s.kind, s.id, s.name, s.interventions) for s in links.of_kind("concentration")]
    entries += [
        ("governance_gap", r.id, f"No adopted instrument: {r.name.lower()}", tuple(r.interventions))
        for r in links.taxonomy.risks
    ]
    for kind, key, name, ids in entries:
        n = fired.get((kind, key), 0)
        if not n:
            continue
        items = []
        for iid in ids:
            it = links.catalogue.get(iid)
            paras = [links.catalogue.mandates.resolve(ref) for ref in it.mandates]
            paras.sort(key=lambda p: 0 if p.document_fidelity == "verbatim" else 1)
            items.append({"id": iid, "title": it.title, "citation": paras[0].citation})
        out.append({"kind": kind, "key": key, "name": name, "n": n, "interventions": items})
    out.sort(key=lambda e: (-int(str(e["n"])), str(e["key"])))
    return out


def monitor_footnotes(results: MonitorResults) -> list[tuple[str, str]]:
    """(key, text) per source used by the section, in order of first use (each text a
    :class:`~aicap.report.lang.Note`: the wording translated, the source's data as published)."""
    s = results.sources
    out: list[tuple[str, str]] = []
    keys = [
        "epoch_gpu_clusters",
        "epoch_ai_models_2025_12",
        "cloud_regions",
        GOVERNANCE_SOURCE,
        *INCIDENT_SOURCES,
    ]
    for key in keys:
        hit = s[s["source_id"] == key] if "source_id" in s.columns else s.iloc[0:0]
        if hit.empty:
            out.append((key, Note("{key} (no source metadata in the warehouse).", key=key)))
            continue
        r = hit.iloc[0]
        route = r.get("route")
        out.append(
            (
                key,
                Note(
                    "{publisher}, {title}; licence {licence}. Snapshot of {date} ({vintage}), "
                    "obtained through {route}. Read from the warehouse records table(s) of "
                    "source '{key}'.",
                    publisher=r["publisher"],
                    title=r["title"],
                    licence=r["licence"],
                    date=str(r["retrieved"])[:10],
                    vintage=r["vintage"],
                    route=route_notes(str(route)) if route else Note("a route not stated"),
                    key=key,
                ),
            )
        )
    out.append(
        (
            "thresholds",
            Note(
                "{doj}. Alongside: {ec}.",
                frozenset({"doj", "ec"}),
                doj=conc.DOJ_FTC_2023,
                ec=conc.EC_2004,
            ),
        )
    )
    return out


def monitor_section(
    results: MonitorResults,
    links: Links,
    countries: pd.DataFrame,
    signals: dict[str, list[Signal]],
    first_note: int,
) -> dict[str, Any]:
    """Everything the template's Monitor section needs; ``first_note``: the number of its
    first footnote (they follow the briefing's own)."""
    names = {str(k): str(v) for k, v in zip(countries["iso3"], countries["name"], strict=True)}
    c = countries.copy()
    focus_mask = c["ldc"] | c["lldc"] | c["sids"] | (c["income_group"] == "LIC")
    focus = sorted(c.loc[focus_mask, "iso3"])
    notes = monitor_footnotes(results)
    ref = {k: first_note + i for i, (k, _) in enumerate(notes)}
    markets = latest_markets(results.concentration)
    claims = claims_of_results(results)
    return {
        "claims": claims,
        "concentration": _concentration(results, names, claims),
        "access": _access(results, countries, claims),
        "gaps": _gaps(results, countries, links, claims),
        "actions": _actions(links, signals, focus),
        "n_focus": len(focus),
        "notes": [t for _, t in notes],
        "ref": ref,
        "ref_access": ",".join(str(n) for n in sorted({ref[k] for k in ACCESS_SOURCES.values()})),
        "ref_incidents": ",".join(str(ref[k]) for k in INCIDENT_SOURCES),
        "markets": markets,
        "signals_frame": signals_frame(signals),
        "links_frame": links.table(),
        "warnings": results.warnings,
    }


def incident_totals(results: MonitorResults) -> dict[str, int]:
    """Documented incidents per country (any year and risk; a multi-country incident counts
    once per country)."""
    totals: Counter[str] = Counter()
    for isos in results.incidents["countries"]:
        totals.update(set(isos))
    return dict(totals)


def profile_monitor(
    results: MonitorResults, signals: list[Signal], iso3: str, incidents: dict[str, int]
) -> dict[str, Any] | None:
    """The one-line Monitor summary of a country profile (None when the country is unknown);
    ``incidents``: from :func:`incident_totals`."""
    a = results.access[results.access["iso3"] == iso3]
    if a.empty:
        return None
    row = a.iloc[0]
    m = results.matrix[results.matrix["iso3"] == iso3]
    gaps = [
        RISK_SHORT.get(str(k), str(n))
        for k, n, s in zip(m["risk"], m["risk_name"], m["status"], strict=True)
        if s == "gap"
    ]
    # assessed for at least one risk: a country GIRAI never covered has only "not covered"
    # and "not assessed" rows, and reads "not assessed", never "no gaps"
    assessed = ~m["status"].isin(["not covered", "not assessed"])
    covered = bool(assessed.any()) if len(m) else False
    return {
        "compute": bool(row["hosts_compute"]),
        "cloud": bool(row["hosts_cloud_region"]),
        "developer": bool(row["hosts_model_developer"]),
        "nearest_compute": str(row.get("nearest_compute") or "").split(";")[0],
        "covered": covered,
        "gaps": gaps,
        "n_risks": int(assessed.sum()) if len(m) else 0,
        "incidents": int(incidents.get(iso3, 0)),
        "signals": [s.as_dict() for s in signals],
    }
