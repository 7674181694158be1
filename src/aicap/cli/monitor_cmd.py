"""``aicap monitor``: concentration of AI resources, access per Member State, governance
instruments, rule gaps and AI incidents (see docs/monitor.md). Every command has ``--json``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from aicap.cli import output
from aicap.cli.output import Column, FormatOpt, JsonAlias

if TYPE_CHECKING:
    import pandas as pd

    from aicap.analysis.monitor.data import MonitorData

app = typer.Typer(
    help="Monitor: concentration of AI resources, access, governance gaps and AI incidents.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console(stderr=True)
out = Console(soft_wrap=True)

WarehousePath = Annotated[
    Path,
    typer.Option("--warehouse", envvar="AICAP_WAREHOUSE", help="Warehouse DuckDB file."),
]
Country = Annotated[str | None, typer.Option("--country", help="ISO3 code of one country.")]
DEFAULT_WAREHOUSE = Path("var/aicap.duckdb")


def _data(path: Path) -> MonitorData:
    from aicap.analysis.monitor.data import load
    from aicap.warehouse.read import Warehouse, WarehouseError

    try:
        return load(Warehouse(path))
    except WarehouseError as exc:
        console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
        raise typer.Exit(1) from None


def _member(data: MonitorData, text: str | None) -> str | None:
    """``text`` as the ISO3 code of a UN Member State (any case), or a one-line error with
    "did you mean" (exit 2); None stays None (every country)."""
    if text is None:
        return None
    frame = data.countries
    code = text.strip().upper()
    if code in set(frame.loc[frame["status"] == "member", "iso3"]):
        return code
    from aicap.cli.conventions import country_names, unknown_country

    names = country_names(frame[frame["status"] == "member"].to_dict(orient="records"))
    message = unknown_country(text, names, "a UN Member State (ISO3 code expected)")
    console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(frame.to_json(orient="records", default_handler=str))
    return data


def _emit(payload: dict[str, Any]) -> None:
    out.print_json(json.dumps(payload, ensure_ascii=False, default=str))


def _show(frame: pd.DataFrame, title: str, fmt: str, limit: int = 40) -> None:
    """``frame`` as a table (its first ``limit`` rows, numbers to one decimal) or as CSV (every
    row, numbers as stored)."""
    records = _records(frame)
    cols = [Column(str(c), numeric=bool(frame[c].dtype.kind in "iuf")) for c in frame.columns]
    if fmt == "csv":
        output.emit(records, "csv", columns=cols)
        return
    shown = [
        {k: f"{v:,.1f}" if isinstance(v, float) and v == v else v for k, v in r.items()}
        for r in records[:limit]
    ]
    more = len(records) - len(shown)
    notes = [f"(first {limit} of {len(records)} rows; --format csv for all)"] if more > 0 else []
    output.emit(shown, "table", columns=cols, title=title, notes=notes)


def _print_claims(claims: list[Any]) -> None:
    """Each claim's sentence with its id (``aicap claim show ID`` prints its numbers)."""
    for c in claims:
        out.print(f"- {c.text} [{c.id}]", highlight=False, markup=False)


def _concentration(data: MonitorData) -> pd.DataFrame:
    import pandas as pd

    from aicap.analysis.monitor import concentration as conc

    holdings = pd.concat(
        [
            conc.compute_holdings(data.clusters),
            conc.model_holdings(data.models, data.model_countries),
            conc.cloud_holdings(data.regions),
        ],
        ignore_index=True,
    )
    return holdings


@app.command("concentration")
def concentration_cmd(
    warehouse: WarehousePath = DEFAULT_WAREHOUSE,
    resource: Annotated[
        str | None,
        typer.Option(
            help="compute, models_notable, models_large_scale, models_frontier, "
            "cloud_regions (default: all)"
        ),
    ] = None,
    dimension: Annotated[str, typer.Option(help="country or organisation")] = "country",
    year: Annotated[
        int | None, typer.Option(help="One year (default: the latest of each).")
    ] = None,
    fmt: FormatOpt = "table",
    as_json: JsonAlias = False,
) -> None:
    """HHI and CR-k per resource (count and capacity views, full and fractional counting), with
    the interval for the unattributed part and the DOJ/FTC 2023 classification."""
    fmt = output.choose(fmt, as_json)
    from aicap.analysis.monitor import concentration as conc
    from aicap.analysis.monitor import links as lk

    data = _data(warehouse)
    holdings = _concentration(data)
    if resource is not None:
        holdings = holdings[holdings["resource"] == resource]
        if holdings.empty:
            console.print(f"[bold red]error:[/] unknown resource {escape(resource)!r}")
            raise typer.Exit(2)
    holdings = holdings[holdings["dimension"] == dimension]
    coverage = lk.load_market_coverage()
    table = conc.concentration_table(
        holdings, min_coverage=coverage.min_share if coverage is not None else None
    )
    if year is not None:
        table = table[table["year"] == year]
    else:
        last = table.groupby("resource")["year"].transform("max")
        table = table[table["year"] == last]
    shares = conc.shares_table(holdings)
    shares = shares.merge(table[["resource", "view", "variant", "year"]].drop_duplicates())
    claims = []  # the sentences of the latest year's markets across countries (claims)
    if dimension == "country" and year is None:
        from aicap.analysis.claims_monitor import market_claims

        names = dict(zip(data.countries["iso3"], data.countries["name"], strict=True))
        claims = market_claims(table, names, coverage.min_share if coverage else None)
    if fmt == "json":
        _emit(
            {
                "threshold_source": conc.DOJ_FTC_2023,
                "threshold_source_ec": conc.EC_2004,
                "dimension": dimension,
                "markets": _records(
                    table.drop(columns=["threshold_source", "threshold_source_ec"])
                ),
                "top_shares": _records(
                    shares.groupby(["resource", "view", "variant", "year"]).head(10)
                ),
                "claims": [c.as_dict() for c in claims],
            }
        )
        return
    cols = [
        "resource",
        "view",
        "variant",
        "year",
        "n_actors",
        "unattributed_share",
        "hhi_low",
        "hhi_high",
        "cr1_low",
        "cr3_low",
        "top_actor",
        "class",
        "coverage",
    ]
    shown = table.copy()
    low = shown["low_coverage"].astype(bool)
    shown.loc[low, "class"] = "low coverage: see the count view"
    _show(shown[cols], f"Concentration by {dimension}", fmt)
    if fmt == "csv":
        return
    for r in shown[shown["note"] != ""].itertuples(index=False):
        out.print(f"{r.resource} {r.view} ({r.variant}) {r.year}: {r.note}.", highlight=False)
    out.print(f"Thresholds: {conc.DOJ_FTC_2023}.", highlight=False)
    _print_claims(claims)


@app.command("access")
def access_cmd(
    warehouse: WarehousePath = DEFAULT_WAREHOUSE,
    country: Country = None,
    fmt: FormatOpt = "table",
    as_json: JsonAlias = False,
) -> None:
    """Per Member State: hosts AI compute, a cloud region, a model developer; nearest hosts in
    the same region; developing countries with none; open-weight share of notable models."""
    fmt = output.choose(fmt, as_json)
    from aicap.analysis.monitor import access as acc

    data = _data(warehouse)
    country = _member(data, country)
    table = acc.access_table(data.countries, data.clusters, data.regions, data.model_countries)
    summary = acc.access_summary(table)
    open_share = acc.open_weight_share(data.models)
    if country is not None:
        table = table[table["iso3"] == country]
    if fmt == "json":
        _emit(summary | {"countries": _records(table), "open_weight_share": _records(open_share)})
        return
    for key, value in summary.items() if fmt == "table" else ():
        out.print(f"{key}: {value}", highlight=False)
    cols = [
        "iso3",
        "developing",
        "hosts_compute",
        "hosts_cloud_region",
        "hosts_model_developer",
        "nearest_compute",
        "nearest_cloud_region",
    ]
    _show(table[cols], "Access per Member State", fmt, limit=200 if country else 40)


@app.command("governance")
def governance_cmd(
    warehouse: WarehousePath = DEFAULT_WAREHOUSE,
    country: Country = None,
    fmt: FormatOpt = "table",
    as_json: JsonAlias = False,
) -> None:
    """The governance instruments register (GIRAI 2026): frameworks with type and approval
    date, and government initiatives, with provenance."""
    fmt = output.choose(fmt, as_json)
    from aicap.analysis.monitor import governance as gov

    data = _data(warehouse)
    country = _member(data, country)
    register = gov.from_girai(data.girai_frameworks, data.girai_initiatives)
    if country is not None:
        rows = gov.country_register(register, country)
        if fmt == "json":
            _emit({"iso3": country, "instruments": _records(rows)})
            return
        cols = ["kind", "area", "type", "status", "approval_date", "title"]
        _show(rows[cols], f"Instruments of {country}", fmt, limit=200)
        return
    summary = gov.register_summary(register)
    if fmt == "json":
        _emit({"countries": _records(summary), "instruments_total": len(register)})
        return
    _show(summary, "Governance instruments per country (GIRAI 2026)", fmt)


def _incidents(data: MonitorData) -> tuple[pd.DataFrame, pd.DataFrame]:
    from aicap.analysis.monitor import incidents as inc
    from aicap.analysis.monitor import risks as rk

    taxonomy = rk.load_taxonomy()
    events = inc.events(
        data.aiid, data.aiid_countries, data.aiaaic, data.aiaaic_countries, taxonomy
    )
    matches = inc.match_events(events)
    return inc.deduplicate(events, matches), matches


@app.command("incidents")
def incidents_cmd(
    warehouse: WarehousePath = DEFAULT_WAREHOUSE,
    country: Country = None,
    fmt: FormatOpt = "table",
    as_json: JsonAlias = False,
) -> None:
    """AIID and AIAAIC incidents, de-duplicated (matches reported), counted per country and
    year as documented cases."""
    fmt = output.choose(fmt, as_json)
    from aicap.analysis.monitor import incidents as inc

    data = _data(warehouse)
    country = _member(data, country)
    deduped, matches = _incidents(data)
    counts = inc.counts_by_country_year(deduped)
    if country is not None:
        counts = counts[counts["iso3"] == country]
    summary = inc.attribution_summary(deduped)
    from aicap.analysis.claims_monitor import incident_claim

    change = incident_claim(deduped) if country is None else None
    claims = [change] if change is not None else []
    if fmt == "json":
        _emit(
            summary
            | {"matches": _records(matches), "counts": _records(counts.drop(columns="caveat"))}
            | {"claims": [c.as_dict() for c in claims]}
        )
        return
    for key, value in summary.items() if fmt == "table" else ():
        out.print(f"{key}: {value}", highlight=False)
    if fmt == "table":
        out.print(f"cross-database matches: {len(matches)}", highlight=False)
    latest = counts.sort_values(["year", "documented_incidents"], ascending=False)
    _show(latest.drop(columns="caveat"), "Documented incidents per country and year", fmt)
    if fmt == "table":
        _print_claims(claims)


@app.command("gaps")
def gaps_cmd(
    warehouse: WarehousePath = DEFAULT_WAREHOUSE,
    country: Country = None,
    fmt: FormatOpt = "table",
    as_json: JsonAlias = False,
) -> None:
    """Rule gaps: per Member State and risk, whether an adopted instrument addresses it, with
    the documented incidents for that country and risk."""
    fmt = output.choose(fmt, as_json)
    from aicap.analysis.monitor import governance as gov
    from aicap.analysis.monitor import incidents as inc
    from aicap.analysis.monitor import risks as rk

    data = _data(warehouse)
    country = _member(data, country)
    taxonomy = rk.load_taxonomy()
    register = gov.from_girai(data.girai_frameworks, data.girai_initiatives)
    coverage = gov.coverage_from_girai(data.girai_areas)
    deduped, _ = _incidents(data)
    members = list(data.countries.loc[data.countries["status"] == "member", "iso3"])
    if country is not None:
        members = [country]
    matrix = rk.gap_matrix(
        taxonomy, register, coverage, members, inc.counts_by_country_risk(deduped)
    )
    counts = matrix.groupby(["risk", "status"]).size().unstack(fill_value=0)
    claims = []
    if country is None:
        from aicap.analysis.claims_monitor import governance_claims

        members_frame = data.countries[data.countries["iso3"].isin(members)]
        risks = {r.id: r.name for r in taxonomy.risks}
        claims = [
            c for c in governance_claims(matrix, members_frame, risks) if c.subject.endswith(":ALL")
        ]
    if fmt == "json":
        _emit(
            {
                "warnings": rk.check_areas(taxonomy, coverage["area"].unique()),
                "caveat": inc.CAVEAT,
                "by_risk": {
                    str(k): {str(s): int(n) for s, n in v.items()}
                    for k, v in counts.to_dict(orient="index").items()
                },
                "matrix": _records(matrix),
                "claims": [c.as_dict() for c in claims],
            }
        )
        return
    if fmt == "table":  # CSV: the matrix alone
        _show(counts.reset_index(), "Countries per risk and status", fmt)
    shown = matrix if country is not None else rk.gaps_only(matrix)
    _show(shown, "Gaps (incidents are documented cases)", fmt, limit=60)
    if fmt == "table":
        _print_claims(claims)


@app.command("links")
def links_cmd(
    iso3: Annotated[
        str | None,
        typer.Argument(help="ISO3 code of a Member State: its signals and interventions."),
    ] = None,
    warehouse: WarehousePath = DEFAULT_WAREHOUSE,
    mandates: Annotated[
        Path | None,
        typer.Option(
            "--mandates",
            envvar="AICAP_MANDATES_DIR",
            help="Mandate library folder (default: nearest shared/mandates).",
            show_default=False,
        ),
    ] = None,
    fmt: FormatOpt = "table",
    as_json: JsonAlias = False,
) -> None:
    """Links to action: the catalogue interventions each risk and each concentration or
    dependency signal points to; with ISO3, the country's signals (evidence, sources) and
    their interventions with mandate citations."""
    fmt = output.choose(fmt, as_json)
    from aicap.analysis.catalogue import CatalogueError, load_catalogue
    from aicap.analysis.mandates import MandateError, MandateLibrary
    from aicap.analysis.monitor import incidents as inc
    from aicap.analysis.monitor import links as lk
    from aicap.analysis.monitor import risks as rk

    try:
        catalogue = load_catalogue(None, MandateLibrary.load(mandates), None)
        links = lk.load_links(catalogue)
    except (MandateError, CatalogueError, lk.LinksError, rk.TaxonomyError, OSError) as exc:
        console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
        raise typer.Exit(2) from None
    table = links.table()
    if iso3 is None:
        if fmt == "json":
            _emit({"links": _records(table)})
            return
        cols = ["kind", "key", "intervention", "title", "area_name"]
        _show(table[cols], "Signals and the interventions that address them", fmt, 200)
        return
    data = _data(warehouse)
    code = str(_member(data, iso3))
    results = lk.compute_results(data, links.taxonomy)
    markets = lk.latest_markets(results.concentration)
    signals = lk.country_signals(links, code, results.matrix, results.access, markets)
    entries = []
    for s in signals:
        entries.append(
            s.as_dict()
            | {
                "source_labels": [lk.source_label(results.sources, x) for x in s.sources],
                "interventions": [
                    {
                        "id": iid,
                        "title": catalogue.get(iid).title,
                        "area": catalogue.areas[catalogue.get(iid).area].name,
                        "mandates": links.citations(iid),
                    }
                    for iid in s.interventions
                ],
            }
        )
    if fmt == "json":
        _emit({"iso3": code, "caveat": inc.CAVEAT, "signals": entries})
        return
    if fmt == "csv":
        keys = ("kind", "label", "evidence")
        rows = [
            {k: e[k] for k in keys} | {"interventions": [i["id"] for i in e["interventions"]]}
            for e in entries
        ]
        output.emit(rows, "csv", columns=[Column(k) for k in (*keys, "interventions")])
        return
    if not entries:
        out.print(f"{code}: no signal.", highlight=False)
    for e in entries:
        out.print(f"[bold]{escape(e['label'])}[/] ({e['kind']}): {escape(e['evidence'])}")
        for it in e["interventions"]:
            out.print(
                f"  {it['id']:<9} {escape(it['title'])} [{escape('; '.join(it['mandates'][:2]))}]",
                highlight=False,
            )
