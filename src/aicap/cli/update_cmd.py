"""``aicap update [SOURCE...]``: refresh sources from their publishers' live APIs.

Each source is downloaded into a snapshot (``--snapshots``, env ``AICAP_SNAPSHOT_DIR``, default
``var/snapshots``), then read through the same ``parse`` as the bundled files; the warehouse is
written once, atomically, with the sources that succeeded. Exit status: 0 when every requested
source is up to date, 1 when any failed (what is stored for it is unchanged; with
``--offline-ok`` a run where the only failures are "offline" exits 0), 2 when the warehouse as a
whole could not be written (it is then unchanged).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

if TYPE_CHECKING:
    from aicap.warehouse.update import UpdateReport

from aicap.cli.progress import bar as progress_bar

console = Console(stderr=True, soft_wrap=True)

DEFAULT_SNAPSHOTS = Path("var/snapshots")
DEFAULT_WAREHOUSE = Path("var/aicap.duckdb")


def _default_data_dir() -> Path:
    here = Path.cwd().resolve()
    for base in (here, *here.parents):
        candidate = base / "shared" / "data" / "raw"
        if candidate.is_dir():
            return candidate
    return here / "shared" / "data" / "raw"


#: the sources with a live API, as :data:`aicap.sources.live.LIVE` lists them (a test keeps the
#: two equal); written out so that ``--help`` does not import every source's parser
LIVE_NAMES = (
    "wdi",
    "wgi",
    "ai_readiness_indices",
    "owid_ai_publications",
    "owid_internet_users",
    "epoch_notable_ai_models",
    "microsoft_ai_diffusion",
    "unesco_uis",
)


def _sources_help() -> str:
    return f"Sources to update (default: all with a live API: {', '.join(LIVE_NAMES)})."


def _print(report: UpdateReport, offline_ok: bool) -> int:
    ing = report.ingest
    for source in report.requested:
        if source in report.failed:
            console.print(
                f"[red]failed[/]  {source}: {escape(report.failed[source])}", highlight=False
            )
            snap = report.snapshots.get(source)
            if snap is not None:
                console.print(f"         downloaded bytes kept for inspection in {snap.folder}")
            continue
        snap = report.snapshots[source]
        state = "updated" if ing is not None and source in ing.changed else "unchanged"
        console.print(
            f"[green]{state}[/] {source}: live snapshot {snap.id} ({len(snap.files)} files, "
            f"retrieved {snap.retrieved})",
            highlight=False,
        )
    if ing is not None:
        for warning in ing.warnings:
            console.print(f"[yellow]warning:[/] {escape(warning)}", highlight=False)
        if ing.written:
            console.print(f"warehouse {ing.warehouse} written in {ing.seconds:.2f} s")
    if not report.failed:
        return 0
    if report.offline and set(report.failed) == set(report.offline):
        console.print(
            "[yellow]offline:[/] no connection to the publishers; nothing stored was changed"
            + ("" if offline_ok else " (use --offline-ok to make this not an error)"),
            highlight=False,
        )
        return 0 if offline_ok else 1
    console.print(
        f"[red]{len(report.failed)} of {len(report.requested)} source(s) failed[/]; what is "
        "stored for them is unchanged",
        highlight=False,
    )
    return 1


def update(
    sources: Annotated[
        list[str] | None, typer.Argument(help=_sources_help(), show_default=False)
    ] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir",
            envvar="AICAP_DATA_DIR",
            help="Bundled raw-data snapshot (for the country reference and carried files).",
            show_default=False,
        ),
    ] = None,
    warehouse: Annotated[
        Path, typer.Option("--warehouse", envvar="AICAP_WAREHOUSE", help="Warehouse DuckDB file.")
    ] = DEFAULT_WAREHOUSE,
    snapshots: Annotated[
        Path,
        typer.Option(
            "--snapshots", envvar="AICAP_SNAPSHOT_DIR", help="Where live snapshots are stored."
        ),
    ] = DEFAULT_SNAPSHOTS,
    timeout: Annotated[float, typer.Option(help="Seconds allowed per HTTP request.")] = 60.0,
    retries: Annotated[int, typer.Option(help="Retries on HTTP 429/5xx and timeouts.")] = 4,
    backoff: Annotated[
        float, typer.Option(help="First back-off in seconds (doubles each retry).")
    ] = 1.0,
    offline_ok: Annotated[
        bool, typer.Option("--offline-ok", help="Being offline is not an error (exit 0).")
    ] = False,
    every: Annotated[
        bool,
        typer.Option(
            "--all",
            help="Every source with a live API; with no warehouse yet, builds one from them "
            "(the country reference, which has no API, comes from --data-dir).",
        ),
    ] = False,
) -> None:
    """Refresh sources from their publishers' live APIs (snapshots kept, same parsers)."""
    from aicap.sources.http import LiveClient
    from aicap.warehouse.ingest import IngestError
    from aicap.warehouse.update import UpdateError, resolve_sources
    from aicap.warehouse.update import update as run_update

    if every and sources:
        console.print("[bold red]error:[/] give source names or --all, not both", highlight=False)
        raise typer.Exit(2)
    try:
        requested = resolve_sources(sources or [])
    except UpdateError as exc:
        console.print(f"[bold red]error:[/] {exc}", highlight=False)
        raise typer.Exit(2) from None
    data = data_dir or _default_data_dir()
    if not data.is_dir():
        console.print(
            f"[bold red]error:[/] data directory not found: {data} (set --data-dir or "
            "AICAP_DATA_DIR)",
            highlight=False,
        )
        raise typer.Exit(2)
    if not (data / "country_reference" / "SOURCE.md").is_file():
        console.print(
            f"[bold red]error:[/] no country reference in {data}: it has no API (it is curated "
            "from several files); get it with `aicap data fetch`, or set --data-dir",
            highlight=False,
        )
        raise typer.Exit(2)
    if not warehouse.exists():
        console.print(
            f"no warehouse at {warehouse}: building one from the publishers' APIs "
            f"(and the folders of {data})",
            highlight=False,
        )
    with progress_bar("update", console) as progress:
        task = progress.add_task("", total=len(requested) + 1)
        fetched: set[str] = set()

        def notify(source: str, stage: str) -> None:
            progress.update(task, description=f"{source}: {stage}")
            if stage in ("fetched", "failed", "skipped") and source not in fetched:
                fetched.add(source)
                progress.advance(task)

        def show(url: str) -> None:
            progress.update(task, description=url if len(url) < 90 else url[:87] + "...")

        try:
            with LiveClient(
                timeout=timeout, retries=retries, backoff=backoff, on_request=show
            ) as client:
                report = run_update(
                    data, warehouse, requested, snapshots=snapshots, client=client, progress=notify
                )
        except IngestError as exc:
            console.print(
                f"[bold red]error:[/] update failed, warehouse unchanged: {escape(str(exc))}",
                highlight=False,
            )
            raise typer.Exit(2) from None
        progress.update(task, completed=len(requested) + 1, description="done")
    code = _print(report, offline_ok)
    if code:
        raise typer.Exit(code)
