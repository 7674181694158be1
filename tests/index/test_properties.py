"""Properties, checked with hypothesis."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from aicap.index import Framework, Recipe, build
from aicap.index import aggregate as ag
from aicap.index import normalise as nm
from aicap.index.stats import rank_desc
from aicap.index.synthetic import synthetic
from aicap.index.weights import within_group

finite = st.floats(-1e6, 1e6, allow_nan=False, allow_subnormal=False)
positive = st.floats(1e-3, 1e6, allow_nan=False, allow_subnormal=False)


@given(
    arrays(np.float64, st.tuples(st.integers(2, 30), st.integers(1, 5)), elements=finite),
    st.floats(-100, 100),
    st.floats(1, 100),
)
def test_minmax_hits_its_bounds(x: np.ndarray, lo: float, width: float) -> None:
    hi = lo + width
    y = nm.n_minmax(x, l_u=(lo, hi))
    varying = np.ptp(x, axis=0) > 0
    assert np.allclose(y[:, varying].min(axis=0), lo)
    assert np.allclose(y[:, varying].max(axis=0), hi)
    assert (y[:, varying] >= lo - 1e-9).all() and (y[:, varying] <= hi + 1e-9).all()


@given(
    arrays(np.float64, st.tuples(st.integers(2, 30), st.integers(1, 6)), elements=positive),
    arrays(np.float64, st.integers(1, 6), elements=st.floats(0.01, 10)),
)
def test_geometric_le_arithmetic(x: np.ndarray, wv: np.ndarray) -> None:
    k = min(x.shape[1], wv.size)
    x, w = x[:, :k], wv[:k, None]
    g, a, h = ag.a_gmean(x, w), ag.a_amean(x, w), ag.a_hmean(x, w)
    assert (g <= a * (1 + 1e-12)).all()
    assert (h <= g * (1 + 1e-12)).all()


@given(
    arrays(np.float64, st.tuples(st.integers(1, 40)), elements=st.floats(0, 10)), st.integers(0, 10)
)
def test_weights_renormalise_within_groups(w: np.ndarray, seed: int) -> None:
    fw, _ = synthetic(5, 12, (3, 1), seed=seed)
    t = fw.tree
    w = np.resize(w, len(t.codes)) + 0.01
    wn = within_group(t, w)
    for parent in {t.parent_of[c] for c in t.codes}:
        idx = [i for i, c in enumerate(t.codes) if t.parent_of[c] == parent]
        assert np.isclose(wn[idx].sum(), 1.0)
    # scaling all weights of one group leaves the aggregate unchanged
    x = np.random.default_rng(seed).uniform(1, 100, size=(7, 12))
    lev = t.levels[0]
    from aicap.index.weights import level_matrix

    w2 = w.copy()
    first = [i for i, c in enumerate(t.codes) if t.parent_of[c] == lev.codes[0]]
    w2[first] *= 3.7
    np.testing.assert_allclose(
        ag.a_amean(x, level_matrix(lev, w, t)), ag.a_amean(x, level_matrix(lev, w2, t))
    )


FLIP = """
indicators:
  - {code: a, parent: T, direction: DIR}
aggregates:
  - {code: T}
"""


@given(
    arrays(np.int64, st.integers(3, 30), elements=st.integers(-(10**6), 10**6), unique=True),
    st.sampled_from(["n_minmax", "n_zscore", "n_rank", "n_prank", "n_borda", "n_dist2max"]),
)
def test_flipping_direction_reverses_ranks(v: np.ndarray, method: str) -> None:
    # distinct values (integers: no two collapse to one float after rescaling)
    data = pd.DataFrame({"uCode": [f"u{i:02d}" for i in range(len(v))], "a": v / 7.0})
    rec = Recipe.from_yaml(
        f"steps:\n  - {{step: normalise, method: {method}}}\n"
        "  - {step: aggregate, method: a_amean}\n"
    )
    up = build(Framework.from_yaml(FLIP.replace("DIR", "1")), data, rec).ranks()["T"]
    down = build(Framework.from_yaml(FLIP.replace("DIR", "-1")), data, rec).ranks()["T"]
    np.testing.assert_array_equal(up.to_numpy(), len(v) + 1 - down.to_numpy())


RECIPES = st.fixed_dictionaries(
    {
        "impute": st.sampled_from(["i_mean", "i_median", "i_mean_grp"]),
        "winmax": st.integers(1, 6),
        "normalise": st.sampled_from(["n_minmax", "n_zscore", "n_prank", "n_rank"]),
        "aggregate": st.sampled_from(["a_amean", "a_genmean"]),
    }
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(RECIPES, st.integers(0, 1000))
def test_replay_is_idempotent(choice: dict[str, object], seed: int) -> None:
    fw, data = synthetic(25, 10, (3, 1), missing=0.1, seed=seed)
    params = "{group: region}" if choice["impute"] == "i_mean_grp" else "{}"
    agg = "{p: 2}" if choice["aggregate"] == "a_genmean" else "{}"
    rec = Recipe.from_yaml(f"""
steps:
  - {{step: impute, method: {choice["impute"]}, params: {params}}}
  - {{step: treat, method: default, params: {{winmax: {choice["winmax"]}}}}}
  - {{step: normalise, method: {choice["normalise"]}}}
  - {{step: aggregate, method: {choice["aggregate"]}, params: {agg}}}
""")
    comp = build(fw, data, rec)
    again = comp.replay()
    assert again.equals(comp)
    assert again.replay().equals(comp)
    assert np.array_equal(
        rank_desc(comp.scores.to_numpy()), rank_desc(again.scores.to_numpy()), equal_nan=True
    )
