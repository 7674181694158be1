"""``aicap serve`` and ``aicap site export``: the web dashboard."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

console = Console(stderr=True)
app = typer.Typer(help="The static dashboard.", no_args_is_help=True, add_completion=False)

WarehouseOpt = Annotated[
    Path, typer.Option("--warehouse", envvar="AICAP_WAREHOUSE", help="Warehouse DuckDB file.")
]
OutOpt = Annotated[
    Path,
    typer.Option("--index-dir", envvar="AICAP_OUT", help="Folder `aicap build` wrote (var/out)."),
]


def _load(warehouse: Path, index_dir: Path):  # type: ignore[no-untyped-def]
    from aicap.warehouse.read import WarehouseError
    from aicap.web.data import load_site

    t0 = time.perf_counter()
    try:
        site = load_site(warehouse, index_dir)
    except WarehouseError as exc:
        console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    console.print(f"loaded: {site.origin} in {time.perf_counter() - t0:.1f} s", highlight=False)
    for note in site.notes:
        console.print(f"[yellow]note:[/] {note}", highlight=False)
    return site


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    warehouse: WarehouseOpt = Path("var/aicap.duckdb"),
    index_dir: OutOpt = Path("var/out"),
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            max=64,
            help="Server processes sharing the port (each loads the read-only warehouse and "
            "outputs once; about one per CPU core). docs/web.md: behind a reverse proxy.",
        ),
    ] = 1,
) -> None:
    """Serve the dashboard and its JSON API (six languages; OpenAPI at /docs)."""
    from aicap.cli.conventions import PortError, listen

    try:  # before loading anything: a busy port is a one-line error, not an abort
        sock = listen(host, port)
    except PortError as exc:
        console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    import uvicorn

    if workers > 1:
        _serve_processes(sock, host, port, warehouse, index_dir, workers)
        return
    from aicap.web.app import create_app
    from aicap.web.warm import warm_up

    site = _load(warehouse, index_dir)
    app = create_app(site)
    # The Monitor's tables (about 15 s on two cores), the country voice and the tables every
    # profile shares: computed in the background from the start, so the first profile or
    # Monitor page does not pay for them (a request that needs them meanwhile waits on the
    # same lock).
    threading.Thread(target=warm_up, args=(app, site), name="warm-up", daemon=True).start()
    console.print(f"serving on http://{host}:{port}/ (API documentation: /docs)")
    config = uvicorn.Config(app, host=host, port=port, log_level="warning")
    uvicorn.Server(config).run(sockets=[sock])


def _serve_processes(
    sock: socket.socket, host: str, port: int, warehouse: Path, index_dir: Path, workers: int
) -> None:
    """``workers`` processes (uvicorn's supervisor, spawned) accepting on the one socket bound
    here; each builds the app with :func:`aicap.web.app.app_from_env` from the same read-only
    warehouse and outputs, and restarts if it dies."""
    import os

    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from aicap.warehouse.read import Warehouse, WarehouseError

    try:  # a missing or unreadable warehouse: one line here, not a traceback per worker
        Warehouse(warehouse)
    except WarehouseError as exc:
        console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    os.environ["AICAP_WAREHOUSE"] = str(warehouse.resolve())
    os.environ["AICAP_OUT"] = str(index_dir.resolve())
    os.environ["AICAP_WARM_MONITOR"] = "1"
    # the registry's background jobs, visible to whichever process is asked about them
    os.environ.setdefault("AICAP_JOBS_DIR", str(warehouse.resolve().parent / "jobs"))
    config = uvicorn.Config(
        "aicap.web.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
    )
    console.print(
        f"serving on http://{host}:{port}/ with {workers} processes (API documentation: /docs); "
        "each loads the data first (a few seconds)",
        highlight=False,
    )
    Multiprocess(config, sockets=[sock]).run()


@app.command("export")
def export(
    out: Annotated[Path, typer.Argument(help="Folder to write the static site into.")],
    warehouse: WarehouseOpt = Path("var/aicap.duckdb"),
    index_dir: OutOpt = Path("var/out"),
    live_url: Annotated[
        str | None,
        typer.Option(
            envvar="AICAP_LIVE_URL",
            help="Address of the live application, linked where a feature needs it "
            "(what-if, interactive charts, the comparison's charts).",
        ),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=0,
            help="Processes rendering pages (0: the CPUs, at most 4). On a 2-CPU machine two "
            "were slower than one (vl-convert's drawing does not scale): measure first.",
        ),
    ] = 1,
    chart_cache: Annotated[
        Path | None,
        typer.Option(
            help="Folder keeping drawn SVG charts by spec hash (a re-export redraws "
            "only the changed ones)."
        ),
    ] = Path("var/cache/charts"),
    stats: Annotated[
        bool, typer.Option(help="Print files, MB and seconds per kind of page.")
    ] = False,
) -> None:
    """Write the dashboard as static files (all languages and countries, JSON twins, CSV)
    that open from disk or any plain web server."""
    from aicap.cli.conventions import OutputError, writable_dir
    from aicap.web import svgcharts
    from aicap.web.export import ExportStats, default_workers, export_site

    try:
        writable_dir(out, "the site folder")
    except OutputError as exc:
        console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    site = _load(warehouse, index_dir)
    svgcharts.use_disk_cache(chart_cache)
    report = ExportStats()
    t0 = time.perf_counter()
    n = export_site(
        site, out, live_url=live_url, workers=workers or default_workers(), stats=report
    )
    console.print(
        f"wrote {n} files to {out} in {time.perf_counter() - t0:.1f} s (open {out / 'index.html'})",
        highlight=False,
    )
    if stats:
        console.print(report.table(), highlight=False)
