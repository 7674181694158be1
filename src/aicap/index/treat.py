"""Outlier treatment: COINr's default rule (winsorise, else log), logs and Box-Cox.

Array level: ``x`` is ``(n_units, n_indicators)``; each method returns the treated array and a
string array of per-cell flags (``""`` where nothing happened). Columns are treated together:
the winsorisation loop runs over iterations (at most ``winmax``), never over units.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats as sps

from aicap.index.errors import ComputationError
from aicap.index.registry import REGISTRY, register
from aicap.index.stats import nanmax, nanmin, skew, skew_kurt_pass

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
StrArray = npt.NDArray[np.str_]
Treated = tuple[FloatArray, StrArray]


def _flags(shape: tuple[int, ...], mask: BoolArray | None = None, text: str = "") -> StrArray:
    out = np.full(shape, "", dtype=object)
    if mask is not None:
        out[mask] = text
    return out


def winsorise_columns(
    x: FloatArray,
    *,
    winmax: int | None = 5,
    skew_thresh: float = 2.0,
    kurt_thresh: float = 3.5,
    force_win: bool = False,
) -> tuple[FloatArray, BoolArray, BoolArray, npt.NDArray[np.int64]]:
    """COINr's ``winsorise()`` on every column at once.

    While a column fails (``|skew| >= skew_thresh`` and ``kurt >= kurt_thresh``) and fewer than
    ``winmax`` points are winsorised, the most extreme value(s) on the side the skew points to
    (ties together) are replaced by the next value. Returns the array, the high and low
    winsorised masks (as COINr records them) and the number of points winsorised per column.
    """
    x = np.array(x, dtype=np.float64, copy=True)
    n, k = x.shape
    imax = np.zeros((n, k), dtype=bool)
    imin = np.zeros((n, k), dtype=bool)
    nwin = np.zeros(k, dtype=np.int64)
    limit = np.inf if winmax is None else winmax
    passing, _, _ = skew_kurt_pass(x, skew_thresh, kurt_thresh)
    active = (~passing | force_win) & (nwin < limit)
    for _ in range(n):  # each pass winsorises at least one point per active column
        if not active.any():
            break
        cols = np.nonzero(active)[0]
        xa = x[:, cols]
        high = skew(xa) >= 0
        at_max = xa == nanmax(xa)[None, :]
        at_min = xa == nanmin(xa)[None, :]
        next_max = nanmax(np.where(at_max, np.nan, xa))
        next_min = nanmin(np.where(at_min, np.nan, xa))
        sel = np.where(high[None, :], at_max, at_min)
        xa = np.where(sel, np.where(high, next_max, next_min)[None, :], xa)
        imax[:, cols] = np.where(high[None, :], at_max, imax[:, cols])
        imin[:, cols] = np.where(high[None, :], imin[:, cols], at_min)
        x[:, cols] = xa
        nwin[cols] = imax[:, cols].sum(axis=0) + imin[:, cols].sum(axis=0)
        ok, _, _ = skew_kurt_pass(xa, skew_thresh, kurt_thresh)
        active[cols] = (~ok | force_win) & (nwin[cols] < limit)
    return x, imax, imin, nwin


@register("treat", "winsorise", aliases=("winsorize",))
def winsorise(
    x: FloatArray,
    *,
    winmax: int | None = 5,
    skew_thresh: float = 2.0,
    kurt_thresh: float = 3.5,
    force_win: bool = False,
) -> Treated:
    """Winsorise only (no fallback): COINr's ``winsorise()``."""
    xw, imax, imin, _ = winsorise_columns(
        x, winmax=winmax, skew_thresh=skew_thresh, kurt_thresh=kurt_thresh, force_win=force_win
    )
    flags = _flags(x.shape, imax, "winhi")
    flags[imin] = "winlo"
    return xw, flags


@register("treat", "default", aliases=("winsorise_log", "coinr", "Treat"))
def treat_default(
    x: FloatArray,
    *,
    winmax: int | None = 5,
    skew_thresh: float = 2.0,
    kurt_thresh: float = 3.5,
    force_win: bool = False,
    f2: str | None = "log_CT",
    f2_para: dict[str, Any] | None = None,
    combine_treat: bool = False,
) -> Treated:
    """COINr's default ``Treat()``: winsorise up to ``winmax`` points while
    ``|skew| >= skew_thresh`` and ``kurt >= kurt_thresh``; if the column still fails, undo the
    winsorisation (unless ``combine_treat``) and apply ``f2`` (``log_CT`` by default)."""
    x = np.asarray(x, dtype=np.float64)
    passing, _, _ = skew_kurt_pass(x, skew_thresh, kurt_thresh)
    out = x.copy()
    flags = _flags(x.shape)
    fail = np.nonzero(~passing)[0]
    if fail.size == 0:
        return out, flags
    xw, fw = winsorise(
        x[:, fail],
        winmax=winmax,
        skew_thresh=skew_thresh,
        kurt_thresh=kurt_thresh,
        force_win=force_win,
    )
    ok, _, _ = skew_kurt_pass(xw, skew_thresh, kurt_thresh)
    out[:, fail] = xw
    flags[:, fail] = fw
    still = fail[~ok]
    if still.size and f2 not in (None, "none"):
        fn = REGISTRY.get("treat", f2, "recipe", "treat.params.f2").func
        base = out[:, still] if combine_treat else x[:, still]
        x2, f2flags = fn(base, **(f2_para or {}))
        out[:, still] = x2
        prior = flags[:, still] if combine_treat else _flags(base.shape)
        joined = np.where(prior != "", prior + "+" + f2flags, f2flags)
        flags[:, still] = joined
    return out, flags


@register("treat", "none")
def treat_none(x: FloatArray) -> Treated:
    """No treatment."""
    return np.array(x, dtype=np.float64, copy=True), _flags(x.shape)


def _all(x: FloatArray, text: str) -> StrArray:
    return _flags(x.shape, ~np.isnan(x), text)


@register("treat", "log_CT", aliases=("log",))
def log_ct(x: FloatArray) -> Treated:
    """COIN Tool log: ``log(x - min + 0.01 (max - min))``."""
    lo, hi = nanmin(x), nanmax(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.log(x - lo + 0.01 * (hi - lo)), _all(x, "log_CT")


@register("treat", "ln", aliases=("log_natural", "natural_log"))
def ln(x: FloatArray) -> Treated:
    """Plain natural log ``ln(x)`` (e.g. the HDI's income); every value must be > 0. Not
    ``log``, which is COINr's data-dependent ``log_CT``."""
    with np.errstate(invalid="ignore"):
        bad = x <= 0
    if bad.any():
        rows, cols = np.nonzero(bad)
        raise ComputationError(
            f"natural log of a zero or negative value (row {rows[0]}, column {cols[0]}: "
            f"{x[rows[0], cols[0]]!r}; {rows.size} such value(s)): use log_CT or log_CT_orig, "
            "which shift the data first"
        )
    return np.log(x), _all(x, "ln")


@register("treat", "log_CT_orig", aliases=("log_plus1",))
def log_ct_orig(x: FloatArray) -> Treated:
    """``log(x - min + 1)``."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.log(x - nanmin(x) + 1.0), _all(x, "log_CT_orig")


@register("treat", "log_CT_plus")
def log_ct_plus(x: FloatArray) -> Treated:
    """``log(x - min + a)`` for positive skew, ``-log(max + a - x)`` for negative skew,
    ``a = 0.01 (max - min)``."""
    lo, hi = nanmin(x), nanmax(x)
    a = 0.01 * (hi - lo)
    pos = skew(x) > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        y = np.where(pos, np.log(x - lo + a), -np.log(hi + a - x))
    flags = _all(x, "log_CT")
    flags[:, ~pos] = np.where(np.isnan(x[:, ~pos]), "", "log_CT_neg")
    return y, flags


@register("treat", "log_GII")
def log_gii(x: FloatArray) -> Treated:
    """GII log: ``log((max - 1)(x - min)/(max - min) + 1)`` (COINr 1.1.14 computes this but
    returns ``x`` unchanged; here the formula is applied)."""
    lo, hi = nanmin(x), nanmax(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.log((hi - 1) * (x - lo) / (hi - lo) + 1), _all(x, "log_GII")


@register("treat", "boxcox", aliases=("box_cox",))
def boxcox(x: FloatArray, *, lmda: float = 0.5, makepos: bool = True) -> Treated:
    """Box-Cox with a given lambda (``lmda``); ``makepos`` shifts to ``x - min + 1`` first."""
    z = x - nanmin(x) + 1.0 if makepos else x
    with np.errstate(invalid="ignore", divide="ignore"):
        y = np.log(z) if lmda == 0 else (z**lmda - 1.0) / lmda
    return y, _all(x, f"boxcox({lmda:g})")


@register("treat", "boxcox_mle")
def boxcox_mle(x: FloatArray, *, makepos: bool = True) -> Treated:
    """Box-Cox with lambda estimated per column by maximum likelihood (``scipy.stats.boxcox``)."""
    z = x - nanmin(x) + 1.0 if makepos else np.array(x, copy=True)
    out = np.full(x.shape, np.nan)
    flags = _flags(x.shape)
    for j in range(x.shape[1]):  # one likelihood fit per column
        ok = ~np.isnan(z[:, j])
        if ok.sum() < 3 or np.ptp(z[ok, j]) == 0:
            out[:, j] = x[:, j]
            continue
        y, lam = sps.boxcox(z[ok, j])
        out[ok, j] = y
        flags[ok, j] = f"boxcox({lam:.4g})"
    return out, flags


# ---------------------------------------------------------------------------- value maps
# What a treatment did to a whole column, as data, so that goalposts and targets written in the
# indicator's natural units can be mapped the same way: ("identity",) (nothing, or winsorised
# points only), ("ln",), ("log_CT", lo, hi), ("log_CT_orig", lo), ("boxcox", lmda, shift)
# (shift NaN: none), or ("unknown", what) when the map is not a fixed function of the value.
ValueMap = tuple[Any, ...]


def value_map(
    method: str, params: dict[str, Any], before: FloatArray, flags: StrArray
) -> list[ValueMap]:
    """Per column of ``before`` (the data given to treatment ``method``), the map applied."""
    out: list[ValueMap] = []
    for j in range(before.shape[1]):
        kinds = {str(v).split("(")[0] for v in flags[:, j] if v != ""}
        col = before[:, j]
        ok = ~np.isnan(col)
        lo = float(col[ok].min()) if ok.any() else np.nan
        hi = float(col[ok].max()) if ok.any() else np.nan
        if kinds <= {"winhi", "winlo"}:
            out.append(("identity",))
        elif kinds == {"ln"}:
            out.append(("ln",))
        elif kinds == {"log_CT"} and method in ("log_CT", "log_CT_plus", "default"):
            out.append(("log_CT", lo, hi))
        elif kinds == {"log_CT_orig"}:
            out.append(("log_CT_orig", lo))
        elif kinds == {"boxcox"} and method in ("boxcox", "box_cox"):
            lmda = float(params.get("lmda", 0.5))
            out.append(("boxcox", lmda, lo if params.get("makepos", True) else np.nan))
        else:
            out.append(("unknown", "+".join(sorted(kinds))))
    return out


def map_values(vmap: ValueMap, v: FloatArray) -> FloatArray:
    """Apply a column's treatment map to other values of it (goalposts, targets)."""
    v = np.asarray(v, dtype=np.float64)
    kind = vmap[0]
    with np.errstate(invalid="ignore", divide="ignore"):
        if kind == "identity":
            return v
        if kind == "ln":
            return np.asarray(np.log(v), dtype=np.float64)
        if kind == "log_CT":
            lo, hi = vmap[1], vmap[2]
            return np.asarray(np.log(v - lo + 0.01 * (hi - lo)), dtype=np.float64)
        if kind == "log_CT_orig":
            return np.asarray(np.log(v - vmap[1] + 1.0), dtype=np.float64)
        if kind == "boxcox":
            lmda, shift = vmap[1], vmap[2]
            z = v if np.isnan(shift) else v - shift + 1.0
            return np.asarray(np.log(z) if lmda == 0 else (z**lmda - 1.0) / lmda)
    raise ValueError(f"treatment {vmap[1]!r} has no fixed map of values")


def treatment_table(
    method: str,
    params: dict[str, Any],
    cols: list[str],
    before: FloatArray,
    after: FloatArray,
    flags: StrArray,
) -> pd.DataFrame:
    """Per indicator: skew, kurtosis and COINr's pass test before (``.0``) and after (``.1``)
    treatment, points winsorised, the fallback transform applied (if any) and, for an
    indicator that fell back, how many points winsorisation had taken before giving up."""
    st, kt = float(params.get("skew_thresh", 2.0)), float(params.get("kurt_thresh", 3.5))
    pass0, sk0, kt0 = skew_kurt_pass(before, st, kt)
    pass1, sk1, kt1 = skew_kurt_pass(after, st, kt)
    cells = np.asarray(flags, dtype=object)
    parts = [
        [p for v in cells[:, j] if v != "" for p in str(v).split("+")] for j in range(len(cols))
    ]
    n_win = np.array([sum(p.startswith("win") for p in ps) for ps in parts], dtype=np.int64)
    fallback = [
        "+".join(sorted({p.split("(")[0] for p in ps if not p.startswith("win")})) for ps in parts
    ]
    tried = np.zeros(len(cols), dtype=np.int64)
    fell = np.array([f != "" for f in fallback])
    if method == "default" and fell.any():
        _, _, _, nwin = winsorise_columns(
            before[:, fell],
            winmax=params.get("winmax", 5),
            skew_thresh=st,
            kurt_thresh=kt,
            force_win=bool(params.get("force_win", False)),
        )
        tried[fell] = nwin
    return pd.DataFrame(
        {
            "iCode": cols,
            "Method": method,
            "Skew.0": sk0,
            "Kurt.0": kt0,
            "Pass.0": pass0,
            "Winsorised": n_win,
            "Fallback": fallback,
            "WinsorisedBeforeFallback": np.where(fell, tried, 0),
            "Skew.1": sk1,
            "Kurt.1": kt1,
            "Pass.1": pass1,
        }
    )
