"""Sample: the design's uniforms (one documented, seeded stream) and their decoding into each
replication's parameters (data variant, aggregation, exclusions, weights).

The Monte Carlo stream: replication ``r`` takes the ``D`` uniforms at offset ``r D`` of NumPy's
``default_rng(seed).random()`` stream (PCG64, one 64-bit draw per double), i.e. row ``r`` of
``default_rng(seed).random((n, D))``; with ``sampler: sobol``, point ``r`` of
``scipy.stats.qmc.Sobol(D, scramble=True, seed=seed)``. A block of replications starting at
``r0`` is drawn by advancing the generator to ``r0`` (:func:`sample_block`), so any split of the
run into blocks (threads, Dask workers) draws exactly the same replications.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import special

from aicap.index.uncertainty.plan import Factor, FloatArray, IntArray, Plan


# ---------------------------------------------------------------------------- decoding
@dataclass(frozen=True)
class Decoded:
    """The parameters of a batch of replications."""

    u: FloatArray  # (R, D) uniforms
    choices: IntArray  # (R, n_factors) alternative index (-1 for weight factors)
    variant: IntArray  # (R,)
    agg: IntArray  # (R,)
    excl: IntArray  # (R,)
    weights: FloatArray  # (R, E) final weights (zero for an excluded indicator)
    weight_fail: npt.NDArray[np.bool_]  # (R,)
    incl: npt.NDArray[np.bool_]  # (R, k) indicators kept
    dead: npt.NDArray[np.bool_]  # (R,) an aggregate lost all its indicators


def decode(plan: Plan, u: FloatArray) -> Decoded:
    """Map uniforms ``(R, D)`` to replications' parameters (vectorised over ``R``)."""
    u = np.asarray(u, dtype=np.float64)
    r = u.shape[0]
    edges = np.cumsum([0, *plan.dims])
    choices = np.full((r, len(plan.factors)), -1, dtype=np.int64)
    out_bits: list[tuple[Factor, npt.NDArray[np.bool_]]] = []
    for i, f in enumerate(plan.factors):
        if f.discrete:
            k = len(f.labels)
            choices[:, i] = np.minimum((u[:, edges[i]] * k).astype(np.int64), k - 1)
        elif f.kind == "include":  # each indicator out with probability p: a bit mask
            ex = u[:, edges[i] : edges[i + 1]] < f.p_exclude
            choices[:, i] = ex.astype(np.int64) @ (1 << np.arange(f.dims, dtype=np.int64))
            out_bits.append((f, ex))
    variant = np.zeros(r, dtype=np.int64)
    for fi, rad in zip(plan.data_factors, plan.radix, strict=True):
        variant = variant * rad + choices[:, fi]
    agg = choices[:, plan.agg_factor] if plan.agg_factor is not None else np.zeros(r, np.int64)
    excl = choices[:, plan.excl_factor] if plan.excl_factor is not None else np.zeros(r, np.int64)
    w = plan.W0[variant] if plan.W0.shape[0] > 1 else np.repeat(plan.W0, r, axis=0)
    for i, f in enumerate(plan.factors):
        uu = u[:, edges[i] : edges[i + 1]]
        pos: Any = list(f.positions)
        if pos and pos == list(range(pos[0], pos[-1] + 1)):
            pos = slice(pos[0], pos[-1] + 1)  # a view, not a gather
        if f.kind == "weight_noise":
            fr = np.asarray(f.fractions)
            noise = uu * (2 * fr)
            noise += 1 - fr
            w[:, pos] *= noise  # w (1 + f (2u - 1))
        elif f.kind == "dirichlet":
            base = w[:, pos]
            out = np.empty_like(base)
            for g in f.groups:  # sibling groups (a handful), not replications
                gi = list(g)
                tot = base[:, gi].sum(axis=1, keepdims=True)
                alpha = f.concentration * base[:, gi] / tot
                draw = _gammaincinv_runs(alpha, uu[:, gi])
                with np.errstate(invalid="ignore", divide="ignore"):
                    out[:, gi] = draw / draw.sum(axis=1, keepdims=True) * tot
            w[:, pos] = out
    k = plan.kernel.X.shape[2]
    incl = plan.kernel.incl[excl]  # (R, k), a copy
    for f, ex in out_bits:
        incl[:, list(f.positions)] &= ~ex
    dead = np.zeros(r, dtype=bool)
    if not incl.all():
        w[:, :k] = np.where(incl, w[:, :k], 0.0)
        dead = np.asarray(~((incl.astype(np.float32) @ plan.descend) > 0).all(axis=1))
    bad = np.asarray(~np.isfinite(w.sum(axis=1)), dtype=bool)  # a non-finite weight in the row
    return Decoded(u, choices, variant, agg, excl, w, bad, incl, dead)


def _gammaincinv_runs(alpha: FloatArray, u: FloatArray) -> FloatArray:
    """``gammaincinv(alpha, u)`` row by row, computed once per run of identical rows (the
    inverse gamma CDF is costly, and in a Saltelli design the rows ``A, AB_1 ... AB_G`` of a
    block repeat a factor's columns except in ``AB_factor`` and ``B``)."""
    key = np.concatenate([alpha, u], axis=1)
    start = np.ones(key.shape[0], dtype=bool)
    start[1:] = (key[1:] != key[:-1]).any(axis=1)
    if start.all():
        return np.asarray(special.gammaincinv(alpha, u), dtype=np.float64)
    first = np.nonzero(start)[0]
    draw = special.gammaincinv(alpha[first], u[first])
    return np.asarray(draw[np.cumsum(start) - 1], dtype=np.float64)


def sample_uniform(plan: Plan, n: int | None = None, seed: int | None = None) -> FloatArray:
    """Monte Carlo design: ``(n, D)`` uniforms (pseudo-random, or a scrambled Sobol'
    sequence with ``sampler: sobol``), from the spec's seed: replications ``0 .. n - 1`` of
    the stream (:func:`sample_block`)."""
    return sample_block(plan, 0, n or plan.spec.n, seed)


def sample_block(plan: Plan, start: int, size: int, seed: int | None = None) -> FloatArray:
    """Replications ``start .. start + size - 1`` of the Monte Carlo stream, ``(size, D)``:
    rows of ``default_rng(seed).random((n, D))`` (the PCG64 generator advanced by
    ``start * D`` draws), or points of the scrambled Sobol' sequence (fast-forwarded by
    ``start``). Any split of a run into blocks draws the same replications."""
    seed = plan.spec.seed if seed is None else seed
    d = int(sum(plan.dims))
    if plan.spec.sampler == "counter":
        from aicap.index.uncertainty.device import counter_uniforms

        return np.asarray(counter_uniforms(np, seed, start, size, d), dtype=np.float64)
    if plan.spec.sampler == "sobol":
        from scipy.stats import qmc

        eng = qmc.Sobol(d=d, scramble=True, seed=seed)
        if start:
            eng.fast_forward(start)
        return np.asarray(eng.random(size), dtype=np.float64)
    bits = np.random.PCG64(seed)
    if start:
        bits.advance(start * d)
    return np.random.Generator(bits).random((size, d))


def take(dec: Decoded, rows: slice) -> Decoded:
    """Replications ``rows`` of ``dec`` (views)."""
    return Decoded(*(getattr(dec, f.name)[rows] for f in fields(Decoded)))


def saltelli_block(dims: list[int], start: int, size: int, seed: int | None) -> FloatArray:
    """Rows of the Saltelli design for base samples ``start .. start + size - 1``: the rows
    ``start (G + 2) ..`` of :func:`aicap.index.sensitivity.saltelli_sample` (SALib's design,
    blocks ``A, AB_1 .. AB_G, B``), from ``qmc.Sobol(2 D, scramble=True, seed)``
    fast-forwarded by ``start`` points: any split of the design draws the same rows."""
    import warnings

    from scipy.stats import qmc

    d = int(sum(dims))
    eng = qmc.Sobol(d=2 * d, scramble=True, seed=seed)
    if start:
        eng.fast_forward(start)
    with warnings.catch_warnings():  # a stretch of a power-of-2 design need not be one
        warnings.simplefilter("ignore", UserWarning)
        base = eng.random(size)
    a, b = base[:, :d], base[:, d:]
    g = len(dims)
    out = np.empty((size, g + 2, d))
    out[:, 0] = a
    out[:, g + 1] = b
    edges = np.cumsum([0, *dims])
    for i in range(g):  # one block per factor (a handful), not per run
        out[:, i + 1] = a
        out[:, i + 1, edges[i] : edges[i + 1]] = b[:, edges[i] : edges[i + 1]]
    return out.reshape(size * (g + 2), d)
