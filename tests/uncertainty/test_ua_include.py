"""Independent inclusion or exclusion of each indicator (``kind: include``)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from test_ua_parity import check_replications
from ua_helpers import asem_comp, needs_asem, synth_comp

from aicap.index.errors import ValidationError
from aicap.index.spec import UncertaintySpec
from aicap.index.uncertainty import (
    FAIL_EXCLUDE,
    OK,
    decode,
    make_plan,
    run_sobol,
    run_uncertainty,
    sample_uniform,
)

SYNTH = """
name: include
seed: 4
n: 600
sobol_max_failed: 0.1   # about 7 % of the Sobol' runs leave an aggregate with no indicators
inputs:
  - name: agg
    kind: aggregate
    alternatives: [{method: a_amean}, {method: a_gmean}]
  - {name: keep, kind: include, indicators: [i000, i001, i002, i004, i007], p_exclude: 0.4}
  - {name: w, kind: weight_noise, levels: {2: 0.3}}
"""


def _plan(text: str = SYNTH):  # type: ignore[no-untyped-def]
    return make_plan(synth_comp(), UncertaintySpec.from_yaml(text, "include.yaml"))


def test_each_indicator_is_left_out_independently_with_its_probability() -> None:
    plan = _plan(SYNTH.replace("n: 600", "n: 20000"))
    assert [f.name for f in plan.factors if f.kind == "include"] == [
        "keep:i000",
        "keep:i001",
        "keep:i002",
        "keep:i004",
        "keep:i007",
    ]
    dec = decode(plan, sample_uniform(plan))
    tree = plan.comp.framework.tree
    cols = [tree.indicators.index(c) for c in ("i000", "i001", "i002", "i004", "i007")]
    out = ~dec.incl[:, cols]
    # binomial: 20,000 draws at p = 0.4 -> sd 0.0035; 5 sd bounds
    np.testing.assert_allclose(out.mean(axis=0), 0.4, atol=0.018)
    # independent: each pair out together ~ p^2
    both = (out[:, :, None] & out[:, None, :]).mean(axis=0)
    np.testing.assert_allclose(both[np.triu_indices(5, 1)], 0.16, atol=0.016)
    assert dec.incl[:, [i for i in range(12) if i not in cols]].all()  # the others stay
    # a left-out indicator weighs zero; a kept one does not
    w = dec.weights[:, :12][:, cols]
    assert (w[out] == 0).all() and (w[~out] > 0).all()


def test_replications_equal_plain_rebuilds_without_those_indicators() -> None:
    plan = _plan()
    assert not plan.exclusion_in_data
    res = run_uncertainty(plan, chunk_size=50)
    dec = res.raw.decoded
    rng = np.random.default_rng(1)
    rows = sorted(rng.choice(plan.spec.n, size=12, replace=False).tolist())
    dead = np.nonzero(res.raw.fail == FAIL_EXCLUDE)[0]
    rows += dead[:2].tolist()
    ok, failed = check_replications(plan, res, rows)
    assert ok >= 8 and failed >= 2
    # i000-i002 make up L2_0: all three out (p^3 = 6.4 %) leaves it empty, a failure
    assert dead.size > 0
    assert dec.dead[dead].all() and (~dec.incl[dead][:, :3]).all(axis=1).all()
    reasons = res.failures().set_index("replication").loc[dead, "reason"]
    assert reasons.str.contains("leaves aggregate 'L2_0' with no children").all()
    assert reasons.str.contains("excluding i000, i001, i002").all()
    assert (res.raw.fail[~dec.dead] != FAIL_EXCLUDE).all()


def test_samples_name_the_indicators_left_out() -> None:
    res = run_uncertainty(_plan())
    s = res.samples()
    assert "keep:i004 (excluded)" in s.columns
    dec = res.raw.decoded
    col = s["keep:i004 (excluded)"].to_numpy()
    out = ~dec.incl[:, 4]
    assert set(col[out]) == {"i004"} and set(col[~out]) == {"none"}


def test_one_factor_for_the_whole_set_with_separate_false() -> None:
    text = SYNTH.replace("p_exclude: 0.4}", "p_exclude: 0.4, separate: false}")
    plan = _plan(text)
    inc = [f for f in plan.factors if f.kind == "include"]
    assert len(inc) == 1 and inc[0].dims == 5 and inc[0].name == "keep"
    res = run_uncertainty(plan)
    col = res.samples()["keep (excluded)"]
    assert col.str.contains(", ").any()  # several indicators out in one replication
    sob = run_sobol(plan, 64)
    assert set(sob.table()["input"]) == {"agg", "keep", "w"}


def test_sobol_gives_each_indicator_its_own_indices() -> None:
    sob = run_sobol(_plan(), 128)
    table = sob.table()
    top = table[table["output"] == "mean_abs_rank_shift"].set_index("input")
    assert list(top.index) == [
        "agg",
        "keep:i000",
        "keep:i001",
        "keep:i002",
        "keep:i004",
        "keep:i007",
        "w",
    ]
    assert np.isfinite(top["ST"]).all()


@needs_asem
def test_asem_include_is_data_side_under_screening_and_equals_plain_rebuilds() -> None:
    text = """
name: asem-include
seed: 8
n: 200
inputs:
  - name: aggregation
    kind: aggregate
    alternatives: [{method: a_amean}, {method: a_gmean}]
  - {name: keep, kind: include, indicators: [Goods, CO2, Renew], p_exclude: 0.5}
"""
    plan = make_plan(asem_comp(), UncertaintySpec.from_yaml(text, "asem-include.yaml"))
    assert plan.exclusion_in_data  # ASEM screens units: each combination is built once
    assert plan.n_variants == 8  # 2^3 inclusion patterns
    res = run_uncertainty(plan)
    rows = np.random.default_rng(2).choice(plan.spec.n, size=10, replace=False).tolist()
    ok, failed = check_replications(plan, res, sorted(rows))
    assert ok >= 3 and ok + failed == 10
    # arithmetic means never fail; geometric ones fail on zeros, as the plain rebuild does
    assert (res.raw.fail[res.raw.decoded.agg == 0] == OK).all()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "{name: k, kind: include, indicators: [nope]}",
            "inputs[1] (include).indicators[0]: unknown indicator 'nope'",
        ),
        ("{name: k, kind: include, indicators: [i000, i000]}", "listed twice"),
        ("{name: k, kind: include, indicators: [i000], p_exclude: 1}", "p_exclude"),
        ("{name: k, kind: include, indicators: []}", "indicators"),
    ],
)
def test_bad_include_inputs_are_located(line: str, message: str) -> None:
    text = f"""
name: bad
inputs:
  - {{name: agg, kind: aggregate, alternatives: [{{method: a_amean}}, {{method: a_gmean}}]}}
  - {line}
"""
    with pytest.raises(ValidationError, match=re.escape(message)):
        make_plan(synth_comp(), UncertaintySpec.from_yaml(text, "bad.yaml"))


def test_an_indicator_in_two_include_inputs_is_refused() -> None:
    text = """
name: twice
inputs:
  - {name: a, kind: include, indicators: [i000, i001]}
  - {name: b, kind: include, indicators: [i001]}
"""
    with pytest.raises(
        ValidationError, match=r"inputs\[1\] \(include\).*already varies the inclusion of i001"
    ):
        UncertaintySpec.from_yaml(text, "twice.yaml")
