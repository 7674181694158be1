"""Screen units by data availability (COINr's ``Screen``)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from aicap.index.registry import register

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def availability(x: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Per unit: share of indicators present, and share of present values that are non-zero."""
    na = np.isnan(x)
    k = x.shape[-1]
    n_na = na.sum(axis=-1)
    n_zero = ((x == 0) & ~na).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return 1.0 - n_na / k, 1.0 - n_zero / (k - n_na)


@register("screen", "byNA", aliases=("by_na", "missing"))
def by_na(x: FloatArray, *, dat_thresh: float = 2 / 3) -> BoolArray:
    """Keep units with at least ``dat_thresh`` of their indicators present."""
    avail, _ = availability(x)
    return np.asarray(~(avail < dat_thresh))


@register("screen", "byzeros", aliases=("by_zeros", "zeros"))
def by_zeros(x: FloatArray, *, nonzero_thresh: float = 0.05) -> BoolArray:
    """Keep units with at least ``nonzero_thresh`` of their present values non-zero."""
    _, nonzero = availability(x)
    return np.asarray(~(nonzero < nonzero_thresh))


@register("screen", "byNAandzeros", aliases=("by_na_and_zeros", "missing_and_zeros"))
def by_na_and_zeros(
    x: FloatArray, *, dat_thresh: float = 2 / 3, nonzero_thresh: float = 0.05
) -> BoolArray:
    """Keep units passing both the availability and the non-zero threshold."""
    return by_na(x, dat_thresh=dat_thresh) & by_zeros(x, nonzero_thresh=nonzero_thresh)


@register("screen", "none")
def keep_all(x: FloatArray) -> BoolArray:
    """Keep every unit."""
    return np.ones(x.shape[0], dtype=bool)
