"""Triton kernels for the PyTorch backend on an NVIDIA GPU: batched ranks and outranking counts.

Imported only by :mod:`aicap.index.ranks` when a chunk's scores are CUDA tensors and Triton
(which ships with PyTorch's CUDA builds) is installed; otherwise the PyTorch path uses plain
tensor operations. Both kernels read the ``(R, n)`` array once and write only their outputs,
where the tensor-operation path materialises an ``(R, n, n)`` comparison in device memory:

* ``ranks(s)``: per row, ``rank[a] = 1 + #{b: s[b] > s[a]}`` (ties share the lowest rank,
  the engine's "min" rule; NaN compares false, so an unscored unit is not counted and keeps
  NaN), as ``float64``;
* ``pair_less(x)``: ``wins[a, b] = #{r: x[r, a] < x[r, b]}`` (NaN compares false), as
  ``int64``. On ranks this is the outranking count.

Checked against the NumPy path by ``benchmarks/uncertainty_gpu.py`` on the GPU (ties and NaN
included); the tests, which run without a GPU, exercise the NumPy and array-API paths.
"""

from __future__ import annotations

from typing import Any

import torch
import triton
import triton.language as tl


@triton.jit
def _ranks_kernel(s_ptr, out_ptr, R, n, BN: tl.constexpr, BB: tl.constexpr, BR: tl.constexpr):
    pid = tl.program_id(0)
    oa = tl.arange(0, BN)
    ma = oa < n
    for i in range(0, BR):
        r = pid * BR + i
        if r < R:
            base = s_ptr + r.to(tl.int64) * n
            sa = tl.load(base + oa, mask=ma, other=float("nan"))
            cnt = tl.zeros((BN,), dtype=tl.int32)
            for j in range(0, n, BB):
                ob = j + tl.arange(0, BB)
                sb = tl.load(base + ob, mask=ob < n, other=float("nan"))
                cnt += tl.sum((sb[None, :] > sa[:, None]).to(tl.int32), axis=1)
            rk = (cnt + 1).to(tl.float64)
            rk = tl.where(sa == sa, rk, float("nan"))
            tl.store(out_ptr + r.to(tl.int64) * n + oa, rk, mask=ma)


@triton.jit
def _pair_less_kernel(x_ptr, out_ptr, R, n, RP: tl.constexpr, BA: tl.constexpr, BB: tl.constexpr):
    pa = tl.program_id(0)
    pb = tl.program_id(1)
    pr = tl.program_id(2)
    oa = pa * BA + tl.arange(0, BA)
    ob = pb * BB + tl.arange(0, BB)
    ma = oa < n
    mb = ob < n
    acc = tl.zeros((BA, BB), dtype=tl.int32)
    for i in range(0, RP):
        r = pr * RP + i
        ok = r < R
        base = x_ptr + r.to(tl.int64) * n
        xa = tl.load(base + oa, mask=ma & ok, other=float("nan"))
        xb = tl.load(base + ob, mask=mb & ok, other=float("nan"))
        acc += (xa[:, None] < xb[None, :]).to(tl.int32)
    tl.atomic_add(out_ptr + oa[:, None] * n + ob[None, :], acc, mask=ma[:, None] & mb[None, :])


def ranks(s: Any, bb: int = 32, br: int = 8, warps: int = 8) -> Any:
    """Ranks of ``s (R, n)`` (float64, CUDA) along the rows: 1 = highest, ties "min", NaN kept.
    Each program ranks ``br`` rows, comparing each row with itself ``bb`` columns at a time."""
    s = s.contiguous()
    r, n = s.shape
    out = torch.empty_like(s)
    if r == 0 or n == 0:
        return out
    bn = max(16, triton.next_power_of_2(n))
    bb = min(bb, bn)
    _ranks_kernel[(triton.cdiv(r, br),)](s, out, r, n, BN=bn, BB=bb, BR=br, num_warps=warps)
    return out


def pair_less(x: Any, rows_per_program: int = 256, block: int | None = None) -> Any:
    """``wins[a, b] = #{r: x[r, a] < x[r, b]}`` for ``x (R, n)`` on CUDA, as int64. Programs
    take ``block x block`` tiles of ``(a, b)`` (by default 32 or 64, whichever pads ``n``
    less) and ``rows_per_program`` rows each, adding their tile's counts atomically."""
    x = x.contiguous()
    r, n = x.shape
    out = torch.zeros((n, n), dtype=torch.int32, device=x.device)
    if r == 0 or n == 0:
        return out.to(torch.int64)
    if r >= 2**31:
        raise ValueError(f"pair_less: {r} rows exceed a 32-bit count; use smaller chunks")
    b = block or min((64, 32), key=lambda c: (triton.cdiv(n, c) * c, -c))
    grid = (triton.cdiv(n, b), triton.cdiv(n, b), triton.cdiv(r, rows_per_program))
    _pair_less_kernel[grid](x, out, r, n, RP=rows_per_program, BA=b, BB=b, num_warps=4)
    return out.to(torch.int64)
