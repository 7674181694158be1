"""Ranks and pairwise outranking counts in batch: replications along axis 0, units along -1.

Ranks follow the engine's :func:`aicap.index.stats.rank_desc`: highest score = 1, ties share
the lowest rank ("min"), NaN stays NaN. Written against the array API (``xp``).
"""

from __future__ import annotations

from typing import Any

import numpy as np


def _cummax(xp: Any, a: Any) -> Any:
    """Running maximum along the last axis (log-step scan: array-API only)."""
    if xp is np:
        return np.maximum.accumulate(a, axis=-1)
    n = a.shape[-1]
    shift = 1
    while shift < n:
        pad = xp.zeros((*a.shape[:-1], shift), dtype=a.dtype)
        prev = xp.concat([pad, a[..., : n - shift]], axis=-1)
        a = xp.maximum(a, prev)
        shift *= 2
    return a


def _take_along(xp: Any, a: Any, idx: Any) -> Any:
    if hasattr(xp, "take_along_axis"):
        return xp.take_along_axis(a, idx, axis=-1)
    r, n = a.shape
    off = xp.reshape(xp.arange(r, dtype=idx.dtype) * n, (r, 1))
    flat = xp.take(xp.reshape(a, (-1,)), xp.reshape(idx + off, (-1,)))
    return xp.reshape(flat, (r, n))


def rank_desc_batched(xp: Any, s: Any) -> Any:
    """Ranks of ``s`` ``(R, n)`` along the last axis: 1 = highest, ties "min", NaN kept."""
    if xp is np:
        return _rank_desc_numpy(s)
    nan = xp.isnan(s)
    key = xp.where(nan, xp.asarray(xp.inf, dtype=s.dtype), -s)
    order = xp.argsort(key, axis=-1, stable=False)
    srt = _take_along(xp, key, order)
    r, n = s.shape
    first = xp.ones((r, 1), dtype=xp.bool)
    new = xp.concat([first, srt[:, 1:] != srt[:, :-1]], axis=-1)
    pos = xp.reshape(xp.arange(n, dtype=order.dtype), (1, n))
    start = _cummax(xp, xp.where(new, pos, xp.zeros_like(pos)))
    rank_sorted = xp.astype(start + 1, s.dtype)
    out = _take_along(xp, rank_sorted, xp.argsort(order, axis=-1, stable=False))
    return xp.where(nan, xp.asarray(xp.nan, dtype=s.dtype), out)


def _rank_desc_numpy(s: Any) -> Any:
    """NumPy fast path: one unstable argsort; the tie rule runs only on rows that tie."""
    r, n = s.shape
    nan = np.isnan(s)
    has_nan = bool(nan.any())
    key = np.where(nan, np.inf, -s) if has_nan else np.negative(s)
    order = np.argsort(key, axis=-1)
    srt = np.take_along_axis(key, order, axis=-1)
    eq = srt[:, 1:] == srt[:, :-1]
    rows = np.nonzero(eq.any(axis=1))[0]
    seq = np.arange(1, n + 1, dtype=np.float64)
    rank_sorted: Any = np.broadcast_to(seq, (r, n))
    if rows.size:
        rank_sorted = np.array(rank_sorted)
        new = np.concatenate([np.ones((rows.size, 1), dtype=bool), ~eq[rows]], axis=1)
        start = np.where(new, rank_sorted[rows], 0.0)
        rank_sorted[rows] = np.maximum.accumulate(start, axis=1)
    out = np.empty((r, n), dtype=np.float64)
    np.put_along_axis(out, order, rank_sorted, axis=-1)
    if has_nan:
        out[nan] = np.nan
    return out


def outrank_counts(xp: Any, ranks: Any, block: int = 255) -> tuple[Any, Any]:
    """``(wins, both)``: ``wins[a, b]`` = replications in which ``a`` ranks strictly better
    than ``b``; ``both[a, b]`` = replications in which both are ranked. Sub-blocks of at most
    ``block`` replications bound memory at ``block * n * n`` bytes."""
    if xp is np:
        return _outrank_numpy(ranks)
    r, n = ranks.shape
    valid = xp.astype(~xp.isnan(ranks), xp.float64)
    both = xp.astype(xp.round(valid.T @ valid), xp.int64)
    wins = xp.zeros((n, n), dtype=xp.int64)
    nan = xp.isnan(ranks)
    big = xp.asarray(np.iinfo(np.int32).max, dtype=xp.float64)
    low = xp.asarray(-1.0, dtype=xp.float64)
    ra = xp.astype(xp.where(nan, big, ranks), xp.int32)  # an unranked unit beats nobody
    rb = xp.astype(xp.where(nan, low, ranks), xp.int32)  # and loses to nobody
    for i in range(0, r, block):  # chunks of replications, bounded memory
        j = min(i + block, r)
        cmp = xp.expand_dims(ra[i:j, ...], axis=2) < xp.expand_dims(rb[i:j, ...], axis=1)
        wins = wins + xp.sum(xp.astype(cmp, xp.int64), axis=0)
    return wins, both


def _outrank_numpy(ranks: Any, block: int = 16) -> tuple[Any, Any]:
    """NumPy path: ranks as the narrowest unsigned integers, compared in blocks of ``block``
    replications whose ``(block, n, n)`` comparison fits in the CPU cache; block sums add up
    in 8 bits and are flushed to 64 bits before they could overflow (every 255 replications).
    Memory: ``block * n * n`` bytes."""
    r, n = ranks.shape
    nan = np.isnan(ranks)
    has_nan = bool(nan.any())
    if has_nan:
        valid = (~nan).astype(np.float64)
        both = np.rint(valid.T @ valid).astype(np.int64)
    else:
        both = np.full((n, n), r, dtype=np.int64)
    dt: Any = np.uint8 if n < 255 else np.uint16 if n < 65535 else np.uint32
    top = np.iinfo(dt).max
    if has_nan:
        ra = np.where(nan, top, ranks).astype(dt)  # an unranked unit beats nobody
        rb = np.where(nan, 0, ranks).astype(dt)  # and loses to nobody
    else:
        ra = rb = ranks.astype(dt)
    wins = np.zeros((n, n), dtype=np.int64)
    acc = np.zeros((n, n), dtype=np.uint8)
    part = np.empty((n, n), dtype=np.uint8)
    buf = np.empty((block, n, n), dtype=bool)
    since = 0
    for i in range(0, r, block):  # blocks of replications (never one replication at a time)
        j = min(i + block, r)
        cmp = buf[: j - i]
        np.less(ra[i:j, :, None], rb[i:j, None, :], out=cmp)
        np.add.reduce(cmp.view(np.uint8), axis=0, out=part)
        if since + (j - i) > 255:  # flush before the 8-bit sums could wrap
            wins += acc
            acc[:] = 0
            since = 0
        acc += part
        since += j - i
    wins += acc
    return wins, both
