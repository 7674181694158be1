"""Backends: the array-API path (array_api_strict) equals NumPy; Dask equals in-process."""

from __future__ import annotations

import dataclasses
import importlib.util

import numpy as np
import pytest
from ua_helpers import synth_plan

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


def test_dask_cluster_gives_the_in_process_result() -> None:
    distributed = pytest.importorskip("distributed")
    plan = synth_plan()
    ref = run_uncertainty(plan, chunk_size=64)
    sob = run_sobol(plan, chunk_size=64)
    with distributed.Client(
        processes=False, n_workers=2, threads_per_worker=1, dashboard_address=None
    ) as client:
        got = run_uncertainty(plan, chunk_size=64, client=client)
        sgot = run_sobol(plan, chunk_size=64, client=client)
    np.testing.assert_array_equal(got.raw.score, ref.raw.score)
    np.testing.assert_array_equal(got.raw.rank, ref.raw.rank)
    np.testing.assert_array_equal(got.raw.wins, ref.raw.wins)
    assert got.countries().equals(ref.countries())
    assert sgot.table().equals(sob.table())


def test_threads_give_the_serial_result() -> None:
    plan = synth_plan()
    a = run_uncertainty(plan, chunk_size=40)
    b = run_uncertainty(plan, chunk_size=40, workers=2)
    np.testing.assert_array_equal(a.raw.score, b.raw.score)
    np.testing.assert_array_equal(a.raw.wins, b.raw.wins)
