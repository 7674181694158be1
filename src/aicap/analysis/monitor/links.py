"""Links to action: every Monitor signal points to interventions of the catalogue.

The mapping is data, checked against the intervention catalogue when it is loaded:

* each risk of ``catalogues/risks.yaml`` names the interventions that address it
  (``interventions``); a **governance gap** (the rule-gap finder's status ``gap``) and
  **documented incidents** for a risk that no adopted instrument addresses point to them;
* ``catalogues/monitor_links.yaml`` names the interventions for the **dependency** signals (the
  country hosts no AI compute, no cloud region, no notable-model developer) and the
  **concentration** signal (the country hosts none of a resource whose market across countries
  is highly concentrated).

:func:`load_links` fails (:class:`LinksError`) on an unknown intervention id, an unknown access
resource, a risk without interventions, or a taxonomy risk the links do not know.
:func:`country_signals` turns the Monitor's tables into a country's :class:`Signal` list, each
with the gap it addresses, its evidence (figures with source and year) and its interventions;
:func:`aicap.analysis.recommend.recommend` takes them (``signals=``) so that a country's
recommendations include the interventions that address its governance gaps and dependencies.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from aicap import yamlload
from aicap.analysis.catalogue import Catalogue
from aicap.analysis.monitor import access as acc
from aicap.analysis.monitor import concentration as conc
from aicap.analysis.monitor import governance as gov
from aicap.analysis.monitor import incidents as inc
from aicap.analysis.monitor import risks as rk
from aicap.analysis.monitor.data import MonitorData

SIGNAL_KINDS = ("governance_gap", "incidents", "dependency", "concentration")
#: rule-gap statuses under which documented incidents are a signal (no adopted instrument)
UNADDRESSED = ("gap", "draft only", "not covered", "not assessed")
#: the concentration resource whose country view the briefing and the signals read, and
#: the view used (capacity where it exists)
MARKET_VIEWS = {
    "compute": "capacity",
    "cloud_regions": "count",
    "models_notable": "count",
    "models_frontier": "count",
    "models_large_scale": "count",
}
RESOURCE_WORDS = {
    "compute": "AI compute (H100-equivalents in GPU clusters)",
    "cloud_regions": "public-cloud regions",
    "models_notable": "notable AI models",
    "models_frontier": "frontier AI models",
    "models_large_scale": "large-scale AI models",
}
#: the warehouse source behind each resource and table (for evidence and footnotes)
RESOURCE_SOURCES = {
    "compute": "epoch_gpu_clusters",
    "cloud_regions": "cloud_regions",
    "models_notable": "epoch_ai_models_2025_12",
    "models_frontier": "epoch_ai_models_2025_12",
    "models_large_scale": "epoch_ai_models_2025_12",
}
ACCESS_SOURCES = {
    "compute": "epoch_gpu_clusters",
    "cloud_region": "cloud_regions",
    "model_developer": "epoch_ai_models_2025_12",
}
GOVERNANCE_SOURCE = "girai"
CLASS_RANK = {"unconcentrated": 0, "moderately concentrated": 1, "highly concentrated": 2}
INCIDENT_SOURCES = ("aiid_incidents", "aiaaic_incidents")


class LinksError(ValueError):
    """The links are invalid (the message names the signal or risk and the problem)."""


class LinkSignal(BaseModel):
    """One entry of ``monitor_links.yaml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: Literal["dependency", "concentration", "incidents"]
    name: str = Field(min_length=3)
    description: str = Field(min_length=10)
    access: str | None = None
    market: str | None = None
    threshold: Literal["highly concentrated", "moderately concentrated"] | None = None
    min_incidents: int | None = Field(default=None, ge=1)
    interventions: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _fields(self) -> LinkSignal:
        if self.kind == "dependency":
            if self.access not in acc.RESOURCES:
                raise ValueError(f"access must be one of {acc.RESOURCES}, not {self.access!r}")
            if self.market not in MARKET_VIEWS:
                raise ValueError(f"market must be one of {tuple(MARKET_VIEWS)}")
            if not self.interventions:
                raise ValueError("a dependency signal needs at least one intervention")
        if self.kind == "concentration":
            if self.threshold is None:
                raise ValueError("a concentration signal needs a threshold")
            if not self.interventions:
                raise ValueError("a concentration signal needs at least one intervention")
        if self.kind == "incidents" and self.min_incidents is None:
            raise ValueError("an incidents signal needs min_incidents")
        return self


class MarketCoverage(BaseModel):
    """``market_coverage`` of ``monitor_links.yaml``: the share of a market's items (models,
    clusters) a capacity view must have an estimate for; below it the count view is shown."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_share: float = Field(gt=0, le=100)  # % of the items
    rationale: str = Field(min_length=20)


class LinksModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int
    market_coverage: MarketCoverage | None = None
    signals: tuple[LinkSignal, ...] = Field(min_length=1)


@dataclass(frozen=True)
class Links:
    """The validated mapping from signals to catalogue interventions."""

    taxonomy: rk.Taxonomy
    catalogue: Catalogue
    signals: dict[str, LinkSignal]

    def for_risk(self, risk_id: str) -> tuple[str, ...]:
        return tuple(self.taxonomy.get(risk_id).interventions)

    def for_signal(self, signal_id: str) -> tuple[str, ...]:
        return self.signals[signal_id].interventions

    def of_kind(self, kind: str) -> list[LinkSignal]:
        return [s for s in self.signals.values() if s.kind == kind]

    def citations(self, iid: str) -> list[str]:
        """The mandate citations of an intervention (human form)."""
        return [
            self.catalogue.mandates.resolve(r).citation for r in self.catalogue.get(iid).mandates
        ]

    def table(self) -> pd.DataFrame:
        """One row per signal (risk or monitor signal) and intervention, with the intervention's
        title, area and mandate citations."""
        rows: list[dict[str, Any]] = []
        entries: list[tuple[str, str, str, tuple[str, ...]]] = [
            ("risk", r.id, r.name, tuple(r.interventions)) for r in self.taxonomy.risks
        ]
        entries += [(s.kind, s.id, s.name, s.interventions) for s in self.signals.values()]
        for kind, key, name, ids in entries:
            for order, iid in enumerate(ids, start=1):
                it = self.catalogue.get(iid)
                rows.append(
                    {
                        "kind": kind,
                        "key": key,
                        "name": name,
                        "order": order,
                        "intervention": iid,
                        "title": it.title,
                        "area": it.area,
                        "area_name": self.catalogue.areas[it.area].name,
                        "mandates": "; ".join(self.citations(iid)),
                    }
                )
        return pd.DataFrame(rows)


def default_links_path() -> Path:
    """The shipped ``catalogues/monitor_links.yaml`` (or ``AICAP_MONITOR_LINKS``)."""
    env = os.environ.get("AICAP_MONITOR_LINKS")
    if env:
        return Path(env)
    from aicap import resources

    return resources.path("catalogues/monitor_links.yaml")


def parse_links(
    data: object,
    catalogue: Catalogue,
    taxonomy: rk.Taxonomy,
    label: str = "monitor_links.yaml",
) -> Links:
    """Validate the links (as loaded from YAML) and the taxonomy's interventions against the
    catalogue; every problem is named in one :class:`LinksError`."""
    try:
        model = LinksModel.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = list(err["loc"])
        if len(loc) >= 2 and loc[0] == "signals" and isinstance(loc[1], int):
            items = data.get("signals", []) if isinstance(data, dict) else []
            sid = items[loc[1]].get("id", f"#{loc[1]}") if loc[1] < len(items) else loc[1]
            loc = [f"signal {sid}", *loc[2:]]
        where = ".".join(str(p) for p in loc)
        raise LinksError(f"{label}: {where}: {err['msg']}") from None
    problems: list[str] = []
    ids = [s.id for s in model.signals]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        problems.append(f"signal id(s) defined twice: {', '.join(twice)}")
    for kind in ("concentration", "incidents"):
        if sum(s.kind == kind for s in model.signals) > 1:
            problems.append(f"more than one {kind} signal")
    for s in model.signals:
        for iid in s.interventions:
            if iid not in catalogue.items:
                problems.append(f"signal {s.id}: unknown intervention {iid!r}")
    for r in taxonomy.risks:
        if not r.interventions:
            problems.append(f"risks.yaml: risk {r.id} names no intervention")
        for iid in r.interventions:
            if iid not in catalogue.items:
                problems.append(f"risks.yaml: risk {r.id}: unknown intervention {iid!r}")
            elif catalogue.areas[catalogue.get(iid).area].domain != r.domain:
                area = catalogue.get(iid).area
                problems.append(
                    f"risks.yaml: risk {r.id} ({r.domain} domain) points to {iid}, whose area "
                    f"{area!r} is {catalogue.areas[area].domain}: its texts do not cover the risk"
                )
    if problems:
        raise LinksError(f"{label}: " + "; ".join(problems))
    return Links(taxonomy, catalogue, {s.id: s for s in model.signals})


def load_links(
    catalogue: Catalogue,
    taxonomy: rk.Taxonomy | None = None,
    path: str | Path | None = None,
) -> Links:
    """Read ``catalogues/monitor_links.yaml`` (or ``path``) and validate it, with the risk
    taxonomy (default: the shipped one), against ``catalogue``."""
    p = Path(path) if path is not None else default_links_path()
    try:
        data = yamlload.safe_load(p.read_text("utf-8"))
    except yaml.YAMLError as exc:
        raise LinksError(f"{p.name}: not valid YAML ({exc})") from None
    except OSError as exc:
        raise LinksError(f"cannot read the monitor links {p}: {exc}") from None
    tax = taxonomy if taxonomy is not None else rk.load_taxonomy()
    return parse_links(data, catalogue, tax, p.name)


def load_market_coverage(path: str | Path | None = None) -> MarketCoverage | None:
    """The ``market_coverage`` of ``catalogues/monitor_links.yaml`` (or ``path``), validated."""
    p = Path(path) if path is not None else default_links_path()
    try:
        data = yamlload.safe_load(p.read_text("utf-8"))
    except (yaml.YAMLError, OSError) as exc:
        raise LinksError(f"cannot read the monitor links {p}: {exc}") from None
    raw = data.get("market_coverage") if isinstance(data, dict) else None
    if raw is None:
        return None
    try:
        return MarketCoverage.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(x) for x in err["loc"])
        raise LinksError(f"{p.name}: market_coverage.{where}: {err['msg']}") from None


# ------------------------------------------------------------------------------ the figures
@dataclass
class MonitorResults:
    """Every Monitor table the links, the recommendations and the briefing read."""

    countries: pd.DataFrame
    holdings: pd.DataFrame
    concentration: pd.DataFrame  # concentration_table over all holdings
    shares: pd.DataFrame
    access: pd.DataFrame
    access_summary: dict[str, object]
    open_weights: pd.DataFrame
    matrix: pd.DataFrame  # gap_matrix over Member States, with incident counts
    incidents: pd.DataFrame  # de-duplicated events
    sources: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    #: the governance register (:func:`governance.from_girai`) and its coverage
    #: (:func:`governance.coverage_from_girai`) behind ``matrix``
    register: pd.DataFrame = field(default_factory=pd.DataFrame)
    coverage: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: AIID-AIAAIC pairs merged into one event when ``incidents`` was de-duplicated
    matches: int = 0


def compute_results(
    data: MonitorData,
    taxonomy: rk.Taxonomy | None = None,
    min_coverage: float | None = None,
) -> MonitorResults:
    """Run the Monitor on the warehouse frames: concentration, access, rule gaps, incidents.
    ``min_coverage``: the market coverage (%) a capacity view needs (default: the
    ``market_coverage`` of ``catalogues/monitor_links.yaml``)."""
    tax = taxonomy if taxonomy is not None else rk.load_taxonomy()
    if min_coverage is None:
        mc = load_market_coverage()
        min_coverage = mc.min_share if mc is not None else None
    holdings = pd.concat(
        [
            conc.compute_holdings(data.clusters),
            conc.model_holdings(data.models, data.model_countries),
            conc.cloud_holdings(data.regions),
        ],
        ignore_index=True,
    )
    access = acc.access_table(data.countries, data.clusters, data.regions, data.model_countries)
    register = gov.from_girai(data.girai_frameworks, data.girai_initiatives)
    coverage = gov.coverage_from_girai(data.girai_areas)
    events = inc.events(data.aiid, data.aiid_countries, data.aiaaic, data.aiaaic_countries, tax)
    matches = inc.match_events(events)
    deduped = inc.deduplicate(events, matches)
    members = list(data.countries.loc[data.countries["status"] == "member", "iso3"])
    matrix = rk.gap_matrix(tax, register, coverage, members, inc.counts_by_country_risk(deduped))
    return MonitorResults(
        countries=data.countries,
        holdings=holdings,
        concentration=conc.concentration_table(holdings, min_coverage=min_coverage),
        shares=conc.shares_table(holdings),
        access=access,
        access_summary=acc.access_summary(access),
        open_weights=acc.open_weight_share(data.models),
        matrix=matrix,
        incidents=deduped,
        sources=data.sources,
        warnings=rk.check_areas(tax, coverage["area"].unique()),
        register=register,
        coverage=coverage,
        matches=len(matches),
    )


def latest_markets(table: pd.DataFrame) -> pd.DataFrame:
    """Per resource of :data:`MARKET_VIEWS`: the country market (full counting, the resource's
    view, or its count view when the capacity view's coverage is low) in its latest year, one
    row each."""
    if table.empty:
        return table
    rows = []
    for resource, wanted in MARKET_VIEWS.items():
        view = conc.shown_view(table[table["dimension"] == "country"], resource, wanted)
        sel = table[
            (table["resource"] == resource)
            & (table["view"] == view)
            & (table["dimension"] == "country")
            & (table["variant"] == "full")
        ]
        if len(sel):
            rows.append(sel[sel["year"] == sel["year"].max()])
    return pd.concat(rows, ignore_index=True) if rows else table.iloc[0:0]


def source_label(sources: pd.DataFrame, source_id: str) -> str:
    """``Publisher, Title (vintage)`` of a warehouse source (the id itself when unknown)."""
    if sources.empty or "source_id" not in sources.columns:
        return source_id
    hit = sources[sources["source_id"] == source_id]
    if hit.empty:
        return source_id
    row = hit.iloc[0]
    year = str(row.get("retrieved") or "")[:4]
    return f"{row['publisher']}, {row['title']}" + (f" ({year})" if year else "")


# ------------------------------------------------------------------------------ signals
@dataclass(frozen=True)
class Signal:
    """One gap or risk signal of a country and the interventions that address it."""

    iso3: str
    kind: str  # one of SIGNAL_KINDS
    key: str  # risk id (governance_gap, incidents) or monitor signal id
    label: str  # the gap it addresses, in words
    evidence: str  # the figures, with their year
    sources: tuple[str, ...]  # warehouse source ids behind the evidence
    interventions: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "iso3": self.iso3,
            "kind": self.kind,
            "key": self.key,
            "label": self.label,
            "evidence": self.evidence,
            "sources": list(self.sources),
            "interventions": list(self.interventions),
        }


def _lower_first(text: str) -> str:
    """``Hosts no AI compute`` -> ``hosts no AI compute`` (acronyms kept)."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _hhi(low: float, high: float) -> str:
    a, b = f"{low:,.0f}", f"{high:,.0f}"
    return a if a == b else f"{a}-{b}"


def _pct(v: object) -> str:
    return f"{float(str(v)):.1f} %"


def country_signals(
    links: Links,
    iso3: str,
    matrix: pd.DataFrame,
    access: pd.DataFrame,
    markets: pd.DataFrame,
) -> list[Signal]:
    """The signals of one Member State: ``matrix`` from :func:`risks.gap_matrix` (with incident
    counts), ``access`` from :func:`access.access_table`, ``markets`` from
    :func:`latest_markets`. Order: governance gaps (those with incidents first), incidents,
    dependencies, concentration."""
    out: list[Signal] = []
    rows = matrix[matrix["iso3"] == iso3]
    inc_sig = next(iter(links.of_kind("incidents")), None)
    gaps: list[Signal] = []
    incidents: list[Signal] = []
    for rec in rows.itertuples(index=False):
        risk = links.taxonomy.get(str(rec.risk))
        n = int(str(rec.incidents))
        status = str(rec.status)
        if status == "gap":
            areas = ", ".join(risk.instrument_areas)
            ev = f"no adopted instrument in {areas} (GIRAI 2026)"
            if n:
                ev += f"; {n} documented incident{'s' if n != 1 else ''} (AIID, AIAAIC)"
            gaps.append(
                Signal(
                    iso3,
                    "governance_gap",
                    risk.id,
                    f"governance gap on {_lower_first(risk.name)}",
                    ev,
                    (GOVERNANCE_SOURCE, *(INCIDENT_SOURCES if n else ())),
                    (*risk.interventions, *(inc_sig.interventions if inc_sig and n else ())),
                )
            )
        elif (
            inc_sig is not None
            and status in UNADDRESSED
            and inc_sig.min_incidents is not None
            and n >= inc_sig.min_incidents
        ):
            incidents.append(
                Signal(
                    iso3,
                    "incidents",
                    risk.id,
                    f"documented incidents of {_lower_first(risk.name)}",
                    f"{n} documented incident{'s' if n != 1 else ''} (AIID, AIAAIC; documented "
                    f"cases, not incidence); instrument status: {status}",
                    (*INCIDENT_SOURCES, GOVERNANCE_SOURCE),
                    (*risk.interventions, *inc_sig.interventions),
                )
            )
    gaps.sort(key=lambda s: 0 if "incident" in s.evidence else 1)
    out += gaps + incidents
    me = access[access["iso3"] == iso3]
    if me.empty:
        return out
    row = me.iloc[0]
    by_market = {str(r["resource"]): r for _, r in markets.iterrows()}
    lacking: list[str] = []
    for sig in links.of_kind("dependency"):
        assert sig.access is not None and sig.market is not None
        if bool(row[f"hosts_{sig.access}"]):
            continue
        lacking.append(sig.market)
        near = str(row.get(f"nearest_{sig.access}", "") or "")
        scope = str(row.get(f"nearest_{sig.access}_scope", "") or "")
        ev = sig.description.rstrip(".")
        if near:
            where = "sub-region" if scope == "subregion" else "region"
            ev += f"; nearest hosts in the same UN {where}: {near}"
        else:
            ev += "; no host in its UN region either"
        out.append(
            Signal(
                iso3,
                "dependency",
                sig.id,
                _lower_first(sig.name),
                ev,
                (ACCESS_SOURCES[sig.access],),
                sig.interventions,
            )
        )
    for sig in links.of_kind("concentration"):
        hits = []
        for market in lacking:
            m = by_market.get(market)
            if m is None:
                continue
            if CLASS_RANK.get(str(m["class_low"]), -1) >= CLASS_RANK[str(sig.threshold)]:
                hits.append(
                    f"{RESOURCE_WORDS[market]} across countries: HHI "
                    f"{_hhi(float(m['hhi_low']), float(m['hhi_high']))} in {int(m['year'])}, "
                    f"{m['class']}"
                    f"{'' if int(m['n_actors']) == 1 else ' (DOJ/FTC 2023)'}; "
                    f"largest {m['top_actor']} "
                    f"{_pct(m['top_share'])}"
                )
        if hits:
            out.append(
                Signal(
                    iso3,
                    "concentration",
                    sig.id,
                    _lower_first(sig.name),
                    "; ".join(hits),
                    tuple(dict.fromkeys(RESOURCE_SOURCES[m] for m in lacking if m in by_market)),
                    sig.interventions,
                )
            )
    return out


def all_signals(links: Links, results: MonitorResults) -> dict[str, list[Signal]]:
    """:func:`country_signals` for every Member State of the results."""
    markets = latest_markets(results.concentration)
    return {
        str(iso3): country_signals(links, str(iso3), results.matrix, results.access, markets)
        for iso3 in results.access["iso3"]
    }


def signals_frame(signals: dict[str, list[Signal]]) -> pd.DataFrame:
    """One row per country, signal and intervention (for data files and the CLI)."""
    rows = [
        {
            **{k: v for k, v in s.as_dict().items() if k not in ("interventions", "sources")},
            "sources": "; ".join(s.sources),
            "order": n,
            "intervention": iid,
        }
        for sigs in signals.values()
        for s in sigs
        for n, iid in enumerate(s.interventions, start=1)
    ]
    return pd.DataFrame(
        rows,
        columns=["iso3", "kind", "key", "label", "evidence", "sources", "order", "intervention"],
    )
