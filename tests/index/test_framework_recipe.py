"""Framework and recipe validation: errors name the file, the row or field and the rule."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from aicap.index import REGISTRY, Framework, Recipe, UnknownMethodError, ValidationError, register
from aicap.index.coinr import framework_from_imeta

FW = """
name: tiny
indicators:
  - {code: a, parent: P, direction: -1, weight: 2, target: 5}
  - {code: b, parent: P}
  - {code: c, parent: Q}
aggregates:
  - {code: P, parent: Top}
  - {code: Q, parent: Top}
  - {code: Top}
"""


def test_valid_framework_levels_and_tree() -> None:
    fw = Framework.from_yaml(FW, "tiny.yaml")
    t = fw.tree
    assert t.codes == ["a", "b", "c", "P", "Q", "Top"]
    assert t.level_of == {"a": 1, "b": 1, "c": 1, "P": 2, "Q": 2, "Top": 3}
    assert [lv.codes for lv in t.levels] == [["P", "Q"], ["Top"]]
    assert t.lineage()["a"] == ["P", "Top"]
    assert Framework.from_yaml(fw.to_yaml(), "again") == fw


@pytest.mark.parametrize(
    ("text", "where", "rule"),
    [
        (
            FW.replace("- {code: c, parent: Q}", "- {code: c, parent: P}"),
            "aggregates[1]",
            "has no children",
        ),
        (
            FW.replace("{code: P, parent: Top}", "{code: P, parent: Nope}"),
            "aggregates[0]",
            "missing parent 'Nope'",
        ),
        (FW.replace("weight: 2", "weight: -1"), "indicators[0]", "non-positive weight"),
        (FW.replace("weight: 2", "weight: 0"), "weight", "non-positive weight"),
        (FW.replace("direction: -1", "direction: 2"), "direction", "Input should be"),
        (
            FW.replace("{code: P, parent: Top}", "{code: P, parent: Q}").replace(
                "{code: Q, parent: Top}", "{code: Q, parent: P}"
            ),
            "parent",
            "cycle in parents",
        ),
        (FW.replace("code: b,", "code: a,"), "indicators[1]", "duplicate code 'a'"),
        (
            FW.replace("{code: c, parent: Q}", "{code: c, parent: a}"),
            "indicators[2]",
            "is an indicator",
        ),
    ],
)
def test_framework_errors_name_file_field_and_rule(text: str, where: str, rule: str) -> None:
    with pytest.raises(ValidationError) as exc:
        Framework.from_yaml(text, "tiny.yaml")
    msg = str(exc.value)
    assert msg.startswith("tiny.yaml: ")
    assert where in msg and rule in msg


IMETA = """Level,iCode,iName,Direction,Weight,Parent,Type
1,x1,X one,1,1,G,Indicator
1,x2,X two,-1,1,G,Indicator
2,G,Group,1,1,,Aggregate
,region,Region,,,,Group
"""


def test_imeta_framework_and_row_errors() -> None:
    fw = framework_from_imeta(pd.read_csv(io.StringIO(IMETA)), "iMeta.csv")
    assert fw.groups == ("region",)
    assert fw.indicators[1].direction == -1
    bad = IMETA.replace("1,x2,X two,-1,1,G", "1,x2,X two,-1,-3,G")
    with pytest.raises(ValidationError, match=r"iMeta.csv: row 3 \(iCode 'x2'\), column 'Weight'"):
        framework_from_imeta(pd.read_csv(io.StringIO(bad)), "iMeta.csv")
    bad = IMETA.replace("1,x2,X two,-1,1,G", "1,x2,X two,-1,1,H")
    with pytest.raises(ValidationError, match=r"row 3 .*'Parent'.*missing parent 'H'"):
        framework_from_imeta(pd.read_csv(io.StringIO(bad)), "iMeta.csv")


RECIPE = """
name: r
steps:
  - {step: impute, method: i_mean}
  - step: normalise
    method: n_minmax
    params: {l_u: [0, 100]}
    overrides: {a: {method: n_goalposts, params: {goalposts: [0, 10]}}}
  - step: aggregate
    method: a_amean
    levels: {3: {method: a_gmean}}
"""


def test_recipe_round_trips_yaml_and_json() -> None:
    rec = Recipe.from_yaml(RECIPE, "r.yaml")
    assert Recipe.from_yaml(rec.to_yaml(), "again.yaml") == rec
    assert Recipe.from_json(rec.to_json(), "again.json") == rec
    assert rec.step("normalise") is not None
    assert rec.steps[1].spec_for("a") == ("n_goalposts", {"goalposts": [0, 10]})
    assert rec.steps[2].spec_for("Top", 3) == ("a_gmean", {})


def test_unknown_method_lists_valid_ones() -> None:
    with pytest.raises(UnknownMethodError) as exc:
        Recipe.from_yaml(RECIPE.replace("n_minmax", "n_minmix"), "r.yaml")
    msg = str(exc.value)
    assert "r.yaml: field steps[1] (normalise).method" in msg
    assert "unknown normalise method 'n_minmix'" in msg
    for name in ("n_minmax", "minmax", "n_prank", "n_goalposts", "n_zscore"):
        assert name in msg


def test_unknown_parameter_and_bad_order() -> None:
    with pytest.raises(ValidationError, match="takes no parameter 'l_uu'"):
        Recipe.from_yaml(RECIPE.replace("l_u:", "l_uu:"), "r.yaml")
    bad = "steps:\n  - {step: aggregate, method: a_amean}\n  - {step: impute, method: i_mean}\n"
    with pytest.raises(ValidationError, match="aggregate must be the last step"):
        Recipe.from_yaml(bad, "r.yaml")
    with pytest.raises(ValidationError, match=r"r.yaml: field steps.0. .impute..stepp"):
        Recipe.from_yaml("steps:\n  - {step: impute, method: i_mean, stepp: 1}\n", "r.yaml")


def test_with_changes_merges_and_resets_params() -> None:
    rec = Recipe.from_yaml(RECIPE, "r.yaml")
    new = rec.with_changes({"normalise": {"method": "n_prank"}})
    assert new.steps[1].method == "n_prank" and new.steps[1].params == {}
    new = rec.with_changes({"normalise": {"params": {"l_u": [1, 100]}}})
    assert new.steps[1].params == {"l_u": [1, 100]}
    assert rec.first_difference(new) == 1
    added = rec.with_changes({"treat": {"method": "default"}})
    assert [s.step for s in added.steps] == ["impute", "treat", "normalise", "aggregate"]


def test_every_coinr_name_is_registered() -> None:
    coinr = {
        "normalise": [
            "n_minmax",
            "n_zscore",
            "n_goalposts",
            "n_rank",
            "n_borda",
            "n_prank",
            "n_fracmax",
            "n_dist2max",
            "n_dist2ref",
            "n_dist2targ",
            "n_scaled",
        ],
        "aggregate": ["a_amean", "a_gmean", "a_hmean", "a_genmean", "a_copeland"],
        "impute": ["i_mean", "i_median", "i_mean_grp", "i_median_grp", "impute_panel"],
        "treat": ["winsorise", "log_CT", "log_CT_orig", "log_CT_plus", "log_GII", "boxcox"],
    }
    for kind, names in coinr.items():
        for name in names:
            assert REGISTRY.has(kind, name), (kind, name)


def test_user_method_joins_registry() -> None:
    import numpy as np

    @register("normalise", "test_cuberoot", aliases=("n_test_cuberoot",))
    def cuberoot(x: np.ndarray, *, scale: float = 1.0) -> np.ndarray:
        return np.asarray(np.cbrt(x) * scale)

    rec = Recipe.from_yaml(
        RECIPE.replace("n_minmax", "n_test_cuberoot").replace("l_u: [0, 100]", "scale: 2"), "r.yaml"
    )
    assert REGISTRY.get("normalise", rec.steps[1].method).func is cuberoot
    with pytest.raises(ValueError, match="already registered"):
        register("normalise", "minmax")(cuberoot)
