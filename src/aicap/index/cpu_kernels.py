"""Compiled CPU kernels (Numba) for the batched ranks and outranking counts of the NumPy path.

A chunk of ``R`` replications of ``n`` units needs ``R`` rankings and ``R * n * n`` pairwise
comparisons. In NumPy these are an argsort per row plus passes over ``(block, n, n)``
temporaries; here each is one pass in compiled loops that release the GIL (the engine's
worker threads run them side by side):

* :func:`ranks_by_count`: ``rank[a] = 1 + #{b: s[b] > s[a]}``, the "min" rule for ties
  (NaN compares false: an unscored unit is not counted and keeps NaN). ``O(n^2)`` per row,
  faster than sorting for the few hundred units of a country index;
* :func:`count_less`: ``wins[a, b] += #{r: ra[r, a] < rb[r, b]}``, summed in 8-bit
  counters that stay in the L1 cache and are flushed to ``wins`` every 255 rows.

Both are tested against plain NumPy references (``tests/uncertainty/test_ua_properties.py``).
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np


@numba.njit(cache=True, nogil=True, boundscheck=False)
def ranks_by_count(s: Any, out: Any) -> None:
    """Ranks of each row of ``s (R, n)`` into ``out`` (float64): 1 = highest, ties "min"."""
    r, n = s.shape
    for i in range(r):
        row = s[i]
        for a in range(n):
            x = row[a]
            c = 0
            for b in range(n):
                c += row[b] > x
            out[i, a] = c + 1.0 if x == x else np.nan


@numba.njit(cache=True, nogil=True, boundscheck=False)
def count_less(ra: Any, rb: Any, wins: Any) -> None:
    """``wins[a, b] += #{r: ra[r, a] < rb[r, b]}`` over the rows of ``ra`` and ``rb``
    (``(R, n)``, any integer type); ``wins`` is ``(n, n)`` int64."""
    r, n = ra.shape
    acc = np.zeros((n, n), np.uint8)
    since = 0
    for i in range(r):
        if since == 255:  # flush before an 8-bit counter could wrap
            for a in range(n):
                for b in range(n):
                    wins[a, b] += acc[a, b]
                    acc[a, b] = 0
            since = 0
        rowb = rb[i]
        for a in range(n):
            x = ra[i, a]
            acc_a = acc[a]
            for b in range(n):
                acc_a[b] += x < rowb[b]
        since += 1
    for a in range(n):
        for b in range(n):
            wins[a, b] += acc[a, b]


@numba.njit(cache=True, nogil=True, boundscheck=False)
def mean_abs_shift(rank: Any, nominal: Any, out: Any) -> None:
    """Per row of ``rank (R, n)``: the mean of ``|rank - nominal|`` over the units where both
    are ranked (NaN elsewhere), into ``out (R,)``. Ranks are whole numbers, so the sums are
    exact and equal NumPy's in any order."""
    r, n = rank.shape
    for i in range(r):
        tot = 0.0
        cnt = 0
        for a in range(n):
            d = abs(rank[i, a] - nominal[a])
            if d == d:
                tot += d
                cnt += 1
        out[i] = tot / cnt if cnt else np.nan


@numba.njit(cache=True, nogil=True, boundscheck=False)
def put_rows(dst: Any, rows: Any, src: Any) -> None:
    """``dst[rows[i]] = src[i]`` for each ``i``: a chunk's rows into the run's arrays, in the
    worker thread that computed them (NumPy's fancy assignment holds the GIL)."""
    for i in range(rows.shape[0]):
        dst[rows[i], :] = src[i, :]


@numba.njit(cache=True, nogil=True, boundscheck=False)
def accumulate(
    score: Any,
    rank: Any,
    lo: Any,
    inv: Any,
    rank_hist: Any,
    score_bins: Any,
    smin: Any,
    smax: Any,
) -> int:
    """One pass over a chunk's ``score`` and ``rank`` ``(R, n)`` (float64, NaN = none) into
    the streamed summaries: ``rank_hist[a, rank] += 1``; the score's cell on unit ``a``'s
    grid, ``floor((s - lo[a]) * inv[a])`` clipped to the grid, ``score_bins[a, cell] += 1``;
    the running minimum and maximum. A score more than 1e-6 of a cell beyond the grid is not
    binned: the count of those is returned (the caller keeps them exactly)."""
    r, n = score.shape
    nbins = score_bins.shape[1]
    tol = 1e-6
    far = 0
    for i in range(r):
        for a in range(n):
            k = rank[i, a]
            if k == k:
                rank_hist[a, int(k)] += 1
            s = score[i, a]
            if s == s:
                if s < smin[a]:
                    smin[a] = s
                if s > smax[a]:
                    smax[a] = s
                p = (s - lo[a]) * inv[a]
                if p < -tol or p > nbins + tol:
                    far += 1
                    continue
                b = int(np.floor(p))
                if b < 0:
                    b = 0
                elif b >= nbins:
                    b = nbins - 1
                score_bins[a, b] += 1
    return far
