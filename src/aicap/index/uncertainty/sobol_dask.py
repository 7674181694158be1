"""Sobol' indices on a Dask cluster: the workers generate their own Saltelli rows, evaluate
them, and return the sums the estimator needs (:func:`sobol_dask`; the design and the
estimator are those of :func:`aicap.index.sensitivity.sobol_indices`, SALib's).

Two rounds of tasks on the same workers:

1. **evaluate**: a task takes base samples ``b0 .. b1 - 1`` (a stretch of sample blocks
   ``A, AB_1 .. AB_G, B``; :func:`aicap.index.uncertainty.sample.saltelli_block`), decodes,
   evaluates them and keeps each run's output on the worker. It returns each run's failure
   code and rank shift (one number per run), the failed runs' reasons, and per block a bit
   mask of the units left without a value in one of its runs (a failed run leaves all);
2. **sums**: once the client knows which units have a value at all and which blocks are
   complete (as in process: a block with a failed run, or a unit without a value, is left
   out, and the failures are reported), each task returns, per unit, the sums over its
   complete blocks of ``1, a + b, a^2 + b^2, (ab_g - a) b, ab_g - a, (a - ab_g)^2 / 2`` and of
   every run's output and its square (``a, b, ab_g`` the outputs of a block's runs less the
   unit's nominal value, a shift that keeps the sums' rounding small), weighted by the
   bootstrap's resample counts: ``(B + 1, 5 + 3 G, units)`` numbers. The counts are the
   in-process estimator's (``default_rng(seed).integers(n, size=(n, B))`` over the complete
   blocks); each task draws them itself, a slice of rows at a time, and keeps its blocks'.

The client adds the tasks' sums and turns them into the estimator's standardised sums
(``z = (y - mean) / sd``, expanded: e.g. ``sum c (z_a + z_b) = (sum c (a + b) - 2 mean sum
c) / sd``), so the indices and their bootstrap intervals are those of the in-process run up
to the rounding of the sums (a test holds them within 1e-9). The mean absolute rank shift's
indices use the per-run shifts the client received, as in process.
"""

from __future__ import annotations

import os
import time
import uuid
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.stats import norm

from aicap.index.sensitivity import SobolIndices, sobol_indices
from aicap.index.uncertainty.dask_run import _faults, slots, split, worker_setup
from aicap.index.uncertainty.evaluate import _LOCAL_RUNS, Progress, _one_blas_thread, evaluate
from aicap.index.uncertainty.plan import OK, FloatArray, IntArray, Plan
from aicap.index.uncertainty.sample import decode, saltelli_block
from aicap.index.uncertainty.stream import TaskTime

#: Rows of bootstrap draws a task holds at a time (even: see :func:`_counts`).
DRAW_ROWS = 1 << 14


@dataclass
class SobolHead:
    """What the client receives from an evaluating task (no run's output)."""

    b0: int
    blocks: int
    fail: npt.NDArray[np.int8]  # (blocks (G + 2),) failure codes
    fail_rows: IntArray  # failed runs' numbers (global)
    fail_reasons: list[str | None]
    mars: FloatArray  # (blocks (G + 2),) each run's mean absolute rank shift
    nan_bits: npt.NDArray[np.uint8]  # (blocks, ceil(units / 8)): a unit without a value
    seen: npt.NDArray[np.bool_]  # (units,) the unit has a value in some run
    ranked: npt.NDArray[np.bool_]  # (units,) the unit is ranked in some run
    chunk_bytes: int
    time: TaskTime


@dataclass
class SobolPart:
    head: SobolHead
    #: (blocks, G + 2, units): each run's output, kept on the worker (ranks as stored
    #: integers, 0 = not ranked: a quarter of the memory of float64)
    y: npt.NDArray[Any]


def _evaluate_part(
    plan: Plan, backend: str, b0: int, b1: int, chunk: int | None, run_id: str
) -> SobolPart:
    if run_id not in _LOCAL_RUNS:
        worker_setup()
    f0, c0, w0, t0 = _faults(), time.thread_time(), time.perf_counter(), time.time()
    g = len(plan.factors)
    u = saltelli_block(plan.dims, b0, b1 - b0, plan.spec.seed)
    raw = evaluate(plan, decode(plan, u), backend=backend, chunk_size=chunk)
    y = raw.rank if plan.spec.output == "rank" else raw.score
    m = y.shape[1]
    blocks = y.reshape(b1 - b0, g + 2, m)
    bad = np.nonzero(raw.fail != OK)[0]
    head = SobolHead(
        b0,
        b1 - b0,
        raw.fail.astype(np.int8),
        (bad + b0 * (g + 2)).astype(np.int64),
        [raw.reason[i] for i in bad.tolist()],
        raw.mars,
        np.packbits(np.isnan(blocks).any(axis=1), axis=1),
        np.asarray(~np.isnan(y).all(axis=0), dtype=bool),
        np.asarray((raw.rank_int != 0).any(axis=0), dtype=bool),
        raw.chunk_bytes,
        TaskTime(
            b0 * (g + 2),
            int(y.shape[0]),
            b1 - b0,
            time.thread_time() - c0,
            time.perf_counter() - w0,
            t0,
            os.getpid(),
            _faults() - f0,
            "evaluate",
        ),
    )
    kept = raw.rank_int if plan.spec.output == "rank" else raw.score
    return SobolPart(head, kept.reshape(b1 - b0, g + 2, m))


def _head(part: SobolPart) -> SobolHead:
    return part.head


def _counts(n_good: int, resamples: int, seed: int | None, lo: int, k: int) -> FloatArray:
    """``(resamples, k)``: how often each of the complete blocks ``lo .. lo + k - 1`` is drawn
    in each bootstrap resample: the columns ``lo ..`` of the in-process estimator's counts
    (``default_rng(seed).integers(n_good, size=(n_good, resamples))``), drawn a slice of rows
    at a time (an even number of rows: the same numbers as one draw)."""
    rng = np.random.default_rng(seed)
    out = np.zeros(resamples * k, dtype=np.int64)
    for r0 in range(0, n_good, DRAW_ROWS):
        draws = rng.integers(n_good, size=(min(DRAW_ROWS, n_good - r0), resamples))
        hit = (draws >= lo) & (draws < lo + k)
        if hit.any():
            rs = np.nonzero(hit)[1]
            out += np.bincount(rs * k + (draws[hit] - lo), minlength=resamples * k)
    return out.reshape(resamples, k).astype(np.float64)


def _sums(
    part: SobolPart,
    valid: npt.NDArray[np.bool_],
    good: npt.NDArray[np.bool_],
    lo: int,
    n_good: int,
    resamples: int,
    seed: int | None,
    ref: FloatArray,
    budget: int = 64 * 2**20,
) -> tuple[FloatArray, TaskTime]:
    """``(B + 1, 5 + 3 G, units)``: the sums of the module's text over this task's complete
    blocks (bootstrap-weighted rows, then a row of ones), and the task's own figures."""
    f0, c0, w0, t0 = _faults(), time.thread_time(), time.perf_counter(), time.time()
    out = _weighted_sums(part, valid, good, lo, n_good, resamples, seed, ref, budget)
    g = part.y.shape[1] - 2
    took = TaskTime(
        part.head.b0 * (g + 2),
        part.y.shape[0] * (g + 2),
        part.y.shape[0],
        time.thread_time() - c0,
        time.perf_counter() - w0,
        t0,
        os.getpid(),
        _faults() - f0,
        "sums",
    )
    return out, took


def _weighted_sums(
    part: SobolPart,
    valid: npt.NDArray[np.bool_],
    good: npt.NDArray[np.bool_],
    lo: int,
    n_good: int,
    resamples: int,
    seed: int | None,
    ref: FloatArray,
    budget: int,
) -> FloatArray:
    # complete blocks only: no unit of ``valid`` is without a value (no 0 rank) there
    y = part.y[good][:, :, valid].astype(np.float64) - ref[None, None, :]
    k, gp2, mv = y.shape
    g = gp2 - 2
    terms_n = 5 + 3 * g
    out = np.zeros((resamples + 1, terms_n, mv))
    if k == 0:
        return out
    c = np.vstack([_counts(n_good, resamples, seed, lo, k), np.ones((1, k))])
    width = max(1, budget // (8 * k * terms_n))
    for j0 in range(0, mv, width):  # groups of units: bounded temporaries
        yy = y[:, :, j0 : j0 + width]
        a, ab, b = yy[:, 0], yy[:, 1 : g + 1], yy[:, g + 1]
        t = np.empty((k, terms_n, yy.shape[2]))
        t[:, 0] = 1.0
        np.add(a, b, out=t[:, 1])
        np.multiply(a, a, out=t[:, 2])
        t[:, 2] += b * b
        diff = ab - a[:, None, :]  # (k, G, m)
        t[:, 3 : 3 + g] = diff * b[:, None, :]
        t[:, 3 + g : 3 + 2 * g] = diff
        t[:, 3 + 2 * g : 3 + 3 * g] = 0.5 * diff * diff
        t[:, 3 + 3 * g] = yy.sum(axis=1)
        t[:, 4 + 3 * g] = (yy * yy).sum(axis=1)
        out[:, :, j0 : j0 + width] = (c @ t.reshape(k, -1)).reshape(resamples + 1, terms_n, -1)
    return out


def indices_from_sums(s: FloatArray, n: int, g: int, conf_level: float) -> FloatArray:
    """``(4, G, m)``: S1, S1_conf, ST, ST_conf from the summed terms ``s (B + 1, 5 + 3 G, m)``
    over ``n`` complete blocks: the in-process estimator's formulas on its standardised sums."""
    big_n = n * (g + 2)
    one = s[-1]
    mu = one[3 + 3 * g] / big_n
    sd = np.sqrt(np.maximum(one[4 + 3 * g] / big_n - mu * mu, 0.0))
    sd = np.where(sd > 0, sd, 1.0)
    cnt, s1, s2 = s[:, 0], s[:, 1], s[:, 2]
    p, q, d = s[:, 3 : 3 + g], s[:, 3 + g : 3 + 2 * g], s[:, 3 + 2 * g : 3 + 3 * g]
    z0 = (s1 - 2 * mu * cnt) / sd / n
    z1 = (s2 - 2 * mu * s1 + 2 * mu * mu * cnt) / sd**2 / n
    zs1 = (p - mu[None, None, :] * q) / sd**2 / n
    zst = d / sd**2 / n
    zq = float(norm.ppf(0.5 + conf_level / 2))
    eps = np.finfo(float).eps

    def ratio(num: FloatArray, var: FloatArray) -> FloatArray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(var > eps, num / np.where(var > eps, var, 1.0), 0.0)

    var = z1[-1] / 2 - (z0[-1] / 2) ** 2
    st1 = ratio(zs1[-1], var[None, :])
    stt = ratio(zst[-1], var[None, :])
    bvar = z1[:-1] / 2 - (z0[:-1] / 2) ** 2
    bs1 = ratio(zs1[:-1], bvar[:, None, :])
    bst = ratio(zst[:-1], bvar[:, None, :])
    return np.stack([st1, zq * bs1.std(axis=0, ddof=1), stt, zq * bst.std(axis=0, ddof=1)])


def _any_rows(rows: list[npt.NDArray[np.bool_]]) -> npt.NDArray[np.bool_]:
    return np.asarray(np.stack(rows).any(axis=0), dtype=bool)


@dataclass
class DaskSobol:
    """What :func:`sobol_dask` gives :func:`aicap.index.uncertainty.run_sobol`."""

    per_unit: SobolIndices
    mars: SobolIndices
    pooled_s1: FloatArray
    pooled_st: FloatArray
    runs: int
    failed: int
    blocks_used: int
    ranked: npt.NDArray[np.bool_]
    fail_rows: IntArray
    fail_reasons: list[str | None]
    chunk_bytes: int
    task_times: list[TaskTime]


def sobol_dask(
    plan: Plan,
    n: int,
    client: Any,
    *,
    backend: str = "numpy",
    chunk_size: int | None = None,
    progress: Progress | None = None,
    tasks_per_worker: int = 2,
    check: Any = None,
) -> DaskSobol:
    """Sobol' indices of ``plan`` with ``n`` base samples on a Dask ``client`` (see the
    module's text). ``check(runs, failed, incomplete, reasons)`` is called once the failures
    are known, before the second round (it may refuse the analysis by raising)."""
    from distributed import as_completed, wait

    spec = plan.spec
    g = len(plan.factors)
    m = len(plan.units)
    cuts = split(list(range(n)), slots(client) * tasks_per_worker)
    fut_plan = client.scatter(plan, broadcast=True, hash=False)
    run_id = uuid.uuid4().hex
    _LOCAL_RUNS.add(run_id)
    try:
        with _one_blas_thread():
            parts = [
                client.submit(
                    _evaluate_part,
                    fut_plan,
                    backend,
                    c[0],
                    c[-1] + 1,
                    chunk_size,
                    run_id,
                    pure=False,
                )
                for c in cuts
            ]
            heads_f = [client.submit(_head, p, pure=False) for p in parts]
            for i, _ in enumerate(as_completed(heads_f), start=1):  # type: ignore[no-untyped-call]
                if progress is not None:
                    progress(i, 2 * len(parts))
            heads: list[SobolHead] = client.gather(heads_f)
            fail = np.concatenate([h.fail for h in heads])
            rows = np.concatenate([h.fail_rows for h in heads])
            reasons = [r for h in heads for r in h.fail_reasons]
            blocks_bad = np.concatenate(
                [(h.fail.reshape(h.blocks, g + 2) != OK).any(axis=1) for h in heads]
            )
            runs, failed = int(fail.size), int((fail != OK).sum())
            if check is not None:
                check(runs, failed, int(blocks_bad.sum()), reasons)
            seen = _any_rows([h.seen for h in heads])
            valid = seen & ~np.isnan(plan.nominal_rank)
            nan_units = np.concatenate(
                [np.unpackbits(h.nan_bits, axis=1, count=m).astype(bool) for h in heads]
            )
            good: npt.NDArray[np.bool_] = np.asarray(~nan_units[:, valid].any(axis=1))
            n_good = int(good.sum())
            mars = np.concatenate([h.mars for h in heads])
            kw: dict[str, Any] = {
                "num_resamples": spec.bootstrap,
                "conf_level": spec.conf_level,
                "seed": spec.seed + 1,
            }
            mars_idx = sobol_indices(mars, g, **kw)
            full = np.full((g, m), np.nan)
            arrs = [full.copy() for _ in range(4)]
            ps1 = pst = np.full(g, np.nan)
            sums_times: list[TaskTime] = []
            if valid.any() and n_good >= 2:
                nominal = plan.nominal_rank if spec.output == "rank" else plan.nominal_score
                ref = np.where(np.isnan(nominal[valid]), 0.0, nominal[valid])
                offsets = np.cumsum([0, *(int(good[c[0] : c[-1] + 1].sum()) for c in cuts)])
                sums_f = [
                    client.submit(
                        _sums,
                        part,
                        valid,
                        good[c[0] : c[-1] + 1],
                        int(offsets[i]),
                        n_good,
                        spec.bootstrap,
                        spec.seed + 1,
                        ref,
                        pure=False,
                    )
                    for i, (part, c) in enumerate(zip(parts, cuts, strict=True))
                ]
                for i, _ in enumerate(as_completed(sums_f), start=1):  # type: ignore[no-untyped-call]
                    if progress is not None:
                        progress(len(parts) + i, 2 * len(parts))
                got = client.gather(sums_f)
                # added in task order, never arrival order: the same rounding on every run
                total: FloatArray = np.sum([a for a, _ in got], axis=0)
                sums_times = [t for _, t in got]
                res = indices_from_sums(total, n_good, g, spec.conf_level)
                for a, r in zip(arrs, res, strict=True):
                    a[:, valid] = r
                # pooled over units: variance-weighted (the variance of the A and B runs)
                one = total[-1]
                mean = one[1] / (2 * n_good)
                var = one[2] / (2 * n_good) - mean * mean
                tot = var.sum()
                with np.errstate(invalid="ignore", divide="ignore"):
                    ps1 = (res[0] * var).sum(axis=1) / tot
                    pst = (res[2] * var).sum(axis=1) / tot
            elif progress is not None:
                progress(2 * len(parts), 2 * len(parts))
            wait(parts)  # type: ignore[no-untyped-call]
            for f in (*parts, *heads_f):
                f.release()
    finally:
        _LOCAL_RUNS.discard(run_id)
    order = np.argsort(rows, kind="stable")
    return DaskSobol(
        SobolIndices(arrs[0], arrs[1], arrs[2], arrs[3], n_good),
        mars_idx,
        ps1,
        pst,
        runs,
        failed,
        n - int(blocks_bad.sum()),
        _any_rows([h.ranked for h in heads]),
        rows[order],
        [reasons[i] for i in order.tolist()],
        max(h.chunk_bytes for h in heads),
        [*(h.time for h in heads), *sums_times],
    )
