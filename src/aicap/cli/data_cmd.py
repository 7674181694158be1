"""``aicap data pack|fetch``: the open-data snapshot as a versioned archive anyone can get
(:mod:`aicap.warehouse.archive` does the work; imported only when a command runs)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from aicap.cli import conventions

app = typer.Typer(
    help="The open-data snapshot: pack it into a versioned archive, or fetch and verify one.",
    no_args_is_help=True,
    context_settings=conventions.CONTEXT,
)


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def default_fetch_dir() -> Path:
    """Where ``aicap data fetch`` unpacks: ``AICAP_DATA_DIR`` when the user set it, else
    ``data/raw`` in the per-user data directory (``aicap where`` shows both)."""
    from aicap import paths

    chosen = paths.user_env().get(paths.DATA_ENV)
    if chosen:
        return Path(chosen)
    return paths.user_dir()[0] / "data" / "raw"


@app.command("pack")
def pack_cmd(
    source: Annotated[
        Path | None,
        typer.Option(
            "--from",
            help="Snapshot folder to pack (default: the data folder `aicap where` shows).",
            show_default=False,
        ),
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="Folder to write the archive into.")] = Path(
        "dist"
    ),
    version: Annotated[
        str | None,
        typer.Option(
            "--snapshot-version", help="Archive version (default: today's date, YYYY.MM.DD)."
        ),
    ] = None,
    mandates: Annotated[
        Path | None,
        typer.Option(
            "--mandates",
            help="Mandate library to include (default: AICAP_MANDATES_DIR, the nearest "
            "shared/mandates; left out when there is none).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Write aicap-data-VERSION.tar.gz (every source folder with its SOURCE.md, LICENCES.md,
    MANIFEST.json with each file's SHA-256) and its .sha256 beside it."""
    from aicap.warehouse.archive import ArchiveError, pack

    folder = source or Path(os.environ.get("AICAP_DATA_DIR") or "shared/data/raw")
    library = mandates or (
        Path(os.environ["AICAP_MANDATES_DIR"]) if os.environ.get("AICAP_MANDATES_DIR") else None
    )
    try:
        packed = pack(folder, out, version=version, mandates=library)
    except ArchiveError as exc:
        raise _fail(str(exc)) from None
    typer.echo(
        f"wrote {packed.archive} ({packed.archive.stat().st_size / 1e6:.1f} MB; "
        f"{packed.files} files, {packed.bytes / 1e6:.1f} MB unpacked)"
    )
    typer.echo(f"sha256 {packed.sha256}")


@app.command("fetch")
def fetch_cmd(
    origin: Annotated[
        str | None,
        typer.Option(
            "--from",
            help="Archive URL (http/https) or file; default: the AICAP_DATA_URL variable.",
            show_default=False,
        ),
    ] = None,
    sha256: Annotated[
        str | None,
        typer.Option("--sha256", help="Expected SHA-256 of the archive (refused if it differs)."),
    ] = None,
    into: Annotated[
        Path | None,
        typer.Option(
            "--into",
            help="Folder to unpack into (default: AICAP_DATA_DIR if set, else data/raw in the "
            "per-user data directory).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Download (or read) a snapshot archive, verify every file's SHA-256 against its manifest,
    and unpack it where `aicap ingest` and `aicap build` find it."""
    from aicap.warehouse.archive import URL_ENV, ArchiveError, fetch

    where = origin or os.environ.get(URL_ENV)
    if not where:
        raise _fail(
            f"no snapshot to fetch: pass --from URL|FILE or set {URL_ENV} "
            "(an archive written by `aicap data pack`)"
        )
    dest = into or default_fetch_dir()
    try:
        got = fetch(where, dest, expected_sha256=sha256)
    except ArchiveError as exc:
        raise _fail(f"{exc} (nothing was changed in {dest})", 2) from None
    typer.echo(
        f"fetched snapshot {got.version} ({got.files} files, {got.bytes / 1e6:.1f} MB, "
        f"{len(got.sources)} sources) into {got.folder}"
    )
    typer.echo(f"archive sha256 {got.archive_sha256}; every file matched its manifest")
    if into is not None and Path(into).resolve() != default_fetch_dir().resolve():
        typer.echo(f"set AICAP_DATA_DIR={got.folder} (or pass --data-dir) for `aicap ingest`")
