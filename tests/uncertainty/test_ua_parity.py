"""(a) A sample of vectorised replications equals a plain rebuild of each (within 1e-9)."""

from __future__ import annotations

import numpy as np
import pytest
from ua_helpers import asem_plan, needs_asem, synth_plan

from aicap.index.errors import EngineError
from aicap.index.uncertainty import OK, Plan, UncertaintyResult, replay, run_uncertainty


def check_replications(plan: Plan, res: UncertaintyResult, rows: list[int]) -> tuple[int, int]:
    ok = failed = 0
    dec = res.raw.decoded
    units = list(plan.units)
    for r in rows:
        if res.raw.fail[r] != OK:
            with pytest.raises(EngineError):  # the plain rebuild fails too
                replay(plan, dec, r)
            failed += 1
            continue
        ref = replay(plan, dec, r)
        score = ref.scores[plan.target].reindex(units).to_numpy()
        rank = ref.ranks()[plan.target].reindex(units).to_numpy()
        np.testing.assert_allclose(res.raw.score[r], score, rtol=0, atol=1e-9)
        np.testing.assert_array_equal(res.raw.rank[r], rank)
        ok += 1
    return ok, failed


@needs_asem
def test_asem_replications_equal_plain_rebuilds() -> None:
    plan = asem_plan()
    assert plan.exclusion_in_data  # ASEM screens units, so dropping an indicator is data-side
    res = run_uncertainty(plan)
    rng = np.random.default_rng(0)
    rows = sorted(rng.choice(plan.spec.n, size=14, replace=False).tolist())
    rows += np.nonzero(res.raw.fail != OK)[0][:2].tolist()  # and some failures
    ok, _ = check_replications(plan, res, rows)
    assert ok >= 8


def test_synthetic_replications_equal_plain_rebuilds() -> None:
    plan = synth_plan()
    assert not plan.exclusion_in_data  # no screening: exclusion is a zero weight
    res = run_uncertainty(plan, chunk_size=37)
    dec = res.raw.decoded
    # one replication per aggregation alternative and exclusion, plus random ones
    rows: list[int] = []
    for a in range(5):
        for e in range(5):
            hit = np.nonzero((dec.agg == a) & (dec.excl == e))[0]
            if hit.size:
                rows.append(int(hit[0]))
    rows += np.nonzero(res.raw.fail != OK)[0][:3].tolist()  # and some failures
    ok, failed = check_replications(plan, res, rows)
    assert ok >= 10 and failed >= 1  # harmonic/geometric means on z-scores fail sometimes


def test_failures_are_recorded_not_fatal() -> None:
    res = run_uncertainty(synth_plan())
    fails = res.failures()
    assert len(fails) == int((res.raw.fail != OK).sum()) > 0
    assert fails["reason"].str.contains("zero or negative").all()
    table = res.countries()
    assert table["n_ranked"].max() == res.raw.fail.size - len(fails)
