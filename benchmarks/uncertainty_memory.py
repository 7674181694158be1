"""Peak memory and time of a Monte Carlo run on the 193-unit x 60-indicator synthetic framework.

    .venv/bin/python benchmarks/uncertainty_memory.py --n 1000000 [--keep] [--summaries]

Runs the five-input spec of ``benchmarks/uncertainty.py`` (pairwise matrix on) in a fresh
process and prints the wall time and the process's peak resident set size
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``, which includes the interpreter, the libraries
and the data variants: about 0.3 GB before the run starts; that baseline is printed too).
Without ``--keep`` the replications are not kept (streamed summaries only); ``--summaries``
also computes the per-country table.
"""

from __future__ import annotations

import argparse
import inspect
import os
import resource
import time
from pathlib import Path

from aicap.index import Recipe, build
from aicap.index.spec import UncertaintySpec
from aicap.index.synthetic import synthetic
from aicap.index.uncertainty import make_plan, run_uncertainty

REPO = Path(__file__).resolve().parents[1]
FIVE = (REPO / "benchmarks" / "uncertainty.py").read_text().split('FIVE = """')[1].split('"""')[0]


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--keep", action="store_true", help="keep every replication in memory")
    ap.add_argument("--summaries", action="store_true", help="also compute countries()")
    args = ap.parse_args()
    recipe_text = (REPO / "examples/asem/recipe.yaml").read_text()
    fw, data = synthetic(193, 60, (12, 4, 1), missing=0.05, seed=0)
    comp = build(fw, data, Recipe.from_yaml(recipe_text.replace("EurAsia_group", "region")))
    spec = UncertaintySpec.from_yaml(FIVE.format(name="mem", n=args.n, group="region"), "bench")
    plan = make_plan(comp, spec)
    run_uncertainty(make_plan(comp, spec.model_copy(update={"n": 500})))  # compile, warm up
    base = rss_mib()
    kw = {}
    if "keep_samples" in inspect.signature(run_uncertainty).parameters:
        kw["keep_samples"] = args.keep
    t0 = time.perf_counter()
    res = run_uncertainty(plan, **kw)
    t_run = time.perf_counter() - t0
    t_sum = 0.0
    if args.summaries:
        t0 = time.perf_counter()
        res.countries()
        t_sum = time.perf_counter() - t0
    load = os.getloadavg()[0]
    print(
        f"193x60, {args.n:,} replications, pairwise on, keep={kw.get('keep_samples', 'always')}: "
        f"run {t_run:.1f} s ({args.n / t_run:,.0f}/s), summaries {t_sum:.1f} s; peak RSS "
        f"{rss_mib():,.0f} MiB (before the run: {base:,.0f} MiB); load {load:.2f} on "
        f"{os.cpu_count()} cores"
    )


if __name__ == "__main__":
    main()
