"""Impute missing values: column means/medians, group means/medians, panel rules, multivariate.

Array level: ``x`` is ``(n_units, n_indicators)``; only NaN cells change.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from aicap.index.registry import register
from aicap.index.stats import nanmax, nanmean, nanmin

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def _fill(x: FloatArray, values: FloatArray) -> FloatArray:
    """Replace NaNs of ``x`` with ``values`` (broadcast to ``x``)."""
    return np.where(np.isnan(x), values, x)


@register("impute", "mean", aliases=("i_mean",))
def i_mean(x: FloatArray) -> FloatArray:
    """Column mean."""
    return _fill(x, nanmean(x)[None, :])


@register("impute", "median", aliases=("i_median",))
def i_median(x: FloatArray) -> FloatArray:
    """Column median."""
    med = np.full(x.shape[1], np.nan)
    has = ~np.isnan(x).all(axis=0)
    med[has] = np.nanmedian(x[:, has], axis=0)
    return _fill(x, med[None, :])


def _one_hot(groups: IntArray) -> npt.NDArray[np.float64]:
    n_groups = int(groups.max()) + 1 if groups.size and groups.max() >= 0 else 0
    g = np.zeros((groups.size, n_groups))
    ok = groups >= 0
    g[np.nonzero(ok)[0], groups[ok]] = 1.0
    return g


@register("impute", "mean_group", aliases=("i_mean_grp", "group_mean"), needs=("groups",))
def i_mean_grp(x: FloatArray, *, groups: IntArray) -> FloatArray:
    """Mean of the indicator within the unit's group (units without a group are left as NaN)."""
    g = _one_hot(groups)
    ok = ~np.isnan(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = (g.T @ np.where(ok, x, 0.0)) / (g.T @ ok)
    fill = np.full(x.shape, np.nan)
    has = groups >= 0
    fill[has] = means[groups[has]]
    return _fill(x, fill)


@register("impute", "median_group", aliases=("i_median_grp", "group_median"), needs=("groups",))
def i_median_grp(x: FloatArray, *, groups: IntArray) -> FloatArray:
    """Median of the indicator within the unit's group."""
    fill = np.full(x.shape, np.nan)
    for gi in np.unique(groups[groups >= 0]):  # loop over groups, not units
        rows = groups == gi
        fill[rows] = i_median(x[rows])
    return _fill(x, fill)


@register("impute", "none")
def i_none(x: FloatArray) -> FloatArray:
    """Leave missing values missing."""
    return x.copy()


# ---------------------------------------------------------------------------- panel
def _prev_next(ok: npt.NDArray[np.bool_]) -> tuple[IntArray, IntArray]:
    """Index of the last observed time <= t and the first observed time >= t (-1 / T if none)."""
    t = ok.shape[0]
    ar = np.arange(t).reshape((t,) + (1,) * (ok.ndim - 1))
    prev = np.maximum.accumulate(np.where(ok, ar, -1), axis=0)
    nxt = np.minimum.accumulate(np.where(ok, ar, t)[::-1], axis=0)[::-1]
    return prev, nxt


def _take(cube: FloatArray, idx: IntArray) -> FloatArray:
    return np.take_along_axis(cube, np.clip(idx, 0, cube.shape[0] - 1), axis=0)


@register("impute", "panel_latest", aliases=("latest", "impute_panel"), needs=("panel",))
def panel_latest(cube: FloatArray, times: FloatArray, *, max_time: int | None = None) -> FloatArray:
    """Latest earlier value of the same unit, looking back at most ``max_time`` time points."""
    ok = ~np.isnan(cube)
    prev, _ = _prev_next(ok)
    t = np.arange(cube.shape[0]).reshape((-1,) + (1,) * (cube.ndim - 1))
    usable = prev >= 0
    if max_time is not None:
        usable &= (t - prev) <= max_time
    return np.where(ok, cube, np.where(usable, _take(cube, prev), np.nan))


@register("impute", "panel_constant", aliases=("constant",), needs=("panel",))
def panel_constant(cube: FloatArray, times: FloatArray) -> FloatArray:
    """Step function through the unit's observations (last value carried; first value before)."""
    ok = ~np.isnan(cube)
    prev, nxt = _prev_next(ok)
    carried = np.where(prev >= 0, _take(cube, prev), _take(cube, nxt))
    return np.where(ok, cube, carried)


@register("impute", "panel_linear", aliases=("linear", "linear-constant"), needs=("panel",))
def panel_linear(cube: FloatArray, times: FloatArray) -> FloatArray:
    """Linear interpolation in time between the unit's observations, constant beyond them."""
    ok = ~np.isnan(cube)
    t_count = cube.shape[0]
    prev, nxt = _prev_next(ok)
    tt = np.asarray(times, dtype=np.float64).reshape((-1,) + (1,) * (cube.ndim - 1))
    tt = np.broadcast_to(tt, cube.shape)
    y0, y1 = _take(cube, prev), _take(cube, nxt)
    t0, t1 = _take(tt, prev), _take(tt, nxt)
    with np.errstate(invalid="ignore", divide="ignore"):
        lin = y0 + (y1 - y0) * (tt - t0) / (t1 - t0)
    both = (prev >= 0) & (nxt < t_count)
    out = np.where(both, lin, np.where(prev >= 0, y0, np.where(nxt < t_count, y1, np.nan)))
    return np.where(ok, cube, out)


# ---------------------------------------------------------------------------- multivariate
def _scale(x: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    lo, hi = nanmin(x, axis=0), nanmax(x, axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    return (x - lo) / span, lo, span


@register("impute", "knn", aliases=("i_knn", "k_nearest_neighbours"))
def i_knn(x: FloatArray, *, n_neighbors: int = 5, normalise_first: bool = True) -> FloatArray:
    """k-nearest-neighbour imputation (scikit-learn ``KNNImputer``), on min-max scaled columns."""
    from sklearn.impute import KNNImputer

    xs, lo, span = _scale(x) if normalise_first else (x, np.zeros(x.shape[1]), np.ones(x.shape[1]))
    imp = KNNImputer(n_neighbors=n_neighbors, keep_empty_features=True)
    out = np.asarray(imp.fit_transform(xs), dtype=np.float64) * span + lo
    out[:, np.asarray(np.isnan(x).all(axis=0))] = np.nan
    return _fill(x, out)


@register("impute", "iterative", aliases=("i_iterative", "em"))
def i_iterative(
    x: FloatArray, *, max_iter: int = 10, random_state: int = 0, normalise_first: bool = True
) -> FloatArray:
    """Iterative (chained-equations, EM-like) imputation: scikit-learn ``IterativeImputer``."""
    from sklearn.experimental import enable_iterative_imputer  # noqa: F401
    from sklearn.impute import IterativeImputer

    xs, lo, span = _scale(x) if normalise_first else (x, np.zeros(x.shape[1]), np.ones(x.shape[1]))
    imp = IterativeImputer(max_iter=max_iter, random_state=random_state, keep_empty_features=True)
    out = np.asarray(imp.fit_transform(xs), dtype=np.float64) * span + lo
    out[:, np.asarray(np.isnan(x).all(axis=0))] = np.nan
    return _fill(x, out)
