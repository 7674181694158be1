"""The Monitor's pages (issue 11): concentration of AI resources, access per Member State,
governance instruments and rule gaps, documented AI incidents. The tables come from
``aicap.analysis.monitor`` and are computed once, on first use (about 1.5 s on two cores), then
every page and JSON twin is a look-up. Each view returns a JSON-ready dict: the API returns it
as it is and the HTML page renders it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from aicap.analysis.monitor import access as acc
from aicap.analysis.monitor import concentration as conc
from aicap.analysis.monitor import governance as gov
from aicap.analysis.monitor import incidents as inc
from aicap.analysis.monitor import risks as rk
from aicap.analysis.monitor.data import MonitorData, load
from aicap.analysis.monitor.links import (
    Links,
    Signal,
    compute_results,
    country_signals,
    latest_markets,
    load_links,
)
from aicap.warehouse.read import Warehouse, WarehouseError
from aicap.web.data import SiteData, jsonable

#: Years shown in the concentration-over-time charts and tables (models go back to 1950).
YEAR_FROM = 2015
#: Recent years shown as columns of the incident table.
INCIDENT_YEARS = 6
#: Most recent documented cases listed on the incidents page.
RECENT_CASES = 40
#: First year of the incidents-per-year chart.
INCIDENT_FROM = 2010
PAGES = ("concentration", "access", "governance", "incidents")


@dataclass(frozen=True)
class MonitorTables:
    """The Monitor's tables for the 193 Member States, computed once."""

    members: list[str]
    concentration: pd.DataFrame  # every resource, view, dimension, variant and year
    shares: pd.DataFrame
    compute_by_country: pd.Series  # H100e of standard clusters per Member State (zeros kept)
    access: pd.DataFrame
    access_summary: dict[str, Any]
    open_weights: pd.DataFrame
    register: pd.DataFrame
    register_summary: pd.DataFrame
    covered: set[str]  # Member States GIRAI assessed
    matrix: pd.DataFrame  # Member State x risk: status, instruments, documented incidents
    risks: list[dict[str, str]]
    incidents: pd.DataFrame  # de-duplicated events
    matches: int
    counts_year: pd.DataFrame
    attribution: dict[str, Any]


def compute_tables(data: MonitorData) -> MonitorTables:
    """The pages' tables: :func:`aicap.analysis.monitor.links.compute_results` (the one
    computation the briefing, the profiles and the CLI use too) with what only the pages show
    (compute per Member State, the register's summary, incidents per year, attribution)."""
    countries = data.countries
    members = sorted(countries.loc[countries["status"] == "member", "iso3"].astype(str))
    taxonomy = rk.load_taxonomy()
    results = compute_results(data, taxonomy)
    standard = data.clusters[data.clusters["standard"].fillna(False).astype(bool)]
    h100e = standard.groupby("iso3")["h100e"].sum()
    compute = pd.Series(members, index=members).map(h100e).fillna(0.0).astype(float)
    matrix = results.matrix  # Member States in the reference's order (sorted by ISO3)
    if not matrix["iso3"].is_monotonic_increasing:
        matrix = matrix.sort_values("iso3", kind="stable").reset_index(drop=True)
    deduped = results.incidents
    return MonitorTables(
        members=members,
        concentration=results.concentration,
        shares=results.shares,
        compute_by_country=compute,
        access=results.access,
        access_summary=results.access_summary,
        open_weights=results.open_weights,
        register=results.register,
        register_summary=gov.register_summary(results.register),
        covered=set(results.coverage["iso3"].dropna().astype(str)),
        matrix=matrix,
        risks=[{"id": r.id, "name": r.name, "description": r.description} for r in taxonomy.risks],
        incidents=deduped,
        matches=results.matches,
        counts_year=inc.counts_by_country_year(deduped),
        attribution=inc.attribution_summary(deduped),
    )


def tables(site: SiteData) -> MonitorTables | None:
    """The Monitor's tables (None, with ``site.cache["monitor_error"]`` set, when the
    warehouse holds no Monitor records)."""
    got = site.cache.get("monitor")
    if isinstance(got, MonitorTables):
        return got
    if "monitor_error" in site.cache:
        return None
    with site.lock:
        got = site.cache.get("monitor")
        if isinstance(got, MonitorTables):
            return got
        try:
            data = load(Warehouse(site.warehouse))
        except WarehouseError as exc:
            site.cache["monitor_error"] = str(exc)
            return None
        got = compute_tables(data)
        site.cache["monitor"] = got
        return got


def signals(site: SiteData, iso3: str) -> list[Signal]:
    """The Monitor's signals for ``iso3`` (governance gaps, incidents, dependencies,
    concentration: :func:`aicap.analysis.monitor.links.country_signals`), which point the
    recommender to interventions; none when the warehouse holds no Monitor records."""
    t = tables(site)
    if t is None:
        return []
    links = site.cache.get("monitor_links")
    if not isinstance(links, Links):
        links = load_links(site.catalogue)
        site.cache["monitor_links"] = links
    markets = site.cache.get("monitor_markets")
    if not isinstance(markets, pd.DataFrame):
        markets = latest_markets(t.concentration)
        site.cache["monitor_markets"] = markets
    return country_signals(links, iso3, t.matrix, t.access, markets)


class MonitorUnavailableError(LookupError):
    """The warehouse holds none of the Monitor's records."""


def _need(site: SiteData) -> MonitorTables:
    t = tables(site)
    if t is None:
        raise MonitorUnavailableError(site.cache.get("monitor_error", "no Monitor data"))
    return t


def _rec(row: dict[Any, Any], cols: list[str] | None = None) -> dict[str, Any]:
    keys = cols if cols is not None else [str(k) for k in row]
    return {k: _plain(row.get(k)) for k in keys}


def _plain(v: Any) -> Any:
    if isinstance(v, list | tuple):
        return [_plain(x) for x in v]
    if isinstance(v, pd.Timestamp):
        return v.date().isoformat()
    if hasattr(v, "isoformat") and not isinstance(v, str):
        return str(v.isoformat())
    return jsonable(v)


def _records(frame: pd.DataFrame, cols: list[str] | None = None) -> list[dict[str, Any]]:
    return [_rec(r, cols) for r in frame.to_dict(orient="records")]


def _names(site: SiteData, iso3: str) -> dict[str, str]:
    c = site.countries.get(iso3)
    return dict(c.names) if c is not None else {"en": iso3}


# ------------------------------------------------------------------------------ concentration
MARKET_COLS = [
    "resource",
    "view",
    "dimension",
    "variant",
    "year",
    "total",
    "n_actors",
    "unattributed_share",
    "hhi_low",
    "hhi_high",
    "cr1_low",
    "cr1_high",
    "cr3_low",
    "cr3_high",
    "cr5_low",
    "cr5_high",
    "top_actor",
    "top_share",
    "class",
    "class_ec_low",
    "class_ec_high",
    "n_items",
    "n_measured",
    "coverage",
    "low_coverage",
    "note",
]
TIME_COLS = [
    "resource",
    "year",
    "hhi_low",
    "hhi_high",
    "cr1_low",
    "class",
    "coverage",
    "low_coverage",
]


def _claims(site: SiteData, kind: str) -> list[dict[str, Any]]:
    """The Monitor's claims of ``kind`` (each page prints their sentences, linked to
    ``/api/claims/{id}``)."""
    from aicap.web.claim_lookup import monitor_claim_set

    cs = monitor_claim_set(site)
    return [c for c in cs.as_list() if c["kind"] == kind] if cs is not None else []


def _latest(table: pd.DataFrame) -> pd.DataFrame:
    last = table.groupby("resource")["year"].transform("max")
    return table[table["year"] == last]


def concentration(site: SiteData) -> dict[str, Any]:
    cached = site.cache.get("monitor:concentration")
    if isinstance(cached, dict):
        return cached
    t = _need(site)
    ct = t.concentration
    latest = _latest(ct).sort_values(["dimension", "resource", "view", "variant"])
    over = ct[(ct["dimension"] == "country") & (ct["variant"] == "full")]
    over = over[over["year"] >= YEAR_FROM].sort_values(["resource", "year"])
    top: dict[str, list[dict[str, Any]]] = {}
    for dim in ("country", "organisation"):
        sh = t.shares
        sel = sh[
            (sh["resource"] == "compute")
            & (sh["view"] == "capacity")
            & (sh["dimension"] == dim)
            & (sh["variant"] == "full")
        ]
        sel = sel[sel["year"] == sel["year"].max()].sort_values("share", ascending=False)
        top[dim] = [
            {
                "actor": str(r["actor"]),
                "names": _names(site, str(r["actor"])) if dim == "country" else None,
                "year": int(r["year"]),
                "quantity": jsonable(r["quantity"]),
                "share": jsonable(r["share"]),
            }
            for r in sel.head(10).to_dict(orient="records")
        ]
    amounts = t.compute_by_country
    total = float(amounts.sum())
    held = amounts[amounts > 0].sort_values(ascending=False)
    cum = 0.0
    holders = []
    for iso3, v in held.items():
        cum += float(v)
        holders.append(
            {
                "iso3": str(iso3),
                "names": _names(site, str(iso3)),
                "h100e": jsonable(float(v)),
                "share": jsonable(100.0 * float(v) / total),
                "cumulative": jsonable(100.0 * cum / total),
            }
        )
    out = {
        "threshold_source": conc.DOJ_FTC_2023,
        "threshold_source_ec": conc.EC_2004,
        "thresholds": {
            "moderate": conc.MODERATE,
            "high": conc.HIGH,
            "ec": [conc.EC_LOW, conc.EC_HIGH],
        },
        "interval_note": (
            "The low end treats the unattributed part of a market as fully fragmented, the "
            "high end as one more actor."
        ),
        "markets": _records(latest, MARKET_COLS),
        "over_time": {
            view: _records(over[over["view"] == view], TIME_COLS) for view in ("count", "capacity")
        },
        "year_from": YEAR_FROM,
        "claims": _claims(site, "market_concentration") + _claims(site, "resource_holders"),
        "top_compute": top,
        "lorenz": {
            "quantity": "H100-equivalents in Epoch AI's standard GPU clusters",
            "member_states": len(amounts),
            "with_compute": len(held),
            "gini": round(conc.gini(amounts), 3),
            "holders": holders,
        },
    }
    site.cache["monitor:concentration"] = out
    return out


# ------------------------------------------------------------------------------ access
ACCESS_COLS = [
    "iso3",
    "un_region",
    "un_subregion",
    "income_group",
    "developing",
    "compute_amount",
    "hosts_compute",
    "nearest_compute",
    "cloud_region_amount",
    "hosts_cloud_region",
    "nearest_cloud_region",
    "model_developer_amount",
    "hosts_model_developer",
    "nearest_model_developer",
    "hosts_none",
]


def access(site: SiteData) -> dict[str, Any]:
    cached = site.cache.get("monitor:access")
    if isinstance(cached, dict):
        return cached
    t = _need(site)
    rows = []
    for r in t.access.sort_values(["un_region", "un_subregion", "iso3"]).to_dict(orient="records"):
        rec = _rec(r, ACCESS_COLS)
        rec["names"] = _names(site, str(r["iso3"]))
        rows.append(rec)
    ow = t.open_weights[t.open_weights["year"] >= YEAR_FROM]
    out = {
        "summary": {k: jsonable(v) for k, v in t.access_summary.items()},
        "resources": list(acc.RESOURCES),
        "countries": rows,
        "open_weight_share": _records(ow),
        "year_from": YEAR_FROM,
        "claims": _claims(site, "access_count"),
    }
    site.cache["monitor:access"] = out
    return out


# ------------------------------------------------------------------------------ governance
def _risk_names(t: MonitorTables) -> dict[str, str]:
    return {r["id"]: r["name"] for r in t.risks}


def governance(site: SiteData) -> dict[str, Any]:
    cached = site.cache.get("monitor:governance")
    if isinstance(cached, dict):
        return cached
    t = _need(site)
    summary = t.register_summary.set_index("iso3")
    cols = [c for c in summary.columns]
    by_country: dict[str, dict[str, Any]] = {}
    for row in t.matrix.to_dict(orient="records"):
        iso3 = str(row["iso3"])
        entry = by_country.setdefault(iso3, {"iso3": iso3, "names": _names(site, iso3)})
        entry.setdefault("risks", {})[str(row["risk"])] = {
            "status": str(row["status"]),
            "incidents": int(row["incidents"]),
            "instruments": jsonable(row.get("instruments")) or None,
        }
    countries = []
    for iso3 in t.members:
        entry = by_country.get(iso3, {"iso3": iso3, "names": _names(site, iso3), "risks": {}})
        entry["covered"] = iso3 in t.covered
        entry["register"] = (
            {c: jsonable(summary.loc[iso3, c]) for c in cols} if iso3 in summary.index else None
        )
        entry["gaps"] = sum(1 for v in entry["risks"].values() if v["status"] == "gap")
        countries.append(entry)
    by_risk = (
        t.matrix.groupby(["risk", "status"]).size().unstack(fill_value=0).to_dict(orient="index")
    )
    out = {
        "source": "GIRAI 2026 (Global Index on Responsible AI)",
        "statuses": list(rk.STATUSES),
        "risks": t.risks,
        "by_risk": {str(k): {str(s): int(n) for s, n in v.items()} for k, v in by_risk.items()},
        "instruments_total": len(t.register),
        "countries_covered": sum(1 for c in countries if c["covered"]),
        "register_columns": cols,
        "countries": countries,
        "caveat": inc.CAVEAT,
        "claims": _claims(site, "governance_gap_count"),
    }
    site.cache["monitor:governance"] = out
    return out


#: The register's columns shown on a country's page (its ISO3 is the page itself).
REGISTER_COLS = [c for c in gov.REGISTER_COLUMNS if c != "iso3"]


def governance_country(site: SiteData, iso3: str) -> dict[str, Any]:
    """One Member State's instruments register and rule-gap row (KeyError: not a member)."""
    if iso3 not in site.countries:
        raise KeyError(iso3)
    key = f"monitor:governance:{iso3}"
    cached = site.cache.get(key)
    if isinstance(cached, dict):
        return cached
    t = _need(site)
    g = next(c for c in governance(site)["countries"] if c["iso3"] == iso3)
    rows = gov.country_register(t.register, iso3)
    names = _risk_names(t)
    out = {
        "iso3": iso3,
        "names": _names(site, iso3),
        "covered": g["covered"],
        "register": g["register"],
        "instruments": _records(rows, REGISTER_COLS),
        "risks": [{"risk": r, "name": names[r], **v} for r, v in g["risks"].items()],
        "source": "GIRAI 2026 (Global Index on Responsible AI)",
        "caveat": inc.CAVEAT,
    }
    site.cache[key] = out
    return out


# ------------------------------------------------------------------------------ incidents
def incidents(site: SiteData) -> dict[str, Any]:
    cached = site.cache.get("monitor:incidents")
    if isinstance(cached, dict):
        return cached
    t = _need(site)
    counts = t.counts_year
    counts = counts[counts["iso3"].isin(t.members)]
    last = int(counts["year"].max()) if len(counts) else 0
    years = list(range(last - INCIDENT_YEARS + 1, last + 1))
    totals = counts.groupby("iso3")["documented_incidents"].sum().sort_values(ascending=False)
    cell = {
        (str(r["iso3"]), int(r["year"])): int(r["documented_incidents"])
        for r in counts.to_dict(orient="records")
    }
    rows = [
        {
            "iso3": str(iso3),
            "names": _names(site, str(iso3)),
            "total": int(n),
            "by_year": {str(y): cell.get((str(iso3), y), 0) for y in years},
        }
        for iso3, n in totals.items()
    ]
    ev = t.incidents
    per_year = ev.dropna(subset=["year"]).groupby("year").size()
    per_year = per_year[per_year.index >= INCIDENT_FROM]
    with_country = ev[ev["countries"].map(len) > 0].copy()
    with_country["_d"] = with_country["date"].astype(str)
    recent = with_country.sort_values(["year", "_d"], ascending=False).head(RECENT_CASES)
    cases = [
        {
            "date": _plain(r["date"]) or _plain(r["year"]),
            "title": str(r["title"]),
            "countries": list(r["countries"]),
            "methods": list(r["country_methods"]),
            "risks": list(r["risks"]),
            "source": str(r["source"]),
            "url": _plain(r["url"]),
        }
        for r in recent.to_dict(orient="records")
    ]
    out = {
        "caveat": inc.CAVEAT,
        "attribution": _plain_dict(t.attribution),
        "cross_database_matches": t.matches,
        "years": years,
        "per_year": [{"year": int(str(y)), "events": int(n)} for y, n in per_year.items()],
        "countries": rows,
        "recent_cases": cases,
        "claims": _claims(site, "incident_change"),
    }
    site.cache["monitor:incidents"] = out
    return out


def _plain_dict(d: dict[str, Any]) -> dict[str, Any]:
    return {str(k): _plain_dict(v) if isinstance(v, dict) else _plain(v) for k, v in d.items()}


# ------------------------------------------------------------------------------ overview
def _headline(claim: dict[str, Any]) -> bool:
    """The claims the overview's counts rest on."""
    cid = str(claim["id"])
    return (
        (claim["kind"] == "market_concentration" and ".full." in cid)
        or claim["kind"] in ("resource_holders", "incident_change")
        or cid.startswith("access-count.ALL.")
        or cid == "access-count.DEV.none"
        or (claim["kind"] == "governance_gap_count" and cid.endswith(".ALL"))
    )


def overview(site: SiteData) -> dict[str, Any]:
    c = concentration(site)
    a = access(site)
    g = governance(site)
    i = incidents(site)
    headline = [m for m in c["markets"] if m["dimension"] == "country" and m["variant"] == "full"]
    return {
        "pages": list(PAGES),
        "concentration": {
            "markets": headline,
            "threshold_source": c["threshold_source"],
            "lorenz_gini": c["lorenz"]["gini"],
        },
        "access": a["summary"],
        "governance": {
            "instruments_total": g["instruments_total"],
            "countries_covered": g["countries_covered"],
            "member_states": len(g["countries"]),
            "gaps_by_risk": {
                r["id"]: g["by_risk"].get(r["id"], {}).get("gap", 0) for r in g["risks"]
            },
            "risks": g["risks"],
        },
        "incidents": {
            "events": i["attribution"]["events"],
            "with_country": i["attribution"]["with_country"],
            "cross_database_matches": i["cross_database_matches"],
            "caveat": i["caveat"],
        },
        # the claims behind the headline counts, each with its n (the gaps by risk are of the
        # Member States GIRAI covered)
        "claims": [
            x for x in [*c["claims"], *a["claims"], *g["claims"], *i["claims"]] if _headline(x)
        ],
    }


# ------------------------------------------------------------------------------ profile rows
def country_rows(site: SiteData, iso3: str) -> dict[str, Any] | None:
    """What the Monitor says about one Member State, for its profile (None without Monitor
    data)."""
    t = tables(site)
    if t is None or iso3 not in t.members:
        return None
    a = next(r for r in access(site)["countries"] if r["iso3"] == iso3)
    g = next(r for r in governance(site)["countries"] if r["iso3"] == iso3)
    counts = t.counts_year[t.counts_year["iso3"] == iso3]
    names = _risk_names(t)
    return {
        "access": {k: a[k] for k in ACCESS_COLS if k.startswith(("hosts_", "nearest_"))},
        "governance": {
            "covered": g["covered"],
            "register": g["register"],
            "gaps": [names[r] for r, v in g["risks"].items() if v["status"] == "gap"],
            "risks": [{"risk": r, "name": names[r], **v} for r, v in g["risks"].items()],
        },
        "incidents": {
            "documented": int(counts["documented_incidents"].sum()),
            "caveat": inc.CAVEAT,
        },
    }
