"""A Monte Carlo run in blocks: sample -> evaluate -> summarise, block by block.

A run of ``n`` replications is cut into blocks of consecutive replications (``block``
replications each; the last one shorter). A block draws its own uniforms from the seeded stream
(:func:`aicap.index.uncertainty.sample.sample_block`: the same numbers whichever process draws
them), decodes them, sorts them by (data variant, aggregation), evaluates them chunk by chunk
and adds every chunk to a mergeable :class:`~aicap.index.uncertainty.stream.Summary`.

* In process, blocks run one after another (chunks of a block on ``workers`` threads); the
  replications are kept in memory only when asked (``keep``).
* On Dask (:mod:`.dask_run`), a few tasks per worker each run a stretch of consecutive blocks:
  they sample, evaluate and summarise there, their summaries are merged on the workers (a
  tree) and the client receives one. Keeping replications there means a
  ``sink`` (e.g. :class:`aicap.analysis.uncertainty_parquet.ParquetSink`) that the worker
  calls with each block's scores and ranks.

A replication's result does not depend on the block or chunk it ran in, and the summaries are
sums of counts (and exactly rounded sums), so a run gives the same summaries in process, with
threads, or on any number of Dask workers.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from aicap.index.backend import get_backend
from aicap.index.uncertainty.evaluate import (
    GPU_CHUNK_BUDGET,
    GPU_CHUNK_CAP,
    Progress,
    Raw,
    Task,
    _dead_reasons,
    _one_blas_thread,
    _run_task,
    default_chunk,
    int_ranks,
    rank_dtype,
    tasks,
)
from aicap.index.uncertainty.kernel import ChunkOut, _mars
from aicap.index.uncertainty.plan import FAIL_EXCLUDE, FloatArray, IntArray, Plan
from aicap.index.uncertainty.sample import Decoded, decode, sample_block, sample_uniform, take
from aicap.index.uncertainty.stream import Summary

#: Replications per block: a Dask task's share (CPU backends), and on a GPU backend.
STREAM_BLOCK, GPU_STREAM_BLOCK = 16384, 1 << 20


class Sink(Protocol):
    """Receives each block's replications (called where the block ran: a Dask worker)."""

    def __call__(self, start: int, block: BlockRows) -> None: ...


@dataclass
class BlockRows:
    """One block's per-replication outputs (rows ``start .. start + size - 1``)."""

    score: FloatArray  # (size, n)
    rank: npt.NDArray[Any]  # (size, n) int16, 0 = not ranked
    fail: IntArray  # (size,)
    mars: FloatArray  # (size,)


def block_size(backend: str) -> int:
    return GPU_STREAM_BLOCK if backend in ("cupy", "torch") else STREAM_BLOCK


def chunk_for(plan: Plan, backend: str, chunk_size: int | None) -> int:
    chunk = chunk_size or plan.spec.chunk_size
    if chunk:
        return int(chunk)
    if backend in ("cupy", "torch"):
        return default_chunk(plan, GPU_CHUNK_BUDGET, GPU_CHUNK_CAP)
    return default_chunk(plan)


def evaluate_block(
    plan: Plan,
    backend: str,
    dec: Decoded,
    start: int,
    chunk: int,
    summary: Summary,
    *,
    rows_out: BlockRows | None = None,
    reasons: list[str | None] | None = None,
    workers: int = 1,
) -> int:
    """Evaluate the replications ``dec`` (numbers ``start ..``) chunk by chunk into
    ``summary``; with ``rows_out``, also write each replication's outputs there (and its
    failure reason into ``reasons``). Returns the number of chunks."""
    ts = tasks(plan, dec, chunk)
    pre_fail = dec.weight_fail | dec.dead

    def here(t: Task) -> ChunkOut:
        o = _run_task(
            plan.kernel, backend, t, dec.weights[t.rows], dec.incl[t.rows], pre_fail[t.rows]
        )
        dead = np.nonzero(dec.dead[t.rows])[0]
        if dead.size:  # failures decided before the kernel: an aggregate left empty
            o.fail[dead] = FAIL_EXCLUDE
            o.score[dead] = np.nan
            o.rank[dead] = np.nan
            for i, msg in zip(
                dead.tolist(), _dead_reasons(plan, dec.incl[t.rows[dead]]), strict=True
            ):
                o.reason[i] = msg
            if o.mars is not None:
                o.mars[dead] = np.nan
        return o

    def collect(o: ChunkOut) -> None:
        mars = o.mars if o.mars is not None else _mars(o.rank, plan.nominal_rank)
        summary.add(start + o.rows, o.score, o.rank, o.fail, o.reason, mars, o.wins, o.both)
        if rows_out is not None:
            rows_out.score[o.rows] = o.score
            rows_out.rank[o.rows] = int_ranks(o.rank, rows_out.rank.dtype)
            rows_out.fail[o.rows] = o.fail
            rows_out.mars[o.rows] = mars
            if reasons is not None:
                for i in np.nonzero(o.fail)[0].tolist():
                    reasons[start + int(o.rows[i])] = o.reason[i]

    if workers > 1:
        with ThreadPoolExecutor(max_workers=workers) as ex:
            for o in ex.map(here, ts):
                collect(o)
    else:
        for t in ts:
            collect(here(t))
    return len(ts)


def _new_rows(size: int, n: int) -> BlockRows:
    return BlockRows(
        np.empty((size, n)),
        np.zeros((size, n), dtype=rank_dtype(n)),
        np.zeros(size, dtype=np.int64),
        np.full(size, np.nan),
    )


@dataclass
class BlockRun:
    summary: Summary
    raw: Raw | None
    chunk: int
    block: int
    n_chunks: int


def run_blocks(
    plan: Plan,
    *,
    backend: str = "numpy",
    chunk_size: int | None = None,
    block: int | None = None,
    client: Any = None,
    workers: int = 1,
    keep: bool = True,
    sink: Sink | None = None,
    progress: Progress | None = None,
    tasks_per_worker: int | None = None,
) -> BlockRun:
    """The Monte Carlo run of ``plan`` (``spec.n`` replications) in blocks: in process, or on
    a Dask ``client`` (then ``keep`` must be false: replications stay on the workers, handed
    to ``sink``)."""
    get_backend(backend)  # fail early on a missing library
    n_rep, n = plan.spec.n, len(plan.units)
    chunk = chunk_for(plan, backend, chunk_size)
    blk = int(block or block_size(backend))
    starts = list(range(0, n_rep, blk))
    summary = Summary.empty(plan)
    if client is not None:
        if keep:
            raise ValueError("on Dask, replications are kept by a sink (Parquet), not in memory")
        from aicap.index.uncertainty.dask_run import TASKS_PER_WORKER, run_dask

        summary = run_dask(
            plan,
            backend,
            client,
            starts,
            blk,
            chunk,
            sink,
            progress,
            tasks_per_worker or TASKS_PER_WORKER,
        )
        return BlockRun(summary, None, chunk, blk, summary.chunks)
    if on_device(plan, backend, keep, sink):
        return _run_device(plan, backend, starts, blk, chunk, summary, progress)
    raw: Raw | None = None
    dec_all: Decoded | None = None
    reasons: list[str | None] = []
    if keep:
        dec_all = decode(plan, sample_uniform(plan))
        raw = Raw(
            dec_all,
            np.empty((n_rep, n)),
            np.zeros((n_rep, n), dtype=rank_dtype(n)),
            np.zeros(n_rep, dtype=np.int64),
            [None] * n_rep,
            summary.wins,
            summary.both,
            np.full(n_rep, np.nan),
            chunk,
            plan.chunk_bytes(chunk),
            0,
        )
        reasons = raw.reason
    n_chunks = 0
    with _one_blas_thread():
        for i, s0 in enumerate(starts, start=1):
            size = min(blk, n_rep - s0)
            sl = slice(s0, s0 + size)
            dec = (
                take(dec_all, sl)
                if dec_all is not None
                else decode(plan, sample_block(plan, s0, size))
            )
            rows = (
                BlockRows(raw.score[sl], raw.rank_int[sl], raw.fail[sl], raw.mars[sl])
                if raw is not None
                else (_new_rows(size, n) if sink is not None else None)
            )
            n_chunks += evaluate_block(
                plan,
                backend,
                dec,
                s0,
                chunk,
                summary,
                rows_out=rows,
                reasons=reasons if raw is not None else None,
                workers=workers,
            )
            if sink is not None and rows is not None:
                sink(s0, rows)
            if progress is not None:
                progress(i, len(starts))
    if raw is not None:
        raw.n_chunks = n_chunks
    return BlockRun(summary, raw, chunk, blk, n_chunks)


def on_device(plan: Plan, backend: str, keep: bool, sink: Sink | None) -> bool:
    """Whether a run samples, decodes and summarises on the backend's device: a non-NumPy
    backend, ``sampler: counter``, no kept replications and no Dirichlet input."""
    return (
        backend != "numpy"
        and plan.spec.sampler == "counter"
        and not keep
        and sink is None
        and not any(f.kind == "dirichlet" for f in plan.factors)
    )


def _run_device(
    plan: Plan,
    backend: str,
    starts: list[int],
    blk: int,
    chunk: int,
    summary: Summary,
    progress: Progress | None,
) -> BlockRun:
    """The blocks on the device (:mod:`aicap.index.uncertainty.device`): the host sees the
    chunking keys, failure flags, rank shifts and counts only."""
    from aicap.index.uncertainty.device import counter_uniforms, decode_device, summarise_chunk

    be = get_backend(backend)
    xp = be.xp
    n_rep, d = plan.spec.n, int(sum(plan.dims))
    n_chunks = 0
    for i, s0 in enumerate(starts, start=1):
        size = min(blk, n_rep - s0)
        u = counter_uniforms(xp, plan.spec.seed, s0, size, d, device=be.device)
        dd = decode_device(plan, be, u)
        for t in tasks(plan, dd, chunk):  # type: ignore[arg-type]
            ridx = be.asarray(t.rows)
            summarise_chunk(
                plan,
                be,
                summary,
                s0 + t.rows,
                t.variant,
                t.agg,
                xp.take(dd.weights, ridx, axis=0),
                xp.take(dd.incl, ridx, axis=0),
                dd.weight_fail[t.rows],
                dd.dead[t.rows],
            )
            n_chunks += 1
        if progress is not None:
            progress(i, len(starts))
    return BlockRun(summary, None, chunk, blk, n_chunks)
