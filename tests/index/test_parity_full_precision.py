"""Full-precision parity on COINr's ASEM example (issue 22): every normaliser and every
aggregator of the registry against a line-by-line transcription of COINr 1.1.14's R function
(R/normalise.R, R/aggregate.R), on the data read from ``iData_full_precision.csv`` so that
exact ties (which rank-based methods and Copeland see) are COINr's."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from index_helpers import (
    ASEM,
    ASEM_DATA,
    asem_fixture,  # noqa: F401 (the asem fixture)
)

from aicap.index import Composite
from aicap.index.registry import REGISTRY

pytestmark = pytest.mark.slow

Ref = Callable[[pd.Series, str], pd.Series]


def test_full_precision_data_are_the_input_and_differ_from_the_15_digit_file(
    asem: Composite,
) -> None:
    full = pd.read_csv(ASEM_DATA)
    short = pd.read_csv(ASEM / "iData.csv")
    codes = asem.framework.tree.indicators
    a, b = full[codes].to_numpy(dtype=np.float64), short[codes].to_numpy(dtype=np.float64)
    ok = ~np.isnan(a)
    assert np.array_equal(ok, ~np.isnan(b))
    assert int((a[ok] != b[ok]).sum()) == 470  # one unit in the last place or so
    np.testing.assert_allclose(a[ok], b[ok], rtol=1e-14)
    assert asem.label == "iData_full_precision.csv"
    raw = asem.stages["raw"]
    assert np.array_equal(
        raw[codes].to_numpy(),
        full.set_index("uCode").loc[raw.index, codes].to_numpy(dtype=np.float64),
        equal_nan=True,
    )


def _targets(asem: Composite) -> dict[str, float]:
    return {i.code: float(i.target) for i in asem.framework.indicators if i.target is not None}


def _posts(asem: Composite) -> dict[str, tuple[float, float]]:
    t = asem.stages["treated"]
    return {c: (float(t[c].quantile(0.1)), float(t[c].quantile(0.9))) for c in t.columns}


def coinr_normalise(asem: Composite, name: str) -> tuple[dict[str, object], Ref]:
    """Recipe change and COINr's formula for each normaliser (x already times direction)."""
    dirs = dict(zip(asem.framework.tree.indicators, asem.framework.tree.directions(), strict=True))
    targ, posts = _targets(asem), _posts(asem)
    gp = {c: {"params": {"goalposts": list(p)}} for c, p in posts.items()}
    units = list(asem.stages["treated"].index)

    def goalposts(x: pd.Series, c: str) -> pd.Series:
        lo, hi = posts[c]
        g = (-hi, -lo) if dirs[c] == -1 else (lo, hi)  # get_iMeta_norm_paras
        return ((x - g[0]) / (g[1] - g[0])).clip(0, 1) * 1.0

    table: dict[str, tuple[dict[str, object], Ref]] = {
        "minmax": ({}, lambda x, c: (x - x.min()) / (x.max() - x.min()) * 100 + 0),
        "zscore": ({}, lambda x, c: (x - x.mean()) / x.std(ddof=1) * 1 + 0),
        "scaled": ({}, lambda x, c: (x - 0) / (100 - 0) * 100),
        "dist2max": ({}, lambda x, c: 1 - (x.max() - x) / (x.max() - x.min())),
        "dist2ref": (
            {"params": {"ref": "GBR"}},
            lambda x, c: 1 - (x["GBR"] - x) / (x["GBR"] - x.min()),
        ),
        "dist2targ": (
            {},
            lambda x, c: (x - x.min()) / (targ[c] * dirs[c] - x.min()),
        ),
        "fracmax": ({}, lambda x, c: x / x.max()),
        "rank": ({}, lambda x, c: x.rank(method="min", na_option="keep")),
        "borda": ({}, lambda x, c: x.rank(method="min", na_option="keep") - 1),
        "prank": (
            {},
            lambda x, c: (x.rank(method="min", na_option="keep") - 1) / (x.notna().sum() - 1),
        ),
        "goalposts": ({"overrides": gp}, goalposts),
        "none": ({}, lambda x, c: x),
    }
    assert "GBR" in units
    change, ref = table[name]
    return {"normalise": {"method": name, "params": {}, **change}}, ref


NORMALISERS = [m.name for m in REGISTRY.methods("normalise")]
AGGREGATORS = [m.name for m in REGISTRY.methods("aggregate")]
RANK_BASED = {"rank", "borda", "prank"}


@pytest.mark.parametrize("name", NORMALISERS)
def test_every_normaliser_matches_coinr(asem: Composite, name: str) -> None:
    change, ref = coinr_normalise(asem, name)
    comp = asem.rebuild(change)
    treated = asem.stages["treated"]
    dirs = dict(zip(asem.framework.tree.indicators, asem.framework.tree.directions(), strict=True))
    expected = pd.DataFrame({c: ref(treated[c] * dirs[c], c) for c in treated.columns})
    ours = comp.stages["normalised"][treated.columns]
    if name in RANK_BASED:
        pd.testing.assert_frame_equal(ours, expected, check_exact=True, check_dtype=False)
    else:
        np.testing.assert_allclose(ours.to_numpy(), expected.to_numpy(), rtol=1e-12, atol=1e-12)


def coinr_aggregate(x: np.ndarray, w: np.ndarray, name: str) -> np.ndarray:
    """COINr's a_* for one aggregate: rows are units, columns its children."""
    out = np.full(x.shape[0], np.nan)
    if name == "copeland":  # outrankMatrix + a_copeland, loops as in R
        wn = w / np.nansum(w)
        n = x.shape[0]
        orm = np.zeros((n, n))
        for i in range(n):
            for j in range(n):
                if i > j:
                    orm[i, j] = 1 - orm[j, i]
                elif i < j:
                    orm[i, j] = wn[x[i] > x[j]].sum() + wn[x[i] == x[j]].sum() / 2
        s = np.where(orm > 0.5, 1.0, np.where(orm < 0.5, -1.0, 0.0))
        np.fill_diagonal(s, 0)
        return np.asarray(s.sum(axis=1))
    for u in range(x.shape[0]):
        xi, wi = x[u], w.copy()
        if name == "amean":
            out[u] = np.sum(wi / wi.sum() * xi)
        elif name == "gmean":
            out[u] = np.exp(np.sum(wi * np.log(xi)) / np.sum(wi))
        elif name == "hmean":
            out[u] = np.sum(wi) / np.sum(wi / xi)
        elif name == "genmean":
            out[u] = (np.sum(wi * xi**2.0) / np.sum(wi)) ** (1 / 2.0)
        else:
            raise AssertionError(f"no COINr reference for aggregator {name!r}")
    return out


@pytest.mark.parametrize("name", AGGREGATORS)
def test_every_aggregator_matches_coinr(asem: Composite, name: str) -> None:
    change: dict[str, object] = {"method": name}
    if name == "genmean":
        change["params"] = {"p": 2.0}
    comp = asem.rebuild(
        {"normalise": {"method": "n_minmax", "params": {"l_u": [1, 100]}}, "aggregate": change}
    )
    t = comp.framework.tree
    vals = comp.stages["normalised"].copy()
    w = dict(zip(t.codes, t.weights(), strict=True))
    for lev in t.levels:
        for agg in lev.codes:
            kids = t.children(agg)
            vals[agg] = coinr_aggregate(vals[kids].to_numpy(), np.array([w[k] for k in kids]), name)
    ours = comp.scores[t.aggregates]
    if name == "copeland":
        np.testing.assert_array_equal(ours.to_numpy(), vals[t.aggregates].to_numpy())
    else:
        np.testing.assert_allclose(
            ours.to_numpy(), vals[t.aggregates].to_numpy(), rtol=1e-12, atol=1e-12
        )
    assert comp.ranks()["Index"].notna().all()
