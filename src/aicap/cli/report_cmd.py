"""``aicap report briefing``: the Secretary-General briefing, read from the index outputs that
``aicap build`` writes. ``aicap profile`` is in :mod:`aicap.cli.profile_cmd`, what both share in
:mod:`aicap.cli.report_common` (both re-exported here, where the command table and older
callers find them)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from aicap.cli import report_common as common
from aicap.cli.conventions import OldIndexOpt, renamed
from aicap.cli.profile_cmd import _compute_profile as _compute_profile
from aicap.cli.profile_cmd import _print_summary as _print_summary
from aicap.cli.profile_cmd import profile as profile
from aicap.cli.profile_cmd import score_text as score_text

# re-exported for older callers (claim_cmd, main, tests): the helpers live in report_common
from aicap.cli.report_common import _cache as _cache
from aicap.cli.report_common import _catalogue as _catalogue
from aicap.cli.report_common import _load as _load
from aicap.cli.report_common import _monitor as _monitor

# Everything else is imported where it is used: a briefing or a profile found in the cache
# (aicap.report.reuse) is written without importing pandas, the index engine or WeasyPrint.
if TYPE_CHECKING:
    from rich.progress import TaskID

    from aicap.report.result import Briefing
    from aicap.report.workers import Progress

app = typer.Typer(help="Reports: the Secretary-General briefing.", no_args_is_help=True)


def _replies(dataset: str) -> dict[str, Any]:
    """The published replies in the registry (none when it does not exist)."""
    from aicap.analysis.voice.service import published_replies

    try:
        return published_replies(None, dataset)
    except Exception as exc:  # the briefing stands without the registry
        common.console.print(f"[yellow]warning:[/yellow] right of reply not read: {exc}")
        return {}


def _replies_key(replies: dict[str, Any]) -> str:
    if not replies:
        return ""
    import hashlib
    import json

    text = json.dumps(replies, sort_keys=True, ensure_ascii=False, default=str)
    return "-replies-" + hashlib.sha256(text.encode()).hexdigest()[:16]


def run_briefing(
    out: Path,
    *,
    warehouse: Path = Path("var/aicap.duckdb"),
    index: Path = Path("var/out"),
    annex: str = "focus",
    pdf: bool = True,
    boot: int = 1000,
    workers: int | None = None,
    mandates: Path | None = None,
    catalogue: Path | None = None,
    cache_dir: Path | None = None,
    use_cache: bool = True,
    progress: Progress | None = None,
    langs: list[str] | None = None,
    voice_dataset: str = "real",
) -> Briefing:
    """Write the briefing to ``out`` (in ``langs``, default English; several languages give
    ``briefing-<lang>.html``/``.pdf`` each): copied from the cache when no input changed since a
    briefing was stored there (:mod:`aicap.report.reuse`), else computed (with the cached
    Monitor results and annex pages where they still apply) and stored. ``aicap report
    briefing`` and the end of ``aicap build`` (which warms the cache) run this."""
    from aicap.report.workers import default_workers, effective_workers

    t0 = time.perf_counter()
    n_workers = effective_workers(workers or default_workers())
    cache = common._cache(warehouse, cache_dir, use_cache)
    langs = langs or ["en"]
    replies = _replies(voice_dataset)  # the countries' right of reply (issue 20)
    k = digest = ""
    if cache.folder is not None:
        from aicap.report import reuse

        digest = reuse.inputs_digest(warehouse, index, catalogue=catalogue, mandates=mandates)
        k = reuse.briefing_key(
            warehouse,
            index,
            annex=annex,
            pdf=pdf,
            boot=boot,
            workers=n_workers,
            catalogue=catalogue,
            mandates=mandates,
            digest=digest,
        )
        k += _replies_key(replies)
        if langs != ["en"]:  # the English briefing keeps the key `aicap build` warms
            k += "-langs-" + ",".join(langs)
        got = reuse.get(cache, reuse.KIND_BRIEFING, k)
        if isinstance(got, reuse.Stored):
            return _write_stored(got, out, t0)
    from aicap.report.briefing import annex_countries, write_briefing
    from aicap.report.monitor_source import MonitorJob

    notes: list[str] = []
    data = common._load(warehouse, index, notes)
    cat = common._catalogue(catalogue, mandates, data)
    try:
        countries = annex_countries(data, annex)
    except KeyError as exc:
        raise common._fail(str(exc.args[0]), 2) from None
    got_monitor = common._monitor(warehouse, cat, cache, [catalogue] if catalogue else [], notes)
    kw: dict[str, Any] = {}
    if got_monitor is not None:
        links, mon = got_monitor
        kw["links"] = links
        if isinstance(mon, MonitorJob):
            kw["monitor_job"] = mon
        else:
            kw["monitor"], kw["signals"] = mon
    if cache.folder is not None and not digest:
        from aicap.report import reuse

        digest = reuse.inputs_digest(warehouse, index, catalogue=catalogue, mandates=mandates)
    result = write_briefing(
        data,
        cat,
        out,
        annex=countries,
        pdf=pdf,
        n_boot=boot,
        workers=n_workers,
        cache=cache,
        progress=progress,
        derived=digest,
        langs=langs,
        localisers={lg: common._localiser(warehouse, lg) for lg in langs},
        replies=replies,
        **kw,
    )
    if k:
        from aicap.report import reuse

        stored = reuse.capture(
            out,
            result.html,
            result.data_files,
            result.pdf,
            result.pages,
            result.annex,
            result.generated,
            notes,
            result.languages,
        )
        reuse.put(cache, reuse.KIND_BRIEFING, k, stored)
    return result


def _write_stored(stored: Any, out: Path, t0: float) -> Briefing:
    """A briefing found in the cache, written to ``out`` (its warnings printed again)."""
    from aicap.report import reuse
    from aicap.report.result import Briefing

    for w in stored.warnings:
        common._warn(w)
    t1 = time.perf_counter()
    html, files, pdf = reuse.write(stored, out)
    t2 = time.perf_counter()
    seconds = {"diagnose": 0.0, "context": 0.0, "html": t2 - t1, "pdf": 0.0, "total": t2 - t0}
    languages = {
        lg: (out / h, out / f if f else None, n) for lg, (h, f, n) in stored.languages.items()
    }
    docs = {p for h, f, _ in languages.values() for p in (h, f) if p is not None}
    return Briefing(
        html,
        pdf,
        [f for f in files if f not in docs],
        stored.annex,
        seconds,
        stored.pages,
        stored.generated,
        reused=True,
        languages=languages,
    )


@app.command("briefing")
def briefing(
    out: Annotated[Path, typer.Option("--out", help="Folder for briefing.html/pdf and data/.")],
    warehouse: common.WarehouseOpt = Path("var/aicap.duckdb"),
    index: common.IndexOpt = Path("var/out"),
    old_index: OldIndexOpt = None,
    annex: Annotated[
        str,
        typer.Option(
            "--annex",
            help="Country profiles in the annex: focus (LDC, LLDC, SIDS, low-income), all, "
            "none, or ISO3 codes separated by commas.",
        ),
    ] = "focus",
    pdf: Annotated[bool, typer.Option("--pdf/--no-pdf", help="Also write the PDF.")] = True,
    boot: Annotated[int, typer.Option("--boot", help="Bootstrap resamples.", min=100)] = 1000,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers", min=1, help="Processes (default: one per CPU; 1: all in process)."
        ),
    ] = None,
    mandates: common.MandatesOpt = None,
    catalogue: common.CatalogueOpt = None,
    cache_dir: common.CacheDirOpt = None,
    use_cache: common.UseCacheOpt = True,
    lang: common.LangOpt = "en",
    voice_demo: Annotated[
        bool, typer.Option("--voice-demo", help="Annex replies: the FICTITIOUS demo's.")
    ] = False,
) -> None:
    """Write the Secretary-General briefing (HTML and PDF) with its data files, in one of
    the six UN languages or all six (``--lang all``: briefing-<lang>.html/.pdf each)."""
    index = renamed(index, old_index, "--index", "--index-dir")
    common._writable(out, "--out")
    langs = common._langs(lang)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (
        TextColumn("{task.description:<9}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    # the bars are shown once there is work to show (none when the briefing is reused)
    bar = Progress(*columns, console=common.console, transient=False)
    tasks: dict[str, TaskID] = {}

    def progress(stage: str, done: int, total: int) -> None:
        if not tasks:
            bar.start()
        if stage not in tasks:
            tasks[stage] = bar.add_task(stage, total=total)
        bar.update(tasks[stage], completed=done, total=total)

    try:
        result = run_briefing(
            out,
            warehouse=warehouse,
            index=index,
            annex=annex,
            pdf=pdf,
            boot=boot,
            workers=workers,
            mandates=mandates,
            catalogue=catalogue,
            cache_dir=cache_dir,
            use_cache=use_cache,
            progress=progress,
            langs=langs,
            voice_dataset="demo" if voice_demo else "real",
        )
    finally:
        if tasks:
            bar.stop()
    pages = f", {result.pages} pages" if result.pages else ""
    secs = result.seconds
    reused = (
        f"; no input changed: the briefing generated {result.generated} reused from the cache"
        if result.reused
        else ""
    )
    if len(result.languages) > 1:
        for lg, (h, p, n) in result.languages.items():
            print(f"{lg}: {h}" + (f" and {p}, {n} pages" if p else ""))
    print(
        f"wrote {result.html}"
        + (f" and {result.pdf}{pages}" if result.pdf else "")
        + f", {len(result.data_files)} data files in {out / 'data'}; annex: "
        f"{len(result.annex)} country profiles; {secs['total']:.1f} s (diagnoses "
        f"{secs['diagnose']:.1f} s, HTML {secs['context'] - secs['diagnose'] + secs['html']:.1f}"
        f" s, PDF {secs['pdf']:.1f} s){reused}"
    )


def standalone() -> typer.Typer:
    """``aicap report ...`` and ``aicap profile ...`` alone (:mod:`aicap.cli.entry` runs this
    for those commands, so they do not import every other command's modules first)."""
    from aicap.cli import conventions

    top = typer.Typer(
        help="aicap: the AI Capacity Observatory (open data, composite index, diagnostics).",
        no_args_is_help=True,
        add_completion=False,
        context_settings=conventions.CONTEXT,
    )
    conventions.add_version(top)
    top.add_typer(app, name="report")
    top.command("profile")(profile)
    return top
