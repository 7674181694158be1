"""What-if: the index rebuilt by the engine with the user's pillar weights and aggregation
method, with rank bands from a Monte Carlo run around the user's choice.

Pillar weights are made *effective*: the engine renormalises weights within each parent, so
each group (foundations, enablers) gets the sum of its pillars' weights and each pillar then
weighs ``w / sum(w)`` in the index. The bands come from :mod:`aicap.index.uncertainty`:
indicator and pillar weights perturbed by up to +/- 25 % (as in the shipped uncertainty spec)
around the user's weights, with the user's aggregation method.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from aicap.index import Composite, EngineError
from aicap.index.spec import UncertaintySpec
from aicap.index.uncertainty import make_plan, run_uncertainty

#: The aggregation methods offered: label -> the engine's aggregate step change.
METHODS: dict[str, dict[str, Any]] = {
    "arithmetic": {"method": "a_amean", "params": {"dat_thresh": 1.0}},
    "power_mean": {"method": "a_genmean", "params": {"p": 0.5, "dat_thresh": 1.0}},
    "near_geometric": {"method": "a_genmean", "params": {"p": 0.1, "dat_thresh": 1.0}},
}
# The geometric mean itself is not offered: fixed goalposts give scores of exactly 0, where it
# is undefined; the power mean with p = 0.1 is close to it and accepts zeros.
MAX_WEIGHT = 10.0
DEFAULT_REPLICATIONS = 300


class WhatIfError(ValueError):
    """A what-if request the engine cannot compute (bad weights or method)."""


#: A pillar that loses at least this many points to zero indicators is reported as collapsed.
COLLAPSE_POINTS = 10.0


def zero_collapses(comp: Composite, method: str, min_drop: float = COLLAPSE_POINTS) -> pd.DataFrame:
    """Where a power mean lets zero indicators pull a whole pillar down: per unit and pillar,
    the pillar's score with ``method``, the same mean without its zero-valued indicators, and
    the indicators at zero, for every case that loses at least ``min_drop`` points. Empty for
    the arithmetic mean (a zero then weighs like any other value)."""
    cols = ["iso3", "pillar", "zeros", "score", "without_zeros", "drop"]
    pw = float(METHODS[method]["params"].get("p", 1.0)) if method in METHODS else 1.0
    if METHODS.get(method, {}).get("method") != "a_genmean" or pw >= 1.0:
        return pd.DataFrame(columns=cols)
    tree = comp.framework.tree
    codes = list(tree.codes)
    norm = comp.stage("normalised")
    rows: list[dict[str, Any]] = []
    pillars = {str(tree.parent_of[i]) for i in tree.indicators if tree.parent_of[i]}
    units = [str(u) for u in norm.index]
    for pillar in sorted(pillars):
        inds = [i for i in tree.indicators if tree.parent_of[i] == pillar and i in norm.columns]
        if not inds:
            continue
        x = norm[inds].to_numpy(dtype=float)
        w = np.array([float(comp.weights[codes.index(i)]) for i in inds])
        have = ~np.isnan(x)
        zero = have & (x <= 0)
        xz = np.where(have, np.maximum(x, 0.0), 0.0)
        den_all = have.astype(float) @ w
        den_nz = (have & ~zero).astype(float) @ w
        num = (xz**pw) @ w
        with np.errstate(invalid="ignore", divide="ignore"):
            score = (num / den_all) ** (1 / pw)
            without = (num / den_nz) ** (1 / pw)
        drop = without - score
        hit = zero.any(axis=1) & np.isfinite(drop) & (drop >= min_drop)
        for k in np.nonzero(hit)[0]:
            rows.append(
                {
                    "iso3": units[int(k)],
                    "pillar": str(pillar),
                    "zeros": ",".join(i for j, i in enumerate(inds) if zero[k, j]),
                    "score": float(score[k]),
                    "without_zeros": float(without[k]),
                    "drop": float(drop[k]),
                }
            )
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values("drop", ascending=False, kind="stable").reset_index(drop=True)


@dataclass(frozen=True)
class WhatIf:
    weights: dict[str, float]  # pillar -> weight as given
    effective: dict[str, float]  # pillar -> share of the index
    method: str
    table: pd.DataFrame  # iso3, score, rank, rank_p05, rank_p95, nominal_rank, change
    collapses: pd.DataFrame  # zero_collapses(): pillars pulled down by zero indicators
    replications: int
    failed: int
    seconds: float


def nominal_weights(comp: Composite, pillars: list[str]) -> dict[str, float]:
    """The shipped effective pillar weights (share of the index, summing to 1)."""
    tree = comp.framework.tree
    w = comp.weights
    codes = list(tree.codes)
    eff: dict[str, float] = {}
    for p in pillars:
        share = float(w[codes.index(p)])
        node: str | None = tree.parent_of[p]
        child = p
        while node is not None:
            sib = [c for c in codes if tree.parent_of[c] == node]
            share_tot = sum(float(w[codes.index(c)]) for c in sib)
            if child != p:
                share *= float(w[codes.index(child)]) / share_tot
            else:
                share /= share_tot
            child, node = node, tree.parent_of[node]
        eff[p] = share
    return eff


def validate(weights: Mapping[str, float], method: str, pillars: list[str]) -> dict[str, float]:
    if method not in METHODS:
        raise WhatIfError(f"unknown aggregation method {method!r}; use one of {', '.join(METHODS)}")
    out: dict[str, float] = {}
    for p in pillars:
        if p not in weights:
            raise WhatIfError(f"no weight for pillar {p}")
        v = float(weights[p])
        if not np.isfinite(v) or v < 0 or v > MAX_WEIGHT:
            raise WhatIfError(f"weight of {p} must be between 0 and {MAX_WEIGHT:g}, got {v:g}")
        out[p] = v
    unknown = sorted(set(weights) - set(pillars))
    if unknown:
        raise WhatIfError(f"unknown pillar(s): {', '.join(unknown)}")
    if sum(out.values()) <= 0:
        raise WhatIfError("at least one pillar needs a positive weight")
    return out


def explicit_weights(comp: Composite, weights: Mapping[str, float]) -> dict[str, float]:
    """Engine weights that make each pillar's share ``w / sum(w)``: pillars as given, each
    aggregate above them the sum of its pillars (a zero weight is kept tiny to stay valid)."""
    tree = comp.framework.tree
    eps = 1e-9
    out = {p: max(float(v), eps) for p, v in weights.items()}
    sums: dict[str, float] = {}
    for p, v in out.items():
        node = tree.parent_of[p]
        while node is not None and tree.parent_of[node] is not None:
            sums[node] = sums.get(node, 0.0) + v
            node = tree.parent_of[node]
    out.update({k: max(v, eps) for k, v in sums.items()})
    return out


def what_if(
    comp: Composite,
    weights: Mapping[str, float],
    method: str,
    pillars: list[str],
    *,
    replications: int = DEFAULT_REPLICATIONS,
    seed: int = 2025,
) -> WhatIf:
    """Scores, ranks and rank bands of the index with ``weights`` (pillar -> weight) and the
    aggregation ``method`` (a key of :data:`METHODS`)."""
    t0 = time.perf_counter()
    clean = validate(weights, method, pillars)
    changes = {
        "weight": {"method": "explicit", "params": {"weights": explicit_weights(comp, clean)}},
        "aggregate": METHODS[method],
    }
    try:
        new = comp.rebuild(changes)
    except EngineError as exc:
        raise WhatIfError(str(exc)) from None
    top = new.framework.tree.top[0]
    score = new.scores[top]
    rank = new.ranks()[top]
    spec = UncertaintySpec.from_dict(
        {
            "name": "what-if",
            "seed": seed,
            "n": replications,
            "target": top,
            "pairwise": False,
            "inputs": [
                {"name": "indicator_weights", "kind": "weight_noise", "levels": {1: 0.25}},
                {"name": "pillar_weights", "kind": "weight_noise", "levels": {2: 0.25}},
            ],
        }
    )
    unc = run_uncertainty(make_plan(new, spec, "what-if"))
    bands = unc.countries().set_index("uCode")
    nominal = comp.ranks()[top]
    table = pd.DataFrame(
        {
            "iso3": score.index,
            "score": score.to_numpy(dtype=float),
            "rank": rank.reindex(score.index).to_numpy(dtype=float),
            "nominal_rank": nominal.reindex(score.index).to_numpy(dtype=float),
        }
    )
    table["rank_p05"] = table["iso3"].map(bands["rank_p05"]).astype(float)
    table["rank_p95"] = table["iso3"].map(bands["rank_p95"]).astype(float)
    table["change"] = table["nominal_rank"] - table["rank"]
    table = table.sort_values(["rank", "iso3"], na_position="last", kind="stable")
    total = sum(clean.values())
    summ = unc.summary()
    return WhatIf(
        weights=clean,
        effective={p: v / total for p, v in clean.items()},
        method=method,
        table=table.reset_index(drop=True),
        collapses=zero_collapses(comp, method),
        replications=int(summ["replications"]),
        failed=int(summ["failed"]),
        seconds=time.perf_counter() - t0,
    )
