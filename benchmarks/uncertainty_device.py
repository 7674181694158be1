"""End to end on the device: sampling, decoding, the chunks and the summaries on the array
backend's device, only counts copied back (``sampler: counter``, nothing kept), for COINr's
ASEM example and the 193-unit x 60-indicator synthetic framework, pairwise matrix on.

    python benchmarks/uncertainty_device.py [--backend torch cupy] [--n 10000000] [--reps 3]
    python benchmarks/uncertainty_device.py --backend array_api_strict --n 20000   # no GPU

For each backend and framework: first a check that a small run (``--check`` replications)
takes the device path and gives NumPy's summaries (rank percentiles, rank shifts, numbers
ranked and pairwise counts equal), then ``--reps`` timed runs of ``run_uncertainty`` plus
``countries()`` (after a warm-up run of the same size), printing replications per second
(best and median), the device, and the targets of issue 23 (10^7 replications/s for ASEM and
5 x 10^6 for 193 x 60 with the pairwise matrix, on an H100). ``array_api_strict`` runs the
same code on the CPU (NumPy underneath, its arrays on a device of their own): its figures are
CPU figures, labelled so, and only show that the path works.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path
from typing import Any

import pandas as pd

from aicap.index import Recipe, build
from aicap.index.backend import get_backend
from aicap.index.coinr import framework_from_imeta
from aicap.index.spec import UncertaintySpec
from aicap.index.synthetic import synthetic
from aicap.index.uncertainty import make_plan, run_uncertainty
from aicap.index.uncertainty.blocks import on_device

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("AICAP_SHARED_DIR", REPO.parent / "shared"))
FIVE = (REPO / "benchmarks" / "uncertainty.py").read_text().split('FIVE = """', 1)[1]
FIVE = FIVE.split('"""', 1)[0]
TARGETS = {"ASEM 51x49": 1e7, "synthetic 193x60": 5e6}


def sync(name: str) -> None:
    if name == "torch":
        import torch

        if torch.cuda.is_available():
            torch.cuda.synchronize()
    elif name == "cupy":
        import cupy

        cupy.cuda.Device().synchronize()


def describe(name: str) -> tuple[str, bool]:
    """The device in words, and whether it is a GPU."""
    if name == "torch":
        import torch

        if torch.cuda.is_available():
            return f"torch {torch.__version__} on {torch.cuda.get_device_name(0)}", True
        return f"torch {torch.__version__} on the CPU", False
    if name == "cupy":
        import cupy

        props = cupy.cuda.runtime.getDeviceProperties(0)
        return f"cupy {cupy.__version__} on {props['name'].decode()}", True
    return f"{name} on the CPU ({os.cpu_count()} cores, load {os.getloadavg()[0]:.1f})", False


def frameworks() -> list[tuple[str, Any, str]]:
    recipe_text = (REPO / "examples/asem/recipe.yaml").read_text()
    out: list[tuple[str, Any, str]] = []
    asem = SHARED / "peers" / "coinr" / "asem"
    if asem.is_dir():
        fw = framework_from_imeta(pd.read_csv(asem / "iMeta.csv"), "iMeta.csv")
        comp = build(fw, pd.read_csv(asem / "iData.csv"), Recipe.from_yaml(recipe_text))
        out.append(("ASEM 51x49", comp, "EurAsia_group"))
    fw2, data2 = synthetic(193, 60, (12, 4, 1), missing=0.05, seed=0)
    rec2 = Recipe.from_yaml(recipe_text.replace("EurAsia_group", "region"))
    out.append(("synthetic 193x60", build(fw2, data2, rec2), "region"))
    return out


def check(comp: Any, spec: UncertaintySpec, backend: str, n: int) -> bool:
    """A small run on the device path gives NumPy's summaries."""
    small = make_plan(comp, spec.model_copy(update={"n": n}))
    if not on_device(small, backend, False, None):
        raise SystemExit(f"{backend}: this set-up would not run on the device path")
    host = run_uncertainty(small, keep_samples=False)
    dev = run_uncertainty(small, backend=backend, keep_samples=False)
    cols = ["uCode", "rank_median", "rank_p05", "rank_p95", "mean_abs_rank_shift", "n_ranked"]
    return bool(
        host.countries()[cols].equals(dev.countries()[cols])
        and host.pairwise().equals(dev.pairwise())
    )


def timed(comp: Any, spec: UncertaintySpec, backend: str, n: int, reps: int) -> list[float]:
    plan = make_plan(comp, spec.model_copy(update={"n": n}))
    run_uncertainty(plan, backend=backend, keep_samples=False).countries()  # warm-up
    sync(backend)
    rates = []
    for _ in range(reps):
        t0 = time.perf_counter()
        res = run_uncertainty(plan, backend=backend, keep_samples=False)
        res.countries()
        sync(backend)
        rates.append(n / (time.perf_counter() - t0))
    return rates


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--backend", nargs="+", default=["torch"])
    ap.add_argument("--n", type=int, default=10_000_000)
    ap.add_argument("--check", type=int, default=20_000)
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args()
    comps = frameworks()
    for backend in args.backend:
        get_backend(backend)  # a clear error when the library is missing
        where, gpu = describe(backend)
        tag = "" if gpu else "  [CPU figure: not a GPU measurement]"
        print(f"{where}: end to end on the device, pairwise on, {args.n:,} replications")
        for label, comp, group in comps:
            text = FIVE.format(name="device", n=args.n, group=group)
            spec = UncertaintySpec.from_yaml(text, "b").model_copy(
                update={"sampler": "counter", "pairwise": True}
            )
            same = check(comp, spec, backend, args.check)
            rates = timed(comp, spec, backend, args.n, args.reps)
            goal = TARGETS.get(label)
            print(
                f"  {label}: {max(rates):,.0f}/s best, {statistics.median(rates):,.0f}/s median "
                f"of {len(rates)}; summaries equal NumPy's on {args.check:,}: {same}; "
                f"target {goal:,.0f}/s on an H100{tag}",
                flush=True,
            )


if __name__ == "__main__":
    main()
