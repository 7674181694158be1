"""Time ``aicap report briefing`` per stage: the median of several runs, each a fresh process.

    .venv/bin/python benchmarks/briefing.py [--repeat 3] [--modes cold,warm,partial,serial]
        [--annex focus] [--warehouse var/aicap.duckdb] [--index var/out]

Modes: ``cold`` (nothing cached: the Monitor's results computed, every annex page rendered; one
worker per CPU), ``warm`` (the cache of a previous run: no input changed, so the whole briefing
is reused, aicap.report.reuse), ``partial`` (the cache of a previous run without its whole
briefings, as after a change of an option such as --boot: the Monitor's results and the
rendered annex chunks reused while the warehouse and the HTML are unchanged, everything else
computed), ``serial`` (``--workers 1 --no-cache``: everything in one process, as before the
parallel briefing), ``build`` (``aicap build`` on a copy of the warehouse with an empty cache,
which it warms, then the first briefing after it; the build's own time is printed below the
table; ``--modes build`` alone for that).
Stages: start (imports, reading the index outputs and the warehouse, the Monitor's cache
lookup), diagnose (the diagnoses, and the Monitor's results on a cache miss, side by side),
HTML (profiles, sections, the HTML and data files), PDF (WeasyPrint and the merge), and the
process's wall time. The machine's load average is printed with the results: timings on shared
machines are noisy, and CPU seconds (user + system, this process's children) say how much work
was done.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LINE = re.compile(
    r"; (?P<total>[\d.]+) s \(diagnoses (?P<diagnose>[\d.]+) s, HTML (?P<html>[\d.]+) s, "
    r"PDF (?P<pdf>[\d.]+) s\)"
)
STAGES = ["start", "diagnose", "html", "pdf", "wall", "cpu"]


def run_once(
    args: argparse.Namespace,
    out: Path,
    extra: list[str],
    warehouse: Path | None = None,
    index: Path | None = None,
) -> dict[str, float]:
    cmd = [
        str(REPO / ".venv" / "bin" / "aicap"),
        "report",
        "briefing",
        "--out",
        str(out),
        "--warehouse",
        str(warehouse or args.warehouse),
        "--index-dir",
        str(index or args.index),
        "--annex",
        args.annex,
        *extra,
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    res = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=REPO)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if res.returncode != 0:
        sys.exit(f"failed ({res.returncode}): {' '.join(cmd)}\n{res.stderr[-2000:]}")
    m = LINE.search(res.stdout)
    if m is None:
        sys.exit(f"no timings in the output:\n{res.stdout}")
    t = {k: float(v) for k, v in m.groupdict().items()}
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "start": wall - t["total"],
        "diagnose": t["diagnose"],
        "html": t["html"],
        "pdf": t["pdf"],
        "wall": wall,
        "cpu": cpu,
    }


def build_once(warehouse: Path, index: Path, cache: Path) -> float:
    """Wall time of ``aicap build`` (which ends by warming the briefing's cache in ``cache``)."""
    cmd = [str(REPO / ".venv" / "bin" / "aicap"), "build", "--warehouse", str(warehouse)]
    cmd += ["--out", str(index)]
    t0 = time.perf_counter()
    env = {**os.environ, "AICAP_CACHE_DIR": str(cache)}
    res = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=REPO, env=env)
    if res.returncode != 0:
        sys.exit(f"failed ({res.returncode}): {' '.join(cmd)}\n{res.stderr[-2000:]}")
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--modes", default="cold,warm,partial,serial")
    ap.add_argument("--annex", default="focus")
    ap.add_argument("--warehouse", default=os.environ.get("AICAP_WAREHOUSE", "var/aicap.duckdb"))
    ap.add_argument("--index", default=os.environ.get("AICAP_OUT", "var/out"))
    args = ap.parse_args()
    load = os.getloadavg()
    print(
        f"aicap report briefing --annex {args.annex}: median of {args.repeat} runs; "
        f"{os.cpu_count()} CPUs, load average before {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    print(f"{'mode':<8}" + "".join(f"{s:>10}" for s in STAGES) + "   (seconds)")
    with tempfile.TemporaryDirectory(prefix="aicap-bench-") as tmp:
        root = Path(tmp)
        cache = root / "cache"
        for mode in [m.strip() for m in args.modes.split(",") if m.strip()]:
            if mode == "cold":
                extra = ["--no-cache"]
            elif mode == "warm":
                extra = ["--cache", str(cache)]
                run_once(args, root / "warm-up", extra)  # fills the cache
            elif mode == "partial":
                extra = ["--cache", str(cache)]
                run_once(args, root / "partial-up", extra)  # fills the cache
            elif mode == "serial":
                extra = ["--workers", "1", "--no-cache"]
            elif mode == "build":
                runs, builds = [], []
                for k in range(args.repeat):
                    wh, idx, ck = root / f"b{k}.duckdb", root / f"b{k}-index", root / f"b{k}-cache"
                    shutil.copyfile(args.warehouse, wh)
                    builds.append(build_once(wh, idx, ck))
                    runs.append(run_once(args, root / f"b{k}", ["--cache", str(ck)], wh, idx))
                med = {s: statistics.median(r[s] for r in runs) for s in STAGES}
                print(f"{mode:<8}" + "".join(f"{med[s]:>10.1f}" for s in STAGES))
                print(f"aicap build, warming the cache: {statistics.median(builds):.1f} s (median)")
                continue
            else:
                sys.exit(f"unknown mode {mode!r}")
            runs = []
            for k in range(args.repeat):
                if mode == "partial":  # the whole briefings go, the parts stay
                    shutil.rmtree(cache / "briefing", ignore_errors=True)
                runs.append(run_once(args, root / f"{mode}{k}", extra))
            med = {s: statistics.median(r[s] for r in runs) for s in STAGES}
            print(f"{mode:<8}" + "".join(f"{med[s]:>10.1f}" for s in STAGES))
    load = os.getloadavg()
    print(f"load average after {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
