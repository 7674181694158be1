"""Summarise, streaming: per-country summaries accumulated chunk by chunk, mergeable across
threads, blocks and Dask workers, so that memory does not grow with the replications.

A :class:`Summary` holds, for ``n`` units:

* ``rank_hist (n, n + 1)``: how many successful replications gave unit ``a`` rank ``k``. Ranks
  are whole numbers, so the histogram is exact: rank percentiles (NumPy's linear rule,
  :func:`percentiles_from_hist`), the number ranked and the mean absolute rank shift come out
  of it identical to the values computed from every replication's ranks;
* ``score_bins (n, SCORE_BINS)``: scores counted on a fixed grid per unit, from the lowest to
  the highest value of that unit's indicators before aggregation over every data variant (a
  weighted arithmetic, geometric, harmonic or power mean with non-negative weights never
  leaves that range). A score percentile is read as its order statistics' bin midpoints
  (clipped to the exact minimum and maximum seen): it is within half a bin,
  ``(hi - lo) / (2 SCORE_BINS)``, of the exact percentile (``score_error``). A score outside
  the grid (a negative weight) is counted in ``score_outside`` and voids that bound;
* ``wins``, ``both``: the pairwise outranking counts;
* the failures (count per code; each failed replication's row and reason: failures only);
* the mean absolute rank shift of each replication, summed per chunk and added with
  :func:`math.fsum` (exactly rounded: the same in any order).

Every part merges by addition, so the result is the same whatever the order in which chunks
arrive and however the run is split.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from aicap.index.uncertainty.plan import OK, FloatArray, IntArray, Plan

#: Bins of each unit's score grid.
SCORE_BINS = 16384
PERCENTILES = (5.0, 50.0, 95.0)


def score_range(plan: Plan) -> tuple[FloatArray, FloatArray]:
    """Per unit, the lowest and highest indicator value before aggregation over every data
    variant (the range of any weighted mean of them); a unit with no values gets ``[0, 1]``."""
    x = plan.kernel.X
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            lo = np.nanmin(x, axis=(0, 2))
            hi = np.nanmax(x, axis=(0, 2))
    bad = ~np.isfinite(lo) | ~np.isfinite(hi)
    lo = np.where(bad, 0.0, lo)
    hi = np.where(bad, 1.0, hi)
    hi = np.where(hi > lo, hi, lo + 1.0)
    return np.asarray(lo, dtype=np.float64), np.asarray(hi, dtype=np.float64)


@dataclass(frozen=True)
class TaskTime:
    """One Dask task's own measurements: its replications, the CPU seconds of the thread that
    ran it (``time.thread_time``), its wall seconds and start (``time.time``, comparable
    between the processes of one machine), the worker process and the minor page faults of
    that thread."""

    first: int
    replications: int
    blocks: int
    cpu: float
    wall: float
    start: float
    pid: int
    faults: int
    #: what the task did: ``run`` (Monte Carlo blocks), ``evaluate`` or ``sums`` (Sobol')
    kind: str = "run"


@dataclass
class Summary:
    """Mergeable per-country summaries of a set of replications (see the module's text)."""

    lo: FloatArray
    hi: FloatArray
    rank_hist: IntArray
    score_bins: IntArray
    score_min: FloatArray
    score_max: FloatArray
    wins: IntArray | None
    both: IntArray | None
    replications: int = 0
    fail_counts: IntArray = field(default_factory=lambda: np.zeros(5, dtype=np.int64))
    fail_rows: list[IntArray] = field(default_factory=list)
    fail_reasons: list[list[str | None]] = field(default_factory=list)
    mars_parts: list[float] = field(default_factory=list)
    mars_count: int = 0
    score_outside: int = 0
    outside_units: list[IntArray] = field(default_factory=list)
    outside_values: list[FloatArray] = field(default_factory=list)
    chunks: int = 0
    #: where and how long each Dask task that made this summary ran (diagnostics only)
    task_times: list[TaskTime] = field(default_factory=list)

    @classmethod
    def empty(cls, plan: Plan) -> Summary:
        n = len(plan.units)
        lo, hi = score_range(plan)
        pair = plan.kernel.pairwise
        return cls(
            lo,
            hi,
            np.zeros((n, n + 1), dtype=np.int64),
            np.zeros((n, SCORE_BINS), dtype=np.int64),
            np.full(n, np.inf),
            np.full(n, -np.inf),
            np.zeros((n, n), dtype=np.int64) if pair else None,
            np.zeros((n, n), dtype=np.int64) if pair else None,
        )

    @property
    def n_units(self) -> int:
        return int(self.lo.size)

    @property
    def width(self) -> FloatArray:
        return np.asarray((self.hi - self.lo) / SCORE_BINS, dtype=np.float64)

    @property
    def score_error(self) -> float:
        """Largest error of a score percentile read from the bins (half the widest bin)."""
        return float(self.width.max() / 2) if self.n_units else 0.0

    # ------------------------------------------------------------------ accumulate
    def add(
        self,
        rows: IntArray,
        score: FloatArray,
        rank: FloatArray,
        fail: IntArray,
        reasons: list[str | None],
        mars: FloatArray,
        wins: IntArray | None,
        both: IntArray | None,
    ) -> None:
        """Add one chunk: global replication numbers ``rows``, its scores and ranks ``(R, n)``
        (NaN where not ranked), failure codes, reasons, per-replication rank shifts and
        outranking counts."""
        self.replications += int(rows.size)
        self.chunks += 1
        self.fail_counts += np.bincount(fail, minlength=self.fail_counts.size)[
            : self.fail_counts.size
        ]
        bad = np.nonzero(fail != OK)[0]
        if bad.size:
            self.fail_rows.append(np.asarray(rows[bad], dtype=np.int64))
            self.fail_reasons.append([reasons[i] for i in bad.tolist()])
        ok = np.isfinite(mars)
        if ok.any():
            self.mars_parts.append(math.fsum(mars[ok].tolist()))
            self.mars_count += int(ok.sum())
        if (
            self.wins is not None
            and self.both is not None
            and wins is not None
            and both is not None
        ):
            self.wins += wins
            self.both += both
        # one compiled pass: rank histogram, score cells, minimum and maximum
        from aicap.index import cpu_kernels  # Numba: imported when first needed

        sc = np.ascontiguousarray(score, dtype=np.float64)
        inv = 1.0 / self.width
        far = cpu_kernels.accumulate(
            sc,
            np.ascontiguousarray(rank, dtype=np.float64),
            self.lo,
            inv,
            self.rank_hist,
            self.score_bins,
            self.score_min,
            self.score_max,
        )
        if far:
            # a score beyond the grid (a power or harmonic mean of values of both signs) is
            # kept exactly, outside the bins (the grid's ends are closed up to rounding)
            tol = 1e-6
            with np.errstate(invalid="ignore"):
                pos = (sc - self.lo) * inv
                mask = ~np.isnan(sc) & ((pos < -tol) | (pos > SCORE_BINS + tol))
            self.outside_units.append(np.nonzero(mask)[1].astype(np.int64))
            self.outside_values.append(sc[mask])
            self.score_outside += int(far)

    def add_counts(
        self,
        rows: IntArray,
        fail: IntArray,
        reasons: list[str | None],
        *,
        mars: FloatArray | None = None,
        rank_keys: tuple[IntArray, IntArray] | None = None,
        score_keys: tuple[IntArray, IntArray] | None = None,
        score_min: FloatArray | None = None,
        score_max: FloatArray | None = None,
        outside: tuple[IntArray, FloatArray] | None = None,
        wins: IntArray | None = None,
        both: IntArray | None = None,
    ) -> None:
        """Add a chunk already counted elsewhere (on a device): keys ``unit * cells + cell``
        with their counts, and the chunk's other parts as in :meth:`add`."""
        n = self.n_units
        self.replications += int(rows.size)
        self.chunks += 1
        codes = self.fail_counts.size
        self.fail_counts += np.bincount(fail, minlength=codes)[:codes]
        bad = np.nonzero(fail != OK)[0]
        if bad.size:
            self.fail_rows.append(np.asarray(rows[bad], dtype=np.int64))
            self.fail_reasons.append([reasons[i] for i in bad.tolist()])
        if mars is not None:
            ok = np.isfinite(mars)
            if ok.any():
                self.mars_parts.append(math.fsum(mars[ok].tolist()))
                self.mars_count += int(ok.sum())
        if self.wins is not None and self.both is not None and wins is not None:
            assert both is not None
            self.wins += wins
            self.both += both
        if rank_keys is not None:
            keys, counts = rank_keys
            self.rank_hist.reshape(-1)[...] += np.bincount(
                keys.astype(np.int64), weights=counts, minlength=n * (n + 1)
            ).astype(np.int64)
        if score_keys is not None:
            keys, counts = score_keys
            self.score_bins.reshape(-1)[...] += np.bincount(
                keys.astype(np.int64), weights=counts, minlength=n * SCORE_BINS
            ).astype(np.int64)
        if score_min is not None and score_max is not None:
            self.score_min = np.fmin(self.score_min, score_min)
            self.score_max = np.fmax(self.score_max, score_max)
        if outside is not None and outside[0].size:
            self.outside_units.append(np.asarray(outside[0], dtype=np.int64))
            self.outside_values.append(np.asarray(outside[1], dtype=np.float64))
            self.score_outside += int(outside[0].size)

    def merge(self, other: Summary) -> Summary:
        """Add ``other`` into this summary (exact: counts and exactly rounded sums)."""
        self.rank_hist += other.rank_hist
        self.score_bins += other.score_bins
        self.score_min = np.fmin(self.score_min, other.score_min)
        self.score_max = np.fmax(self.score_max, other.score_max)
        if self.wins is not None and self.both is not None:
            assert other.wins is not None and other.both is not None
            self.wins += other.wins
            self.both += other.both
        self.replications += other.replications
        self.fail_counts += other.fail_counts
        self.fail_rows += other.fail_rows
        self.fail_reasons += other.fail_reasons
        self.mars_parts += other.mars_parts
        self.mars_count += other.mars_count
        self.score_outside += other.score_outside
        self.outside_units += other.outside_units
        self.outside_values += other.outside_values
        self.chunks += other.chunks
        self.task_times += other.task_times
        return self

    def copy(self) -> Summary:
        """A copy that shares no array or list with this summary."""
        out = copy.copy(self)
        for name, val in self.__dict__.items():
            if isinstance(val, np.ndarray):
                setattr(out, name, val.copy())
            elif isinstance(val, list):
                setattr(out, name, list(val))
        return out

    # the score bins travel between processes as their non-zero cells only
    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        flat = self.score_bins.reshape(-1)
        nz = np.flatnonzero(flat)
        val = flat[nz]
        top = int(val.max()) if val.size else 0
        small = np.uint8 if top < 2**8 else np.uint16 if top < 2**16 else np.int64
        idx = nz.astype(np.int32) if flat.size < 2**31 else nz  # 5 bytes a cell, not 16
        state["score_bins"] = (self.score_bins.shape, idx, val.astype(small))
        for name in ("rank_hist", "wins", "both"):  # counts of one block fit 32 bits
            arr = state[name]
            if arr is not None and (arr.size == 0 or int(arr.max()) < 2**31):
                state[name] = arr.astype(np.int32)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        shape, nz, val = state["score_bins"]
        bins = np.zeros(shape, dtype=np.int64)
        bins.reshape(-1)[nz] = val
        state["score_bins"] = bins
        for name in ("rank_hist", "wins", "both"):
            if state[name] is not None:
                state[name] = state[name].astype(np.int64)
        self.__dict__.update(state)

    # ------------------------------------------------------------------ read
    @property
    def failed(self) -> int:
        return int(self.fail_counts[1:].sum())

    def failures(self) -> tuple[IntArray, list[str | None]]:
        """Failed replications' numbers (ascending) and reasons."""
        if not self.fail_rows:
            return np.zeros(0, dtype=np.int64), []
        rows = np.concatenate(self.fail_rows)
        reasons = [r for part in self.fail_reasons for r in part]
        order = np.argsort(rows, kind="stable")
        return rows[order], [reasons[i] for i in order.tolist()]

    def mean_abs_rank_shift(self) -> float | None:
        """Mean over successful replications of their mean absolute rank shift."""
        return math.fsum(self.mars_parts) / self.mars_count if self.mars_count else None

    def n_ranked(self) -> IntArray:
        return np.asarray(self.rank_hist.sum(axis=1), dtype=np.int64)

    def rank_percentiles(self) -> FloatArray:
        """``(3, n)``: 5th, 50th, 95th percentiles of each unit's rank (exact)."""
        return percentiles_from_hist(self.rank_hist, np.arange(self.n_units + 1, dtype=float))

    def rank_shift(self, nominal: FloatArray) -> FloatArray:
        """Per unit: mean ``|rank - nominal rank|`` over the replications that rank it."""
        k = np.arange(self.n_units + 1, dtype=np.float64)
        dist = np.abs(k[None, :] - nominal[:, None])
        cnt = self.n_ranked()
        with np.errstate(invalid="ignore", divide="ignore"):
            tot = (np.where(self.rank_hist > 0, dist, 0.0) * self.rank_hist).sum(axis=1)
            out = tot / cnt
        out[(cnt == 0) | np.isnan(nominal)] = np.nan
        return np.asarray(out, dtype=np.float64)

    def score_percentiles(self) -> FloatArray:
        """``(3, n)``: score percentiles from the bins (within :attr:`score_error`)."""
        mid = self.lo[:, None] + (np.arange(SCORE_BINS) + 0.5)[None, :] * self.width[:, None]
        mid = np.clip(mid, self.score_min[:, None], self.score_max[:, None])
        out = percentiles_from_hist(self.score_bins, mid)
        if self.outside_units:  # units with scores kept exactly beyond the grid
            units = np.concatenate(self.outside_units)
            values = np.concatenate(self.outside_values)
            for a in np.unique(units).tolist():
                v = np.sort(values[units == a])
                below, above = v[v < self.lo[a]], v[v >= self.lo[a]]
                counts = np.concatenate(
                    [np.ones(below.size), self.score_bins[a], np.ones(above.size)]
                )
                cells = np.concatenate([below, mid[a], above])
                out[:, a] = percentiles_from_hist(counts[None, :].astype(np.int64), cells)[:, 0]
        return out


def percentiles_from_hist(
    hist: npt.NDArray[np.int64], values: FloatArray, q: tuple[float, ...] = PERCENTILES
) -> FloatArray:
    """``(len(q), n)`` percentiles of each row of counts ``hist (n, m)`` whose cell ``j`` holds
    the value ``values[j]`` (or ``values[a, j]`` per row), by NumPy's default (linear) rule:
    with ``N`` values, the order statistics ``floor(v)`` and ``floor(v) + 1`` of
    ``v = (N - 1) q / 100``, interpolated as :func:`numpy.percentile` does. NaN where a row
    has no values."""
    n = hist.shape[0]
    vals = np.broadcast_to(values, hist.shape)
    cum = np.cumsum(hist, axis=1)
    total = cum[:, -1]
    out = np.full((len(q), n), np.nan)
    qs = np.true_divide(np.asarray(q, dtype=np.float64), 100)
    rows = np.arange(n)
    has = total > 0
    for i, qq in enumerate(qs):
        v = (total - 1) * qq
        lo = np.floor(v)
        gamma = v - lo
        lo_i = lo.astype(np.int64)
        hi_i = np.minimum(lo_i + 1, np.maximum(total - 1, 0))
        a = vals[rows, _cell(cum, lo_i)]
        b = vals[rows, _cell(cum, hi_i)]
        diff = b - a
        res = a + diff * gamma
        res = np.where(gamma >= 0.5, b - diff * (1 - gamma), res)
        out[i] = np.where(has, res, np.nan)
    return out


def _cell(cum: IntArray, k: IntArray) -> IntArray:
    """Per row, the cell holding the ``k``-th (0-based) value: the first with ``cum > k``."""
    return np.asarray((cum <= k[:, None]).sum(axis=1), dtype=np.int64).clip(0, cum.shape[1] - 1)
