"""What ``aicap report briefing`` and ``aicap profile`` share: their options, the error and
warning lines, and the loaders of the warehouse, index outputs, catalogue, Monitor and cache
(heavy modules imported where they are used, so a result reused from the cache is written
without importing pandas, the index engine or WeasyPrint)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

if TYPE_CHECKING:
    from aicap.analysis.capacity_data import CapacityData
    from aicap.analysis.catalogue import Catalogue
    from aicap.analysis.monitor.links import Links
    from aicap.report.cache import Cache
    from aicap.report.monitor_source import Computed, MonitorJob

console = Console(stderr=True)

WarehouseOpt = Annotated[
    Path,
    typer.Option("--warehouse", envvar="AICAP_WAREHOUSE", help="Warehouse DuckDB file."),
]
IndexOpt = Annotated[
    Path,
    typer.Option(
        "--index-dir",
        envvar="AICAP_OUT",
        help="Folder of the index outputs written by `aicap build` (built now if missing).",
    ),
]
MandatesOpt = Annotated[
    Path | None,
    typer.Option(
        "--mandates",
        envvar="AICAP_MANDATES_DIR",
        help="Mandate library folder (default: nearest shared/mandates).",
        show_default=False,
    ),
]
CatalogueOpt = Annotated[
    Path | None,
    typer.Option("--catalogue", help="Intervention catalogue YAML (default: the shipped one)."),
]
CacheDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--cache",
        envvar="AICAP_CACHE_DIR",
        help="Cache folder for the Monitor's results and rendered annex pages "
        "(default: cache/ next to the warehouse).",
        show_default=False,
    ),
]
UseCacheOpt = Annotated[
    bool, typer.Option("--cache-results/--no-cache", help="Reuse results cached per warehouse.")
]
LANG_CHOICES = ("en", "fr", "es", "ru", "zh", "ar")
LangOpt = Annotated[
    str,
    typer.Option(
        "--lang",
        help="Language of the document: en, fr, es, ru, zh, ar, or all (the six; each file "
        "gets its language as a suffix, e.g. ken-fr.pdf, or a subfolder per language).",
    ),
]


def _langs(lang: str) -> list[str]:
    """The languages ``--lang`` asks for (``all``: the six UN languages)."""
    v = lang.strip().lower()
    if v == "all":
        return list(LANG_CHOICES)
    wanted = [x.strip() for x in v.split(",") if x.strip()]
    bad = [x for x in wanted if x not in LANG_CHOICES]
    if bad or not wanted:
        raise _fail(
            f"--lang {lang!r}: expected one of {', '.join(LANG_CHOICES)} or all "
            "(comma-separated for several)",
            2,
        )
    return wanted


def _localiser(warehouse: Path, lang: str) -> Any:
    """The localiser of ``lang`` with the country reference's names (UNTERM short names)."""
    from aicap.analysis.localise_profile import make_localiser
    from aicap.warehouse.read import Warehouse

    return make_localiser(Warehouse(warehouse).countries(), lang)


def _fail(message: str, code: int = 1) -> typer.Exit:
    console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def _writable(path: Path, option: str, folder: bool = True) -> None:
    """A one-line error, before any work, when ``path`` cannot be written."""
    from aicap.cli import conventions

    try:
        if folder:
            conventions.writable_dir(path, option)
        else:
            conventions.writable_file(path, option)
    except conventions.OutputError as exc:
        raise _fail(str(exc)) from None


def _warn(message: str, notes: list[str] | None = None) -> None:
    """Print a warning (and keep it in ``notes``, to be printed again when the result is
    reused from the cache)."""
    console.print(f"[yellow]warning:[/] {message}", highlight=False)
    if notes is not None:
        notes.append(message)


def _load(warehouse: Path, index: Path, notes: list[str] | None = None) -> CapacityData:
    from aicap.analysis.capacity_data import has_outputs, load_capacity_data
    from aicap.warehouse.read import Warehouse, WarehouseError

    try:
        wh = Warehouse(warehouse)
    except WarehouseError as exc:
        raise _fail(str(exc)) from None
    if not has_outputs(index):
        console.print(
            f"no index outputs in {index}: building the index now (about a minute; "
            "`aicap build` writes them once, with uncertainty bands)",
            highlight=False,
        )
    try:
        data = load_capacity_data(wh, index)
    except WarehouseError as exc:
        raise _fail(str(exc)) from None
    for w in data.warnings:
        _warn(w, notes)
    return data


def _links(cat: Catalogue) -> Links:
    from aicap.analysis.monitor.links import LinksError, load_links
    from aicap.analysis.monitor.risks import TaxonomyError

    try:
        return load_links(cat)
    except (LinksError, TaxonomyError) as exc:
        raise _fail(str(exc), 2) from None


def _cache(warehouse: Path, cache_dir: Path | None, use_cache: bool) -> Cache:
    from aicap.report.cache import Cache, default_cache_dir

    if not use_cache:
        return Cache(None)
    return Cache(cache_dir if cache_dir is not None else default_cache_dir(warehouse))


def _monitor(
    warehouse: Path,
    cat: Catalogue,
    cache: Cache,
    extra: list[Path],
    notes: list[str] | None = None,
) -> tuple[Links, Computed | MonitorJob] | None:
    """The Monitor's results and signals (cached per warehouse), or the job that computes them;
    None with a warning when the warehouse has no Monitor records."""
    from aicap.report import monitor_source
    from aicap.warehouse.read import WarehouseError

    links = _links(cat)
    try:
        return links, monitor_source.load(warehouse, links, cache, extra)
    except WarehouseError as exc:
        _warn(f"no Monitor section (concentration, governance gaps): {exc}", notes)
        return None


def _catalogue(catalogue: Path | None, mandates: Path | None, data: CapacityData) -> Catalogue:
    from aicap.analysis.catalogue import CatalogueError, load_catalogue
    from aicap.analysis.mandates import MandateError, MandateLibrary

    try:
        lib = MandateLibrary.load(mandates)
        return load_catalogue(catalogue, lib, None)
    except (MandateError, CatalogueError, OSError) as exc:
        raise _fail(str(exc), 2) from None
