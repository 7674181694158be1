"""Dask scale-out: Monte Carlo replications per second in process and on 1, 2 and 4 local
worker processes (one thread each), with the check that every run gives the same summaries.

    .venv/bin/python benchmarks/uncertainty_dask.py [--n 131072] [--block 8192]

Each Dask task samples its own block of replications from the seeded stream, evaluates and
summarises it, and returns only its summary (rank histograms, score bins, pairwise counts):
the client never holds a replication. Prints, per set-up, the wall time of the run (the
cluster is started before the clock starts; the plan is scattered inside the timed run),
replications per second, the ratio to the in-process run, the load average and CPU count (a
shared machine: compare rows of one run only), and whether countries() and pairwise() equal
the in-process run's.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import pandas as pd

from aicap.index import Recipe, build
from aicap.index.coinr import framework_from_imeta
from aicap.index.spec import UncertaintySpec
from aicap.index.synthetic import synthetic
from aicap.index.uncertainty import make_plan, run_uncertainty

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("AICAP_SHARED_DIR", REPO.parent / "shared"))
FIVE = (REPO / "benchmarks" / "uncertainty.py").read_text().split('FIVE = """')[1].split('"""')[0]


def comps() -> list[tuple[str, object, str]]:
    recipe_text = (REPO / "examples/asem/recipe.yaml").read_text()
    out: list[tuple[str, object, str]] = []
    fw2, data2 = synthetic(193, 60, (12, 4, 1), missing=0.05, seed=0)
    rec2 = Recipe.from_yaml(recipe_text.replace("EurAsia_group", "region"))
    out.append(("synthetic 193x60", build(fw2, data2, rec2), "region"))
    asem = SHARED / "peers" / "coinr" / "asem"
    if asem.is_dir():
        fw = framework_from_imeta(pd.read_csv(asem / "iMeta.csv"), "iMeta.csv")
        comp = build(fw, pd.read_csv(asem / "iData.csv"), Recipe.from_yaml(recipe_text))
        out.append(("ASEM 51x49", comp, "EurAsia_group"))
    return out


def main() -> None:
    from distributed import Client, LocalCluster

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=131072)
    ap.add_argument("--block", type=int, default=8192)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    args = ap.parse_args()
    print(
        f"Dask scale-out, five uncertain inputs, pairwise on, {args.n:,} replications, blocks "
        f"of {args.block:,} ({os.cpu_count()} cores)"
    )
    for label, comp, group in comps():
        spec = UncertaintySpec.from_yaml(FIVE.format(name=label, n=args.n, group=group), "b")
        plan = make_plan(comp, spec)  # type: ignore[arg-type]
        run_uncertainty(make_plan(comp, spec.model_copy(update={"n": 500})))  # type: ignore[arg-type]
        t0 = time.perf_counter()
        ref = run_uncertainty(plan, keep_samples=False, block=args.block)
        t_ref = time.perf_counter() - t0
        print(
            f"  {label}: in process (1 thread): {t_ref:.1f} s, {args.n / t_ref:,.0f}/s "
            f"(load {os.getloadavg()[0]:.1f})"
        )
        for w in args.workers:
            with (
                LocalCluster(
                    n_workers=w, threads_per_worker=1, processes=True, dashboard_address=None
                ) as cluster,
                Client(cluster) as client,
            ):
                warm = plan.spec.model_copy(update={"n": 2 * args.block * w})
                run_uncertainty(make_plan(comp, warm), client=client, block=args.block)  # type: ignore[arg-type]
                load = os.getloadavg()[0]
                t0 = time.perf_counter()
                got = run_uncertainty(plan, client=client, block=args.block)
                t = time.perf_counter() - t0
            same = got.countries().equals(ref.countries()) and got.pairwise().equals(ref.pairwise())
            print(
                f"  {label}: Dask, {w} worker process(es): {t:.1f} s, {args.n / t:,.0f}/s, "
                f"x{t_ref / t:.2f} of in process; same summaries: {same} (load {load:.1f})"
            )


if __name__ == "__main__":
    main()
