"""Dask: few large tasks and a tree merge give the in-process Monte Carlo result for any
number of tasks; Sobol' on Dask (workers draw their own Saltelli rows and return sums) gives
the in-process indices within rounding, SALib's on the complete blocks, and the same
failure report and refusal."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from SALib.analyze import sobol as salib_analyze
from ua_helpers import synth_plan

from aicap.index.errors import ComputationError
from aicap.index.sensitivity import saltelli_sample
from aicap.index.uncertainty import run_sobol, run_uncertainty
from aicap.index.uncertainty.dask_run import split
from aicap.index.uncertainty.sample import saltelli_block
from aicap.index.uncertainty.sobol_dask import _counts, sobol_dask

distributed = pytest.importorskip("distributed")

TOL = 1e-9  # the Dask estimator sums raw moments: the same indices up to rounding


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    with distributed.Client(
        processes=False, n_workers=2, threads_per_worker=1, dashboard_address=None
    ) as c:
        yield c


def test_saltelli_blocks_are_the_whole_designs_rows() -> None:
    dims = [1, 3, 1, 2]
    whole = saltelli_sample(dims, 64, 7)
    g = len(dims)
    parts = [saltelli_block(dims, b0, b1 - b0, 7) for b0, b1 in ((0, 5), (5, 32), (32, 64))]
    np.testing.assert_array_equal(np.concatenate(parts), whole)
    np.testing.assert_array_equal(saltelli_block(dims, 9, 3, 7), whole[9 * (g + 2) : 12 * (g + 2)])


def test_bootstrap_counts_are_the_in_process_draws_column_slices() -> None:
    n, b, seed = 1000, 7, 3  # an odd number of resamples: rows are drawn in even slices
    draws = np.random.default_rng(seed).integers(n, size=(n, b))
    flat = (np.arange(b)[None, :] * n + draws).ravel()
    whole = np.bincount(flat, minlength=b * n).reshape(b, n)
    np.testing.assert_array_equal(_counts(n, b, seed, 0, n), whole)
    np.testing.assert_array_equal(_counts(n, b, seed, 300, 250), whole[:, 300:550])


def test_split_is_consecutive_and_even() -> None:
    parts = split(list(range(10)), 4)
    assert [len(p) for p in parts] == [3, 3, 2, 2]
    assert [x for p in parts for x in p] == list(range(10))
    assert split([0, 1], 8) == [[0], [1]]


def test_monte_carlo_same_for_any_number_of_tasks(client: Any) -> None:
    plan = synth_plan()
    ref = run_uncertainty(plan, keep_samples=False, block=50)
    for per_worker in (1, 3):
        got = run_uncertainty(plan, client=client, block=50, tasks_per_worker=per_worker)
        assert got.countries().equals(ref.countries())
        assert got.pairwise().equals(ref.pairwise())
        assert got.failures().equals(ref.failures())
        tt = got.summaries.task_times
        assert len(tt) == 2 * per_worker  # two worker threads
        assert sum(t.replications for t in tt) == plan.spec.n
        assert sorted(t.first for t in tt)[0] == 0 and all(t.cpu >= 0 for t in tt)
        assert {t.kind for t in tt} == {"run"}


def _table_close(a: Any, b: Any) -> None:
    assert a[["output", "input"]].equals(b[["output", "input"]])
    for col in ("runs", "failed_runs", "blocks_used", "blocks"):
        assert a[col].equals(b[col]), col
    for col in ("S1", "S1_conf", "ST", "ST_conf", "failed_share"):
        np.testing.assert_allclose(a[col], b[col], rtol=0, atol=TOL, equal_nan=True)


def test_sobol_on_dask_equals_in_process(client: Any) -> None:
    plan = synth_plan()
    ref = run_sobol(plan)
    got = run_sobol(plan, client=client)
    assert got.raw is None
    assert got.failed == ref.failed > 0 and got.runs == ref.runs
    assert got.blocks_used == ref.blocks_used < ref.n_base
    assert got.per_unit.n_valid == ref.per_unit.n_valid
    _table_close(got.table(), ref.table())
    assert got.failures().equals(ref.failures())
    np.testing.assert_array_equal(got.mars.S1, ref.mars.S1)  # the same per-run shifts
    kinds = [t.kind for t in got.task_times]
    assert kinds == ["evaluate"] * 4 + ["sums"] * 4  # two per worker thread, two rounds
    assert sum(t.replications for t in got.task_times if t.kind == "evaluate") == got.runs
    again = run_sobol(plan, client=client)  # sums added in task order: the same rounding
    np.testing.assert_array_equal(again.per_unit.ST_conf, got.per_unit.ST_conf)
    # the indices are not trivially equal: they vary across units and inputs
    assert np.nanstd(got.per_unit.ST) > 0.01
    with pytest.raises(ValueError, match="Dask run"):
        got.samples()


def test_sobol_on_dask_score_output_and_any_split(client: Any) -> None:
    spec = synth_plan().spec.model_copy(update={"output": "score"})
    plan = dataclasses.replace(synth_plan(), spec=spec)
    ref = run_sobol(plan)
    got = run_sobol(plan, client=client)
    _table_close(got.table(), ref.table())
    one = sobol_dask(plan, 64, client, tasks_per_worker=1)
    three = sobol_dask(plan, 64, client, tasks_per_worker=3)
    np.testing.assert_allclose(one.per_unit.S1, three.per_unit.S1, atol=1e-12, equal_nan=True)
    np.testing.assert_allclose(one.per_unit.ST_conf, three.per_unit.ST_conf, atol=1e-12)


def test_sobol_on_dask_with_failures_equals_salib_on_complete_blocks(client: Any) -> None:
    """About 20 % of the synthetic design's runs fail (geometric means of z-scores): the Dask
    indices of a unit equal SALib's on the complete sample blocks."""
    plan = synth_plan()
    got = run_sobol(plan, client=client)
    ref = run_sobol(plan)  # in process: every run's rank, to hand to SALib
    assert ref.raw is not None
    g = len(plan.factors)
    assert 0.1 < got.failed / got.runs < 0.3
    blocks = ref.raw.rank.reshape(64, g + 2, -1)
    good = ~np.isnan(blocks).any(axis=(1, 2))
    problem = {"num_vars": g, "names": [f.name for f in plan.factors], "bounds": [[0, 1]] * g}
    for unit in (0, 7):
        y = blocks[good][:, :, unit].reshape(-1)
        sal = salib_analyze.analyze(problem, y, calc_second_order=False, seed=plan.spec.seed + 1)
        np.testing.assert_allclose(got.per_unit.S1[:, unit], sal["S1"], atol=TOL)
        np.testing.assert_allclose(got.per_unit.ST[:, unit], sal["ST"], atol=TOL)
        np.testing.assert_allclose(got.per_unit.S1_conf[:, unit], sal["S1_conf"], atol=TOL)


def test_sobol_on_dask_refuses_above_the_failure_limit(client: Any) -> None:
    plan = synth_plan()
    strict = dataclasses.replace(plan, spec=plan.spec.model_copy(update={"sobol_max_failed": 0.05}))
    with pytest.raises(ComputationError, match=r"runs failed \(2\d\.\d%.*sobol_max_failed = 5"):
        run_sobol(strict, client=client)


def test_cli_writes_a_dask_sobol_result_without_run_tables(client: Any, tmp_path: Any) -> None:
    """The workers keep the runs: no sobol_samples table; the indices, the failures and the
    summary's run counts are written as in process."""
    import json

    from aicap.cli.uncertainty_run import write_results

    plan = synth_plan()
    got = run_sobol(plan, client=client)
    written = write_results(tmp_path, None, got, "synth")
    assert "sobol.csv" in written and "sobol_failures.csv" in written
    assert not (tmp_path / "sobol_samples.csv").exists()
    summary = json.loads((tmp_path / "summary.json").read_text())["sobol"]
    assert summary["runs"] == got.runs == 64 * (len(plan.factors) + 2)
    assert summary["failed"] == got.failed > 0


def test_evaluate_on_a_client_is_deprecated_and_still_right(client: Any) -> None:
    from aicap.index.uncertainty import decode, evaluate, sample_uniform

    plan = synth_plan()
    dec = decode(plan, sample_uniform(plan, 120))
    ref = evaluate(plan, dec, chunk_size=40)
    with pytest.warns(DeprecationWarning, match="run_uncertainty"):
        got = evaluate(plan, dec, chunk_size=40, client=client)
    np.testing.assert_array_equal(got.score, ref.score)
    np.testing.assert_array_equal(got.fail, ref.fail)
