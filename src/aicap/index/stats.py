"""Array-level statistics used by several steps (NaN-aware, vectorised over columns).

Arrays are laid out ``(..., n_units, n_columns)``; statistics reduce over the units axis (-2).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import stats as sps

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def skew(x: FloatArray) -> FloatArray:
    """Sample skewness (type 2, as ``e1071::skewness`` and COINr's ``skew()``), NaNs dropped.

    Fewer than 3 values give NaN.
    """
    ok = ~np.isnan(x)
    n = ok.sum(axis=-2).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        m = np.nansum(x, axis=-2) / n
        d = np.where(ok, x - m[..., None, :], 0.0)
        m2 = (d**2).sum(axis=-2)
        m3 = (d**3).sum(axis=-2)
        y = np.sqrt(n) * m3 / m2**1.5
        y = y * np.sqrt(n * (n - 1)) / (n - 2)
    return np.where(n >= 3, y, np.nan)


def kurt(x: FloatArray) -> FloatArray:
    """Sample excess kurtosis (type 2, as ``e1071::kurtosis`` and COINr's ``kurt()``).

    Fewer than 4 values give NaN.
    """
    ok = ~np.isnan(x)
    n = ok.sum(axis=-2).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        m = np.nansum(x, axis=-2) / n
        d = np.where(ok, x - m[..., None, :], 0.0)
        m2 = (d**2).sum(axis=-2)
        r = n * (d**4).sum(axis=-2) / m2**2
        y = ((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3))
    return np.where(n >= 4, y, np.nan)


def skew_kurt_pass(
    x: FloatArray, skew_thresh: float = 2.0, kurt_thresh: float = 3.5
) -> tuple[BoolArray, FloatArray, FloatArray]:
    """COINr's ``check_SkewKurt``: passes when ``|skew| < skew_thresh or kurt < kurt_thresh``.

    Columns with too few values for skew or kurtosis pass (nothing can be treated).
    """
    sk = skew(x)
    kt = kurt(x)
    with np.errstate(invalid="ignore"):
        ok = (np.abs(sk) < skew_thresh) | (kt < kurt_thresh)
    return ok | np.isnan(sk) | np.isnan(kt), sk, kt


def rank_desc(x: FloatArray) -> FloatArray:
    """Ranks along axis -2, highest value = 1, ties share the minimum rank, NaN stays NaN."""
    return rank_min(-x)


def rank_min(x: FloatArray) -> FloatArray:
    """Ranks along axis -2 (smallest = 1), ties method "min", NaN kept (R's ``na.last='keep'``)."""
    r = sps.rankdata(x, method="min", axis=-2, nan_policy="omit")
    return np.where(np.isnan(x), np.nan, r).astype(np.float64)


def nanmean(x: FloatArray, axis: int = -2) -> FloatArray:
    """Mean ignoring NaNs, NaN (without a warning) where a column is all NaN."""
    ok = ~np.isnan(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(np.where(ok, x, 0.0).sum(axis=axis) / ok.sum(axis=axis), dtype=np.float64)


def nanstd(x: FloatArray, axis: int = -2) -> FloatArray:
    """Sample standard deviation (n - 1) ignoring NaNs."""
    ok = ~np.isnan(x)
    n = ok.sum(axis=axis)
    m = nanmean(x, axis)
    d = np.where(ok, x - np.expand_dims(m, axis), 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(np.sqrt((d**2).sum(axis=axis) / (n - 1)), dtype=np.float64)


def nanmin(x: FloatArray, axis: int = -2) -> FloatArray:
    """Minimum ignoring NaNs (NaN, without a warning, for an all-NaN column); a zero keeps
    its sign."""
    low = np.where(np.isnan(x), np.inf, x).min(axis=axis, initial=np.inf)
    # np.where, not ``low + 0.0``: -0.0 + 0.0 is +0.0, and the sign of a zero extreme matters
    # (n_fracmax divides by it: -5 / -0.0 is +inf, as in COINr)
    return np.asarray(np.where(np.isnan(x).all(axis=axis), np.nan, low), dtype=np.float64)


def nanmax(x: FloatArray, axis: int = -2) -> FloatArray:
    """Maximum ignoring NaNs (NaN, without a warning, for an all-NaN column); a zero keeps
    its sign."""
    high = np.where(np.isnan(x), -np.inf, x).max(axis=axis, initial=-np.inf)
    return np.asarray(np.where(np.isnan(x).all(axis=axis), np.nan, high), dtype=np.float64)
