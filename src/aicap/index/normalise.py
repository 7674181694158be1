"""Normalisation methods (COINr's ``n_*``), vectorised over ``(..., n_units, n_indicators)``.

The frame layer multiplies each indicator by its direction before calling a normaliser (as
COINr does), so every method here treats "higher is better". Parameters may be scalars or
arrays of length ``n_indicators`` (per-indicator targets, goalposts, bounds).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from aicap.index.registry import register
from aicap.index.stats import nanmax, nanmean, nanmin, nanstd, rank_min

FloatArray = npt.NDArray[np.float64]
Pair = Sequence[float] | FloatArray


def _col(v: float | Sequence[float] | FloatArray) -> FloatArray:
    return np.asarray(v, dtype=np.float64)


@register("normalise", "minmax", aliases=("n_minmax",))
def n_minmax(x: FloatArray, *, l_u: Pair = (0.0, 100.0)) -> FloatArray:
    """Min-max to ``[l_u[0], l_u[1]]``; a constant column gives NaN (as COINr)."""
    lu = _col(l_u)
    lo, hi = lu[0], lu[1]
    minx = nanmin(x)[..., None, :]
    maxx = nanmax(x)[..., None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray((x - minx) / (maxx - minx) * (hi - lo) + lo, dtype=np.float64)


@register("normalise", "zscore", aliases=("n_zscore",))
def n_zscore(x: FloatArray, *, m_sd: Pair = (0.0, 1.0)) -> FloatArray:
    """z-score rescaled to mean ``m_sd[0]`` and standard deviation ``m_sd[1]`` (sample sd)."""
    msd = _col(m_sd)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (x - nanmean(x)[..., None, :]) / nanstd(x)[..., None, :]
        return np.asarray(z * msd[1] + msd[0], dtype=np.float64)


@register("normalise", "scaled", aliases=("n_scaled",))
def n_scaled(
    x: FloatArray, *, npara: Pair = (0.0, 100.0), scale_factor: float = 100.0
) -> FloatArray:
    """``(x - npara[0]) / (npara[1] - npara[0]) * scale_factor`` (fixed bounds)."""
    p = _col(npara)
    return np.asarray((x - p[0]) / (p[1] - p[0]) * scale_factor, dtype=np.float64)


@register("normalise", "dist2max", aliases=("n_dist2max", "distance_to_max"))
def n_dist2max(x: FloatArray) -> FloatArray:
    """``1 - (max - x) / (max - min)``."""
    minx, maxx = nanmin(x)[..., None, :], nanmax(x)[..., None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        return 1 - (maxx - x) / (maxx - minx)


@register("normalise", "dist2ref", aliases=("n_dist2ref", "distance_to_reference"))
def n_dist2ref(x: FloatArray, *, iref: int, cap_max: bool = False) -> FloatArray:
    """``1 - (x_ref - x) / (x_ref - min)`` with ``x_ref`` the value of unit ``iref`` (0-based;
    the frame layer takes the unit code as parameter ``ref``)."""
    minx = nanmin(x)[..., None, :]
    xref = x[..., iref : iref + 1, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        y = 1 - (xref - x) / (xref - minx)
    return np.minimum(y, 1.0) if cap_max else y


@register("normalise", "dist2targ", aliases=("n_dist2targ", "distance_to_target"))
def n_dist2targ(x: FloatArray, *, targ: float | FloatArray, cap_max: bool = False) -> FloatArray:
    """``(x - min) / (target - min)``; the target is direction-adjusted by the frame layer."""
    minx = nanmin(x)[..., None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        y = (x - minx) / (_col(targ) - minx)
    return np.minimum(y, 1.0) if cap_max else y


@register("normalise", "fracmax", aliases=("n_fracmax", "fraction_of_max"))
def n_fracmax(x: FloatArray) -> FloatArray:
    """``x / max``."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return x / nanmax(x)[..., None, :]


@register("normalise", "rank", aliases=("n_rank",))
def n_rank(x: FloatArray) -> FloatArray:
    """Rank, smallest = 1, ties get the minimum rank."""
    return rank_min(x)


@register("normalise", "borda", aliases=("n_borda",))
def n_borda(x: FloatArray) -> FloatArray:
    """Borda score: rank - 1."""
    return rank_min(x) - 1


@register("normalise", "prank", aliases=("n_prank", "percentile_rank"))
def n_prank(x: FloatArray) -> FloatArray:
    """Percentile rank ``(rank - 1) / (n_available - 1)`` in [0, 1]."""
    n = (~np.isnan(x)).sum(axis=-2)[..., None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray((rank_min(x) - 1) / (n - 1), dtype=np.float64)


@register("normalise", "goalposts", aliases=("n_goalposts",))
def n_goalposts(
    x: FloatArray, *, gposts: FloatArray, scale: float = 1.0, trunc2posts: bool = True
) -> FloatArray:
    """``(x - lower) / (upper - lower)``, truncated to [0, 1] (``trunc2posts``), times
    ``scale``. ``gposts`` is ``(2, k)``: direction-adjusted lower and upper goalposts."""
    g = _col(gposts)
    with np.errstate(invalid="ignore", divide="ignore"):
        y = (x - g[0]) / (g[1] - g[0])
    if trunc2posts:
        y = np.clip(y, 0.0, 1.0)
    return np.asarray(y * scale, dtype=np.float64)


@register("normalise", "none")
def n_none(x: FloatArray) -> FloatArray:
    """No normalisation (direction still applied)."""
    return np.array(x, dtype=np.float64, copy=True)
