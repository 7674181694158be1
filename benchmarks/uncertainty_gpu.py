"""The uncertainty engine on a GPU backend (PyTorch or CuPy): agreement with NumPy, then
replications per second, end to end and for the chunk kernel alone.

    python benchmarks/uncertainty_gpu.py [--backend torch cupy] [--n 1000000] [--micro]
        [--chunks 262144 1048576] [--eval-chunks 0 65536] [--profile]

Needs an NVIDIA GPU and the backend's library; the tests never need either. ``--micro`` first
checks the ranks and outranking counts of the PyTorch path (Triton kernels, then plain tensor
operations) against NumPy on scores with ties and unscored units, and times them. For each framework
(COINr's ASEM example when ``$AICAP_SHARED_DIR/peers/coinr/asem`` exists, and the 193-unit x
60-indicator four-level synthetic framework), with the same five uncertain inputs as
``benchmarks/uncertainty.py``:

1. agreement: the same replications on NumPy and on the backend (largest score difference,
   share of equal ranks, largest pairwise-count difference); it stops unless scores agree
   within 1e-6 and ranks and counts are equal;
2. the time to sample and decode N replications (host, NumPy);
3. replications per second of ``evaluate`` (every chunk on the backend, results gathered on the
   host), pairwise on and off, for each chunk size;
4. replications per second of the chunk kernel alone (one chunk evaluated repeatedly, outputs
   left on the device: ``evaluate_chunk_device``), pairwise on and off;
5. end to end on the device (``sampler: counter``: sampling, decoding, the chunks and the
   summaries on the GPU, only counts copied back; ``run_uncertainty`` + ``countries()``),
   after checking on 20,000 replications that its summaries equal NumPy's. The targets
   (issue 23): 10^7 replications/s for ASEM, 5 x 10^6 for 193 x 60 with the pairwise matrix.

Prints a table last.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from aicap.index import Recipe, build
from aicap.index.backend import get_backend
from aicap.index.coinr import framework_from_imeta
from aicap.index.spec import UncertaintySpec
from aicap.index.synthetic import synthetic
from aicap.index.uncertainty import (
    Plan,
    decode,
    evaluate,
    make_plan,
    run_uncertainty,
    sample_uniform,
    tasks,
)

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("AICAP_SHARED_DIR", REPO.parent / "shared"))
COINR_MS = 135.6

FIVE = (REPO / "benchmarks" / "uncertainty.py").read_text().split('FIVE = """', 1)[1]
FIVE = FIVE.split('"""', 1)[0]


def sync(name: str) -> None:
    if name == "torch":
        import torch

        torch.cuda.synchronize()
    elif name == "cupy":
        import cupy

        cupy.cuda.Device().synchronize()


def describe(name: str) -> str:
    if name == "torch":
        import torch

        dev = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "CPU only"
        return f"torch {torch.__version__} on {dev}"
    if name == "cupy":
        import cupy

        props = cupy.cuda.runtime.getDeviceProperties(0)
        return f"cupy {cupy.__version__} on {props['name'].decode()}"
    return name


def agreement(comp: Any, spec: UncertaintySpec, backend: str) -> dict[str, float]:
    plan = make_plan(comp, spec.model_copy(update={"n": 3000}))
    dec = decode(plan, sample_uniform(plan))
    ref = evaluate(plan, dec, backend="numpy")
    got = evaluate(plan, dec, backend=backend, chunk_size=1024)
    ok = ref.fail == 0
    assert (ref.fail == got.fail).all(), "failure codes differ"
    d = np.nanmax(np.abs(ref.score[ok] - got.score[ok]))
    same = np.mean((ref.rank[ok] == got.rank[ok]) | (np.isnan(ref.rank[ok])))
    assert ref.wins is not None and got.wins is not None
    dw = int(np.abs(ref.wins - got.wins).max())
    assert d <= 1e-6 and same == 1.0 and dw == 0, f"{backend} differs from numpy"
    return {"max_score_diff": float(d), "equal_ranks": float(same), "max_wins_diff": dw}


def rate_evaluate(plan: Plan, dec: Any, backend: str, chunk: int, workers: int = 1) -> float:
    """``chunk`` 0: the backend's default chunk size."""
    kw = {"backend": backend, "chunk_size": chunk or None, "workers": workers}
    evaluate(plan, dec, **kw)  # type: ignore[arg-type]  # warm-up (kernels, allocator)
    sync(backend)
    t0 = time.perf_counter()
    evaluate(plan, dec, **kw)  # type: ignore[arg-type]
    sync(backend)
    return dec.u.shape[0] / (time.perf_counter() - t0)


def rate_run(plan: Plan, backend: str, workers: int) -> float:
    """``run_uncertainty`` end to end (sampling, decoding, every chunk, results on the host):
    the measure ``benchmarks/uncertainty.py`` reports for the CPU."""
    t0 = time.perf_counter()
    run_uncertainty(plan, backend=backend, workers=workers)
    sync(backend)
    return plan.spec.n / (time.perf_counter() - t0)


def rate_kernel(plan: Plan, dec: Any, backend: str, chunk: int, reps: int = 10) -> float:
    from aicap.index.uncertainty import evaluate_chunk_device

    t = max(tasks(plan, dec, chunk), key=lambda t: t.rows.size)
    # one (data variant, aggregation) cell's replications, repeated up to the chunk size
    t = type(t)(t.variant, t.agg, np.resize(t.rows, chunk))
    reps = max(2, reps * 65536 // chunk)
    be = get_backend(backend)
    w = be.asarray(dec.weights[t.rows])
    inc = be.asarray(dec.incl[t.rows])
    for _ in range(3):
        evaluate_chunk_device(plan.kernel, be, t.variant, t.agg, w, inc)
    sync(backend)
    t0 = time.perf_counter()
    for _ in range(reps):
        evaluate_chunk_device(plan.kernel, be, t.variant, t.agg, w, inc)
    sync(backend)
    return reps * t.rows.size / (time.perf_counter() - t0)


def profile(plan: Plan, dec: Any, chunk: int) -> None:
    import torch
    from torch.profiler import ProfilerActivity
    from torch.profiler import profile as tprofile

    from aicap.index.uncertainty import evaluate_chunk_device

    t = max(tasks(plan, dec, chunk), key=lambda t: t.rows.size)
    be = get_backend("torch")
    w = be.asarray(dec.weights[t.rows])
    evaluate_chunk_device(plan.kernel, be, t.variant, t.agg, w, dec.incl[t.rows])
    torch.cuda.synchronize()
    acts = [ProfilerActivity.CPU, ProfilerActivity.CUDA]
    with tprofile(activities=acts) as prof:
        evaluate_chunk_device(plan.kernel, be, t.variant, t.agg, w, dec.incl[t.rows])
        torch.cuda.synchronize()
    print(prof.key_averages().table(sort_by="cuda_time_total", row_limit=25), flush=True)


def ranks_micro(n: int = 193, r: int = 262144, reps: int = 10) -> None:
    """Ranks and outranking counts alone on PyTorch, with the Triton kernels and with plain
    tensor operations, on scores with ties and unscored units: agreement with NumPy, then
    replications per second."""
    import torch

    from aicap.index import ranks as rk

    rng = np.random.default_rng(0)
    s_np = np.round(rng.normal(size=(r, n)), 2)  # ties
    s_np[:, 5] = np.nan
    s_np[::7, 9] = np.nan
    s = torch.asarray(s_np, device="cuda")
    ref_rank = rk.rank_desc_batched(np, s_np)
    ref_wins, ref_both = rk.outrank_counts(np, ref_rank)
    triton_kernels = rk._triton
    for label, hook in [("Triton", triton_kernels), ("tensor ops", lambda x: None)]:
        rk._triton = hook  # type: ignore[assignment]
        try:
            got_rank = rk.rank_desc_batched(torch, s)
            wins, both = rk.outrank_counts(torch, got_rank)
            for what, a, b in [
                ("ranks", got_rank.cpu().numpy(), ref_rank),
                ("counts", wins.cpu().numpy(), ref_wins),
                ("both", both.cpu().numpy(), ref_both),
            ]:
                assert np.array_equal(a, b, equal_nan=True), f"{label}: {what} differ from NumPy"
            t_rank = _rate(lambda: rk.rank_desc_batched(torch, s), r, reps)
            t_count = _rate(lambda g=got_rank: rk.outrank_counts(torch, g), r, reps)
            print(
                f"  {label}: ranks and counts equal NumPy's (ties, NaN); ranks "
                f"{t_rank:,.0f}/s, counts {t_count:,.0f}/s (n = {n}, R = {r})",
                flush=True,
            )
        finally:
            rk._triton = triton_kernels  # type: ignore[assignment]
    from aicap.index import triton_kernels as tk

    r32 = torch.asarray(ref_rank, device="cuda").to(torch.float32)
    for cfg in [{"bb": 16}, {"bb": 32}, {"bb": 64}, {"br": 4}, {"br": 16}, {"warps": 8}]:
        assert np.array_equal(tk.ranks(s, **cfg).cpu().numpy(), ref_rank, equal_nan=True)
        print(f"  Triton ranks {cfg}: {_rate(lambda c=cfg: tk.ranks(s, **c), r, reps):,.0f}/s")
    for pcfg in [
        {"block": 32},
        {"block": 64},
        {"rows_per_program": 64},
        {"rows_per_program": 1024},
    ]:
        assert np.array_equal(tk.pair_less(r32, **pcfg).cpu().numpy(), ref_wins)
        rate = _rate(lambda c=pcfg: tk.pair_less(r32, **c), r, reps)
        print(f"  Triton counts (float32 ranks) {pcfg}: {rate:,.0f}/s", flush=True)


def _rate(fn: Any, r: int, reps: int) -> float:
    import torch

    for _ in range(2):
        fn()
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(reps):
        fn()
    torch.cuda.synchronize()
    return reps * r / (time.perf_counter() - t0)


def device_run(comp: Any, spec: Any, backend: str, n: int) -> tuple[float, bool]:
    """End to end on the device (``sampler: counter``, summaries streamed, nothing kept):
    replications per second of ``run_uncertainty`` plus ``countries()``, after a check that
    a small run gives NumPy's summaries (ranks, shifts, pairwise counts equal)."""
    small = make_plan(comp, spec.model_copy(update={"sampler": "counter", "n": 20000}))
    host = run_uncertainty(small, keep_samples=False)
    dev = run_uncertainty(small, backend=backend, keep_samples=False)
    cols = ["uCode", "rank_median", "rank_p05", "rank_p95", "mean_abs_rank_shift", "n_ranked"]
    same = host.countries()[cols].equals(dev.countries()[cols])
    if small.kernel.pairwise:
        same = same and host.pairwise().equals(dev.pairwise())
    plan = make_plan(comp, spec.model_copy(update={"sampler": "counter", "n": n}))
    run_uncertainty(plan, backend=backend, keep_samples=False)  # warm-up at full size
    sync(backend)
    t0 = time.perf_counter()
    res = run_uncertainty(plan, backend=backend, keep_samples=False)
    res.countries()
    sync(backend)
    return n / (time.perf_counter() - t0), same


def profile_evaluate(plan: Plan, dec: Any, backend: str, chunk: int) -> None:
    import cProfile
    import pstats

    evaluate(plan, dec, backend=backend, chunk_size=chunk)
    pr = cProfile.Profile()
    pr.enable()
    evaluate(plan, dec, backend=backend, chunk_size=chunk)
    sync(backend)
    pr.disable()
    pstats.Stats(pr).sort_stats("cumulative").print_stats(22)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--backend", nargs="+", default=["torch"])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--chunks", type=int, nargs="+", default=[16384, 65536])
    ap.add_argument("--eval-chunks", type=int, nargs="+", default=[0], help="0: default size")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 4], help="host threads")
    ap.add_argument("--micro", action="store_true", help="ranks and counts alone, first")
    ap.add_argument("--profile", action="store_true", help="torch profiler table of one chunk")
    args = ap.parse_args()
    recipe_text = (REPO / "examples/asem/recipe.yaml").read_text()
    comps = []
    asem = SHARED / "peers" / "coinr" / "asem"
    if asem.is_dir():
        fw = framework_from_imeta(pd.read_csv(asem / "iMeta.csv"), "iMeta.csv")
        comps.append(
            (
                "ASEM 51x49",
                build(fw, pd.read_csv(asem / "iData.csv"), Recipe.from_yaml(recipe_text)),
                "EurAsia_group",
            )
        )
    fw2, data2 = synthetic(193, 60, (12, 4, 1), missing=0.05, seed=0)
    rec2 = Recipe.from_yaml(recipe_text.replace("EurAsia_group", "region"))
    comps.append(("synthetic 193x60", build(fw2, data2, rec2), "region"))
    rows = []
    if "torch" in args.backend and args.micro:
        try:
            ranks_micro()
        except Exception as exc:  # a benchmark reports a broken kernel and goes on without it
            import traceback

            traceback.print_exc()
            from aicap.index import ranks as rk

            rk._triton = lambda x: None  # type: ignore[assignment]
            print(f"  Triton kernels FAILED ({exc!r}); the rest runs on tensor operations")
    for backend in args.backend:
        print(describe(backend), flush=True)
        for label, comp, group in comps:
            spec = UncertaintySpec.from_yaml(FIVE.format(name="gpu", n=args.n, group=group), "b")
            agree = agreement(comp, spec, backend)
            print(f"  {label}: agreement with numpy: {agree}", flush=True)
            for pairwise in (True, False):
                plan = make_plan(comp, spec.model_copy(update={"pairwise": pairwise}))
                t0 = time.perf_counter()
                dec = decode(plan, sample_uniform(plan))
                t_dec = time.perf_counter() - t0
                if args.profile and backend == "torch" and pairwise:
                    profile(plan, dec, args.chunks[-1])
                    profile_evaluate(plan, dec, backend, args.chunks[-1])
                for chunk in sorted({*args.chunks, *args.eval_chunks}):
                    extra: dict[str, float] = {}
                    ev = (
                        rate_evaluate(plan, dec, backend, chunk)
                        if chunk in args.eval_chunks
                        else float("nan")
                    )
                    kr = rate_kernel(plan, dec, backend, chunk) if chunk else float("nan")
                    if chunk == min(args.eval_chunks):
                        for w in args.workers:
                            extra[f"run /s, {w} thr"] = rate_run(plan, backend, w)
                        dspec = spec.model_copy(update={"pairwise": pairwise})
                        rate, same = device_run(comp, dspec, backend, args.n)
                        extra["device run /s"] = rate
                        print(
                            f"  device run (sample, decode, summarise on the GPU): "
                            f"{rate:,.0f}/s; summaries equal NumPy's: {same}",
                            flush=True,
                        )
                    row = {
                        "backend": backend,
                        "framework": label,
                        "pairwise": pairwise,
                        "chunk": chunk,
                        "sample+decode /s": args.n / t_dec,
                        "evaluate /s": ev,
                        "kernel /s": kr,
                        "x COINr (evaluate)": COINR_MS * ev / 1e3,
                        **extra,
                    }
                    print("  ", row, flush=True)
                    rows.append(row)
    table = pd.DataFrame(rows)
    with pd.option_context("display.width", 200, "display.float_format", "{:,.0f}".format):
        print(table.to_string(index=False))


if __name__ == "__main__":
    main()
