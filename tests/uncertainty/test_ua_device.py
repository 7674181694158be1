"""The GPU path (sample, decode, evaluate and summarise on the device), exercised through the
array-API strict backend: the counter stream is the same on every backend, and the device run
gives the host run's summaries."""

from __future__ import annotations

import numpy as np
import pytest
from ua_helpers import SYNTH_SPEC, synth_comp

from aicap.index.backend import get_backend
from aicap.index.spec import UncertaintySpec
from aicap.index.uncertainty import decode, make_plan, run_uncertainty
from aicap.index.uncertainty.blocks import on_device
from aicap.index.uncertainty.device import counter_uniforms, decode_device

INCLUDE = "  - {name: keep, kind: include, indicators: [i000, i001, i003], p_exclude: 0.4}"
# the synthetic spec without its Dirichlet input (decoded on the host), with the counter stream
SPEC = (
    SYNTH_SPEC.replace("  - {name: w_ind, kind: dirichlet, levels: [1], concentration: 20}\n", "")
    .replace("n: 400", "n: 600\nsampler: counter")
    .replace(
        "  - {name: drop, kind: exclude",
        "  - {name: keep, kind: include, indicators: [i000, i001, i003], p_exclude: 0.4}\n"
        "  - {name: drop, kind: exclude",
    )
)


def _plan():  # type: ignore[no-untyped-def]
    return make_plan(synth_comp(), UncertaintySpec.from_yaml(SPEC, "device.yaml"))


def test_counter_stream_is_the_same_on_every_backend_and_any_block() -> None:
    be = get_backend("array_api_strict")
    whole = counter_uniforms(np, 7, 0, 500, 4)
    dev = be.to_numpy(counter_uniforms(be.xp, 7, 0, 500, 4, device=be.device))
    np.testing.assert_array_equal(whole, dev)
    np.testing.assert_array_equal(whole[123:200], counter_uniforms(np, 7, 123, 77, 4))
    assert whole.min() >= 0.0 and whole.max() < 1.0
    big = counter_uniforms(np, 3, 0, 100_000, 2).ravel()
    assert abs(big.mean() - 0.5) < 0.005 and abs(big.var() - 1 / 12) < 0.002
    assert not np.array_equal(counter_uniforms(np, 4, 0, 10, 2), counter_uniforms(np, 3, 0, 10, 2))


def test_device_decoding_equals_host_decoding() -> None:
    plan = _plan()
    be = get_backend("array_api_strict")
    u = counter_uniforms(np, 5, 0, 400, int(sum(plan.dims)))
    host = decode(plan, u)
    dev = decode_device(plan, be, be.asarray(u))
    np.testing.assert_array_equal(dev.variant, host.variant)
    np.testing.assert_array_equal(dev.agg, host.agg)
    np.testing.assert_array_equal(be.to_numpy(dev.weights), host.weights)
    np.testing.assert_array_equal(be.to_numpy(dev.incl), host.incl)
    np.testing.assert_array_equal(dev.dead, host.dead)
    assert host.dead.any() and not host.incl.all()  # the include input leaves some out


def test_device_run_gives_the_host_runs_summaries() -> None:
    plan = _plan()
    assert on_device(plan, "array_api_strict", keep=False, sink=None)
    host = run_uncertainty(plan, keep_samples=False)
    dev = run_uncertainty(plan, backend="array_api_strict", keep_samples=False)
    a, b = host.countries(), dev.countries()
    exact = ["uCode", "rank_median", "rank_p05", "rank_p95", "mean_abs_rank_shift", "n_ranked"]
    assert a[exact].equals(b[exact])
    err = host.summary()["score_error"]
    for col in ("score_median", "score_p05", "score_p95"):
        np.testing.assert_allclose(b[col], a[col], rtol=0, atol=err + 1e-9)
    assert host.pairwise().equals(dev.pairwise())
    assert host.failures().equals(dev.failures())
    assert host.summary()["failed"] > 0
    assert dev.summary()["mean_abs_rank_shift"] == pytest.approx(
        host.summary()["mean_abs_rank_shift"], rel=1e-12
    )
