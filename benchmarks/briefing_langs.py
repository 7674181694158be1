"""Where the time of ``aicap report briefing --lang all`` goes, phase by phase and per language.

    .venv/bin/python benchmarks/briefing_langs.py [--langs all] [--workers N] [--cache DIR]
        [--again] [--warehouse var/aicap.duckdb] [--index var/out] [--out DIR]

The same steps as ``write_briefing`` (aicap.report.briefing), timed one by one in this process:
start (the index outputs, warehouse, catalogue and the Monitor read), context (diagnoses,
profiles, sections: once for every language), then per language the HTML (profiles localised,
figures drawn, Jinja2, the Arabic isolation) and the PDF batch (aicap.report.pdf.PdfBatch):
WeasyPrint's layout, the PDF writing (font subsetting apart) and the merge. Each line gives wall
seconds and CPU seconds; CPU seconds of the workers are summed over the processes that did the
work (the machine is shared: wall time depends on the other users' load, CPU time much less),
and the machine's load average is printed. ``--cache DIR``: the annex chunks' cache (default: a
new empty folder, nothing reused); ``--again``: a second PDF pass on the same cache (every chunk
whose HTML is unchanged reused). Ends with each language's PDF: pages and size.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))


def cpu() -> float:
    """CPU seconds of this process and its finished children."""
    s = resource.getrusage(resource.RUSAGE_SELF)
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


def line(name: str, wall: float, cpu_s: float | None, note: str = "") -> None:
    c = f"{cpu_s:8.1f}" if cpu_s is not None else " " * 8
    print(f"{name:<28}{wall:8.1f}{c}  {note}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--langs", default="all")
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--cache", type=Path, default=None)
    ap.add_argument("--again", action="store_true")
    ap.add_argument("--annex", default="focus")
    ap.add_argument("--boot", type=int, default=1000)
    ap.add_argument("--warehouse", type=Path, default=REPO / "var" / "aicap.duckdb")
    ap.add_argument("--index", type=Path, default=REPO / "var" / "out")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()

    from aicap.cli.report_common import _catalogue, _langs, _links, _load, _localiser
    from aicap.report import monitor_source
    from aicap.report.briefing import (
        annex_countries,
        annex_fits,
        briefing_context,
        render_html,
        worker_state,
    )
    from aicap.report.cache import Cache
    from aicap.report.pdf import PdfBatch
    from aicap.report.workers import Workers, default_workers, effective_workers

    langs = _langs(args.langs)
    n_workers = effective_workers(args.workers or default_workers())
    out = args.out or Path(tempfile.mkdtemp(prefix="briefing-langs-"))
    out.mkdir(parents=True, exist_ok=True)
    cache = Cache(args.cache or Path(tempfile.mkdtemp(prefix="briefing-langs-cache-")))
    print(
        f"{len(langs)} language(s), {n_workers} worker(s), {os.cpu_count()} CPUs, load average "
        f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}; out {out}; cache {cache.folder}"
    )
    print(f"{'phase':<28}{'wall s':>8}{'CPU s':>8}")
    w0, c0 = time.perf_counter(), cpu()

    t, c = time.perf_counter(), cpu()
    data = _load(args.warehouse, args.index)
    cat = _catalogue(None, None, data)
    links = _links(cat)
    mon = monitor_source.load(args.warehouse, links, cache, [])
    kw: dict[str, object] = {"links": links}
    if isinstance(mon, monitor_source.MonitorJob):
        kw["monitor_job"] = mon
    else:
        kw["monitor"], kw["signals"] = mon
    annex = annex_countries(data, args.annex)
    locs = {lg: _localiser(args.warehouse, lg) for lg in langs}
    line("start (read inputs)", time.perf_counter() - t, cpu() - c)

    with Workers(n_workers, worker_state(data, cat)) as pool:
        t, c = time.perf_counter(), cpu()
        ctx = briefing_context(
            data, cat, annex=annex, n_boot=args.boot, workers=pool, cache=cache, **kw
        )
        line("context (once)", time.perf_counter() - t, None, "workers' CPU in the total")
        passes = [("first", cache)] + ([("again", cache)] if args.again else [])
        for name, pcache in passes:
            batch = PdfBatch(pool, base_url=str(out), cache=pcache)
            html_wall: dict[str, float] = {}
            for lg in langs:
                t, c = time.perf_counter(), cpu()
                html = render_html(ctx, loc=locs[lg])
                (out / f"briefing-{lg}.html").write_text(html, "utf-8")
                line(f"{name}: html {lg}", time.perf_counter() - t, cpu() - c)
                t, c = time.perf_counter(), cpu()
                fits = annex_fits(ctx, html, locs[lg])
                batch.add(html, out / f"briefing-{lg}.pdf", f"pdf {lg}", fits)
                html_wall[lg] = time.perf_counter() - t
                line(f"{name}: pdf main part {lg}", html_wall[lg], cpu() - c, "laid out here")
            t = time.perf_counter()
            pages = batch.finish()
            s = batch.stats
            line(f"{name}: pdf wait + merge", time.perf_counter() - t, None)
            line("  layout (all processes)", 0.0, s.layout_cpu, "WeasyPrint render()")
            line("  write (all processes)", 0.0, s.write_cpu - s.fonts_cpu, "write_pdf()")
            line("  font subsetting", 0.0, s.fonts_cpu, "HarfBuzz, in write_pdf()")
            line("  merge (all processes)", 0.0, s.merge_cpu, "pypdf, identical objects once")
            print(
                f"  chunks laid out {s.chunks}, from the cache {s.cached}, in one piece {s.whole}"
            )
            for o in s.overflow:
                print(f"  NOT one page per profile: {o} (that document rendered in one piece)")
            for lg, n in zip(langs, pages, strict=True):
                path = out / f"briefing-{lg}.pdf"
                spent = s.by_document.get(str(path), 0.0)
                chosen = s.fitted.get(f"pdf {lg}", [])
                moved = sum(1 for v in chosen if v)
                print(
                    f"  {lg}: {n} pages, {path.stat().st_size / 1e6:.2f} MB, "
                    f"layout+write {spent:.1f} CPU s; {moved} of {len(chosen)} profiles "
                    f"fitted (versions {sorted(set(chosen))})"
                )
    line("total", time.perf_counter() - w0, cpu() - c0, "CPU: this process and its workers")


if __name__ == "__main__":
    main()
