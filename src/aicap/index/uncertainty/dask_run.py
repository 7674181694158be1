"""Runs on a Dask cluster: few large tasks that sample, evaluate and summarise on the workers,
and a tree reduction of their summaries, so that the client receives one summary.

**Monte Carlo** (:func:`run_dask`). The plan is scattered once to every worker
(``broadcast=True``); the run's blocks (:mod:`.blocks`) are cut into ``tasks_per_worker``
tasks per worker thread of the cluster, each a run of consecutive blocks. A task draws each
of its blocks from the seeded stream, decodes, evaluates and adds it to one
:class:`~aicap.index.uncertainty.stream.Summary` (rank histograms as integer counts, score
bins, pairwise counts, failures); summaries are then merged pairwise on the workers (a
tree) and only the root comes to the client. Summaries are sums of counts, and a
replication's result depends on its block only, so the result is the same for any number of
workers or tasks.

**Sobol'** (:func:`sobol_dask`). Each task generates its own rows of the Saltelli design
(the scrambled Sobol' sequence fast-forwarded to its first base sample: the same rows as
the whole design), evaluates them and keeps each run's output on the worker. The client
receives, per sample block (``A, AB_1 .. AB_G, B``), a bit mask of the units left without a
value (a failed run: all of them) and each run's failure code and rank shift; it decides
which blocks are complete, then each task returns, per unit, the sums the estimator needs
(sums of the outputs, of their squares and of the Saltelli and Jansen products, weighted by
the bootstrap's resample counts, which each task draws itself from the seed): ``(B + 1, 5 +
3 G, units)`` numbers per task, never a run's output.

**Worker settings** (:func:`worker_setup`, once per worker process): BLAS and OpenMP
libraries single-threaded (``threadpoolctl``; Dask's nanny also sets ``OMP_NUM_THREADS``,
``MKL_NUM_THREADS`` and ``OPENBLAS_NUM_THREADS`` to 1 for the processes it starts), and glibc's
allocator told to keep freed memory (``mallopt``): Dask's nanny starts workers with
``MALLOC_TRIM_THRESHOLD_=65536``, which also turns off glibc's adaptive mmap threshold, so
every temporary array above 128 KiB was a fresh ``mmap`` and its pages were faulted in again
on each use (about 28,000 minor faults, a quarter of a task's CPU time, per block of 8,192
replications of 193 units).
"""

from __future__ import annotations

import ctypes
import os
import sys
import time
import uuid
from typing import Any

import numpy as np

from aicap.index.uncertainty.evaluate import _LOCAL_RUNS, Progress, _one_blas_thread
from aicap.index.uncertainty.plan import Plan
from aicap.index.uncertainty.sample import decode, sample_block
from aicap.index.uncertainty.stream import Summary, TaskTime

#: Tasks per worker thread: a few large tasks (each returns one summary: about 0.05-0.1 s of
#: pickling and merging however many replications it holds), two per thread so that a slow
#: worker does not hold the run back by more than half its share.
TASKS_PER_WORKER = 2

#: glibc ``mallopt`` parameters and the values a worker sets (bytes).
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_TRIM_KEEP, _MMAP_FROM = 256 << 20, 32 << 20

_SETUP: dict[str, Any] = {}

#: Set to ``0`` in a worker's environment to leave its allocator as Dask set it (freed memory
#: returned to the system at once, at the cost of the page faults described above).
KEEP_MEMORY_ENV = "AICAP_DASK_KEEP_MEMORY"


def worker_setup() -> dict[str, Any]:
    """Once per worker process: single-threaded BLAS/OpenMP for good, and an allocator that
    keeps freed memory for the next chunk (see the module's text). Returns what was set."""
    if _SETUP:
        return _SETUP
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    threadpool_limits(limits=1)  # kept for the process's life (never restored)
    _SETUP["threads"] = 1
    _SETUP["mallopt"] = False
    if sys.platform.startswith("linux") and os.environ.get(KEEP_MEMORY_ENV, "1") != "0":
        try:
            libc = ctypes.CDLL("libc.so.6")
            mallopt = libc.mallopt
        except (OSError, AttributeError):  # not glibc (e.g. musl): nothing to set
            mallopt = None
        if mallopt is not None:
            ok_trim = mallopt(_M_TRIM_THRESHOLD, _TRIM_KEEP)
            ok_mmap = mallopt(_M_MMAP_THRESHOLD, _MMAP_FROM)
            _SETUP["mallopt"] = bool(ok_trim and ok_mmap)
    return _SETUP


def _faults() -> int:
    """Minor page faults so far of this thread (of the process where there is no per-thread
    count, e.g. on macOS)."""
    try:
        import resource
    except ImportError:  # Windows: not counted
        return 0
    who = getattr(resource, "RUSAGE_THREAD", resource.RUSAGE_SELF)
    return int(resource.getrusage(who).ru_minflt)


def _mc_task(
    plan: Plan,
    backend: str,
    starts: list[int],
    blk: int,
    chunk: int,
    sink: Any,
    run_id: str,
) -> Summary:
    """One Dask task: blocks ``starts`` (consecutive), each sampled, decoded, evaluated and
    added to one summary (and handed to ``sink``). Returns only the summary."""
    from aicap.index.uncertainty.blocks import _new_rows, evaluate_block

    if run_id not in _LOCAL_RUNS:  # a worker process of its own (not the client's)
        worker_setup()
    f0, c0, w0, t0 = _faults(), time.thread_time(), time.perf_counter(), time.time()
    n_rep, n = plan.spec.n, len(plan.units)
    summary = Summary.empty(plan)
    reps = 0
    for s0 in starts:
        size = min(blk, n_rep - s0)
        dec = decode(plan, sample_block(plan, s0, size))
        rows = _new_rows(size, n) if sink is not None else None
        evaluate_block(plan, backend, dec, s0, chunk, summary, rows_out=rows)
        if sink is not None and rows is not None:
            sink(s0, rows)
        reps += size
    summary.task_times.append(
        TaskTime(
            starts[0],
            reps,
            len(starts),
            time.thread_time() - c0,
            time.perf_counter() - w0,
            t0,
            os.getpid(),
            _faults() - f0,
        )
    )
    return summary


def _merge(a: Summary, b: Summary) -> Summary:
    """A new summary, ``a + b`` (inputs left as they are: a task may run again)."""
    return a.copy().merge(b)


def slots(client: Any) -> int:
    """Worker threads of the cluster (at least 1)."""
    return max(1, int(sum(client.nthreads().values())))


def split(items: list[int], parts: int) -> list[list[int]]:
    """``items`` cut into ``parts`` runs of consecutive items (sizes differ by one at most)."""
    parts = max(1, min(parts, len(items)))
    return [p.tolist() for p in np.array_split(np.asarray(items, dtype=np.int64), parts)]


def tree_reduce(client: Any, futs: list[Any]) -> Any:
    """The merge of every summary in ``futs``, pairwise on the workers (depth log2 of the
    number of tasks); returns the root's future."""
    level = list(futs)
    while len(level) > 1:
        nxt = [
            client.submit(_merge, level[i], level[i + 1], pure=False)
            for i in range(0, len(level) - 1, 2)
        ]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def run_dask(
    plan: Plan,
    backend: str,
    client: Any,
    starts: list[int],
    blk: int,
    chunk: int,
    sink: Any,
    progress: Progress | None,
    tasks_per_worker: int = TASKS_PER_WORKER,
) -> Summary:
    """The Monte Carlo blocks ``starts`` on a Dask ``client`` (see the module's text)."""
    from distributed import as_completed

    groups = split(starts, slots(client) * tasks_per_worker)
    # hash=False: a fresh key per run (a second run could otherwise reuse a releasing key)
    fut_plan = client.scatter(plan, broadcast=True, hash=False)
    run_id = uuid.uuid4().hex
    _LOCAL_RUNS.add(run_id)  # tasks that find it run in this process (a cluster of threads)
    try:
        with _one_blas_thread():
            leaves = [
                client.submit(_mc_task, fut_plan, backend, g, blk, chunk, sink, run_id, pure=False)
                for g in groups
            ]
            root = tree_reduce(client, leaves)
            for i, _ in enumerate(as_completed(leaves), start=1):  # type: ignore[no-untyped-call]
                if progress is not None:
                    progress(i, len(leaves))
            summary: Summary = root.result()
    finally:
        _LOCAL_RUNS.discard(run_id)
    return summary
