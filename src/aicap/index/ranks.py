"""Ranks and pairwise outranking counts in batch: replications along axis 0, units along -1.

Ranks follow the engine's :func:`aicap.index.stats.rank_desc`: highest score = 1, ties share
the lowest rank ("min"), NaN stays NaN. Written against the array API (``xp``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from array_api_compat import is_torch_namespace

from aicap.index.backend import device_of, like


def _cummax(xp: Any, a: Any) -> Any:
    """Running maximum along the last axis (log-step scan: array-API only)."""
    if xp is np:
        return np.maximum.accumulate(a, axis=-1)
    n = a.shape[-1]
    shift = 1
    while shift < n:
        pad = xp.zeros((*a.shape[:-1], shift), dtype=a.dtype, device=device_of(a))
        prev = xp.concat([pad, a[..., : n - shift]], axis=-1)
        a = xp.maximum(a, prev)
        shift *= 2
    return a


def _take_along(xp: Any, a: Any, idx: Any) -> Any:
    if hasattr(xp, "take_along_axis"):
        return xp.take_along_axis(a, idx, axis=-1)
    r, n = a.shape
    off = xp.reshape(xp.arange(r, dtype=idx.dtype, device=device_of(idx)) * n, (r, 1))
    flat = xp.take(xp.reshape(a, (-1,)), xp.reshape(idx + off, (-1,)))
    return xp.reshape(flat, (r, n))


def rank_desc_batched(xp: Any, s: Any) -> Any:
    """Ranks of ``s`` ``(R, n)`` along the last axis: 1 = highest, ties "min", NaN kept."""
    if xp is np:
        return _rank_desc_numpy(s)
    if is_torch_namespace(xp):
        return _rank_desc_torch(s)
    nan = xp.isnan(s)
    key = xp.where(nan, like(xp, s, xp.inf, s.dtype), -s)
    order = xp.argsort(key, axis=-1, stable=False)
    srt = _take_along(xp, key, order)
    r, n = s.shape
    first = xp.ones((r, 1), dtype=xp.bool, device=device_of(s))
    new = xp.concat([first, srt[:, 1:] != srt[:, :-1]], axis=-1)
    pos = xp.reshape(xp.arange(n, dtype=order.dtype, device=device_of(s)), (1, n))
    start = _cummax(xp, xp.where(new, pos, xp.zeros_like(pos)))
    rank_sorted = xp.astype(start + 1, s.dtype)
    out = _take_along(xp, rank_sorted, xp.argsort(order, axis=-1, stable=False))
    return xp.where(nan, like(xp, s, xp.nan, s.dtype), out)


#: Up to this many units, the NumPy path ranks by counting (``O(n^2)`` compiled comparisons per
#: row) rather than sorting; above it, by one argsort per row.
RANK_BY_COUNT_MAX_UNITS = 512


def _rank_desc_numpy(s: Any) -> Any:
    """NumPy path: for a few hundred units, a compiled count of the higher scores of each unit
    (:func:`aicap.index.cpu_kernels.ranks_by_count`); else one unstable argsort, the tie rule
    running only on rows that tie."""
    r, n = s.shape
    if n <= RANK_BY_COUNT_MAX_UNITS:
        from aicap.index import cpu_kernels  # Numba: imported when first needed

        out = np.empty((r, n), dtype=np.float64)
        cpu_kernels.ranks_by_count(np.ascontiguousarray(s, dtype=np.float64), out)
        return out
    return _rank_desc_sorted(s)


def _rank_desc_sorted(s: Any) -> Any:
    """Ranks by one unstable argsort per row; the tie rule runs only on rows that tie."""
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
    ``block`` replications bound the array-API path's memory at ``block * n * n`` bytes."""
    if xp is np:
        return _outrank_numpy(ranks)
    if is_torch_namespace(xp):
        return _outrank_torch(ranks)
    r, n = ranks.shape
    valid = xp.astype(~xp.isnan(ranks), xp.float64)
    both = xp.astype(xp.round(valid.T @ valid), xp.int64)
    wins = xp.zeros((n, n), dtype=xp.int64, device=device_of(ranks))
    nan = xp.isnan(ranks)
    big = like(xp, ranks, np.iinfo(np.int32).max, xp.float64)
    low = like(xp, ranks, -1.0, xp.float64)
    ra = xp.astype(xp.where(nan, big, ranks), xp.int32)  # an unranked unit beats nobody
    rb = xp.astype(xp.where(nan, low, ranks), xp.int32)  # and loses to nobody
    for i in range(0, r, block):  # chunks of replications, bounded memory
        j = min(i + block, r)
        cmp = xp.expand_dims(ra[i:j, ...], axis=2) < xp.expand_dims(rb[i:j, ...], axis=1)
        wins = wins + xp.sum(xp.astype(cmp, xp.int64), axis=0)
    return wins, both


def _outrank_numpy(ranks: Any) -> tuple[Any, Any]:
    """NumPy path: ranks as the narrowest unsigned integers, compared by a compiled kernel
    (:func:`aicap.index.cpu_kernels.count_less`) whose 8-bit counters stay in the CPU cache.
    Memory: ``n * n`` bytes besides the result."""
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
    from aicap.index import cpu_kernels  # Numba: imported when first needed

    cpu_kernels.count_less(ra, rb, wins)
    return wins, both


# ---------------------------------------------------------------------------- PyTorch (GPU)
def _rank_desc_torch(s: Any) -> Any:
    """PyTorch path: one sort per row; ties take the first position of their run (a running
    maximum), scattered back to the units' places."""
    import torch

    kernels = _triton(s)
    if kernels is not None:
        return kernels.ranks(s)
    r, n = s.shape
    nan = torch.isnan(s)
    key = torch.where(nan, torch.inf, -s)
    srt, order = torch.sort(key, dim=-1)
    new = torch.ones_like(srt, dtype=torch.bool)
    new[:, 1:] = srt[:, 1:] != srt[:, :-1]
    pos = torch.arange(n, device=s.device, dtype=torch.int64).expand(r, n)
    start = torch.cummax(torch.where(new, pos, 0), dim=-1).values
    out = torch.empty_like(s)
    out.scatter_(1, order, (start + 1).to(s.dtype))
    return out.masked_fill_(nan, torch.nan)


def _triton(x: Any) -> Any:
    """The Triton kernels (:mod:`aicap.index.triton_kernels`) when ``x`` is on a CUDA device
    and Triton is installed, else ``None``."""
    if not getattr(x, "is_cuda", False):
        return None
    try:
        from aicap.index import triton_kernels
    except ImportError:
        return None
    return triton_kernels


def _outrank_torch(ranks: Any, block: int = 255) -> tuple[Any, Any]:
    """PyTorch path: on a CUDA device with Triton, one kernel that never materialises the
    comparisons; else ``(block, n, n)`` comparisons summed in 8 bits (no cast of the whole
    block to a wider type) and flushed to 64 bits every ``block`` (<= 255) replications."""
    import torch

    r, n = ranks.shape
    nan = torch.isnan(ranks)
    valid = (~nan).to(torch.float64)
    both = torch.round(valid.T @ valid).to(torch.int64)
    kernels = _triton(ranks)
    if kernels is not None:  # NaN compares false: an unranked unit neither wins nor loses
        # ranks are whole numbers: exact in float32, whose comparisons run twice as fast
        x = ranks.to(torch.float32) if n < 2**24 else ranks
        return kernels.pair_less(x), both
    ra = torch.where(nan, torch.inf, ranks)  # an unranked unit beats nobody
    rb = torch.where(nan, -1.0, ranks)  # and loses to nobody
    wins = torch.zeros((n, n), dtype=torch.int64, device=ranks.device)
    for i in range(0, r, block):  # blocks of replications, bounded memory
        cmp = (ra[i : i + block, :, None] < rb[i : i + block, None, :]).view(torch.uint8)
        wins += torch.sum(cmp, dim=0, dtype=torch.uint8)
    return wins, both
