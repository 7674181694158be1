"""Static export benchmark: files, MB, wall and CPU seconds, SVG drawings and the load average
of ``aicap site export`` (the library call it makes), per kind of page, with where a profile's
bytes go.

    .venv/bin/python benchmarks/export.py [--countries 40|all] [--workers 1] [--out DIR]
        [--chart-cache DIR]  # default: none, so every chart is drawn

``--countries 40`` exports a fixed sample (``random.Random(24)``, sorted ISO codes) with every
page type and all six languages; ``all`` the 193 Member States. CPU seconds are this process's
and its children's (user + system, from ``getrusage``): on a machine shared with others the
wall time depends on their load, the CPU time much less.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import resource
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _cpu() -> float:
    s = resource.getrusage(resource.RUSAGE_SELF)
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


def sample(isos: list[str], n: str) -> list[str]:
    if n == "all":
        return sorted(isos)
    return sorted(random.Random(24).sample(sorted(isos), int(n)))


def profile_parts(html: str) -> dict[str, int]:
    """Bytes of a profile page by part: inline SVG, tables, <details> (recommendations),
    and the rest."""
    parts: Counter[str] = Counter()
    parts["svg"] = sum(len(m.encode()) for m in re.findall(r"<svg\b.*?</svg>", html, re.S))
    parts["table"] = sum(len(m.encode()) for m in re.findall(r"<table\b.*?</table>", html, re.S))
    parts["whitespace runs"] = sum(len(m) - 1 for m in re.findall(r"\s{2,}", html))
    parts["total"] = len(html.encode())
    return dict(parts)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--countries", default="40", help="a number (fixed sample) or 'all'")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--out", type=Path, default=None, help="keep the export here")
    ap.add_argument("--chart-cache", type=Path, default=None)
    args = ap.parse_args()

    sys.path.insert(0, str(REPO / "src"))
    from aicap.web import svgcharts
    from aicap.web.data import load_site
    from aicap.web.export import ExportStats, export_site

    site = load_site(REPO / "var/aicap.duckdb", REPO / "var/out")
    isos = sample(list(site.countries), args.countries)
    svgcharts.use_disk_cache(args.chart_cache)
    out = args.out or Path(tempfile.mkdtemp(prefix="aicap-export-"))
    if out.exists():
        shutil.rmtree(out)
    stats = ExportStats()
    load0 = os.getloadavg()
    cpu0, t0 = _cpu(), time.perf_counter()
    n = export_site(site, out, countries=isos, workers=args.workers, stats=stats)
    wall, cpu = time.perf_counter() - t0, _cpu() - cpu0
    load1 = os.getloadavg()
    files = [p for p in out.rglob("*") if p.is_file()]
    size = sum(p.stat().st_size for p in files)
    print(f"countries: {len(isos)}  languages: 6  workers: {args.workers}")
    print(stats.table())
    print(
        f"files {n} (on disk {len(files)}), {size / 1e6:.1f} MB, wall {wall:.1f} s, "
        f"CPU {cpu:.1f} s (process and children), SVG drawn {stats.svg_drawn}, "
        f"load average {load0[0]:.1f} before, {load1[0]:.1f} after"
    )
    ken = out / "country" / (isos[0] + ".html")
    for rel in (ken, out / "ar" / "country" / (isos[0] + ".html")):
        parts = profile_parts(rel.read_text(encoding="utf-8"))
        print(rel.relative_to(out), {k: f"{v / 1e3:.1f} KB" for k, v in parts.items()})
    if args.out is None:
        shutil.rmtree(out)


if __name__ == "__main__":
    main()
