"""Backends: the array-API path (array_api_strict) equals NumPy; Dask equals in-process."""

from __future__ import annotations

import dataclasses
import importlib.util
import pickle
import platform
import sys
from pathlib import Path

import numpy as np
import pytest
from ua_helpers import synth_plan

from aicap.analysis.uncertainty_parquet import ParquetSink, read_replications
from aicap.index.backend import BackendError, get_backend
from aicap.index.uncertainty import run_sobol, run_uncertainty


@pytest.mark.parametrize("collapsed", [True, False])
def test_array_api_strict_path_equals_numpy(collapsed: bool) -> None:
    """The strict backend puts its arrays on a device other than the default one, so an array
    made without ``device=`` (which would sit on the CPU beside a GPU's) fails here too."""
    plan = synth_plan()
    if not collapsed:  # the level-by-level path (gaps, mixed means)
        plan = dataclasses.replace(plan, kernel=dataclasses.replace(plan.kernel, collapse=False))
    ref = run_uncertainty(plan)
    strict = run_uncertainty(plan, backend="array_api_strict")
    np.testing.assert_array_equal(ref.raw.fail, strict.raw.fail)
    np.testing.assert_allclose(strict.raw.score, ref.raw.score, rtol=0, atol=1e-6)
    np.testing.assert_array_equal(strict.raw.rank, ref.raw.rank)
    np.testing.assert_array_equal(strict.raw.wins, ref.raw.wins)
    np.testing.assert_allclose(strict.raw.mars, ref.raw.mars, rtol=0, atol=1e-12)
    np.testing.assert_allclose(
        strict.countries().drop(columns="uCode").to_numpy(),
        ref.countries().drop(columns="uCode").to_numpy(),
        atol=1e-6,
    )


@pytest.mark.parametrize("name", ["cupy", "torch"])
def test_missing_gpu_library_is_a_clear_error(name: str) -> None:
    if importlib.util.find_spec(name) is not None:
        pytest.skip(f"{name} is installed here")
    with pytest.raises(BackendError, match=f"needs the {name} package"):
        get_backend(name)
    with pytest.raises(BackendError):
        run_uncertainty(synth_plan(), backend=name)


def test_strict_backend_is_not_on_the_default_device() -> None:
    be = get_backend("array_api_strict")
    x = be.asarray(np.ones(3))
    with pytest.raises(ValueError, match="different devices"):
        x + be.xp.asarray(np.ones(3))


def test_unknown_backend() -> None:
    with pytest.raises(BackendError, match="backends are numpy"):
        get_backend("jax")


def test_dask_cluster_gives_the_in_process_result(tmp_path: Path) -> None:
    """Each Dask task samples, evaluates and summarises its own block; the client only adds
    summaries up. The result equals the in-process run's for the same seed, whatever the
    blocks, and the replications the workers wrote equal those kept in process."""
    distributed = pytest.importorskip("distributed")
    plan = synth_plan()
    kept = run_uncertainty(plan, chunk_size=64, block=100)  # every replication in memory
    ref = run_uncertainty(plan, chunk_size=64, block=100, keep_samples=False)
    sob = run_sobol(plan, chunk_size=64)
    sink = ParquetSink(tmp_path / "reps", plan.units)
    with distributed.Client(
        processes=False, n_workers=2, threads_per_worker=1, dashboard_address=None
    ) as client:
        got = run_uncertainty(plan, chunk_size=64, client=client, block=100, sink=sink)
        sgot = run_sobol(plan, chunk_size=64, client=client)
    assert got.raw is None and ref.raw is None
    assert got.countries().equals(ref.countries())
    assert got.pairwise().equals(ref.pairwise())
    assert got.pairwise().equals(kept.pairwise())
    assert got.failures().equals(kept.failures())
    s_got, s_ref = got.summary(), ref.summary()
    for key in ("replications", "failed", "mean_abs_rank_shift", "score_error"):
        assert s_got[key] == s_ref[key], key
    assert s_got["mean_abs_rank_shift"] == pytest.approx(kept.summary()["mean_abs_rank_shift"])
    # ranks are exact in every mode; streamed score percentiles within the stated error
    a, b = got.countries(), kept.countries()
    rank_cols = ["uCode", "rank_nominal", "rank_median", "rank_p05", "rank_p95"]
    assert a[[*rank_cols, "mean_abs_rank_shift", "n_ranked"]].equals(
        b[[*rank_cols, "mean_abs_rank_shift", "n_ranked"]]
    )
    err = s_got["score_error"]
    assert 0 < err < 0.05 and s_got["scores_outside_bins"] > 0  # hmean, genmean of z-scores
    for col in ("score_median", "score_p05", "score_p95"):
        np.testing.assert_allclose(a[col], b[col], rtol=0, atol=err * (1 + 1e-9))
    assert not np.allclose(a["score_median"], b["score_median"], rtol=0, atol=1e-12)
    reps = read_replications(tmp_path / "reps")
    assert reps["replication"].tolist() == list(range(plan.spec.n))
    raw = kept.raw
    assert raw is not None
    np.testing.assert_array_equal(reps[[f"score:{u}" for u in plan.units]], raw.score)
    np.testing.assert_array_equal(reps[[f"rank:{u}" for u in plan.units]], raw.rank_int)
    np.testing.assert_array_equal(reps["failed"], raw.fail)
    a, b = sgot.table(), sob.table()  # Sobol' on Dask: the same up to rounding
    assert a[["output", "input", "runs", "failed_runs", "blocks_used"]].equals(
        b[["output", "input", "runs", "failed_runs", "blocks_used"]]
    )
    for col in ("S1", "S1_conf", "ST", "ST_conf"):
        np.testing.assert_allclose(a[col], b[col], rtol=0, atol=1e-9, equal_nan=True)


def test_dask_worker_processes_give_the_in_process_result() -> None:
    """Worker processes of their own (summaries pickled back to the client)."""
    distributed = pytest.importorskip("distributed")
    plan = synth_plan()
    ref = run_uncertainty(plan, keep_samples=False, block=64)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        got = run_uncertainty(plan, client=client, block=64)
        sgot = run_sobol(plan, client=client)
        pools = client.submit(_worker_pools, pure=False).result()
    # in the worker process: BLAS/OpenMP single-threaded, the allocator keeps freed memory
    glibc = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"
    assert pools["setup"] == {"threads": 1, "mallopt": glibc}
    assert pools["threads"] and set(pools["threads"]) == {1}
    assert got.countries().equals(ref.countries())
    assert got.pairwise().equals(ref.pairwise())
    assert got.failures().equals(ref.failures())
    assert len({t.pid for t in got.summaries.task_times}) == 2  # both processes worked
    # Sobol': parts kept in the workers, heads and sums pickled back
    sref = run_sobol(plan)
    assert sgot.failures().equals(sref.failures()) and sgot.failed == sref.failed > 0
    for a, b in ((sgot.per_unit.S1, sref.per_unit.S1), (sgot.per_unit.ST, sref.per_unit.ST)):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-9, equal_nan=True)


def _worker_pools() -> dict[str, object]:
    from threadpoolctl import threadpool_info

    from aicap.index.uncertainty.dask_run import _SETUP

    return {"setup": dict(_SETUP), "threads": [d["num_threads"] for d in threadpool_info()]}


def test_summary_survives_pickling() -> None:
    sm = run_uncertainty(synth_plan(), keep_samples=False).summaries
    back = pickle.loads(pickle.dumps(sm))
    np.testing.assert_array_equal(back.score_bins, sm.score_bins)
    np.testing.assert_array_equal(back.rank_hist, sm.rank_hist)
    assert len(pickle.dumps(sm)) < sm.score_bins.nbytes / 10  # the bins travel sparse


def test_threads_give_the_serial_result() -> None:
    plan = synth_plan()
    a = run_uncertainty(plan, chunk_size=40)
    b = run_uncertainty(plan, chunk_size=40, workers=2)
    np.testing.assert_array_equal(a.raw.score, b.raw.score)
    np.testing.assert_array_equal(a.raw.wins, b.raw.wins)
