"""Levels sharing a mean collapse into one contraction (aicap.index.collapse): the collapsed
path gives the level-by-level path's scores, ranks and failures."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ua_helpers import asem_plan, needs_asem, synth_plan

from aicap.index import collapse
from aicap.index.uncertainty import (
    _level_method,
    decode,
    evaluate,
    sample_uniform,
)


def _both_paths(plan):  # type: ignore[no-untyped-def]
    dec = decode(plan, sample_uniform(plan))
    fast = evaluate(plan, dec)
    slow_plan = dataclasses.replace(plan, kernel=dataclasses.replace(plan.kernel, collapse=False))
    slow = evaluate(slow_plan, dec)
    return fast, slow


def _assert_same(fast, slow) -> None:  # type: ignore[no-untyped-def]
    np.testing.assert_array_equal(fast.fail, slow.fail)
    np.testing.assert_allclose(fast.score, slow.score, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(fast.rank, slow.rank)
    if fast.wins is not None:
        np.testing.assert_array_equal(fast.wins, slow.wins)
        np.testing.assert_array_equal(fast.both, slow.both)


def test_synthetic_collapsed_equals_level_by_level() -> None:
    plan = synth_plan()
    k = plan.kernel
    levels = [collapse.Level(lp.positions, lp.children) for lp in k.levels]
    used = 0
    for step in k.agg_steps:  # amean, gmean, genmean p=2, hmean, amean with a gmean top
        methods = [_level_method(step, lp) for lp in k.levels]
        segs = collapse.segments(levels, methods, k.X.shape[2], k.target)  # type: ignore[arg-type]
        assert segs is not None
        used += 1
    assert used == 5
    fast, slow = _both_paths(plan)
    assert (fast.fail == 0).sum() > 100  # most replications succeed
    _assert_same(fast, slow)


@needs_asem
def test_asem_collapsed_equals_level_by_level() -> None:
    _assert_same(*_both_paths(asem_plan()))


def test_segments_merge_equal_means_and_split_others() -> None:
    # indicators 0-3; level 1: a4 <- (0, 1), a5 <- (2, 3); level 2: a6 <- (4, 5)
    levels = [collapse.Level((4, 5), ((0, 1), (2, 3))), collapse.Level((6,), ((4, 5),))]
    one = collapse.segments(levels, [("amean", 1.0), ("amean", 1.0)], 4, 6)
    assert one is not None and len(one) == 1 and one[0].outputs == (6,)
    assert one[0].paths == ((0, 1, 2, 3), (4, 4, 5, 5))
    two = collapse.segments(levels, [("amean", 1.0), ("gmean", 0.0)], 4, 6)
    assert two is not None and [s.method for s in two] == ["amean", "gmean"]
    h = collapse.segments(levels, [("hmean", 1.0), ("hmean", 1.0)], 4, 6)
    assert h is not None and len(h) == 2  # harmonic levels are not merged
    # the target may sit below the top: only the levels up to it count
    low = collapse.segments(levels, [("amean", 1.0), ("amean", 1.0)], 4, 5)
    assert low is not None and low[0].outputs == (4, 5)
    # children that skip a level do not stack cleanly: no collapse
    skip = [collapse.Level((4,), ((0, 1),)), collapse.Level((5,), ((4, 2, 3),))]
    assert collapse.segments(skip, [("amean", 1.0), ("amean", 1.0)], 4, 5) is None


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    m1=st.sampled_from(["amean", "gmean"]),
    m2=st.sampled_from(["amean", "gmean"]),
)
def test_collapsed_mean_equals_nested_means(seed: int, m1: str, m2: str) -> None:
    """Against a direct nested computation: two levels, random weights and positive data."""
    rng = np.random.default_rng(seed)
    n, r = 7, 5
    x = rng.uniform(0.5, 10, (n, 4))
    w = rng.uniform(0.1, 2, (r, 7))
    incl = np.ones((r, 4), dtype=bool)
    levels = [collapse.Level((4, 5), ((0, 1), (2, 3))), collapse.Level((6,), ((4, 5),))]
    segs = collapse.segments(levels, [(m1, 0.0), (m2, 0.0)], 4, 6)
    assert segs is not None
    y, is_log, fail = collapse.evaluate(np, x, w, incl, levels, segs, 7, 6)
    got = np.exp(y) if is_log else y

    def mean(m: str, vals: np.ndarray, ws: np.ndarray) -> np.ndarray:  # vals (r, c, n)
        ws = ws / ws.sum(axis=1, keepdims=True)
        if m == "amean":
            return np.einsum("rc,rcn->rn", ws, vals)
        return np.exp(np.einsum("rc,rcn->rn", ws, np.log(vals)))

    xs = np.broadcast_to(x.T[None], (r, 4, n))
    a4 = mean(m1, xs[:, [0, 1]], w[:, [0, 1]])
    a5 = mean(m1, xs[:, [2, 3]], w[:, [2, 3]])
    want = mean(m2, np.stack([a4, a5], axis=1), w[:, [4, 5]])
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert not fail.any()


@pytest.mark.parametrize("bad", [0.0, -1.0])
def test_geometric_mean_of_a_non_positive_indicator_fails_the_replication(bad: float) -> None:
    levels = [collapse.Level((4, 5), ((0, 1), (2, 3))), collapse.Level((6,), ((4, 5),))]
    segs = collapse.segments(levels, [("gmean", 0.0), ("gmean", 0.0)], 4, 6)
    assert segs is not None
    x = np.full((3, 4), 2.0)
    x[1, 2] = bad
    incl = np.ones((2, 4), dtype=bool)
    incl[1, 2] = False  # excluded in replication 1: no failure there
    _, _, fail = collapse.evaluate(np, x, np.ones((2, 7)), incl, levels, segs, 7, 6)
    assert fail.tolist() == [True, False]
