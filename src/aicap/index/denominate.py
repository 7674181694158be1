"""Denominate: divide indicators by a unit-level column (population, GDP, area...)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from aicap.index.registry import register

FloatArray = npt.NDArray[np.float64]


@register("denominate", "divide", aliases=("denominate", "/"))
def divide(x: FloatArray, d: FloatArray) -> FloatArray:
    """x / d (COINr's default ``f_denom``); a zero denominator gives NaN, not infinity."""
    with np.errstate(divide="ignore", invalid="ignore"):
        y = x / d
    return np.where(np.isfinite(y) | np.isnan(x), y, np.nan)


@register("denominate", "multiply", aliases=("*",))
def multiply(x: FloatArray, d: FloatArray) -> FloatArray:
    """x * d (e.g. to turn a share back into a level)."""
    return x * d
