"""Weights: framework, equal, explicit sets, PCA-based; effective weights; level matrices.

A weight vector follows :attr:`Tree.codes` (indicators, then aggregates bottom-up) and may carry
leading (replication) axes: ``(..., n_elements)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

from aicap.index.errors import ValidationError
from aicap.index.framework import Level, Tree
from aicap.index.registry import register

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class WeightContext:
    """What a weighting method may look at: the framework tree and the stages built so far."""

    tree: Tree
    stages: Mapping[str, pd.DataFrame] = field(default_factory=dict)


def level_matrix(level: Level, w: FloatArray, tree: Tree) -> FloatArray:
    """Weights of one level as ``(..., n_children, n_aggregates)`` (zero where not a child)."""
    idx = [tree.codes.index(c) for c in level.children]
    wc = w[..., idx]
    return np.asarray(wc[..., :, None] * level.membership, dtype=np.float64)


def within_group(tree: Tree, w: FloatArray) -> FloatArray:
    """Weights renormalised to sum to 1 among siblings (top level: among the top elements)."""
    out = np.array(w, dtype=np.float64, copy=True)
    parents = [tree.parent_of[c] for c in tree.codes]
    for p in set(parents):  # loop over groups, not units
        idx = [i for i, q in enumerate(parents) if q == p]
        tot = out[..., idx].sum(axis=-1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[..., idx] = out[..., idx] / tot
    return out


def effective_weights(tree: Tree, w: FloatArray) -> FloatArray:
    """Share of each element in the top score: product of within-group weights up the tree."""
    wn = within_group(tree, w)
    eff = np.array(wn, copy=True)
    pos = {c: i for i, c in enumerate(tree.codes)}
    for i, c in enumerate(tree.codes):
        p = tree.parent_of[c]
        while p is not None:
            eff[..., i] = eff[..., i] * wn[..., pos[p]]
            p = tree.parent_of[p]
    return eff


def resolve(tree: Tree, given: Mapping[str, float], label: str, location: str) -> FloatArray:
    """Framework weights with some replaced by ``given`` (codes checked)."""
    w = tree.weights()
    for code, val in given.items():
        if code not in tree.codes:
            raise ValidationError(label, f"{location}.{code}", f"unknown element code {code!r}")
        if not np.isfinite(val) or val < 0:
            raise ValidationError(label, f"{location}.{code}", f"weight {val} must be >= 0")
        w[tree.codes.index(code)] = float(val)
    return w


@register("weight", "framework", aliases=("original", "iMeta", "metadata"))
def w_framework(ctx: WeightContext) -> dict[str, float]:
    """The weights stated in the framework."""
    return dict(zip(ctx.tree.codes, ctx.tree.weights().tolist(), strict=True))


@register("weight", "equal")
def w_equal(ctx: WeightContext, *, levels: list[int] | None = None) -> dict[str, float]:
    """Equal weights within every group (or only at the given ``levels``)."""
    t = ctx.tree
    return {c: 1.0 for c in t.codes if levels is None or t.level_of[c] in levels}


@register("weight", "explicit", aliases=("set", "manual"))
def w_explicit(ctx: WeightContext, *, weights: Mapping[str, float]) -> dict[str, float]:
    """An explicit weight set ``{code: weight}``; codes not listed keep framework weights."""
    return {str(k): float(v) for k, v in weights.items()}


def pca_by_group(
    data: pd.DataFrame, tree: Tree, level: int = 1
) -> dict[str, tuple[FloatArray, FloatArray, list[str]]]:
    """PCA of the elements at ``level`` within each parent group (centred, scaled; complete rows):
    ``{parent: (variance explained per component, loadings (n_elements, n_components), codes)}``.
    """
    out: dict[str, tuple[FloatArray, FloatArray, list[str]]] = {}
    codes = [c for c in tree.codes if tree.level_of[c] == level and c in data.columns]
    parents: dict[str, list[str]] = {}
    for c in codes:
        parents.setdefault(str(tree.parent_of[c]), []).append(c)
    for p, kids in parents.items():
        x = data[kids].dropna().to_numpy(dtype=np.float64)
        if x.shape[0] < 2:
            continue
        sd = x.std(axis=0, ddof=1)
        z = (x - x.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
        _, s, vt = np.linalg.svd(z, full_matrices=False)
        var = s**2 / np.sum(s**2)
        load = vt.T
        # sign convention: first component loads positively on most elements
        load = load * np.where(load.sum(axis=0) < 0, -1.0, 1.0)
        out[p] = (var, load, kids)
    return out


@register("weight", "pca", aliases=("PCA", "get_PCA"))
def w_pca(
    ctx: WeightContext, *, stage: str = "normalised", level: int = 1, squared: bool = False
) -> dict[str, float]:
    """Weights from the first principal component of each group at ``level`` (absolute loadings,
    or squared loadings with ``squared``), computed on ``stage``."""
    if stage not in ctx.stages:
        raise ValidationError(
            "recipe", "weight.params.stage", f"stage {stage!r} not built before weighting"
        )
    res = pca_by_group(ctx.stages[stage], ctx.tree, level)
    out: dict[str, float] = {}
    for _, load, kids in res.values():
        pc1 = np.abs(load[:, 0]) if not squared else load[:, 0] ** 2
        out.update(dict(zip(kids, (pc1 / pc1.sum()).tolist(), strict=True)))
    return out


def weights_table(tree: Tree, w: FloatArray) -> pd.DataFrame:
    """Element, level, parent, weight, within-group weight and effective weight."""
    return pd.DataFrame(
        {
            "iCode": tree.codes,
            "Level": [tree.level_of[c] for c in tree.codes],
            "Parent": [tree.parent_of[c] for c in tree.codes],
            "Weight": w,
            "GroupWeight": within_group(tree, w),
            "EffWeight": effective_weights(tree, w),
        }
    )
