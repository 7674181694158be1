"""Hypothesis properties of ranks, bands and the pairwise matrix."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from aicap.index import Recipe, build, cpu_kernels, ranks
from aicap.index.ranks import outrank_counts, rank_desc_batched
from aicap.index.spec import UncertaintySpec
from aicap.index.stats import rank_desc
from aicap.index.synthetic import synthetic
from aicap.index.uncertainty import make_plan, run_uncertainty

RECIPE = Recipe.from_yaml(
    """
steps:
  - {step: impute, method: i_mean}
  - {step: normalise, method: n_minmax, params: {l_u: [1, 100]}}
  - {step: aggregate, method: a_amean}
""",
    "r.yaml",
)


@settings(max_examples=40, deadline=None)
@given(
    arrays(
        np.float64,
        st.tuples(st.integers(1, 6), st.integers(1, 9)),
        elements=st.sampled_from([0.0, 1.0, 2.5, -3.0, np.nan, 7.0]),
    )
)
def test_batched_ranks_equal_the_engine_rank(s: np.ndarray) -> None:
    ours = rank_desc_batched(np, s)
    ref = rank_desc(s.T).T
    np.testing.assert_array_equal(ours, ref)


@settings(max_examples=8, deadline=None)
@given(st.integers(0, 10_000), st.integers(8, 25))
def test_bands_contain_the_nominal_rank(seed: int, n_units: int) -> None:
    fw, data = synthetic(n_units, 6, (2, 1), missing=0.0, seed=seed)
    comp = build(fw, data, RECIPE)
    spec = UncertaintySpec.from_yaml(
        """
seed: 3
n: 60
inputs:
  - name: norm
    kind: normalise
    alternatives:
      - {method: n_minmax, params: {l_u: [1, 100]}}
      - {method: n_rank}
      - {method: n_zscore, params: {m_sd: [50, 10]}}
""",
        "s.yaml",
    )
    res = run_uncertainty(make_plan(comp, spec))
    dec = res.raw.decoded
    nominal = res.raw.rank[dec.choices[:, 0] == 0]  # the nominal alternative reproduces it
    assert len(nominal)
    np.testing.assert_array_equal(nominal, np.broadcast_to(res.plan.nominal_rank, nominal.shape))
    lo, hi = np.nanmin(res.raw.rank, axis=0), np.nanmax(res.raw.rank, axis=0)
    assert np.all((lo <= res.plan.nominal_rank) & (res.plan.nominal_rank <= hi))
    t = res.countries()
    assert (t["rank_p05"] <= t["rank_median"]).all() and (t["rank_median"] <= t["rank_p95"]).all()


@settings(max_examples=8, deadline=None)
@given(st.integers(0, 10_000))
def test_pairwise_shares_sum_to_one_without_ties(seed: int) -> None:
    fw, data = synthetic(15, 6, (3, 1), missing=0.0, seed=seed)
    comp = build(fw, data, RECIPE)
    spec = UncertaintySpec.from_yaml(
        f"seed: {seed}\nn: 50\ninputs: [{{name: w, kind: weight_noise, levels: {{1: 0.5}}}}]",
        "s.yaml",
    )
    res = run_uncertainty(make_plan(comp, spec))
    p = res.pairwise().to_numpy()
    off = ~np.eye(len(p), dtype=bool)
    np.testing.assert_allclose((p + p.T)[off], 1.0, atol=1e-12)
    assert np.all((p[off] >= 0) & (p[off] <= 1))


@settings(max_examples=30, deadline=None)
@given(
    arrays(
        np.float64,
        st.tuples(st.integers(1, 5), st.integers(2, 7)),
        elements=st.sampled_from([0.0, 1.0, 2.0, np.nan]),
    )
)
def test_outrank_counts_match_a_direct_count(s: np.ndarray) -> None:
    r = rank_desc_batched(np, s)
    wins, both = outrank_counts(np, r, block=2)
    ok = ~np.isnan(s)
    direct = ((s[:, :, None] > s[:, None, :]) & ok[:, :, None] & ok[:, None, :]).sum(axis=0)
    np.testing.assert_array_equal(wins, direct)
    np.testing.assert_array_equal(both, (ok[:, :, None] & ok[:, None, :]).sum(axis=0))


@pytest.mark.parametrize(("r", "n"), [(700, 9), (300, 260)])
def test_outrank_counts_past_the_8_bit_flush(r: int, n: int) -> None:
    """More than 255 (and 510) replications: the compiled kernel's 8-bit counters are flushed
    before they wrap; with 260 units the ranks are 16-bit integers."""
    rng = np.random.default_rng(r)
    s = np.round(rng.normal(size=(r, n)), 1)  # ties
    s[rng.random((r, n)) < 0.05] = np.nan
    rk = rank_desc_batched(np, s)
    np.testing.assert_array_equal(rk, rank_desc(s.T).T)
    wins, both = outrank_counts(np, rk)
    ok = ~np.isnan(s)
    direct = ((s[:, :, None] > s[:, None, :]) & ok[:, :, None] & ok[:, None, :]).sum(axis=0)
    np.testing.assert_array_equal(wins, direct)
    np.testing.assert_array_equal(both, (ok[:, :, None] & ok[:, None, :]).sum(axis=0))


def test_ranks_by_sorting_equal_ranks_by_counting() -> None:
    """Above ``RANK_BY_COUNT_MAX_UNITS`` units the NumPy path sorts; both give the same."""
    rng = np.random.default_rng(5)
    s = np.round(rng.normal(size=(40, 600)), 1)
    s[:, 7] = np.nan
    s[::3, 11] = np.nan
    assert s.shape[1] > ranks.RANK_BY_COUNT_MAX_UNITS
    by_sort = rank_desc_batched(np, s)
    by_count = np.empty_like(s)
    cpu_kernels.ranks_by_count(s, by_count)
    np.testing.assert_array_equal(by_sort, by_count)
    np.testing.assert_array_equal(by_sort, rank_desc(s.T).T)
