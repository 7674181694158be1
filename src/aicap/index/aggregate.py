"""Aggregation methods (COINr's ``a_*``) as batched contractions.

Every aggregator takes ``x`` of shape ``(..., n_units, n_children)`` and a weight matrix ``w`` of
shape ``(..., n_children, n_aggregates)`` whose column ``j`` holds the weights of the children of
aggregate ``j`` (zero elsewhere), and returns ``(..., n_units, n_aggregates)``. A whole level is
one matrix product; a leading axis of ``w`` (replications) broadcasts. Missing children are
skipped and the remaining weights renormalised, as COINr does.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from aicap.index.errors import ComputationError
from aicap.index.registry import register

FloatArray = npt.NDArray[np.float64]


def _masked(x: FloatArray, fill: float = 0.0) -> tuple[FloatArray, FloatArray]:
    ok = ~np.isnan(x)
    return np.where(ok, x, fill), ok.astype(np.float64)


def _den(ok: FloatArray, w: FloatArray) -> FloatArray:
    return np.asarray(ok @ w, dtype=np.float64)


def _wsum(v: FloatArray, w: FloatArray) -> FloatArray:
    """``v @ w`` where an infinite ``v[i]`` counts only for the aggregates it belongs to.

    In a plain matrix product ``inf * 0`` is NaN, so one child's infinity would make every
    other aggregate of the level NaN for that unit. As in COINr (``sum(x * w, na.rm = TRUE)``
    over one aggregate's children), an aggregate with a ``+inf`` child is ``+inf``, with a
    ``-inf`` child ``-inf``, with both NaN; a child of weight 0 does not count.
    """
    fin = np.isfinite(v)
    if fin.all():
        return np.asarray(v @ w, dtype=np.float64)
    s = np.asarray(np.where(fin, v, 0.0) @ w, dtype=np.float64)
    nz = (w != 0).astype(np.float64)
    pos = ((v == np.inf).astype(np.float64) @ nz) > 0
    neg = ((v == -np.inf).astype(np.float64) @ nz) > 0
    return np.where(pos & neg, np.nan, np.where(pos, np.inf, np.where(neg, -np.inf, s)))


def _hits(bad: npt.NDArray[np.bool_], w: FloatArray) -> npt.NDArray[np.bool_]:
    """``(..., n, g)``: unit ``i`` has a ``bad`` child in aggregate ``j`` (weight non-zero).
    A domain check looks at each aggregate's own children, never at the whole level."""
    return np.asarray((bad.astype(np.float64) @ (w != 0).astype(np.float64)) > 0)


class DomainError(ComputationError):
    """A mean applied to values outside its domain; ``hits`` lists (unit row, aggregate
    column) pairs, so that the frame layer can name the unit and aggregate codes."""

    def __init__(self, what: str, advice: str, hits: list[tuple[int, int]]) -> None:
        self.what, self.advice, self.hits = what, advice, hits
        shown = ", ".join(f"unit row {u} in aggregate column {a}" for u, a in hits[:3])
        super().__init__(f"{what} ({shown}{self.more()}): {advice}")

    def more(self) -> str:
        return f" and {len(self.hits) - 3} more" if len(self.hits) > 3 else ""


def _domain_error(hit: npt.NDArray[np.bool_], what: str, advice: str) -> DomainError:
    units, aggs = np.nonzero(hit.reshape(-1, *hit.shape[-2:]).any(axis=0))
    return DomainError(what, advice, [(int(u), int(a)) for u, a in zip(units, aggs, strict=True)])


@register("aggregate", "amean", aliases=("a_amean", "arithmetic_mean", "mean"))
def a_amean(x: FloatArray, w: FloatArray) -> FloatArray:
    """Weighted arithmetic mean."""
    xz, ok = _masked(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(_wsum(xz, w) / _den(ok, w), dtype=np.float64)


NONPOSITIVE = ("error", "na", "floor")


def gmean_nonpositive(x: FloatArray, w: FloatArray) -> npt.NDArray[np.bool_]:
    """``(..., n, g)``: the aggregates a geometric mean cannot take (a child <= 0)."""
    with np.errstate(invalid="ignore"):
        return _hits(x <= 0, w)


@register("aggregate", "gmean", aliases=("a_gmean", "geometric_mean"))
def a_gmean(
    x: FloatArray, w: FloatArray, *, nonpositive: str = "error", floor: float | None = None
) -> FloatArray:
    """Weighted geometric mean; values must be > 0.

    ``nonpositive`` says what a zero or negative child does: ``"error"`` (COINr: the build
    stops), ``"na"`` (that unit's aggregate is NaN, flagged ``nonpositive:gmean``; its other
    aggregates and the other units are computed; the UNDP leaves such an HDI unpublished), or
    ``"floor"`` (values below ``floor`` > 0 count as ``floor``, flagged ``floored:gmean``).
    """
    if nonpositive not in NONPOSITIVE:
        raise ComputationError(
            f"nonpositive must be one of {', '.join(NONPOSITIVE)}; got {nonpositive!r}"
        )
    if nonpositive == "floor":
        if floor is None or not floor > 0:
            raise ComputationError(f"nonpositive 'floor' needs a floor > 0; got {floor!r}")
        with np.errstate(invalid="ignore"):
            x = np.where(x < floor, floor, x)
    hit = gmean_nonpositive(x, w)
    if hit.any() and nonpositive == "error":
        raise _domain_error(
            hit,
            "geometric mean of a zero or negative value",
            "normalise to positive values first (e.g. minmax with l_u [1, 100]), use "
            "another aggregator, or set nonpositive: na (that unit's aggregate is missing) "
            "or nonpositive: floor with a floor",
        )
    xz, ok = _masked(x, 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        y = np.exp(_wsum(np.log(np.where(xz > 0, xz, 1.0)), w) / _den(ok, w))
    return np.asarray(np.where(hit, np.nan, y), dtype=np.float64)


@register("aggregate", "hmean", aliases=("a_hmean", "harmonic_mean"))
def a_hmean(x: FloatArray, w: FloatArray) -> FloatArray:
    """Weighted harmonic mean (values must be non-zero)."""
    hit = _hits(x == 0, w)
    if hit.any():
        raise _domain_error(hit, "harmonic mean of a zero value", "use another aggregator")
    xz, ok = _masked(x, np.inf)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(_den(ok, w) / _wsum(1.0 / xz, w), dtype=np.float64)


@register("aggregate", "genmean", aliases=("a_genmean", "generalised_mean", "power_mean"))
def a_genmean(x: FloatArray, w: FloatArray, *, p: float = 1.0) -> FloatArray:
    """Weighted generalised (power) mean with exponent ``p`` (``p = 0``: geometric mean)."""
    if p == 0:
        return a_gmean(x, w)
    if p < 0:
        with np.errstate(invalid="ignore"):
            hit = _hits(x <= 0, w)
        if hit.any():
            raise _domain_error(
                hit, "generalised mean with p < 0 of a zero or negative value", "use p > 0"
            )
    xz, ok = _masked(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray((_wsum(xz**p, w) / _den(ok, w)) ** (1.0 / p), dtype=np.float64)


def outrank_matrix(x: FloatArray, w: FloatArray) -> FloatArray:
    """COINr's outranking matrix: ``P[i, j]`` = weight share of indicators where unit ``i``
    beats ``j`` (ties count half; a pair with a missing value counts for neither); ``x`` is
    ``(..., n, m)``, ``w`` is ``(..., m)``. As in COINr, the lower triangle is ``1 - P.T`` of
    the upper one and the diagonal is 0.

    Computed as ``0.5 + (W_beats - W_beaten - W_missing) / (2 W)``, which equals COINr's
    ``(W_beats + W_ties / 2) / W`` but keeps an exact tie at exactly 0.5: summed in another
    order, ``2/6 + (2/6) / 2`` can come out as 0.49999999999999994, which flips a Copeland vote
    (COINr sums in R's extended precision). Differences within 1e-12 of the total weight count
    as ties.
    """
    total = np.nansum(w, axis=-1)[..., None, None]
    a = x[..., :, None, :]
    b = x[..., None, :, :]
    beats = np.einsum("...ijm,...m->...ij", (a > b).astype(np.float64), w)
    beaten = np.einsum("...ijm,...m->...ij", (a < b).astype(np.float64), w)
    both = np.einsum("...ijm,...m->...ij", (~np.isnan(a) & ~np.isnan(b)).astype(np.float64), w)
    d = beats - beaten - (total - both)
    d = np.where(np.abs(d) <= 1e-12 * np.abs(total), 0.0, d)
    p = 0.5 + d / (2 * total)
    n = x.shape[-2]
    upper = np.triu(np.ones((n, n), dtype=bool), 1)
    return np.where(upper, p, np.where(upper.T, 1 - np.swapaxes(p, -1, -2), 0.0))


@register("aggregate", "copeland", aliases=("a_copeland",))
def a_copeland(x: FloatArray, w: FloatArray) -> FloatArray:
    """Copeland score from the weighted outranking matrix: wins minus losses."""
    lead = np.broadcast_shapes(x.shape[:-2], w.shape[:-2])
    out = np.empty((*lead, x.shape[-2], w.shape[-1]))
    members = np.any(w != 0, axis=tuple(range(w.ndim - 2))) if w.ndim > 2 else w != 0
    for j in range(w.shape[-1]):  # loop over aggregates, not units
        m = members[:, j]
        orm = outrank_matrix(x[..., m], w[..., m, j])
        out[..., j] = np.sign(orm - 0.5).sum(axis=-1) - np.sign(
            np.diagonal(orm, axis1=-2, axis2=-1) - 0.5
        )
    return out
