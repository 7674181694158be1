"""Streamed summaries: exact rank histograms, binned scores within their stated error, the
same result kept or streamed, and memory that does not hold the replications."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ua_helpers import synth_plan

from aicap.index.uncertainty import run_uncertainty
from aicap.index.uncertainty.sample import sample_block, sample_uniform
from aicap.index.uncertainty.stream import percentiles_from_hist


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(1, 9), min_size=1, max_size=300),
    st.lists(st.integers(1, 9), min_size=1, max_size=300),
)
def test_percentiles_from_histogram_equal_numpy(a: list[int], b: list[int]) -> None:
    """Read from counts, percentiles are NumPy's to the bit (linear rule, both rows)."""
    hist = np.zeros((2, 10), dtype=np.int64)
    for row, vals in enumerate((a, b)):
        np.add.at(hist[row], vals, 1)
    got = percentiles_from_hist(hist, np.arange(10, dtype=float))
    for row, vals in enumerate((a, b)):
        want = np.percentile(np.asarray(vals, dtype=float), [5, 50, 95])
        np.testing.assert_array_equal(got[:, row], want)


def test_empty_row_is_nan_not_zero() -> None:
    got = percentiles_from_hist(np.zeros((1, 4), dtype=np.int64), np.arange(4.0))
    assert np.isnan(got).all()


def test_kept_and_streamed_runs_agree() -> None:
    plan = synth_plan()
    kept = run_uncertainty(plan)
    streamed = run_uncertainty(plan, keep_samples=False)
    assert kept.raw is not None and streamed.raw is None
    a, b = kept.countries(), streamed.countries()
    exact = ["uCode", "rank_median", "rank_p05", "rank_p95", "mean_abs_rank_shift", "n_ranked"]
    assert a[exact].equals(b[exact])
    err = streamed.summary()["score_error"]
    for col in ("score_median", "score_p05", "score_p95"):
        np.testing.assert_allclose(b[col], a[col], rtol=0, atol=err * (1 + 1e-9))
    assert kept.pairwise().equals(streamed.pairwise())
    assert kept.failures().equals(streamed.failures())
    with pytest.raises(ValueError, match="did not keep"):
        streamed.samples()


def test_rank_quantiles_equal_those_of_every_replication() -> None:
    """The kept run's ranks read from histograms equal NumPy's percentiles of all ranks."""
    res = run_uncertainty(synth_plan())
    assert res.raw is not None
    rk = res.raw.rank[res.ok]
    table = res.countries().set_index("uCode")
    units = list(synth_plan().units)
    for u in table.index[:10]:
        col = rk[:, units.index(u)]
        col = col[~np.isnan(col)]
        want = np.percentile(col, [5, 50, 95])
        got = table.loc[u, ["rank_p05", "rank_median", "rank_p95"]].to_numpy(dtype=float)
        np.testing.assert_array_equal(got, want)


def test_stream_blocks_draw_the_same_replications() -> None:
    """Replication r's uniforms do not depend on the block that draws them."""
    plan = synth_plan()
    whole = sample_uniform(plan, 300)
    parts = np.vstack([sample_block(plan, s, min(64, 300 - s)) for s in range(0, 300, 64)])
    np.testing.assert_array_equal(whole, parts)
    np.testing.assert_array_equal(whole, np.random.default_rng(plan.spec.seed).random(whole.shape))


def test_streamed_memory_does_not_grow_with_replications() -> None:
    """Peak traced allocation: a streamed run of 8,000 replications needs about what one of
    2,000 does; a kept run grows with the replications (the test can fail)."""
    import tracemalloc

    base = synth_plan()

    def peak(n: int, keep: bool) -> int:
        tracemalloc.start()
        run_uncertainty(_with_n(base, n), keep_samples=keep, block=500)
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    peak(500, True)  # imports, compiled kernels, caches
    grow_stream = peak(8000, False) - peak(2000, False)
    grow_kept = peak(8000, True) - peak(2000, True)
    assert grow_kept > 2_000_000
    assert grow_stream < grow_kept / 10, (grow_stream, grow_kept)


def _with_n(plan, n):  # type: ignore[no-untyped-def]
    import dataclasses

    return dataclasses.replace(plan, spec=plan.spec.model_copy(update={"n": n}))
