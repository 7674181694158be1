"""Sample, decode, evaluate and summarise on the array backend's device (a GPU), so that the
host receives only counts: the GPU path of :func:`aicap.index.uncertainty.run_uncertainty`
for a spec with ``sampler: counter`` on a non-NumPy backend, without kept replications.

**The counter stream** (``sampler: counter``): uniform ``j`` of replication ``r`` in a run of
``D`` uniforms per replication is, with ``i = r D + j`` and 64-bit wrapping arithmetic,

    z = mix64(seed) + (i + 1) * 0x9E3779B97F4A7C15
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
    z = (z ^ (z >> 27)) * 0x94D049BB133111EB
    u = ((z ^ (z >> 31)) >> 11) * 2^-53          (logical shifts)

i.e. SplitMix64 (Steele, Lea & Flood 2014; the seeding generator of Java's SplittableRandom
and of xoshiro) evaluated at a counter, with ``mix64(seed)`` the same finaliser applied to
``seed``. Any replication is drawn without drawing those before it, on any device, and the
numbers are the same bit for bit on NumPy, CuPy, PyTorch and ``array_api_strict`` (integer
arithmetic only). It is not NumPy's PCG64 stream (``sampler: random``): the two give
different (equally valid) samples.

**Decoding** follows :func:`aicap.index.uncertainty.sample.decode` with array-API operations
(weights perturbed by a product with a selection matrix, kept indicators gathered); a
Dirichlet input needs SciPy's inverse gamma CDF and is decoded on the host.

**Summaries**: each chunk's ranks and score bins become integer keys (unit, cell) that are
counted on the device (``unique_counts``); only the distinct keys and their counts, the
per-replication failure codes and rank shifts, and the pairwise counts come back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from aicap.index.backend import Backend, device_of
from aicap.index.ranks import outrank_counts, rank_desc_batched
from aicap.index.uncertainty.plan import FAIL_DOMAIN, FAIL_VARIANT, FAIL_WEIGHTS, OK, Plan
from aicap.index.uncertainty.stream import SCORE_BINS, Summary

_M64 = (1 << 64) - 1
_GOLDEN, _C1, _C2 = 0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB


def _signed(v: int) -> int:
    v &= _M64
    return v - (1 << 64) if v >= 1 << 63 else v


def _mix64(z: int) -> int:
    z &= _M64
    z = ((z ^ (z >> 30)) * _C1) & _M64
    z = ((z ^ (z >> 27)) * _C2) & _M64
    return z ^ (z >> 31)


def _srl(xp: Any, z: Any, k: int) -> Any:
    """Logical right shift of int64 ``z`` by ``k`` bits."""
    return xp.bitwise_and(xp.bitwise_right_shift(z, k), (1 << (64 - k)) - 1)


def counter_uniforms(xp: Any, seed: int, start: int, size: int, d: int, device: Any = None) -> Any:
    """``(size, d)`` uniforms of replications ``start ..`` of the counter stream, on ``device``."""
    kw = {} if device is None else {"device": device}
    i = xp.arange(start * d, (start + size) * d, dtype=xp.int64, **kw)
    z = (i + 1) * _signed(_GOLDEN) + _signed(_mix64(seed))
    z = xp.bitwise_xor(z, _srl(xp, z, 30)) * _signed(_C1)
    z = xp.bitwise_xor(z, _srl(xp, z, 27)) * _signed(_C2)
    z = xp.bitwise_xor(z, _srl(xp, z, 31))
    u = xp.astype(_srl(xp, z, 11), xp.float64) * (2.0**-53)
    return xp.reshape(u, (size, d))


@dataclass
class DeviceDecoded:
    """A block's parameters: the chunking keys and small flags on the host, the rest on the
    device."""

    variant: npt.NDArray[np.int64]
    agg: npt.NDArray[np.int64]
    weights: Any  # (R, E) on the device
    incl: Any  # (R, k) on the device
    weight_fail: npt.NDArray[np.bool_]
    dead: npt.NDArray[np.bool_]


def decode_device(plan: Plan, be: Backend, u: Any) -> DeviceDecoded:
    """:func:`~aicap.index.uncertainty.sample.decode` on the device (no Dirichlet input)."""
    xp = be.xp
    dev = device_of(u)
    r = u.shape[0]
    e = plan.W0.shape[1]
    k = plan.kernel.X.shape[2]
    edges = np.cumsum([0, *plan.dims]).tolist()
    choice: dict[int, Any] = {}
    excluded: list[tuple[tuple[int, ...], Any]] = []
    for i, f in enumerate(plan.factors):
        if f.discrete:
            n_alt = len(f.labels)
            c = xp.astype(xp.floor(u[:, edges[i]] * float(n_alt)), xp.int64)
            choice[i] = xp.where(c > n_alt - 1, xp.full_like(c, n_alt - 1), c)
        elif f.kind == "include":
            ex = u[:, edges[i] : edges[i + 1]] < f.p_exclude
            bits = be.asarray(1 << np.arange(f.dims, dtype=np.int64))
            choice[i] = xp.sum(xp.astype(ex, xp.int64) * bits, axis=1)
            excluded.append((f.positions, ex))
        elif f.kind == "dirichlet":
            raise ValueError("a Dirichlet input is decoded on the host")
    zeros = xp.zeros(r, dtype=xp.int64, device=dev)
    variant = zeros
    for fi, rad in zip(plan.data_factors, plan.radix, strict=True):
        variant = variant * rad + choice[fi]
    agg = choice[plan.agg_factor] if plan.agg_factor is not None else zeros
    excl = choice[plan.excl_factor] if plan.excl_factor is not None else zeros
    w = xp.take(be.asarray(plan.W0), variant, axis=0)
    for i, f in enumerate(plan.factors):
        if f.kind != "weight_noise":
            continue
        sel = np.zeros((f.dims, e))
        sel[np.arange(f.dims), list(f.positions)] = 1.0
        fr = be.asarray(np.asarray(f.fractions))
        noise = u[:, edges[i] : edges[i + 1]] * (2 * fr) + (1 - fr)
        # exact: each perturbed column gets its noise times one plus zeros, the others 1
        w = w * (noise @ be.asarray(sel) + be.asarray(1.0 - sel.sum(axis=0)))
    incl = xp.take(be.asarray(plan.kernel.incl), excl, axis=0)
    for pos, ex in excluded:
        sel = np.zeros((len(pos), k))
        sel[np.arange(len(pos)), list(pos)] = 1.0
        incl = xp.logical_and(incl, ~(xp.astype(ex, xp.float64) @ be.asarray(sel) > 0))
    dead = xp.zeros(r, dtype=xp.bool, device=dev)
    if not bool(xp.all(incl)):
        wk = xp.where(incl, w[:, :k], xp.zeros_like(w[:, :k]))
        w = xp.concat([wk, w[:, k:]], axis=1) if e > k else wk
        alive = (xp.astype(incl, xp.float32) @ be.asarray(plan.descend)) > 0
        dead = ~xp.all(alive, axis=1)
    bad = ~xp.isfinite(xp.sum(w, axis=1))
    return DeviceDecoded(
        be.to_numpy(variant).astype(np.int64),
        be.to_numpy(agg).astype(np.int64),
        w,
        incl,
        be.to_numpy(bad).astype(bool),
        be.to_numpy(dead).astype(bool),
    )


def summarise_chunk(
    plan: Plan,
    be: Backend,
    summary: Summary,
    rows: npt.NDArray[np.int64],
    variant: int,
    agg: int,
    weights: Any,
    incl: Any,
    pre_fail: npt.NDArray[np.bool_],
    dead: npt.NDArray[np.bool_],
) -> None:
    """Evaluate one chunk on the device and add it to ``summary``: only counts come back."""
    from aicap.index.uncertainty.evaluate import _dead_reasons
    from aicap.index.uncertainty.kernel import _device_scores

    xp = be.xp
    kernel = plan.kernel
    r = int(rows.size)
    n = len(plan.units)
    fail = np.zeros(r, dtype=np.int64)
    reasons: list[str | None] = [None] * r
    if kernel.variant_fail[variant] is not None:
        fail[:] = FAIL_VARIANT
        summary.add_counts(rows, fail, [kernel.variant_fail[variant]] * r)
        return
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # as evaluate_chunk
        score, domain_fail, live = _device_scores(kernel, be, variant, agg, weights, incl)
    dfail = be.to_numpy(domain_fail).astype(bool)
    fail[dfail] = FAIL_DOMAIN
    for i in np.nonzero(dfail)[0].tolist():
        reasons[i] = "aggregate: mean undefined for a zero or negative value"
    fail[pre_fail] = FAIL_WEIGHTS
    for i in np.nonzero(pre_fail)[0].tolist():
        reasons[i] = "weights: a drawn weight is not finite"
    dd = np.nonzero(dead)[0]
    fail[dd] = 3  # FAIL_EXCLUDE
    if dd.size:
        host_incl = np.asarray(be.to_numpy(incl), dtype=bool)[dd]
        for i, msg in zip(dd.tolist(), _dead_reasons(plan, host_incl), strict=True):
            reasons[i] = msg
    if (fail != OK).any():
        okrow = be.asarray(fail == OK)
        score = xp.where(okrow[:, None], score, xp.full_like(score, xp.nan))
    rank = rank_desc_batched(xp, score)
    units = be.asarray(np.nonzero(live)[0].astype(np.int64))
    # rank keys: unit * (n + 1) + rank, for ranked cells
    have = ~xp.isnan(rank)
    ucol = xp.broadcast_to(units[None, :], rank.shape)
    rkey = ucol * (n + 1) + xp.astype(xp.where(have, rank, xp.zeros_like(rank)), xp.int64)
    rk_vals, rk_counts = xp.unique_counts(rkey[have])
    # score keys on the grid; scores beyond it come back exactly
    lo = xp.take(be.asarray(summary.lo), units)
    inv = xp.take(be.asarray(1.0 / summary.width), units)
    live_s = ~xp.isnan(score)
    pos = (score - lo[None, :]) * inv[None, :]
    tol = 1e-6
    far = live_s & ((pos < -tol) | (pos > SCORE_BINS + tol))
    inside = live_s & ~far
    b = xp.clip(xp.floor(pos), min=0.0, max=float(SCORE_BINS - 1))
    skey = ucol * SCORE_BINS + xp.astype(xp.where(inside, b, xp.zeros_like(b)), xp.int64)
    sk_vals, sk_counts = xp.unique_counts(skey[inside])
    big = xp.full_like(score, xp.inf)
    smin = xp.min(xp.where(live_s, score, big), axis=0)
    smax = xp.max(xp.where(live_s, score, -big), axis=0)
    d = xp.abs(rank - xp.take(be.asarray(kernel.nominal_rank), units)[None, :])
    okd = ~xp.isnan(d)
    tot = xp.sum(xp.where(okd, d, xp.zeros_like(d)), axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):  # a row with no ranks: NaN
        mars = be.to_numpy(tot / xp.sum(xp.astype(okd, xp.float64), axis=1))
    wins = both = None
    if kernel.pairwise and summary.wins is not None:
        w_, b_ = outrank_counts(xp, rank)
        idx = np.nonzero(live)[0]
        wins = np.zeros((n, n), dtype=np.int64)
        both = np.zeros((n, n), dtype=np.int64)
        wins[np.ix_(idx, idx)] = be.to_numpy(w_)
        both[np.ix_(idx, idx)] = be.to_numpy(b_)
    idx_np = np.nonzero(live)[0]
    full_min = np.full(n, np.inf)
    full_max = np.full(n, -np.inf)
    full_min[idx_np] = be.to_numpy(smin)
    full_max[idx_np] = be.to_numpy(smax)
    summary.add_counts(
        rows,
        fail,
        reasons,
        mars=np.where(fail == OK, mars, np.nan),
        rank_keys=(be.to_numpy(rk_vals), be.to_numpy(rk_counts)),
        score_keys=(be.to_numpy(sk_vals), be.to_numpy(sk_counts)),
        score_min=full_min,
        score_max=full_max,
        outside=(be.to_numpy(ucol[far]), be.to_numpy(score[far])),
        wins=wins,
        both=both,
    )
