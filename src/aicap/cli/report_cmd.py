"""``aicap report briefing`` and ``aicap profile``: the Secretary-General briefing and country
profiles (JSON, one-page PDF), read from the index outputs that ``aicap build`` writes."""

from __future__ import annotations

import json
import pickle
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from aicap.cli.conventions import OldIndexOpt, renamed

# Everything else is imported where it is used: a briefing or a profile found in the cache
# (aicap.report.reuse) is written without importing pandas, the index engine or WeasyPrint.
if TYPE_CHECKING:
    from rich.progress import TaskID

    from aicap.analysis.capacity_data import CapacityData
    from aicap.analysis.catalogue import Catalogue
    from aicap.analysis.monitor.links import Links
    from aicap.report.cache import Cache
    from aicap.report.monitor_source import Computed, MonitorJob
    from aicap.report.result import Briefing
    from aicap.report.workers import Progress

app = typer.Typer(help="Reports: the Secretary-General briefing.", no_args_is_help=True)
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


def _replies(dataset: str) -> dict[str, Any]:
    """The published replies in the registry (none when it does not exist)."""
    from aicap.analysis.voice.service import published_replies

    try:
        return published_replies(None, dataset)
    except Exception as exc:  # the briefing stands without the registry
        console.print(f"[yellow]warning:[/yellow] right of reply not read: {exc}")
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
    cache = _cache(warehouse, cache_dir, use_cache)
    langs = langs or ["en"]
    replies = _replies(voice_dataset)  # the countries' right of reply (issue 20)
    k = digest = ""
    if cache.folder is not None and langs == ["en"]:
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
        got = reuse.get(cache, reuse.KIND_BRIEFING, k)
        if isinstance(got, reuse.Stored):
            return _write_stored(got, out, t0)
    from aicap.report.briefing import annex_countries, write_briefing
    from aicap.report.monitor_source import MonitorJob

    notes: list[str] = []
    data = _load(warehouse, index, notes)
    cat = _catalogue(catalogue, mandates, data)
    try:
        countries = annex_countries(data, annex)
    except KeyError as exc:
        raise _fail(str(exc.args[0]), 2) from None
    got_monitor = _monitor(warehouse, cat, cache, [catalogue] if catalogue else [], notes)
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
        localisers={lg: _localiser(warehouse, lg) for lg in langs},
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
        )
        reuse.put(cache, reuse.KIND_BRIEFING, k, stored)
    return result


def _write_stored(stored: Any, out: Path, t0: float) -> Briefing:
    """A briefing found in the cache, written to ``out`` (its warnings printed again)."""
    from aicap.report import reuse
    from aicap.report.result import Briefing

    for w in stored.warnings:
        _warn(w)
    t1 = time.perf_counter()
    html, files, pdf = reuse.write(stored, out)
    t2 = time.perf_counter()
    seconds = {"diagnose": 0.0, "context": 0.0, "html": t2 - t1, "pdf": 0.0, "total": t2 - t0}
    return Briefing(
        html, pdf, files, stored.annex, seconds, stored.pages, stored.generated, reused=True
    )


@app.command("briefing")
def briefing(
    out: Annotated[Path, typer.Option("--out", help="Folder for briefing.html/pdf and data/.")],
    warehouse: WarehouseOpt = Path("var/aicap.duckdb"),
    index: IndexOpt = Path("var/out"),
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
    mandates: MandatesOpt = None,
    catalogue: CatalogueOpt = None,
    cache_dir: CacheDirOpt = None,
    use_cache: UseCacheOpt = True,
    lang: LangOpt = "en",
    voice_demo: Annotated[
        bool, typer.Option("--voice-demo", help="Annex replies: the FICTITIOUS demo's.")
    ] = False,
) -> None:
    """Write the Secretary-General briefing (HTML and PDF) with its data files, in one of
    the six UN languages or all six (``--lang all``: briefing-<lang>.html/.pdf each)."""
    index = renamed(index, old_index, "--index", "--index-dir")
    _writable(out, "--out")
    langs = _langs(lang)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (
        TextColumn("{task.description:<9}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    # the bars are shown once there is work to show (none when the briefing is reused)
    bar = Progress(*columns, console=console, transient=False)
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


def profile(
    iso3: Annotated[str, typer.Argument(help="ISO3 code of a UN Member State, e.g. KEN.")],
    fmt: Annotated[
        str,
        typer.Option("--format", help="table (the summary in words) or json (the whole profile)."),
    ] = "table",
    as_json: Annotated[
        bool, typer.Option("--json", hidden=True, help="Same as --format json.")
    ] = False,
    pdf_file: Annotated[
        Path | None, typer.Option("--pdf", help="Write a one-page PDF profile to this file.")
    ] = None,
    warehouse: WarehouseOpt = Path("var/aicap.duckdb"),
    index: IndexOpt = Path("var/out"),
    old_index: OldIndexOpt = None,
    mandates: MandatesOpt = None,
    catalogue: CatalogueOpt = None,
    monitor: Annotated[
        bool,
        typer.Option(
            "--monitor/--no-monitor",
            help="Draw the recommendations with the country's Monitor signals (governance "
            "gaps, dependencies, concentration), as the briefing does.",
        ),
    ] = True,
    cache_dir: CacheDirOpt = None,
    use_cache: UseCacheOpt = True,
    lang: LangOpt = "en",
) -> None:
    """A country profile: tier, scores with uncertainty bands, peers, bottlenecks,
    recommendations with citations (drawn with its Monitor signals), data gaps. ``--lang``:
    the PDF in one of the six UN languages, or all six."""
    index = renamed(index, old_index, "--index", "--index-dir")
    from aicap.cli.output import choose

    as_json = choose(fmt, as_json, ("table", "json")) == "json"
    code = iso3.upper()
    langs = _langs(lang)
    if pdf_file is not None:
        _writable(pdf_file, "--pdf", folder=False)
    cache = _cache(warehouse, cache_dir, use_cache)
    k = ""
    got: object = None
    if cache.folder is not None:
        from aicap.report import reuse

        k = reuse.profile_key(
            warehouse, index, code, monitor=monitor, catalogue=catalogue, mandates=mandates
        )
        got = reuse.get(cache, reuse.KIND_PROFILE, k)
    if isinstance(got, dict):  # stored: its JSON, and the profile itself pickled for the PDF
        for w in got["notes"]:
            _warn(w)
        text = str(got["json"])
        stored = bytes(got["pickle"])

        def full() -> dict[str, Any]:
            value: dict[str, Any] = pickle.loads(stored)
            return value
    else:
        from aicap.analysis.profile import profile_json

        prof, notes = _compute_profile(
            code, iso3, warehouse, index, mandates, catalogue, monitor, cache
        )
        text = profile_json(prof)
        if k:
            from aicap.report import reuse

            entry = {"json": text, "pickle": pickle.dumps(prof), "notes": notes}
            reuse.put(cache, reuse.KIND_PROFILE, k, entry)

        def full() -> dict[str, Any]:
            return prof

    if pdf_file is not None:
        for lg in langs:
            target = pdf_file
            if len(langs) > 1:
                target = pdf_file.with_name(f"{pdf_file.stem}-{lg}{pdf_file.suffix}")
            pages = _profile_pdf(full, target, cache, k, lg, warehouse)
            console.print(f"wrote {target} ({pages} page{'s' if pages != 1 else ''})")
    if as_json:
        sys.stdout.write(text + "\n")
        return
    if pdf_file is None:
        _print_summary(json.loads(text))


def _compute_profile(
    code: str,
    iso3: str,
    warehouse: Path,
    index: Path,
    mandates: Path | None,
    catalogue: Path | None,
    monitor: bool,
    cache: Cache,
) -> tuple[dict[str, Any], list[str]]:
    from aicap.analysis.monitor.links import MonitorResults, Signal
    from aicap.analysis.profile import build_profile
    from aicap.report.monitor_source import MonitorJob

    notes: list[str] = []
    extra = [catalogue] if catalogue else []
    data = _load(warehouse, index, notes)
    if code not in set(data.countries["iso3"]):
        from aicap.cli.conventions import unknown_country

        cols = [c for c in ("name", "name_en", "formal_name_en") if c in data.countries.columns]
        names = {
            str(r["iso3"]): [str(r[c]) for c in cols if isinstance(r[c], str)]
            for r in data.countries.to_dict(orient="records")
        }
        raise _fail(unknown_country(iso3, names, "a UN Member State (ISO3 code expected)"), 2)
    cat = _catalogue(catalogue, mandates, data)
    signals: list[Signal] = []
    results: MonitorResults | None = None
    if monitor:
        from aicap.report.monitor_source import compute

        got = _monitor(warehouse, cat, cache, extra, notes)
        if got is not None:
            links, mon = got
            results_signals = compute(mon.frames, links) if isinstance(mon, MonitorJob) else mon
            if isinstance(mon, MonitorJob) and mon.store is not None:
                mon.store(*results_signals)
            results, by_country = results_signals
            signals = by_country.get(code, [])
    # as the briefing's annex draws them: with the country's Monitor signals
    prof = build_profile(data, code, cat, signals=signals)
    if results is not None:
        from aicap.report.monitor_section import incident_totals, profile_monitor

        prof["monitor"] = profile_monitor(results, signals, code, incident_totals(results))
    return prof, notes


def _profile_pdf(
    prof: Callable[[], dict[str, Any]],
    path: Path,
    cache: Cache,
    k: str,
    lang: str = "en",
    warehouse: Path | None = None,
) -> int:
    """The one-page PDF of the profile ``prof()`` in ``lang`` (cached with the profile: same
    inputs, same PDF)."""
    from aicap.report import reuse
    from aicap.report.cache import key

    pk = key("profile-pdf", k, lang, _catalogue_stamp()) if k else ""
    got = reuse.get(cache, reuse.KIND_PROFILE, pk) if pk else None
    if isinstance(got, tuple):
        data, pages = got
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return int(pages)
    from aicap.report.briefing import write_profile_pdf

    loc = _localiser(warehouse, lang) if warehouse is not None else None
    pages = write_profile_pdf(prof(), path, loc)
    if pk:
        reuse.put(cache, reuse.KIND_PROFILE, pk, (path.read_bytes(), pages))
    return pages


def _catalogue_stamp() -> str:
    """A digest of the translation catalogues and report templates (a cached PDF is reused
    only while they are unchanged)."""
    import hashlib

    from aicap.analysis.localise import LOCALES

    h = hashlib.sha256()
    tpl = Path(__file__).resolve().parents[1] / "report" / "templates"
    for f in sorted([*LOCALES.glob("*/LC_MESSAGES/*.mo"), *tpl.glob("*.j2")]):
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


def score_text(p: dict[str, Any]) -> str:
    """``score 41.55 (band 32.33-43.17)``, or for a country the index does not score, ``not
    scored (...)`` with the reason (its pillars without data), never "score None"."""
    if p.get("status") == "scored" and p.get("score") is not None:
        unc = p.get("uncertainty")
        band = (
            f"{unc['score_p05']}-{unc['score_p95']}" if isinstance(unc, dict) else "not available"
        )
        return f"score {p['score']} (band {band})"
    gaps = p.get("data_gaps") if isinstance(p.get("data_gaps"), dict) else {}
    assert isinstance(gaps, dict)
    names = {str(x["pillar"]): str(x["name"]) for x in p.get("pillars") or []}
    missing = [str(c) for c in gaps.get("missing_pillars") or []]
    if missing:
        which = ", ".join(f"{names.get(c, c).lower()} ({c})" for c in missing)
        why = f"no data for the pillar{'s' if len(missing) > 1 else ''} {which}"
        return f"not scored (insufficient data: {why}; the index needs every pillar)"
    return f"not scored ({str(p.get('status') or 'status not known').replace('_', ' ')})"


def _gaps_lines(gaps: object) -> list[str]:
    """The profile's data gaps in words: indicators with data, those missing (and why), values
    several years old."""
    if not isinstance(gaps, dict):
        return []
    lines = [f"data: {gaps.get('n_with_data')} of {gaps.get('n_indicators')} indicators with data"]
    missing = gaps.get("missing_indicators") or []
    if missing:
        items = []
        for m in missing:
            flags = str(m.get("flags") or "")
            stale = flags.split("stale(", 1)[1].rstrip(")") if "stale(" in flags else ""
            items.append(f"{m['name']} ({m['pillar']}{'; ' + stale if stale else ''})")
        lines.append("  no data: " + "; ".join(items))
    old = gaps.get("old_values") or []
    if old:
        items = [f"{o['name']} ({o['year']}, {o['age']} years old)" for o in old]
        lines.append("  old values: " + "; ".join(items))
    return lines


def _print_summary(p: dict[str, Any]) -> None:
    # markup=False: texts hold brackets ("[relative-trend.KEN...]") that are not Rich markup
    out = Console(soft_wrap=True, markup=False, highlight=False)
    age = p.get("data_age")
    when = str(p["year"])
    if isinstance(age, dict):
        when += (
            f" (values from {age['oldest']}-{age['newest']}, median {age['median_year']:.0f}; "
            f"{100 * age['carried_share']:.0f} % carried forward)"
        )
    binding = p["binding_constraint"] or "none (no pillar more than 2 points below its peers)"
    out.print(
        f"{p['name']} ({p['iso3']}), {when}: {p['tier_label']}; {score_text(p)}; "
        f"binding constraint {binding}"
    )
    claims = p.get("claims")
    if isinstance(claims, list):
        for c in claims:
            out.print(f"  - {c['text']} [{c['id']}]")
    recs = p["recommendations"]
    assert isinstance(recs, list)
    for r in recs[:8]:
        cites = ", ".join(m["citation"] for m in r["mandates"][:2])
        out.print(f"  {r['rank']:>2}. {r['id']:<9} {r['title']} [{cites}]")
    for line in _gaps_lines(p.get("data_gaps")):
        out.print(line)


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
