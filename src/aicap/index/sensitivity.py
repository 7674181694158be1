"""Variance-based (Sobol') sensitivity: Saltelli design and estimators, vectorised over outputs.

Design (Saltelli 2002; 2010): a scrambled Sobol' sequence of ``2 D`` dimensions gives matrices
``A`` and ``B`` (``N x D``); ``AB_i`` is ``A`` with the columns of factor (group) ``i`` taken
from ``B``. Rows are laid out as SALib's ``sobol.sample(..., calc_second_order=False)`` does:
for each ``j``: ``A_j, AB_1j, ..., AB_Gj, B_j`` (``N (G + 2)`` rows), so SALib's own analysis
reads the same outputs.

Estimators, for every output column at once (``Y`` is ``(N (G + 2), ...)``):

* first order, Saltelli et al. (2010), *Comput. Phys. Commun.* 181, 259-270, Table 2 (b):
  ``S_i = mean(f(B) (f(AB_i) - f(A))) / V``;
* total order, Jansen (1999), *Comput. Phys. Commun.* 117, 35-43, as in Saltelli et al. (2010)
  Table 2 (f): ``ST_i = mean((f(A) - f(AB_i))^2) / (2 V)``;
* ``V`` the variance of ``f(A)`` and ``f(B)`` pooled; outputs are centred and scaled first
  (as SALib does), confidence intervals are ``z * sd`` of bootstrap replicates, where resample
  ``b`` draws ``N`` rows with replacement (the same draws as SALib's for the same seed); a
  resample's means are one matrix product of resample counts with the row terms.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.stats import norm, qmc

FloatArray = npt.NDArray[np.float64]


def saltelli_sample(dims: list[int], n: int, seed: int | None) -> FloatArray:
    """Saltelli matrix ``(n (G + 2), D)`` in ``[0, 1)`` for ``G = len(dims)`` factors (factor
    ``g`` spans ``dims[g]`` columns), from ``qmc.Sobol(2 D, scramble=True, seed)``: identical to
    SALib's ``sobol.sample(problem, n, calc_second_order=False, seed=seed)`` with those groups."""
    d = int(sum(dims))
    base = qmc.Sobol(d=2 * d, scramble=True, seed=seed).random(n)
    a, b = base[:, :d], base[:, d:]
    g = len(dims)
    out = np.empty((n, g + 2, d))
    out[:, 0] = a
    out[:, g + 1] = b
    edges = np.cumsum([0, *dims])
    for i in range(g):  # one block per factor (a handful), not per run
        out[:, i + 1] = a
        out[:, i + 1, edges[i] : edges[i + 1]] = b[:, edges[i] : edges[i + 1]]
    return out.reshape(n * (g + 2), d)


@dataclass(frozen=True)
class SobolIndices:
    """First- and total-order indices ``(G, ...)`` with confidence half-widths."""

    S1: FloatArray
    S1_conf: FloatArray
    ST: FloatArray
    ST_conf: FloatArray
    n_valid: int


def _split(y: FloatArray, g: int) -> tuple[FloatArray, FloatArray, FloatArray]:
    n = y.shape[0] // (g + 2)
    blocks = y.reshape(n, g + 2, *y.shape[1:])
    return blocks[:, 0], blocks[:, 1 : g + 1], blocks[:, g + 1]


def _ratio(num: FloatArray, var: FloatArray) -> FloatArray:
    eps = np.finfo(float).eps
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(var > eps, num / np.where(var > eps, var, 1.0), 0.0)


def sobol_indices(
    y: npt.ArrayLike,
    n_factors: int,
    *,
    num_resamples: int = 100,
    conf_level: float = 0.95,
    seed: int | None = None,
    xp: Any = np,
    budget: int = 64 * 2**20,
) -> SobolIndices:
    """First-order (Saltelli 2010) and total-order (Jansen) indices of every output column.

    ``y`` is ``(N (G + 2), ...)`` in :func:`saltelli_sample` order (blocks ``A, AB_1..AB_G,
    B``). A block with a NaN in any of its runs (a failed replication) is dropped. ``xp`` runs
    the bootstrap product on another array backend (NumPy by default). Output columns are
    processed in groups whose per-block terms fit in ``budget`` bytes (memory stays bounded
    however many outputs there are, e.g. one per country)."""
    arr = np.asarray(y, dtype=np.float64)
    g = n_factors
    if arr.shape[0] % (g + 2):
        raise ValueError(f"{arr.shape[0]} outputs is not a multiple of G + 2 = {g + 2}")
    trailing = arr.shape[1:]
    flat = arr.reshape(arr.shape[0], -1)
    blocks = flat.reshape(-1, g + 2, flat.shape[1])
    good = ~np.isnan(blocks).any(axis=(1, 2))
    if not good.all():
        blocks = blocks[good]
    n, m_all = blocks.shape[0], blocks.shape[2]
    if n < 2:
        nanres = np.full((g, *trailing), np.nan)
        return SobolIndices(nanres, nanres, nanres, nanres, n)
    # bootstrap resample counts (B, n), SALib's draws: one matrix product per column group
    draws = np.random.default_rng(seed).integers(n, size=(n, num_resamples))
    flat_idx = (np.arange(num_resamples)[None, :] * n + draws).ravel()
    counts = np.bincount(flat_idx, minlength=num_resamples * n).astype(np.float64)
    c = xp.asarray(np.vstack([counts.reshape(num_resamples, n), np.ones((1, n))]))
    zq = float(norm.ppf(0.5 + conf_level / 2))
    res = np.full((4, g, m_all), np.nan)
    width = max(1, budget // (8 * n * (2 + 2 * g)))
    for c0 in range(0, m_all, width):  # groups of output columns (units), not replications
        c1 = min(c0 + width, m_all)
        res[:, :, c0:c1] = _indices(blocks[:, :, c0:c1], g, c, xp, zq)
    shape = (g, *trailing)
    return SobolIndices(
        res[0].reshape(shape),
        res[1].reshape(shape),
        res[2].reshape(shape),
        res[3].reshape(shape),
        n,
    )


def _indices(blocks: FloatArray, g: int, c: Any, xp: Any, zq: float) -> FloatArray:
    """``(4, G, m)``: S1, S1_conf, ST, ST_conf of the columns of ``blocks (n, G + 2, m)``;
    ``c`` is ``(B + 1, n)``: the bootstrap resample counts, then a row of ones (the point
    estimate's sums come out of the same matrix product)."""
    n, _, m = blocks.shape
    num_resamples = c.shape[0] - 1
    z = np.array(blocks, dtype=np.float64)  # a contiguous copy, standardised in place
    z -= z.mean(axis=(0, 1))
    sd = np.sqrt(np.einsum("ijk,ijk->k", z, z) / (n * (g + 2)))
    z /= np.where(sd > 0, sd, 1.0)
    a, ab, b = z[:, 0], z[:, 1 : g + 1], z[:, g + 1]
    # row terms: (n, 2 + 2 G, m): sum y, sum y^2 over A and B, then S1 and ST numerators
    terms = np.empty((n, 2 + 2 * g, m))
    np.add(a, b, out=terms[:, 0])
    np.multiply(a, a, out=terms[:, 1])
    terms[:, 1] += b * b
    np.subtract(ab, a[:, None, :], out=terms[:, 2 : 2 + g])
    terms[:, 2 : 2 + g] *= b[:, None, :]
    d = terms[:, 2 + g :]
    np.subtract(a[:, None, :], ab, out=d)
    d *= d
    d *= 0.5
    tm = xp.asarray(terms.reshape(n, -1))
    prod = np.from_dlpack(c @ tm) if xp is not np else c @ tm
    sums = np.asarray(prod).reshape(num_resamples + 1, 2 + 2 * g, m) / n
    point, boot = sums[-1], sums[:-1]
    var = point[1] / 2 - (point[0] / 2) ** 2
    s1 = _ratio(point[2 : 2 + g], var[None, :])
    st = _ratio(point[2 + g :], var[None, :])
    bvar = boot[:, 1] / 2 - (boot[:, 0] / 2) ** 2
    bs1 = _ratio(boot[:, 2 : 2 + g], bvar[:, None, :])
    bst = _ratio(boot[:, 2 + g :], bvar[:, None, :])
    return np.stack([s1, zq * bs1.std(axis=0, ddof=1), st, zq * bst.std(axis=0, ddof=1)])


# ---------------------------------------------------------------------- analytic test functions
def ishigami(x: FloatArray, a: float = 7.0, b: float = 0.1) -> FloatArray:
    """Ishigami function on ``x`` in ``[-pi, pi]^3``."""
    return np.asarray(
        np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0]),
        dtype=np.float64,
    )


def ishigami_indices(a: float = 7.0, b: float = 0.1) -> tuple[FloatArray, FloatArray]:
    """Analytic first- and total-order indices of the Ishigami function."""
    pi = np.pi
    v1 = 0.5 * (1 + b * pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * pi**8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    return np.array([v1, v2, 0.0]) / v, np.array([v1 + v13, v2, v13]) / v


def sobol_g(x: FloatArray, a: FloatArray) -> FloatArray:
    """Sobol' G function on ``[0, 1]^d`` with coefficients ``a``."""
    return np.asarray(np.prod((np.abs(4 * x - 2) + a) / (1 + a), axis=1), dtype=np.float64)


def sobol_g_indices(a: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Analytic first- and total-order indices of the G function."""
    vi = 1 / (3 * (1 + np.asarray(a, dtype=np.float64)) ** 2)
    v = np.prod(1 + vi) - 1
    total = vi * np.prod(1 + vi) / (1 + vi)
    return vi / v, total / v
