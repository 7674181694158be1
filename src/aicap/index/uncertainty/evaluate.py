"""Evaluate, the scheduling: replications sorted by (data variant, aggregation) and cut into
chunks, run in process (threads) or as Dask tasks."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from aicap.index.backend import get_backend
from aicap.index.uncertainty.kernel import ChunkOut, _mars, evaluate_chunk
from aicap.index.uncertainty.plan import FAIL_EXCLUDE, OK, FloatArray, IntArray, Kernel, Plan
from aicap.index.uncertainty.sample import Decoded

Progress = Callable[[int, int], None]


# ---------------------------------------------------------------------------- scheduling
@dataclass(frozen=True)
class Task:
    variant: int
    agg: int
    rows: IntArray


def tasks(plan: Plan, dec: Decoded, chunk_size: int) -> list[Task]:
    """Replications sorted by (variant, aggregation) and cut into chunks."""
    order = np.lexsort((np.arange(dec.variant.size), dec.agg, dec.variant))
    key = dec.variant[order] * (len(plan.kernel.agg_steps) + 1) + dec.agg[order]
    cuts = np.nonzero(np.diff(key))[0] + 1
    out: list[Task] = []
    for seg in np.split(order, cuts):  # one segment per (variant, aggregation) cell
        for i in range(0, seg.size, chunk_size):
            rows = seg[i : i + chunk_size]
            out.append(Task(int(dec.variant[rows[0]]), int(dec.agg[rows[0]]), rows))
    return out


def default_chunk(plan: Plan, budget: int = 64 * 2**20, cap: int = 16384) -> int:
    """Replications per chunk whose arrays fit ``budget`` bytes (at least 64, at most ``cap``)."""
    per = max(plan.chunk_bytes(2) - plan.chunk_bytes(1), 1)
    return int(max(64, min(cap, (budget - plan.chunk_bytes(0)) // per)))


#: A GPU backend's chunks: up to 1 GiB of device memory and 2^18 replications (per-chunk
#: launch costs amortised; on the CPU, 64 MiB chunks stay in cache and run side by side)
GPU_CHUNK_BUDGET, GPU_CHUNK_CAP = 2**30, 2**18


def _run_task(
    kernel: Kernel,
    backend: str,
    t: Task,
    dec_w: FloatArray,
    dec_i: npt.NDArray[np.bool_],
    wf: Any,
) -> ChunkOut:
    return evaluate_chunk(kernel, backend, t.variant, t.agg, dec_w, dec_i, t.rows, wf)


def _put_rows(dst: npt.NDArray[Any], rows: IntArray, src: npt.NDArray[Any]) -> None:
    from aicap.index import cpu_kernels  # Numba: imported when first needed

    cpu_kernels.put_rows(
        dst, np.ascontiguousarray(rows, dtype=np.int64), np.ascontiguousarray(src, dst.dtype)
    )


def rank_dtype(n: int) -> Any:
    """Stored ranks: 16-bit integers (0 = not ranked) up to 32,766 units, else 32-bit."""
    return np.int16 if n < 2**15 - 1 else np.int32


def int_ranks(rank: FloatArray, dtype: Any) -> npt.NDArray[Any]:
    """Float ranks (NaN = not ranked) as stored integers (0 = not ranked)."""
    return np.asarray(np.where(np.isnan(rank), 0, rank), dtype=dtype)


def _dead_reasons(plan: Plan, incl: npt.NDArray[np.bool_]) -> list[str]:
    """Why each of these replications failed: the indicators left out and the first aggregate
    they leave with no children (rows are failures only, never all replications)."""
    tree = plan.comp.framework.tree
    alive = (incl.astype(np.float32) @ plan.descend) > 0
    out = []
    for row, ok in zip(incl, alive, strict=True):
        drop = [c for c, keep in zip(tree.indicators, row, strict=True) if not keep]
        dead = tree.aggregates[int(np.argmin(ok))]
        out.append(f"excluding {', '.join(drop)} leaves aggregate {dead!r} with no children")
    return out


#: Dask runs started from this process (a task that finds its run here shares the client's
#: process: a cluster of threads, whose BLAS limit the client holds).
_LOCAL_RUNS: set[str] = set()


def _dask_task(
    kernel: Kernel,
    backend: str,
    t: Task,
    dec_w: FloatArray,
    dec_i: npt.NDArray[np.bool_],
    wf: Any,
    run_id: str,
) -> ChunkOut:
    if run_id not in _LOCAL_RUNS:
        # a worker process of its own: single-threaded BLAS for good (set, never restored:
        # a restore racing another task's would leave the worker's setting undefined)
        _one_blas_thread()
    # in the client's own process (a cluster of threads), the client holds the limit
    return _run_task(kernel, backend, t, dec_w, dec_i, wf)


def _one_blas_thread() -> Any:
    """The chunk's matrix products are small and many: a multi-threaded BLAS spends more on
    waking threads than on work, so chunks run single-threaded BLAS (parallelism comes from
    running chunks side by side: ``workers`` threads or Dask workers)."""
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    return threadpool_limits(limits=1, user_api="blas")


@dataclass
class Raw:
    """Per-replication outputs of a batch of runs."""

    decoded: Decoded
    score: FloatArray  # (R, n)
    rank_int: npt.NDArray[Any]  # (R, n) ranks as int16 (0 = not ranked; int32 above 32,766 units)
    fail: IntArray
    reason: list[str | None]
    wins: IntArray | None
    both: IntArray | None
    mars: FloatArray  # per replication: mean |rank - nominal rank| over ranked units
    chunk_size: int
    chunk_bytes: int
    n_chunks: int

    @property
    def rank(self) -> FloatArray:
        """``(R, n)`` ranks as float64, NaN where not ranked (a copy)."""
        out = self.rank_int.astype(np.float64)
        out[self.rank_int == 0] = np.nan
        return out


def evaluate(
    plan: Plan,
    dec: Decoded,
    *,
    backend: str = "numpy",
    chunk_size: int | None = None,
    client: Any = None,
    workers: int = 1,
    progress: Progress | None = None,
) -> Raw:
    """Run every replication of ``dec``: in process (``workers`` threads), or as Dask tasks
    on ``client`` (a ``distributed.Client`` the caller made; deprecated: see
    :mod:`.dask_run`). Same results either way."""
    get_backend(backend)  # fail early on a missing library
    chunk = chunk_size or plan.spec.chunk_size
    if not chunk:
        gpu = backend in ("cupy", "torch")
        chunk = default_chunk(plan, GPU_CHUNK_BUDGET, GPU_CHUNK_CAP) if gpu else default_chunk(plan)
    ts = tasks(plan, dec, chunk)
    r, n = dec.u.shape[0], len(plan.units)
    score = np.empty((r, n))  # every row is written by its chunk
    rank = np.empty((r, n), dtype=rank_dtype(n))
    mars = np.full(r, np.nan)
    fail = np.zeros(r, dtype=np.int64)
    reason: list[str | None] = [None] * r
    wins = np.zeros((n, n), dtype=np.int64) if plan.kernel.pairwise else None
    both = np.zeros((n, n), dtype=np.int64) if plan.kernel.pairwise else None
    pre_fail = dec.weight_fail | dec.dead

    def args(t: Task) -> tuple[FloatArray, npt.NDArray[np.bool_], Any]:
        return dec.weights[t.rows], dec.incl[t.rows], pre_fail[t.rows]

    def here(t: Task) -> ChunkOut:
        """One chunk in this process; its scores and ranks go into place in the thread that
        computed them (the collecting thread is the one all chunks wait on)."""
        o = _run_task(plan.kernel, backend, t, *args(t))
        _put_rows(score, o.rows, o.score)
        _put_rows(rank, o.rows, int_ranks(o.rank, rank.dtype))
        return o

    def collect(o: ChunkOut, done: int, stored: bool = False) -> None:
        rows = o.rows
        if not stored:
            score[rows] = o.score
            rank[rows] = int_ranks(o.rank, rank.dtype)
        mars[rows] = o.mars if o.mars is not None else _mars(o.rank, plan.nominal_rank)
        fail[rows] = o.fail
        for i in np.nonzero(o.fail != OK)[0].tolist():  # failures only
            reason[int(rows[i])] = o.reason[i]
        if wins is not None and both is not None and o.wins is not None and o.both is not None:
            wins[...] += o.wins
            both[...] += o.both
        if progress is not None:
            progress(done, len(ts))

    if client is not None:
        import warnings

        from distributed import as_completed

        warnings.warn(
            "evaluate(client=...) sends every chunk's parameters to the workers and every "
            "replication's outputs back to this process, and is deprecated (removed in 0.4): "
            "use run_uncertainty(plan, client=...) or run_sobol(plan, client=...), whose "
            "workers sample, evaluate and summarise their own replications",
            DeprecationWarning,
            stacklevel=2,
        )

        # hash=False: a fresh key per run; with content hashing, a second run on the same
        # kernel can reuse a key the first run is releasing ("lost dependencies")
        kern = client.scatter(plan.kernel, broadcast=True, hash=False)
        run_id = uuid.uuid4().hex
        _LOCAL_RUNS.add(run_id)  # tasks that find it run in this process
        try:
            with _one_blas_thread():
                futs = [
                    client.submit(_dask_task, kern, backend, t, *args(t), run_id, pure=False)
                    for t in ts
                ]
                for i, fut in enumerate(as_completed(futs), start=1):  # type: ignore[no-untyped-call]
                    collect(fut.result(), i)
        finally:
            _LOCAL_RUNS.discard(run_id)
    elif workers > 1:
        with _one_blas_thread(), ThreadPoolExecutor(max_workers=workers) as ex:
            for i, o in enumerate(ex.map(here, ts), start=1):
                collect(o, i, stored=True)
    else:
        with _one_blas_thread():
            for i, t in enumerate(ts, start=1):  # chunks of replications
                collect(here(t), i, stored=True)
    # failures decided before the kernel: exclusions that leave an aggregate empty
    rows = np.nonzero(dec.dead)[0]
    if rows.size:
        fail[rows] = FAIL_EXCLUDE
        score[rows] = np.nan
        rank[rows] = 0
        mars[rows] = np.nan
        for row, msg in zip(rows.tolist(), _dead_reasons(plan, dec.incl[rows]), strict=True):
            reason[row] = msg
    return Raw(
        dec, score, rank, fail, reason, wins, both, mars, chunk, plan.chunk_bytes(chunk), len(ts)
    )
