"""Worker processes for the briefing: diagnoses, profiles and PDF pages in parallel.

The briefing's costs are per country (a diagnosis, a profile, one PDF page each) and the
Monitor's results; all are independent, so they run in forked worker processes that inherit the
loaded :class:`~aicap.analysis.capacity_data.CapacityData` and catalogue (nothing is re-read or
re-imported). ``workers=1`` (or a platform without ``fork``) runs the same functions in process,
in the same order, with the same results.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")

#: What the workers read (set before they are forked; see :class:`Workers`).
STATE: dict[str, Any] = {}

#: A progress callback: ``(stage, done, total)``.
Progress = Callable[[str, int, int], None]


def default_workers() -> int:
    """One worker per available CPU (at most 8)."""
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        n = os.cpu_count() or 1
    return max(1, min(n, 8))


def effective_workers(n: int) -> int:
    """The processes :class:`Workers` starts for ``n`` (1 where ``fork`` is not available)."""
    return n if n > 1 and "fork" in mp.get_all_start_methods() else 1


class _Serial(Executor):
    """Runs each submitted call at once, in process (``workers=1``)."""

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        f: Future[T] = Future()
        try:
            f.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # handed to the caller
            f.set_exception(exc)
        return f


class Workers:
    """A pool of ``n`` forked processes sharing :data:`STATE` as it was when the pool started
    (``n <= 1``: in process). Use as a context manager."""

    def __init__(self, n: int, state: dict[str, Any]) -> None:
        STATE.clear()
        STATE.update(state)
        self.state = dict(state)
        self.n = effective_workers(n)
        self.executor: Executor = (
            ProcessPoolExecutor(self.n, mp_context=mp.get_context("fork"))
            if self.n > 1
            else _Serial()
        )

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)

    def submit(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        return self.executor.submit(fn, *args)

    def map_chunks(
        self,
        fn: Callable[[Sequence[Any]], list[T]],
        items: Sequence[Any],
        size: int,
        stage: str = "",
        progress: Progress | None = None,
    ) -> list[T]:
        """``fn`` over ``items`` in chunks of ``size``, results in the order of ``items``."""
        chunks = [items[i : i + size] for i in range(0, len(items), size)]
        futures = [self.submit(fn, c) for c in chunks]
        return collect(futures, [len(c) for c in chunks], stage, progress)


def collect(
    futures: Sequence[Future[list[T]]],
    sizes: Sequence[int],
    stage: str = "",
    progress: Progress | None = None,
) -> list[T]:
    """Results of ``futures`` (each a list), concatenated in order, reporting progress."""
    total = sum(sizes)
    done = 0
    if progress is not None:
        progress(stage, 0, total)
    out: list[T] = []
    for f, n in zip(futures, sizes, strict=True):
        out.extend(f.result())
        done += n
        if progress is not None:
            progress(stage, done, total)
    return out


def chunk_size(n_items: int, workers: int, per_worker: int = 3, minimum: int = 1) -> int:
    """Chunks small enough to balance ``workers`` (about ``per_worker`` chunks each)."""
    if n_items <= 0:
        return 1
    return max(minimum, -(-n_items // max(1, workers * per_worker)))


def flatten(parts: Iterable[list[T]]) -> list[T]:
    return [x for p in parts for x in p]
