"""(c) The same seed gives the same result; another seed another sample."""

from __future__ import annotations

import numpy as np
from ua_helpers import SYNTH_SPEC, synth_plan

from aicap.index.uncertainty import run_sobol, run_uncertainty


def test_same_seed_same_result_other_seed_other_sample() -> None:
    a = run_uncertainty(synth_plan())
    b = run_uncertainty(synth_plan(), chunk_size=50)  # chunking does not change results
    np.testing.assert_array_equal(a.raw.decoded.u, b.raw.decoded.u)
    np.testing.assert_array_equal(a.raw.score, b.raw.score)
    np.testing.assert_array_equal(a.raw.rank, b.raw.rank)
    assert a.countries().equals(b.countries())
    assert a.pairwise().equals(b.pairwise())
    other = synth_plan(SYNTH_SPEC.replace("seed: 11", "seed: 12"))
    c = run_uncertainty(other)
    assert not np.array_equal(a.raw.decoded.u, c.raw.decoded.u)
    assert not a.samples().equals(c.samples())
    s1, s2 = run_sobol(synth_plan()), run_sobol(synth_plan())
    assert s1.table().equals(s2.table())
    assert not np.array_equal(s1.raw.decoded.u, run_sobol(other).raw.decoded.u)
