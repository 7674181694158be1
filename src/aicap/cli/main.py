"""``aicap``: the command line.

Options common to the data commands come from the environment when not given:
``AICAP_DATA_DIR`` (the raw-data snapshot; default: the first ``shared/data/raw`` found from the
current directory upwards) and ``AICAP_WAREHOUSE`` (default ``var/aicap.duckdb``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from aicap.cli import conventions, lazy, output
from aicap.cli.output import Column, FormatOpt, JsonAlias

if TYPE_CHECKING:
    from aicap.warehouse.ingest import IngestReport
    from aicap.warehouse.read import Warehouse

#: every command module, imported only when it runs (``aicap --help`` imports none): one line
#: each, ``name: ("module:attribute", "short help for aicap --help")``; the attribute is a
#: ``typer.Typer`` (a group) or a command function. See :mod:`aicap.cli.lazy`.
COMMANDS: dict[str, tuple[str, str]] = {
    "index": ("aicap.cli.index_cmd:app", "Composite indicators: build an index from a recipe."),
    "claim": ("aicap.cli.claim_cmd:app", "Claims: the numbers, test and data behind a sentence."),
    "uncertainty": ("aicap.cli.uncertainty_cmd:app", "Rank bands and Sobol' indices."),
    "monitor": ("aicap.cli.monitor_cmd:app", "Concentration, access, governance gaps, incidents."),
    "coop": ("aicap.cli.coop_cmd:app", "Cooperation: needs, offers, matchmaking, tracking."),
    "data": ("aicap.cli.data_cmd:app", "The open-data snapshot: pack or fetch an archive."),
    "voice": ("aicap.cli.voice_cmd:app", "Country voice: national data, review, reply."),
    "update": ("aicap.cli.update_cmd:update", "Refresh sources from their publishers' live APIs."),
    "report": ("aicap.cli.report_cmd:app", "Reports: the Secretary-General briefing."),
    "profile": ("aicap.cli.report_cmd:profile", "A country profile: tier, scores, advice."),
    "serve": ("aicap.cli.web_cmd:serve", "Serve the dashboard and its JSON API."),
    "site": ("aicap.cli.web_cmd:app", "The static dashboard (aicap site export)."),
}

app = typer.Typer(
    help="aicap: the AI Capacity Observatory (open data, composite index, diagnostics).",
    no_args_is_help=True,
    add_completion=False,
    context_settings=conventions.CONTEXT,
    cls=lazy.group(COMMANDS),
)
conventions.add_version(app)
console = Console(stderr=True)
out = Console(soft_wrap=True)

DEFAULT_WAREHOUSE = Path("var/aicap.duckdb")


def default_data_dir() -> Path:
    """``shared/data/raw`` in the current directory or the nearest parent that has one."""
    here = Path.cwd().resolve()
    for base in (here, *here.parents):
        candidate = base / "shared" / "data" / "raw"
        if candidate.is_dir():
            return candidate
    return here / "shared" / "data" / "raw"


DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        envvar="AICAP_DATA_DIR",
        help="Raw-data snapshot folder (default: nearest shared/data/raw).",
        show_default=False,
    ),
]
WarehousePath = Annotated[
    Path,
    typer.Option("--warehouse", envvar="AICAP_WAREHOUSE", help="Warehouse DuckDB file."),
]


def _fail(message: str, code: int = 1) -> typer.Exit:
    console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def _open(path: Path) -> Warehouse:
    from aicap.warehouse.read import Warehouse, WarehouseError

    try:
        return Warehouse(path)
    except WarehouseError as exc:
        raise _fail(str(exc)) from None


def _run_ingest(data_dir: Path | None, warehouse: Path, force: bool) -> IngestReport:
    from aicap.cli.progress import bar as progress_bar
    from aicap.sources.registry import discover
    from aicap.warehouse.ingest import IngestError, ingest

    data = data_dir or default_data_dir()
    if not data.is_dir():
        raise _fail(f"data directory not found: {data} (set --data-dir or AICAP_DATA_DIR)")
    folders = discover(data)
    with progress_bar("ingest", console) as progress:
        task = progress.add_task("", total=len(folders) + 1)
        done: set[str] = set()

        def notify(source: str, stage: str) -> None:
            progress.update(task, description=f"{source}: {stage}")
            if stage in ("unchanged", "no importer", "parsing") and source not in done:
                done.add(source)
                progress.advance(task)

        try:
            report = ingest(data, warehouse, force=force, progress=notify)
        except IngestError as exc:
            raise _fail(f"ingest failed, warehouse unchanged: {exc}", 2) from None
        progress.update(task, completed=len(folders) + 1, description="done")
    return report


def _print_report(report: IngestReport) -> None:
    if report.written:
        console.print(
            f"ingested {len(report.changed)} changed source(s) "
            f"({', '.join(report.changed)}) into {report.warehouse} in {report.seconds:.2f} s"
        )
    else:
        console.print(
            f"nothing changed ({len(report.unchanged)} source(s) up to date) "
            f"in {report.seconds:.2f} s"
        )
    if report.no_importer:
        console.print(f"[yellow]no importer yet for:[/] {', '.join(report.no_importer)}")
    for warning in report.warnings:
        console.print(f"[yellow]warning:[/] {warning}", highlight=False)


@app.command("ingest")
def ingest_cmd(
    data_dir: DataDir = None,
    warehouse: WarehousePath = DEFAULT_WAREHOUSE,
    force: Annotated[bool, typer.Option(help="Re-ingest every source.")] = False,
) -> None:
    """Read every source folder of the snapshot into the warehouse (incremental, atomic)."""
    _print_report(_run_ingest(data_dir, warehouse, force))


def _year(value: Any) -> str:
    return "" if value is None or value != value else str(int(value))


COVERAGE_COLUMNS = [
    Column("indicator"),
    Column("source"),
    Column("member_states", "member states", numeric=True),
    Column("first_year", "first", numeric=True),
    Column("latest_year", "latest", numeric=True),
    Column("member_states_latest_year", "in latest", numeric=True),
]


@app.command("coverage")
def coverage_cmd(
    warehouse: WarehousePath = DEFAULT_WAREHOUSE,
    fmt: FormatOpt = "table",
    as_json: JsonAlias = False,
) -> None:
    """Per indicator: how many Member States have data, and the latest year."""
    fmt = output.choose(fmt, as_json)
    wh = _open(warehouse)
    summary = wh.coverage_summary()
    rows: list[dict[str, Any]] = json.loads(wh.coverage().to_json(orient="records"))
    for r in rows:
        for k in ("first_year", "latest_year"):
            r[k] = None if r.get(k) is None else int(r[k])
    output.emit(
        rows,
        fmt,
        columns=COVERAGE_COLUMNS,
        title="Coverage of the 193 UN Member States",
        payload=summary if fmt == "json" else None,
        notes=[
            f"Member States with data: {summary['member_states_with_data']} of "
            f"{summary['member_states_total']}; {summary['observations']:,} observations, "
            f"{summary['indicators_total']} indicators from {summary['sources_total']} sources."
        ],
    )


@app.command("explain")
def explain_cmd(
    iso3: Annotated[str, typer.Argument(help="ISO3 code, e.g. KEN.")],
    indicator: Annotated[
        str,
        typer.Argument(
            help="Series code (IT.NET.BBND.P2) or the framework's indicator code (fixed_broadband)."
        ),
    ],
    year: Annotated[int | None, typer.Argument(help="Year (default: latest).")] = None,
    warehouse: WarehousePath = DEFAULT_WAREHOUSE,
    fmt: FormatOpt = "table",
    as_json: JsonAlias = False,
) -> None:
    """Print one value with its full provenance."""
    fmt = output.choose(fmt, as_json)
    from aicap.warehouse.read import WarehouseError

    wh = _open(warehouse)
    iso3 = _country_code(wh, iso3)
    series, note = _series(indicator)
    if note:
        console.print(escape(note), highlight=False, soft_wrap=True)
    try:
        rec = wh.explain(iso3, series, year)
    except WarehouseError as exc:
        raise _fail(str(exc)) from None
    if fmt == "json":
        out.print_json(json.dumps(rec, ensure_ascii=False, default=str))
        return
    if fmt == "csv":
        output.emit([rec], "csv", columns=[Column(k) for k in rec])
        return
    table = Table(
        title=f"{rec['country']} ({rec['iso3']}), {rec['indicator_name']}, {rec['year']}",
        show_header=False,
    )
    table.add_column("field", style="bold", no_wrap=True)
    table.add_column("value", overflow="fold")
    for key in (
        "value",
        "unit",
        "flags",
        "indicator",
        "source_code",
        "publisher",
        "route",
        "source_title",
        "url",
        "licence",
        "citation",
        "vintage",
        "retrieved",
        "origin",
        "file",
        "row",
        "sha256",
        "ingested_at",
    ):
        value: Any = rec.get(key)
        if key == "flags":
            value = ", ".join(value) or "(none)"
        table.add_row(key, str(value))
    out.print(table)


def _country_code(wh: Warehouse, text: str) -> str:
    """``text`` as an ISO3 code of the country reference, or a one-line error with "did you
    mean" (names in the six UN languages are matched)."""
    frame = wh.countries()
    code = text.strip().upper()
    if code in set(frame["iso3"]):
        return code
    names = conventions.country_names(frame.to_dict(orient="records"))
    raise _fail(conventions.unknown_country(text, names, "a country code (ISO3 expected)"), 2)


def _series(indicator: str) -> tuple[str, str]:
    """The warehouse series of ``indicator``: itself, or the series a framework indicator
    code (``fixed_broadband``) reads, with a note saying so and what the index does to it."""
    if not indicator.islower():
        return indicator, ""
    from aicap.analysis.spec import IndexSpec, SpecError, default_framework_path

    try:
        spec = IndexSpec.load(default_framework_path())
    except (SpecError, OSError):
        return indicator, ""
    ind = next((i for i in spec.indicators if i.code == indicator), None)
    if ind is None:
        return indicator, ""
    how = []
    if ind.per_capita is not None:
        how.append("per capita")
    if ind.rolling_sum:
        how.append(f"summed over {ind.rolling_sum} years")
    if ind.transform != "none":
        how.append(f"transformed ({ind.transform})")
    uses = f"; the index uses it {', '.join(how)}" if how else ""
    return ind.series, (
        f"{indicator} (framework indicator, {ind.name}) reads series {ind.series}{uses}; "
        "the value below is the published one"
    )


@app.command("countries")
def countries_cmd(
    warehouse: WarehousePath = DEFAULT_WAREHOUSE,
    status: Annotated[
        str | None, typer.Option(help="member, observer, territory or other.")
    ] = None,
    fmt: FormatOpt = "table",
    as_json: JsonAlias = False,
) -> None:
    """The country reference (ISO3, M49, names in six languages, groups)."""
    fmt = output.choose(fmt, as_json)
    wh = _open(warehouse)
    frame = wh.countries(status)
    rows = json.loads(frame.to_json(orient="records", force_ascii=False))
    cols = ["iso3", "m49", "status", "name", "un_region", "income_group", "ldc", "lldc", "sids"]
    output.emit(
        rows,
        fmt,
        columns=[Column(c, numeric=c == "m49") for c in cols]
        if fmt == "table"
        else [Column(c) for c in frame.columns],
        title=f"{len(frame)} countries",
        table_rows=[
            {**r, **{c: "x" if r.get(c) else "" for c in ("ldc", "lldc", "sids")}} for r in rows
        ],
    )


@app.command("where")
def where_cmd(fmt: FormatOpt = "table", as_json: JsonAlias = False) -> None:
    """Where the warehouse, the outputs and the data are, and how each was found (environment
    variable, project directory found upwards from here, or the per-user data directory)."""
    from aicap import paths

    fmt = output.choose(fmt, as_json)
    locations = paths.locate(env=paths.user_env())
    if fmt != "table":
        output.emit([loc.as_dict() for loc in locations], fmt)
        return
    width = max(len(loc.name) for loc in locations)
    for loc in locations:
        state = {True: "exists", False: "missing", None: "not checked"}[loc.exists]
        typer.echo(f"{loc.name:<{width}}  {loc.path}")
        typer.echo(f"{'':<{width}}  found by: {loc.how}; {state}; override with {loc.env}")


@app.command("sources")
def sources_cmd(
    warehouse: WarehousePath = DEFAULT_WAREHOUSE,
    fmt: FormatOpt = "table",
    as_json: JsonAlias = False,
) -> None:
    """Every source: publisher (the custodian), how the snapshot obtained its files (route:
    the mirror and its commit), licence, vintage, file checksums."""
    fmt = output.choose(fmt, as_json)
    wh = _open(warehouse)
    frame = wh.sources()
    rows = json.loads(frame.to_json(orient="records", force_ascii=False, date_format="iso"))
    cols = ["source_id", "publisher", "route", "licence", "vintage", "n_observations"]
    output.emit(
        rows,
        fmt,
        columns=[Column(c, numeric=c == "n_observations") for c in cols]
        if fmt == "table"
        else [Column(c) for c in frame.columns],
        title="Sources",
    )


@app.command("build")
def build_cmd(
    data_dir: DataDir = None,
    warehouse: WarehousePath = DEFAULT_WAREHOUSE,
    out_dir: conventions.IndexDirOpt = Path("var/out"),
    old_out: conventions.OldOutOpt = None,
    framework: Annotated[
        Path | None,
        typer.Option("--framework", help="Index framework (default: frameworks/aicap.yaml)."),
    ] = None,
    uncertainty: Annotated[
        bool,
        typer.Option(
            "--uncertainty/--no-uncertainty", help="Rank bands (frameworks/aicap-uncertainty.yaml)."
        ),
    ] = True,
    briefing_cache: Annotated[
        bool,
        typer.Option(
            "--briefing-cache/--no-briefing-cache",
            help="Then fill the briefing's cache (the Monitor's results, the annex's rendered "
            "pages; about 40 s on two cores) so that `aicap report briefing` runs warm.",
        ),
    ] = True,
    rebuild: Annotated[
        bool,
        typer.Option(
            "--rebuild",
            help="Recompute the index even when nothing it depends on changed (by default a "
            "build whose inputs, code and options are the same reuses the outputs, checked).",
        ),
    ] = False,
    corrections: Annotated[
        str,
        typer.Option(
            "--corrections",
            help="Correction rules of accepted error reports laid over the open data "
            "(docs/country-voice.md): 'registry' (AICAP_COOP_DB, if it exists), 'none', or a "
            "corrections.json an earlier build wrote (to rebuild exactly).",
        ),
    ] = "registry",
) -> None:
    """The main job: ingest the snapshot, build the aicap index (every year, tiers, audit,
    uncertainty, validity) and write the results (Parquet, CSV, summary.md/json) to --index-dir;
    then warm the briefing's cache (--no-briefing-cache: not)."""
    out_dir = conventions.renamed(out_dir, old_out, "--out", "--index-dir")
    import time

    try:  # before minutes of work
        conventions.writable_dir(out_dir, "--out" if old_out is not None else "--index-dir")
    except conventions.OutputError as exc:
        raise _fail(str(exc)) from None
    from aicap.cli.voice_cmd import build_corrections

    corr = build_corrections(corrections)  # issue 20; with no rule: the same key and outputs
    t0 = time.perf_counter()
    _print_report(_run_ingest(data_dir, warehouse, force=False))
    wh = _open(warehouse)
    summary = wh.coverage_summary()
    out.print(
        f"Member States with data: {summary['member_states_with_data']} of "
        f"{summary['member_states_total']}; {summary['observations']:,} observations, "
        f"{summary['indicators_total']} indicators from {summary['sources_total']} sources."
    )
    from aicap.cli import build_reuse

    key = corr.build_key(build_reuse.build_key(warehouse, framework, uncertainty))
    record = None if rebuild else build_reuse.reusable(out_dir, key)
    if record is not None:
        out.print(
            f"index outputs in {out_dir} reused: the warehouse, code, framework, catalogues and "
            f"options are those they were built from, and their {len(record['files'])} files "
            f"are unchanged (build done in {time.perf_counter() - t0:.1f} s; --rebuild to "
            "recompute)",
            highlight=False,
        )
    else:
        _build_index(wh, framework, uncertainty, out_dir, t0, key, corr)
    if briefing_cache:
        t1 = time.perf_counter()
        where = _warm_briefing_cache(warehouse, out_dir)
        if where is not None:
            out.print(
                f"briefing cache warmed in {where} in {time.perf_counter() - t1:.1f} s "
                "(`aicap report briefing` reuses this briefing while no input changes)",
                highlight=False,
            )


def _build_index(
    wh: Warehouse,
    framework: Path | None,
    uncertainty: bool,
    out_dir: Path,
    t0: float,
    key: str,
    corrections: Any = None,
) -> None:
    """Compute the index, write its outputs and record what they were built from."""
    import time

    from aicap.analysis.capacity_index import STATUS_SCORED
    from aicap.analysis.run import run_index, write_outputs
    from aicap.analysis.spec import IndexSpec, SpecError
    from aicap.cli import build_reuse

    try:
        spec = IndexSpec.load(framework) if framework is not None else None
        run = run_index(wh, spec, uncertainty=uncertainty, corrections=corrections)
    except (SpecError, OSError) as exc:
        raise _fail(str(exc), 2) from None
    files = write_outputs(run, out_dir)
    build_reuse.remember(out_dir, key, [f for f in files if f != "timings.json"])
    res = run.results
    scored = int((res["status"] == STATUS_SCORED).sum())
    out.print(
        f"aicap index {run.year}: {scored} of {len(res)} Member States scored, "
        f"{len(res) - scored} insufficient data; series {min(run.index.years)}-{run.year}; "
        + ", ".join(f"rho {c.rho:.3f} with {c.target} (n {c.n})" for c in run.validity)
        + f"; rank bands: {'yes' if run.uncertainty is not None else 'no'}",
        highlight=False,
    )
    out.print(
        f"wrote {len(files)} files to {out_dir} (summary: {out_dir / 'summary.md'}) "
        f"in {time.perf_counter() - t0:.1f} s",
        highlight=False,
    )


def _warm_briefing_cache(warehouse: Path, index_dir: Path, annex: str = "focus") -> Path | None:
    """Write the default briefing (``annex``: focus) to a temporary folder, with the briefing's
    default cache and workers, so that the first ``aicap report briefing`` after a build finds
    it cached (the whole briefing, the Monitor's results and the annex's rendered pages; its
    own output is thrown away). Returns the cache folder; None, with a warning, when it could
    not be done (the build itself has succeeded)."""
    import tempfile

    from aicap.cli import report_cmd
    from aicap.warehouse.read import WarehouseError

    try:
        with tempfile.TemporaryDirectory(prefix="aicap-briefing-") as tmp:
            report_cmd.run_briefing(Path(tmp), warehouse=warehouse, index=index_dir, annex=annex)
    except (typer.Exit, OSError, WarehouseError) as exc:
        console.print(
            f"[yellow]warning:[/] the briefing's cache was not warmed ({exc!r}); "
            "`aicap report briefing` will compute everything",
            highlight=False,
        )
        return None
    return report_cmd._cache(warehouse, None, True).folder


def main() -> None:  # pragma: no cover - console entry point
    app()
