"""End to end against COINr: seconds for a whole uncertainty analysis of COINr's ASEM example at
N = 100 and N = 100,000 replications, beside COINr's measured time per replication.

    AICAP_SHARED_DIR=/work/shared .venv/bin/python benchmarks/uncertainty_coinr.py [--repeat 3]

The four uncertain inputs of COINr's sensitivity vignette (``get_sensitivity``): outlier
treatment ``winmax`` 1-5, imputation ``i_mean`` or ``i_median``, weights with noise of +-25 % at
levels 2 and 3 (COINr draws 100 noisy weight sets with ``get_noisy_weights`` and picks one per
replication; here each replication draws its own), aggregation ``a_amean`` or ``a_gmean``.

"End to end" is timed from the built composite (COINr starts from a built coin) to the
per-country table and the pairwise matrix: building the data variants (:func:`make_plan`),
sampling, evaluating, summarising (``countries()``, ``pairwise()``). It excludes starting
Python and importing aicap, and the first run's Numba compilation (a warm-up run comes
first; compiled kernels are cached on disk after the first use anyway). The kernel alone
(``run_uncertainty``) is printed beside it. COINr's figure, 135.6-139.9 ms per replication
(COINr 1.1.14, R 4.2.2, this machine, interleaved runs), is quoted from issue 23: R is not
installed in this session, so it was not re-measured here.
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
from aicap.index.uncertainty import make_plan, run_uncertainty

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("AICAP_SHARED_DIR", REPO.parent / "shared"))
COINR_MS = (135.6, 139.9)

FOUR = """
name: coinr-vignette
seed: 1
n: {n}
target: Index
inputs:
  - {{name: winmax, kind: winmax, values: [1, 2, 3, 4, 5]}}
  - name: imputation
    kind: impute
    alternatives: [{{method: i_mean}}, {{method: i_median}}]
  - {{name: weights, kind: weight_noise, levels: {{2: 0.25, 3: 0.25}}}}
  - name: aggregation
    kind: aggregate
    alternatives: [{{method: a_amean}}, {{method: a_gmean}}]
"""


def once(comp, n: int, workers: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    spec = UncertaintySpec.from_yaml(FOUR.format(n=n), "coinr-vignette")
    t0 = time.perf_counter()
    plan = make_plan(comp, spec)
    t1 = time.perf_counter()
    res = run_uncertainty(plan, workers=workers, keep_samples=False)
    t2 = time.perf_counter()
    res.countries()
    res.pairwise()
    t3 = time.perf_counter()
    return t3 - t0, t2 - t1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args()
    asem = SHARED / "peers" / "coinr" / "asem"
    fw = framework_from_imeta(pd.read_csv(asem / "iMeta.csv"), "iMeta.csv")
    recipe = Recipe.from_yaml((REPO / "examples/asem/recipe.yaml").read_text())
    comp = build(fw, pd.read_csv(asem / "iData.csv"), recipe)
    once(comp, 500, args.workers)  # warm-up: compiled kernels, caches
    lo, hi = COINR_MS
    print(
        f"ASEM, COINr's four vignette inputs, {args.workers} thread(s), {os.cpu_count()} cores; "
        f"COINr {lo}-{hi} ms per replication (issue 23)"
    )
    for n in (100, 100_000):
        for _ in range(args.repeat):
            load = os.getloadavg()[0]
            total, kernel = once(comp, n, args.workers)
            coinr = (lo * n / 1e3, hi * n / 1e3)
            print(
                f"  N = {n:>7,}: end to end {total:8.3f} s (run {kernel:7.3f} s) -> "
                f"x{coinr[0] / total:,.0f}-{coinr[1] / total:,.0f} faster end to end, "
                f"x{coinr[0] / kernel:,.0f}-{coinr[1] / kernel:,.0f} the run alone "
                f"(COINr {coinr[0]:,.1f}-{coinr[1]:,.1f} s; load {load:.1f})"
            )


if __name__ == "__main__":
    main()
