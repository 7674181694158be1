"""Composite: record and replay, rebuild from the first changed step, compare, overrides,
per-level methods, thresholds, panel and multivariate imputation, weights, data errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from index_helpers import asem_fixture  # noqa: F401 (the asem fixture)

from aicap.index import Composite, Framework, Recipe, ValidationError, build, compare
from aicap.index.synthetic import synthetic

FW = """
name: tiny
indicators:
  - {code: a, parent: P, direction: -1, target: 1, goalposts: [0, 10]}
  - {code: b, parent: P, weight: 2, target: 50, goalposts: [0, 100]}
  - {code: c, parent: Q, target: 9, goalposts: [0, 10]}
  - {code: d, parent: Q, denominator: pop, target: 1, goalposts: [0, 1]}
aggregates:
  - {code: P, parent: Top}
  - {code: Q, parent: Top, weight: 3}
  - {code: Top}
groups: [region]
"""


@pytest.fixture
def tiny() -> tuple[Framework, pd.DataFrame]:
    fw = Framework.from_yaml(FW, "tiny.yaml")
    data = pd.DataFrame(
        {
            "uCode": ["U1", "U2", "U3", "U4", "U5"],
            "region": ["N", "N", "S", "S", "S"],
            "pop": [10.0, 20, 5, 40, 8],
            "a": [1.0, 5, 3, np.nan, 9],
            "b": [10.0, 80, 45, 60, 20],
            "c": [2.0, 4, 6, 8, 10],
            "d": [5.0, np.nan, 4, 20, 2],
        }
    )
    return fw, data


def recipe(text: str) -> Recipe:
    return Recipe.from_yaml(text, "recipe.yaml")


FULL = """
name: full
steps:
  - {step: denominate, method: divide}
  - {step: impute, method: i_mean_grp, params: {group: region}}
  - {step: treat, method: default, params: {winmax: 1}}
  - {step: normalise, method: n_minmax, params: {l_u: [1, 100]}}
  - {step: aggregate, method: a_amean}
"""


def test_rebuild_reuses_earlier_stages(asem: Composite) -> None:
    new = asem.rebuild({"normalise": {"method": "n_prank"}})
    assert new.computed == ("normalise", "aggregate")
    assert asem.computed == ("denominate", "impute", "screen", "treat", "normalise", "aggregate")
    for stage in ("raw", "denominated", "imputed", "screened", "treated"):
        assert new.stages[stage] is asem.stages[stage]
    assert new.stages["normalised"] is not asem.stages["normalised"]
    norm = new.stages["normalised"]
    assert norm.min().min() == 0 and norm.max().max() == 1  # percentile ranks
    assert new.recipe.step("normalise").method == "n_prank"  # type: ignore[union-attr]
    # a change in the middle recomputes from there on
    mid = asem.rebuild({"treat": {"params": {"winmax": 3}}})
    assert mid.computed == ("treat", "normalise", "aggregate")


def test_replay_is_identical(asem: Composite) -> None:
    again = asem.replay()
    assert again.computed == asem.computed
    assert again.equals(asem)
    assert asem.rebuild({}).equals(asem)
    assert not asem.rebuild({"normalise": {"method": "n_zscore"}}).equals(asem)


def test_compare_scores_and_ranks(asem: Composite) -> None:
    other = asem.rebuild(
        {"aggregate": {"method": "a_gmean"}, "normalise": {"params": {"l_u": [1, 100]}}}
    )
    cmp = compare(asem, other)
    assert list(cmp.columns) == [
        "score_a",
        "score_b",
        "rank_a",
        "rank_b",
        "score_change",
        "rank_change",
        "abs_rank_change",
    ]
    assert len(cmp) == 51
    assert (cmp["score_b"] <= cmp["score_a"] + 1.0).all()  # geometric <= arithmetic (+ shift)
    assert cmp["abs_rank_change"].sum() > 0
    same = compare(asem, asem.replay())
    assert (same["rank_change"] == 0).all() and (same["score_change"] == 0).all()


def test_recipe_round_trip_builds_the_same(asem: Composite) -> None:
    rec2 = Recipe.from_json(asem.recipe.to_json(), "r.json")
    assert asem.rebuild(rec2).computed == ()


def test_full_pipeline_flags_and_denominators(tiny: tuple[Framework, pd.DataFrame]) -> None:
    fw, data = tiny
    comp = build(fw, data, recipe(FULL))
    den = comp.stages["denominated"]
    assert den.loc["U1", "d"] == 0.5 and den.loc["U1", "a"] == 1.0
    imp = comp.stages["imputed"]
    assert imp.loc["U4", "a"] == pytest.approx(6.0)  # mean of S group: (3 + 9) / 2
    assert imp.loc["U2", "d"] == pytest.approx(0.5)  # only N value: U1 0.5
    wide = comp.flags_wide()
    assert wide.loc["U4", "a"] == "imputed:mean_group"
    assert "denominated:divide:pop" in wide.loc["U1", "d"]
    norm = comp.stages["normalised"]
    # direction -1: the lowest raw value gets the top score
    assert norm["a"].idxmax() == "U1" and norm["a"].max() == 100
    top = comp.scores["Top"]
    p = comp.scores["P"]
    q = comp.scores["Q"]
    np.testing.assert_allclose(top, (p + 3 * q) / 4)
    np.testing.assert_allclose(p, (norm["a"] + 2 * norm["b"]) / 3)


def test_per_indicator_overrides_and_per_level_methods(
    tiny: tuple[Framework, pd.DataFrame],
) -> None:
    fw, data = tiny
    rec = recipe("""
steps:
  - {step: impute, method: i_median}
  - step: normalise
    method: n_minmax
    params: {l_u: [1, 100]}
    overrides:
      c: {method: n_goalposts, params: {scale: 100}}
      d: {method: n_dist2targ, params: {cap_max: true}}
  - step: aggregate
    method: a_amean
    levels: {3: {method: a_gmean}}
""")
    comp = build(fw, data, rec)
    norm = comp.stages["normalised"]
    np.testing.assert_allclose(norm["c"], [20, 40, 60, 80, 100])  # goalposts [0, 10] x 100
    dvals = comp.stages["imputed"]["d"]
    np.testing.assert_allclose(norm["d"], np.minimum((dvals - dvals.min()) / (1 - dvals.min()), 1))
    s = comp.scores
    np.testing.assert_allclose(s["Top"], np.exp((np.log(s["P"]) + 3 * np.log(s["Q"])) / 4))


def test_data_availability_threshold(tiny: tuple[Framework, pd.DataFrame]) -> None:
    fw, data = tiny
    rec = recipe("""
steps:
  - {step: normalise, method: n_minmax}
  - step: aggregate
    method: a_amean
    overrides: {P: {params: {dat_thresh: 0.75}}}
""")
    comp = build(fw, data, rec)
    assert np.isnan(comp.scores.loc["U4", "P"])  # a missing: 1 of 2 children < 0.75
    assert not np.isnan(comp.scores.loc["U2", "Q"])  # Q has no threshold
    f = comp.flags
    assert ((f["uCode"] == "U4") & (f["iCode"] == "P") & (f["flag"] == "insufficient_data")).any()


def test_screen_removes_units_and_flags_them(tiny: tuple[Framework, pd.DataFrame]) -> None:
    fw, data = tiny
    comp = build(
        fw,
        data,
        recipe("""
steps:
  - {step: screen, method: byNA, params: {dat_thresh: 0.8, force: {U2: true}}}
"""),
    )
    assert list(comp.stages["screened"].index) == ["U1", "U2", "U3", "U5"]
    assert comp.details("screen")["removed_units"] == ["U4"]
    assert set(comp.flags.query("uCode == 'U4'")["flag"]) == {"excluded:screen"}


def test_weights_explicit_equal_pca(tiny: tuple[Framework, pd.DataFrame]) -> None:
    fw, data = tiny
    base = """
steps:
  - {step: impute, method: i_mean}
  - {step: normalise, method: n_minmax}
  - WEIGHT
  - {step: aggregate, method: a_amean}
"""
    eq = build(fw, data, recipe(base.replace("WEIGHT", "{step: weight, method: equal}")))
    norm = eq.stages["normalised"]
    np.testing.assert_allclose(eq.scores["P"], (norm["a"] + norm["b"]) / 2)
    ex = build(
        fw,
        data,
        recipe(
            base.replace(
                "WEIGHT", "{step: weight, method: explicit, params: {weights: {a: 0, Q: 1}}}"
            )
        ),
    )
    np.testing.assert_allclose(ex.scores["P"], norm["b"])
    eff = ex.weights_table().set_index("iCode")["EffWeight"]
    assert eff["a"] == 0 and eff["b"] == pytest.approx(0.5) and eff["c"] == pytest.approx(0.25)
    assert eff[eff.index.isin(["a", "b", "c", "d"])].sum() == pytest.approx(1.0)
    pca = build(fw, data, recipe(base.replace("WEIGHT", "{step: weight, method: pca}")))
    w = pca.weights_table().set_index("iCode")["Weight"]
    assert w["a"] + w["b"] == pytest.approx(1.0) and (w[["a", "b", "c", "d"]] > 0).all()


def test_panel_imputation_through_the_frame(tiny: tuple[Framework, pd.DataFrame]) -> None:
    fw, data = tiny
    old = data.assign(Time=2020, a=[2.0, 6, 4, 7, 8], d=[1.0, 2, 3, 4, 5])
    new = data.assign(Time=2021)
    panel = pd.concat([old, new], ignore_index=True)
    comp = build(fw, panel, recipe("steps:\n  - {step: impute, method: impute_panel}\n"))
    imp = comp.stages["imputed"]
    assert imp.loc["U4", "a"] == 7.0 and imp.loc["U2", "d"] == 2.0
    assert comp.stages["raw"].loc["U1", "a"] == 1.0  # the 2021 values, not 2020
    lin = build(fw, panel, recipe("time: 2020\nsteps:\n  - {step: impute, method: linear}\n"))
    assert lin.stages["raw"].loc["U1", "a"] == 2.0
    with pytest.raises(ValidationError, match="at least two time points"):
        build(fw, data, recipe("steps:\n  - {step: impute, method: impute_panel}\n"))


def test_knn_imputation_through_the_frame() -> None:
    fw, data = synthetic(60, 12, (3, 1), missing=0.1, seed=3)
    comp = build(
        fw, data, recipe("steps:\n  - {step: impute, method: knn, params: {n_neighbors: 3}}\n")
    )
    assert not comp.stages["imputed"].isna().any().any()
    assert set(comp.flags["flag"]) == {"imputed:knn"}


def test_data_errors_name_row_and_column(tiny: tuple[Framework, pd.DataFrame]) -> None:
    fw, data = tiny
    with pytest.raises(ValidationError, match=r"iData.csv: column 'c'.*missing"):
        build(fw, data.drop(columns="c"), recipe(FULL), "iData.csv")
    bad = data.astype({"b": object})
    bad.loc[2, "b"] = "n/a?"
    with pytest.raises(ValidationError, match=r"iData.csv: row 4 \(uCode 'U3'\), column 'b'"):
        build(fw, bad, recipe(FULL), "iData.csv")
    dup = data.assign(uCode=["U1", "U1", "U3", "U4", "U5"])
    with pytest.raises(ValidationError, match=r"row 3 .*duplicate unit code"):
        build(fw, dup, recipe(FULL), "iData.csv")
    with pytest.raises(ValidationError, match="unknown element code 'zz'"):
        build(
            fw,
            data,
            recipe(
                FULL.replace(
                    "{step: treat, method: default, params: {winmax: 1}}",
                    "{step: treat, method: default, overrides: {zz: {method: none}}}",
                )
            ),
        )
    with pytest.raises(ValidationError, match="needs a 'target'"):
        fw2 = Framework.from_yaml(FW.replace(", target: 9", ""), "t.yaml")
        build(fw2, data, recipe("steps:\n  - {step: normalise, method: n_dist2targ}\n"))


def test_synthetic_four_levels_builds() -> None:
    fw, data = synthetic()
    assert fw.tree.max_level == 4 and len(fw.indicators) == 60
    rec = recipe(FULL.replace("  - {step: denominate, method: divide}\n", ""))
    comp = build(fw, data, rec)
    assert comp.scores.shape == (193, 60 + 12 + 4 + 1)
    assert not comp.scores["L4_0"].isna().any()


def test_copeland_zeros_screen_and_reference_unit(tiny: tuple[Framework, pd.DataFrame]) -> None:
    fw, data = tiny
    rec = recipe("""
steps:
  - {step: impute, method: i_mean}
  - {step: normalise, method: n_dist2ref, params: {ref: U3}}
  - {step: aggregate, method: a_copeland}
""")
    comp = build(fw, data, rec)
    norm = comp.stages["normalised"]
    assert (norm.loc["U3"] == 1).all()  # the reference unit scores 1 everywhere
    s = comp.scores
    # Copeland scores are wins minus losses: they sum to zero over units, each in [-(n-1), n-1]
    assert s["P"].sum() == 0 and s["P"].abs().max() <= 4
    with pytest.raises(ValidationError, match="reference unit 'XX'"):
        build(
            fw,
            data,
            recipe("steps:\n  - {step: normalise, method: n_dist2ref, params: {ref: XX}}\n"),
        )
    zeros = data.assign(a=[0.0, 0, 0, 0, 1], b=[0.0, 0, 0, 5, 6], c=[0.0, 0, 1, 2, 3])
    comp = build(
        fw,
        zeros,
        recipe("steps:\n  - {step: screen, method: byzeros, params: {nonzero_thresh: 0.5}}\n"),
    )
    assert comp.details("screen")["removed_units"] == ["U1", "U2"]


def test_rebuild_for_another_time_prepares_again(tiny: tuple[Framework, pd.DataFrame]) -> None:
    fw, data = tiny
    panel = pd.concat([data.assign(Time=2020, a=[2.0, 6, 4, 7, 8]), data.assign(Time=2021)])
    comp = build(fw, panel, recipe("steps:\n  - {step: impute, method: latest}\n"))
    older = comp.rebuild(comp.recipe.model_copy(update={"time": 2020}))
    assert older.stages["raw"].loc["U1", "a"] == 2.0
    with pytest.raises(ValidationError, match=r"steps\[0\] \(treat\)\.params\.f2"):
        recipe("steps:\n  - {step: treat, method: default, params: {f2: log_XX}}\n")
