"""Engine fidelity (issue 22): overrides merge, infinities stay in their branch, signed zeros,
per-aggregate checks, directions in the audit, logs, goalposts and zeros in geometric means."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aicap.index import Framework, Recipe, build
from aicap.index.recipe import Step, accepted_params
from aicap.index.registry import REGISTRY

TREE = """
name: two-branch
indicators:
  - {code: a, parent: P}
  - {code: b, parent: P}
  - {code: c, parent: Q}
  - {code: d, parent: Q}
aggregates:
  - {code: P, parent: I}
  - {code: Q, parent: I}
  - {code: I}
groups: [region]
"""


def two_branch(a: float, b: float, c: float, d: float) -> tuple[Framework, pd.DataFrame]:
    fw = Framework.from_yaml(TREE, "tree.yaml")
    data = pd.DataFrame(
        {
            "uCode": ["U1", "U2"],
            "region": ["N", "N"],
            "a": [a, 2.0],
            "b": [b, 2.0],
            "c": [c, 2.0],
            "d": [d, 2.0],
        }
    )
    return fw, data


def agg_recipe(body: str) -> Recipe:
    return Recipe.from_yaml(f"steps:\n  - {{step: aggregate, method: a_amean, {body}}}\n", "r")


# ------------------------------------------------------------------ 1. overrides merge
def test_level_override_keeps_the_steps_dat_thresh() -> None:
    """Issue 22's example: COINr gives NA for I (Q has no data, dat_thresh 1 applies to I)."""
    fw, data = two_branch(1.0, 3.0, np.nan, np.nan)
    rec = agg_recipe("params: {dat_thresh: 1}, levels: {3: {method: a_gmean}}")
    s = build(fw, data, rec).scores
    assert np.isnan(s.loc["U1", "I"]) and np.isnan(s.loc["U1", "Q"])
    assert s.loc["U1", "P"] == pytest.approx(2.0)
    assert s.loc["U2", "I"] == pytest.approx(2.0)


def test_element_override_keeps_the_steps_dat_thresh() -> None:
    fw, data = two_branch(1.0, 3.0, np.nan, np.nan)
    rec = agg_recipe("params: {dat_thresh: 1}, overrides: {I: {method: a_hmean}}")
    assert np.isnan(build(fw, data, rec).scores.loc["U1", "I"])


def test_changing_the_imputation_method_keeps_the_group() -> None:
    fw, data = two_branch(1.0, 3.0, np.nan, 4.0)
    data = pd.concat([data, data.assign(uCode=["U3", "U4"], region="S", c=[7.0, 9.0])])
    rec = Recipe.from_yaml(
        "steps:\n  - {step: impute, method: i_mean_grp, params: {group: region}}\n"
        "  - {step: aggregate, method: a_amean}\n",
        "r",
    )
    comp = build(fw, data, rec)
    med = comp.rebuild({"impute": {"method": "i_median_grp"}})
    assert med.recipe.steps[0].params == {"group": "region"}
    assert med.stages["imputed"].loc["U1", "c"] == 2.0  # the N group's median, not S's
    over = Recipe.from_yaml(
        "steps:\n  - {step: impute, method: i_mean_grp, params: {group: region},"
        " overrides: {c: {method: i_median_grp}}}\n",
        "r",
    )
    assert over.steps[0].spec_for("c") == ("i_median_grp", {"group": "region"})


def test_a_change_of_method_drops_only_what_the_new_method_cannot_take() -> None:
    rec = Recipe.from_yaml(
        "steps:\n  - {step: normalise, method: n_minmax, params: {l_u: [1, 100]},"
        " overrides: {a: {method: n_dist2targ, params: {cap_max: true}}}}\n",
        "r",
    )
    assert rec.steps[0].spec_for("a") == ("n_dist2targ", {"cap_max": True})
    assert rec.with_changes({"normalise": {"method": "n_prank"}}).steps[0].params == {}
    z = rec.with_changes({"normalise": {"method": "n_scaled", "params": {"npara": [0, 1]}}})
    assert z.steps[0].params == {"npara": [0, 1]}


AGG = [m.name for m in REGISTRY.methods("aggregate")]
VALUES = {"dat_thresh": st.floats(0, 1), "p": st.floats(0.5, 3)}


@st.composite
def steps(draw: st.DrawFn) -> Step:
    def params() -> dict[str, float]:
        keys = draw(st.sets(st.sampled_from(sorted(VALUES))))
        return {k: draw(VALUES[k]) for k in sorted(keys)}

    def override() -> dict[str, object]:
        ov: dict[str, object] = {"params": params()}
        if draw(st.booleans()):
            ov["method"] = draw(st.sampled_from(AGG))
        return ov

    method = draw(st.sampled_from(AGG))
    base = {k: v for k, v in params().items() if k == "dat_thresh" or method == "genmean"}
    levels = {lev: override() for lev in draw(st.sets(st.integers(2, 4), max_size=2))}
    over = {c: override() for c in draw(st.sets(st.sampled_from(["P", "Q", "I"]), max_size=2))}
    for ov in (*levels.values(), *over.values()):
        m = ov.get("method", method)
        ov["params"] = {
            k: v for k, v in ov["params"].items() if k == "dat_thresh" or m == "genmean"
        }
    return Step.model_validate(
        {"step": "aggregate", "method": method, "params": base, "levels": levels, "overrides": over}
    )


@settings(max_examples=300, deadline=None)
@given(steps(), st.sampled_from(["P", "Q", "I"]), st.integers(2, 4))
def test_overrides_never_lose_parameters(step: Step, code: str, level: int) -> None:
    """Every parameter of the step, then of the level override, then of the element override
    reaches the resolved spec (the most specific value wins), unless the resolved method
    cannot take it."""
    method, params = step.spec_for(code, level)
    accepted = accepted_params(REGISTRY.get("aggregate", method))
    assert accepted is not None
    expected: dict[str, object] = {}
    for ov in (step.levels.get(level), step.overrides.get(code)):
        if ov is not None and ov.method is not None:
            assert method == ov.method or step.overrides.get(code) is not ov
    for src in (
        step.params,
        *(o.params for o in (step.levels.get(level), step.overrides.get(code)) if o),
    ):
        expected.update({k: v for k, v in src.items() if k in accepted})
    assert {k: v for k, v in params.items() if k in accepted} == expected
    named = {k for o in (step.levels.get(level), step.overrides.get(code)) if o for k in o.params}
    assert set(params) - accepted <= named  # only what an override itself names (then an error)
    if "dat_thresh" in step.params or any(
        "dat_thresh" in o.params for o in (step.levels.get(level), step.overrides.get(code)) if o
    ):
        assert "dat_thresh" in params


# ------------------------------------------------------------------ 2. infinities per branch
def test_an_infinity_stays_in_its_branch() -> None:
    from aicap.index.aggregate import a_amean

    w = np.array([[1.0, 0], [0, 1], [0, 1]])
    np.testing.assert_array_equal(a_amean(np.array([[np.inf, 1, 2]]), w), [[np.inf, 1.5]])
    both = a_amean(np.array([[np.inf, -np.inf, 2]]), np.array([[1.0], [1], [1]]))
    assert np.isnan(both).all()  # Inf + -Inf, as in R


special = st.sampled_from([np.inf, -np.inf, np.nan])
cell = st.one_of(st.floats(0.01, 100), special)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.lists(cell, min_size=5, max_size=5), min_size=1, max_size=4),
    st.lists(st.integers(0, 2), min_size=5, max_size=5),
    st.lists(st.floats(0.1, 5), min_size=5, max_size=5),
    st.sampled_from(["amean", "gmean", "hmean", "genmean"]),
)
def test_aggregation_of_a_unit_never_depends_on_another_branchs_infinities(
    rows: list[list[float]], parent: list[int], wv: list[float], name: str
) -> None:
    """Each aggregate of a level computed at once equals it computed from its own children."""
    x = np.array(rows, dtype=np.float64)
    if name in ("gmean", "hmean"):
        x = np.abs(x)  # these need positive values; -inf becomes +inf
    w = np.zeros((5, 3))
    w[np.arange(5), parent] = wv
    f = REGISTRY.get("aggregate", name).func
    kw = {"p": 2.0} if name == "genmean" else {}
    with np.errstate(all="ignore"):
        whole = f(x, w, **kw)
        for j in range(3):
            kids = np.array(parent) == j
            if not kids.any():
                continue
            alone = f(x[:, kids], w[kids][:, [j]], **kw)
            np.testing.assert_array_equal(np.isnan(whole[:, [j]]), np.isnan(alone))
            np.testing.assert_allclose(whole[:, [j]], alone, rtol=1e-12, equal_nan=True)


# ------------------------------------------------------------------ 3. signed zeros
def test_extremes_keep_the_sign_of_zero() -> None:
    from aicap.index.normalise import n_fracmax
    from aicap.index.stats import nanmax, nanmin

    y = n_fracmax(np.array([[-0.0], [-5.0]]))
    assert np.isnan(y[0, 0]) and y[1, 0] == np.inf  # COINr: NaN, Inf
    assert np.signbit(nanmax(np.array([[-0.0], [-5.0], [np.nan]])))[0]
    assert np.signbit(nanmin(np.array([[-0.0], [5.0]])))[0]
    assert not np.signbit(nanmax(np.array([[0.0], [-5.0]])))[0]
    assert np.isnan(nanmax(np.array([[np.nan], [np.nan]])))[0]


# ------------------------------------------------------------------ 4. per-aggregate checks
@pytest.mark.parametrize("method", ["a_gmean", "a_hmean"])
def test_a_mean_override_is_checked_against_its_own_children_only(method: str) -> None:
    fw, data = two_branch(1.0, 3.0, 0.0, 2.0)
    s = build(fw, data, agg_recipe(f"overrides: {{P: {{method: {method}}}}}")).scores
    expected = np.sqrt(3.0) if method == "a_gmean" else 1.5
    assert s.loc["U1", "P"] == pytest.approx(expected)  # COINr: 1.732 for the gmean
    assert s.loc["U1", "Q"] == pytest.approx(1.0)
    from aicap.index import ComputationError

    with pytest.raises(
        ComputationError, match=r"aggregate, method '.mean' on Q: .*\(unit 'U1' in Q\)"
    ):
        build(fw, data, agg_recipe(f"overrides: {{Q: {{method: {method}}}}}"))


# ------------------------------------------------------------------ 6. ln, goalposts, zeros
INCOME = """
name: income
indicators:
  - {code: gni, parent: Inc, goalposts: [100, 75000], target: 75000}
  - {code: le, parent: Hea, goalposts: [20, 85], target: 85}
aggregates:
  - {code: Inc, parent: Top}
  - {code: Hea, parent: Top}
  - {code: Top}
"""


def income(
    treat: str, norm: str = "n_goalposts", extra: str = "", top: str = "a_amean"
) -> tuple[Recipe, Framework]:
    fw = Framework.from_yaml(INCOME, "income.yaml")
    rec = Recipe.from_yaml(
        "steps:\n"
        f"  - {{step: treat, method: none, overrides: {{gni: {{method: {treat}}}}}}}\n"
        f"  - {{step: normalise, method: {norm}{extra}}}\n"
        f"  - {{step: aggregate, method: a_amean, levels: {{3: {{method: {top}}}}}}}\n",
        "r",
    )
    return rec, fw


GNI = pd.DataFrame(
    {"uCode": ["A", "B", "C", "D"], "gni": [50.0, 1000, 20000, 90000], "le": [70.0, 60, 19, 90]}
)


def test_ln_is_a_plain_natural_log_and_goalposts_follow_it() -> None:
    rec, fw = income("ln", extra=", params: {trunc2posts: false}")
    comp = build(fw, GNI, rec)
    np.testing.assert_array_equal(comp.stages["treated"]["gni"], np.log(GNI["gni"]))
    expected = (np.log(GNI["gni"]) - np.log(100)) / (np.log(75000) - np.log(100))
    np.testing.assert_allclose(comp.stages["normalised"]["gni"], expected, rtol=1e-15)
    np.testing.assert_allclose(comp.stages["normalised"]["le"], (GNI["le"] - 20) / 65)
    assert comp.details("treat")["maps"]["gni"] == ("ln",)
    by_hand = comp.rebuild(
        {
            "normalise": {
                "params": {"transform_posts": False},
                "overrides": {
                    "gni": {"params": {"goalposts": [float(np.log(100)), float(np.log(75000))]}}
                },
            }
        }
    )
    np.testing.assert_allclose(by_hand.stages["normalised"]["gni"], expected, rtol=1e-15)
    from aicap.index import ComputationError

    with pytest.raises(ComputationError, match="natural log of a zero or negative"):
        build(fw, GNI.assign(gni=[0.0, 1, 2, 3]), rec)


def test_targets_are_mapped_and_an_unmappable_treatment_is_an_error() -> None:
    rec, fw = income("log_CT", norm="n_dist2targ")
    comp = build(fw, GNI, rec)
    lo, hi = 50.0, 90000.0
    t = np.log(75000 - lo + 0.01 * (hi - lo))
    x = comp.stages["treated"]["gni"]
    np.testing.assert_allclose(comp.stages["normalised"]["gni"], (x - x.min()) / (t - x.min()))
    orig, _ = income("log_CT_orig")  # log(x - min + 1): the goalpost 100 < min 1000 has no image
    with pytest.raises(Exception, match=r"goalposts \[100.0, 75000.0\] fall outside the domain"):
        build(fw, GNI.assign(gni=[1000.0, 2000, 3000, 90000]), orig)
    rec2, _ = income("boxcox_mle")
    with pytest.raises(Exception, match="no fixed function of the value"):
        build(fw, GNI, rec2)
    rec3 = rec2.with_changes({"normalise": {"params": {"transform_posts": False}}})
    assert not np.isnan(build(fw, GNI, rec3).scores["gni"]).all()


def test_a_zero_in_a_geometric_mean_errors_or_is_missing_or_floored() -> None:
    from aicap.index import ComputationError

    rec, fw = income("ln", extra=", params: {trunc2posts: true}", top="a_gmean")
    with pytest.raises(ComputationError, match=r"geometric mean of a zero.*nonpositive: na"):
        build(fw, GNI, rec)  # C: le 19 < 20 -> index 0 (COINr)
    na = build(
        fw,
        GNI,
        rec.with_changes(
            {"aggregate": {"levels": {3: {"method": "a_gmean", "params": {"nonpositive": "na"}}}}}
        ),
    )
    s = na.scores
    assert np.isnan(s.loc["C", "Top"]) and np.isnan(s.loc["A", "Top"])  # A: gni < 100 -> 0
    assert s.loc["B", "Top"] == pytest.approx(np.sqrt(s.loc["B", "Inc"] * s.loc["B", "Hea"]))
    f = na.flags
    assert set(f.loc[f["flag"] == "nonpositive:gmean", "uCode"]) == {"A", "C"}
    fl = build(
        fw,
        GNI,
        rec.with_changes(
            {
                "aggregate": {
                    "levels": {
                        3: {"method": "a_gmean", "params": {"nonpositive": "floor", "floor": 0.01}}
                    }
                }
            }
        ),
    )
    assert fl.scores.loc["C", "Top"] == pytest.approx(np.sqrt(0.01 * fl.scores.loc["C", "Inc"]))
    assert set(fl.flags.loc[fl.flags["flag"] == "floored:gmean", "uCode"]) == {"A", "C"}
    with pytest.raises(ComputationError, match="floor > 0"):
        build(
            fw,
            GNI,
            rec.with_changes(
                {
                    "aggregate": {
                        "levels": {3: {"method": "a_gmean", "params": {"nonpositive": "floor"}}}
                    }
                }
            ),
        )


# ------------------------------------------------------------------ 8. exact Copeland ties
def test_copeland_keeps_an_exact_tie_at_one_half() -> None:
    """Two wins, two losses, two ties out of six equal weights is exactly 0.5 (COINr: a
    Copeland vote of 0), whatever the summation order."""
    from aicap.index.aggregate import a_copeland, outrank_matrix

    x = np.array([[39.4, 84.9, 88.5, 1.0, 29.6, 73.9], [73.2, 82.6, 54.6, 1.0, 29.6, 91.3]])
    p = outrank_matrix(x, np.ones(6))
    assert p[0, 1] == 0.5 and p[1, 0] == 0.5
    np.testing.assert_array_equal(a_copeland(x, np.ones((6, 1))), [[0.0], [0.0]])


# ------------------------------------------------------------------ the uncertainty kernels
DEEP = """
name: deep
indicators:
  - {code: a, parent: P}
  - {code: b, parent: P}
  - {code: c, parent: Q}
  - {code: d, parent: Q}
  - {code: e, parent: R}
  - {code: f, parent: R}
aggregates:
  - {code: P, parent: S1}
  - {code: Q, parent: S1}
  - {code: R, parent: S2}
  - {code: S1, parent: I}
  - {code: S2, parent: I}
  - {code: I}
"""


@pytest.mark.parametrize(
    ("case", "target"),
    [("inf", "S1"), ("inf", "I"), ("zero", "S1"), ("zero", "I"), ("excluded", "S2")],
)
def test_uncertainty_kernels_agree_with_the_engine(case: str, target: str) -> None:
    """Items 2 and 4 in the uncertainty kernels: an infinity in R leaves S1 finite; a zero
    under Q does not fail a geometric mean over P."""
    from aicap.index.spec import UncertaintySpec
    from aicap.index.uncertainty import make_plan, replay, run_uncertainty

    rng = np.random.default_rng(1)
    data = pd.DataFrame(
        {"uCode": [f"U{i}" for i in range(8)], **{k: rng.uniform(1, 5, 8) for k in "abcdef"}}
    )
    inputs = "  - {name: w, kind: weight_noise, levels: {1: 0.3, 2: 0.3}}\n"
    if case == "excluded":  # an infinite value in an indicator some replications leave out
        data.loc[1, "e"] = np.inf
        steps = "  - {step: aggregate, method: a_amean}\n"
        inputs += "  - {name: x, kind: include, indicators: [e, a], p_exclude: 0.5}\n"
    elif case == "inf":  # n_fracmax of a column whose max is 0: -inf for the others
        data["e"] = -data["e"]
        data.loc[0, "e"] = 0.0
        steps = "  - {step: normalise, method: n_fracmax}\n  - {step: aggregate, method: a_amean}\n"
    else:
        data.loc[0, "c"] = 0.0
        steps = "  - {step: aggregate, method: a_amean, overrides: {P: {method: a_gmean}}}\n"
    comp = build(Framework.from_yaml(DEEP, "deep"), data, Recipe.from_yaml("steps:\n" + steps))
    assert np.isfinite(comp.scores["S1"]).all()
    spec = UncertaintySpec.from_yaml(
        f"name: x\nseed: 1\nn: 16\ntarget: {target}\ninputs:\n" + inputs, "s"
    )
    plan = make_plan(comp, spec)
    res = run_uncertainty(plan)
    assert res.summary()["failed"] == 0
    for r in range(16):
        expected = replay(plan, res.raw.decoded, r).scores[target].to_numpy()
        np.testing.assert_allclose(res.raw.score[r], expected, rtol=1e-12)
