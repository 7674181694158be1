"""(b) Sobol' estimators agree with SALib's and recover analytic indices."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from SALib.analyze import sobol as salib_analyze
from SALib.sample import sobol as salib_sample
from ua_helpers import synth_plan

from aicap.index.errors import ComputationError
from aicap.index.sensitivity import (
    ishigami,
    ishigami_indices,
    saltelli_sample,
    sobol_g,
    sobol_g_indices,
    sobol_indices,
)
from aicap.index.uncertainty import run_sobol

ISHIGAMI = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}


def test_design_is_salibs_including_groups() -> None:
    x = salib_sample.sample(ISHIGAMI, 256, calc_second_order=False, seed=4)
    u = saltelli_sample([1, 1, 1], 256, 4)
    np.testing.assert_array_equal(x, u * 2 * np.pi - np.pi)
    grouped = {
        "num_vars": 5,
        "names": list("abcde"),
        "bounds": [[0, 1]] * 5,
        "groups": ["g1", "g1", "g2", "g3", "g3"],
    }
    x = salib_sample.sample(grouped, 128, calc_second_order=False, seed=9)
    np.testing.assert_array_equal(x, saltelli_sample([2, 1, 2], 128, 9))


@pytest.mark.parametrize("seed", [1, 2])
def test_estimates_and_intervals_equal_salibs(seed: int) -> None:
    x = salib_sample.sample(ISHIGAMI, 1024, calc_second_order=False, seed=seed)
    y = ishigami(x)
    ref = salib_analyze.analyze(ISHIGAMI, y, calc_second_order=False, seed=seed + 10)
    ours = sobol_indices(y, 3, seed=seed + 10)
    for key, val in (("S1", ours.S1), ("ST", ours.ST)):
        np.testing.assert_allclose(val, ref[key], rtol=0, atol=1e-12)
    for key, val in (("S1_conf", ours.S1_conf), ("ST_conf", ours.ST_conf)):
        np.testing.assert_allclose(val, ref[key], rtol=1e-9, atol=1e-12)


def test_vectorised_over_outputs_equals_one_at_a_time() -> None:
    u = saltelli_sample([1, 1, 1], 512, 3)
    x = u * 2 * np.pi - np.pi
    y = np.stack([ishigami(x), ishigami(x, a=5, b=0.2), sobol_g(u, np.array([0, 1, 9]))], 1)
    both = sobol_indices(y, 3, seed=1)
    for j in range(3):
        one = sobol_indices(y[:, j], 3, seed=1)
        np.testing.assert_allclose(both.S1[:, j], one.S1, atol=1e-12)
        np.testing.assert_allclose(both.ST_conf[:, j], one.ST_conf, atol=1e-12)


def test_ishigami_analytic_indices_inside_intervals() -> None:
    u = saltelli_sample([1, 1, 1], 2**13, 7)
    res = sobol_indices(ishigami(u * 2 * np.pi - np.pi), 3, seed=8)
    s1, st = ishigami_indices()
    assert np.all(np.abs(res.S1 - s1) <= res.S1_conf), (res.S1, s1, res.S1_conf)
    assert np.all(np.abs(res.ST - st) <= res.ST_conf), (res.ST, st, res.ST_conf)


def test_sobol_g_analytic_indices_inside_intervals() -> None:
    a = np.array([0.0, 1.0, 4.5, 9.0, 99.0, 99.0])
    u = saltelli_sample([1] * 6, 2**13, 3)
    res = sobol_indices(sobol_g(u, a), 6, seed=4)
    s1, st = sobol_g_indices(a)
    assert np.all(np.abs(res.S1 - s1) <= res.S1_conf), (res.S1, s1, res.S1_conf)
    assert np.all(np.abs(res.ST - st) <= res.ST_conf), (res.ST, st, res.ST_conf)


def test_composite_sobol_per_unit_and_overall() -> None:
    plan = synth_plan()
    res = run_sobol(plan)
    g = len(plan.factors)
    assert res.raw.fail.size == 64 * (g + 2)
    table = res.table()
    assert set(table["input"]) == {f.name for f in plan.factors}
    mars = table[table["output"] == "mean_abs_rank_shift"]
    assert len(mars) == g and mars["ST"].ge(-0.05).all()
    per = table[~table["output"].isin(["mean_abs_rank_shift", "all units"])]
    assert per["output"].nunique() == 40
    # SALib on the same runs gives the same indices for one unit (complete blocks)
    blocks = res.raw.rank.reshape(64, g + 2, -1)
    good = ~np.isnan(blocks).any(axis=(1, 2))
    y = blocks[good][:, :, 0].reshape(-1)
    problem = {"num_vars": g, "names": [f.name for f in plan.factors], "bounds": [[0, 1]] * g}
    ref = salib_analyze.analyze(problem, y, calc_second_order=False, seed=1)
    np.testing.assert_allclose(res.per_unit.S1[:, 0], ref["S1"], atol=1e-12)
    np.testing.assert_allclose(res.per_unit.ST[:, 0], ref["ST"], atol=1e-12)


def test_injected_failures_complete_blocks_equal_salib() -> None:
    """Runs that fail (NaN where x1 > 2.6: about 8 % of runs) leave their sample block out;
    the indices equal SALib's on the complete blocks, and the blocks used are reported."""
    x = salib_sample.sample(ISHIGAMI, 1024, calc_second_order=False, seed=5)
    y = ishigami(x)
    y[x[:, 0] > 2.6] = np.nan
    share = float(np.isnan(y).mean())
    assert 0.03 < share < 0.15
    ours = sobol_indices(y, 3, seed=6)
    blocks = y.reshape(-1, 5)
    good = ~np.isnan(blocks).any(axis=1)
    assert ours.n_valid == int(good.sum()) < 1024
    ref = salib_analyze.analyze(ISHIGAMI, blocks[good].reshape(-1), calc_second_order=False, seed=6)
    for key, val in (("S1", ours.S1), ("ST", ours.ST)):
        np.testing.assert_allclose(val, ref[key], rtol=0, atol=1e-12)
    for key, val in (("S1_conf", ours.S1_conf), ("ST_conf", ours.ST_conf)):
        np.testing.assert_allclose(val, ref[key], rtol=1e-9, atol=1e-12)
    # and they are not the unconditional indices: failures in x1's range shift them
    full = sobol_indices(ishigami(x), 3, seed=6)
    assert not np.allclose(ours.S1, full.S1, atol=1e-3)


def test_composite_sobol_reports_failures_with_every_index_and_refuses_above_limit() -> None:
    plan = synth_plan()
    res = run_sobol(plan)
    table = res.table()
    failed = int((res.raw.fail != 0).sum())
    assert failed > 0
    assert (table["failed_runs"] == failed).all()
    assert (table["runs"] == res.raw.fail.size).all()
    np.testing.assert_allclose(table["failed_share"], failed / res.raw.fail.size)
    assert (table["blocks_used"] == res.per_unit.n_valid).all()
    assert table["blocks_used"].iloc[0] < res.n_base
    strict = dataclasses.replace(plan, spec=plan.spec.model_copy(update={"sobol_max_failed": 0.05}))
    with pytest.raises(ComputationError, match=r"runs failed \(2\d\.\d%.*sobol_max_failed = 5"):
        run_sobol(strict)
