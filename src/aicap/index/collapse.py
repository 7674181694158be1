"""Consecutive aggregation levels that share one mean collapse into one contraction.

Every supported mean is ``phi^-1(sum_c w_c phi(x_c) / sum_c w_c)``. When no child value is
missing, the denominator is the sum of the sibling weights, so with weights normalised within
each sibling group ``phi(y) = sum_c w~_c phi(x_c)``. Two levels with the same ``phi`` then nest
linearly: ``phi(y_top) = sum_i (w~_i * w~_parent(i) * ...) phi(x_i)``, the path product of the
normalised weights. An arithmetic index over arithmetic pillars is thus one ``(R, k) x (k, n)``
product per chunk of replications, a geometric one the same product on logs, instead of one
product per aggregate and per level.

:func:`segments` cuts the levels below the target into such runs ("segments"): consecutive
levels with one method each and the same arithmetic or geometric mean merge; any other mean
(harmonic, generalised) is a segment of its own. :func:`evaluate` computes the target from
them. It applies only when the chunk's data have no gaps (else the renormalisation over the
available children differs per unit): the caller checks that and otherwise uses the
level-by-level path. The result equals the level-by-level one to rounding (a test).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from aicap.index.backend import device_of, like

MERGEABLE = frozenset({"amean", "gmean"})


@dataclass(frozen=True)
class Level:
    """One aggregation level: its aggregates' positions and their children's positions."""

    positions: tuple[int, ...]
    children: tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class Segment:
    """Consecutive levels sharing one mean, evaluated as one contraction."""

    method: str
    p: float
    inputs: tuple[int, ...]  # element positions feeding the segment, grouped by output
    owner: npt.NDArray[np.int64]  # per input: index of its output
    paths: tuple[tuple[int, ...], ...]  # per level: per input, the position whose weight counts
    outputs: tuple[int, ...]  # positions of the segment's top-level aggregates
    slices: tuple[tuple[int, int], ...]  # per output: its inputs' [start, stop)


def segments(
    levels: Sequence[Level], methods: Sequence[tuple[str, float]], k: int, target: int
) -> tuple[Segment, ...] | None:
    """The segments up to the level holding ``target``, or ``None`` when the levels do not
    stack cleanly (children skipping a level, a target that is an indicator)."""
    top = next((i for i, lv in enumerate(levels) if target in lv.positions), None)
    if top is None:
        return None
    levels, methods = list(levels[: top + 1]), list(methods[: top + 1])
    parent: dict[int, int] = {}
    for lv in levels:
        for a, kids in zip(lv.positions, lv.children, strict=True):
            for c in kids:
                parent[c] = a
    # clean stacking: level 0's children are indicators, level i's are level i-1's aggregates
    for i, lv in enumerate(levels):
        below = set(range(k)) if i == 0 else set(levels[i - 1].positions)
        if not all(c in below for kids in lv.children for c in kids):
            return None
    runs: list[list[int]] = []
    for i, m in enumerate(methods):
        if runs and m == methods[runs[-1][0]] and m[0] in MERGEABLE:
            runs[-1].append(i)
        else:
            runs.append([i])
    out: list[Segment] = []
    for run in runs:
        first, last = levels[run[0]], levels[run[-1]]
        outputs = last.positions
        # inputs grouped by their output (the ancestor at the run's top level)
        groups: list[list[int]] = [[] for _ in outputs]
        index = {a: j for j, a in enumerate(outputs)}
        for kids in first.children:
            for c in kids:
                anc = parent[c]
                for _ in run[1:]:
                    anc = parent[anc]
                groups[index[anc]].append(c)
        inputs = tuple(c for g in groups for c in g)
        owner = np.repeat(np.arange(len(outputs)), [len(g) for g in groups])
        paths: list[tuple[int, ...]] = []
        cur = list(inputs)
        for _ in run:
            paths.append(tuple(cur))
            cur = [parent[c] for c in cur]
        edges = np.cumsum([0, *(len(g) for g in groups)])
        slices = tuple((int(a), int(b)) for a, b in itertools.pairwise(edges))
        out.append(
            Segment(
                methods[run[0]][0], methods[run[0]][1], inputs, owner, tuple(paths), outputs, slices
            )
        )
    return tuple(out)


def normalised_weights(
    xp: Any, W: Any, levels: Sequence[Level], n_elements: int
) -> tuple[Any, npt.NDArray[np.int64]]:
    """``W (R, E)``'s children columns with each sibling group's weights divided by their sum
    (0/0 is NaN: an aggregate whose children all weigh zero has no value), and for each
    element position its column in that array (-1: not a child)."""
    r = W.shape[0]
    cols = []
    order: list[int] = []
    for lv in levels:
        for kids in lv.children:
            idx = list(kids)
            w = W[:, idx] if xp is np else xp.take(W, like(xp, W, idx), axis=1)
            cols.append(w / xp.sum(w, axis=1, keepdims=True))
            order += idx
    out = xp.concat(cols, axis=1) if cols else xp.zeros((r, 0), dtype=W.dtype, device=device_of(W))
    full = np.full(n_elements, -1, dtype=np.int64)
    full[order] = np.arange(len(order))
    return out, full


def phi(xp: Any, m: str, p: float, x: Any) -> Any:
    """The mean's transform: ``x``, ``log x``, ``1 / x`` or ``x^p``."""
    if m == "amean":
        return x
    if m == "gmean":
        return xp.log(x)
    if m == "hmean":
        return 1.0 / x
    return x**p


def _inverse(xp: Any, m: str, p: float, s: Any) -> Any:
    """``phi^-1`` of a weighted sum; a geometric mean stays as its log."""
    if m in ("amean", "gmean"):
        return s
    if m == "hmean":
        return 1.0 / s
    return s ** (1.0 / p)


def wmatmul(xp: Any, w: Any, phi: Any) -> Any:
    """``w @ phi`` where an infinite ``phi`` counts only for the rows of ``w`` that weigh it
    (``inf * 0`` would make every other aggregate NaN, or an excluded child's infinity count),
    as ``aggregate._wsum`` does for the engine: ``+inf`` and ``-inf`` together give NaN; a
    weight of 0 does not count."""
    fin = xp.isfinite(phi)
    if bool(xp.all(fin | xp.isnan(phi))):
        return w @ phi
    s = w @ xp.where(fin | xp.isnan(phi), phi, 0.0)
    nz = xp.astype(w != 0, phi.dtype)
    pos = (nz @ xp.astype(phi == xp.inf, phi.dtype)) > 0
    neg = (nz @ xp.astype(phi == -xp.inf, phi.dtype)) > 0
    return xp.where(pos & neg, xp.nan, xp.where(pos, xp.inf, xp.where(neg, -xp.inf, s)))


def evaluate(
    xp: Any,
    X: Any,
    W: Any,
    incl: Any,
    levels: Sequence[Level],
    segs: Sequence[Segment],
    n_elements: int,
    target: int,
) -> tuple[Any, bool, Any]:
    """The target's values ``(R, n)`` for gapless data ``X (n, k)``, weights ``W (R, E)`` and
    included indicators ``incl (R, k)``;
    whether they are logs (a geometric top segment), and per replication whether a mean met a
    value outside its domain (a geometric mean of a zero or negative value, a harmonic mean of
    a zero) at a segment's inputs (inside a segment the values are means of valid inputs)."""
    r = W.shape[0]
    top = next(i for i, lv in enumerate(levels) if target in lv.positions)
    wn, col = normalised_weights(xp, W, levels[: top + 1], n_elements)
    fail = xp.zeros(r, dtype=xp.bool, device=device_of(W))
    prev: Any = None  # previous segment's outputs (R, g, n)
    prev_log = False
    prev_pos: dict[int, int] = {}
    for seg in segs:
        m, p = seg.method, seg.p
        eff = None
        for path in seg.paths:
            idx = col[list(path)]
            w = wn[:, idx] if xp is np else xp.take(wn, like(xp, wn, idx), axis=1)
            eff = w if eff is None else eff * w
        assert eff is not None
        needs_pos = m == "gmean" or (m == "genmean" and p < 0)
        if prev is None:  # inputs are indicators, shared by the chunk
            xi = X[:, list(seg.inputs)] if xp is np else xp.take(X, like(xp, X, seg.inputs), axis=1)
            if needs_pos or m == "hmean":
                bad = (xi <= 0) if needs_pos else (xi == 0)
                badcol = xp.any(bad, axis=0)
                # an excluded indicator does not count (``incl (R, k)``)
                inc = (
                    incl[:, list(seg.inputs)]
                    if xp is np
                    else xp.take(incl, like(xp, incl, seg.inputs), axis=1)
                )
                fail = fail | xp.any(badcol[None, :] & inc, axis=1)
                xi = xp.where(bad, xp.ones_like(xi), xi)
            ph = xp.matrix_transpose(phi(xp, m, p, xi)) if xp is not np else phi(np, m, p, xi).T
            if len(seg.outputs) == 1:
                ys = [wmatmul(xp, eff, ph)]
            else:
                ys = [wmatmul(xp, eff[:, a:b], ph[a:b, :]) for a, b in seg.slices]
            y = xp.stack(ys, axis=1)  # (R, g, n)
        else:
            pick = [prev_pos[c] for c in seg.inputs]
            yin = (
                prev
                if pick == list(range(prev.shape[1]))
                else xp.take(prev, like(xp, prev, pick), axis=1)
            )
            if needs_pos or m == "hmean":
                # exp of a log is > 0 unless it underflows to 0 (a log of -inf)
                plain_bad = (yin <= 0) if needs_pos else (yin == 0)
                bad = (yin == -xp.inf) if prev_log else plain_bad
                fail = fail | xp.any(xp.reshape(bad, (r, -1)), axis=1)
            if m == "gmean":
                ph = yin if prev_log else xp.log(yin)
            else:
                plain = xp.exp(yin) if prev_log else yin
                ph = phi(xp, m, p, plain)
            member = np.zeros((len(seg.outputs), len(seg.inputs)))
            member[seg.owner, np.arange(len(seg.inputs))] = 1.0
            mem = like(xp, eff, member)
            y = wmatmul(xp, eff[:, None, :] * mem[None, :, :], ph)  # (R, g, n)
        y = _inverse(xp, m, p, y)
        prev, prev_log = y, m == "gmean"
        prev_pos = {c: j for j, c in enumerate(seg.outputs)}
    assert prev is not None
    j = prev_pos[target]
    return prev[:, j, :], prev_log, fail
