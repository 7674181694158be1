"""The shipped framework (frameworks/aicap.yaml): valid, open inputs, rationales, goalposts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from capacity_helpers import FRAMEWORK, inputs, spec

from aicap.analysis.plausibility import pooled_goalposts
from aicap.analysis.spec import INDEX_CODE, IndexSpec, SpecError, apply_transform
from aicap.warehouse.read import Warehouse


def raw() -> dict[str, Any]:
    data = yaml.safe_load(FRAMEWORK.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_framework_follows_a79966_and_builds_an_engine_framework() -> None:
    s = spec()
    groups = {p.group for p in s.pillars}
    assert groups == {"FOUND", "ENABL"}
    assert [p.code for p in s.pillars if p.group == "FOUND"] == [
        "CONN",
        "INFRA",
        "DATA",
        "SKILLS",
        "RESEARCH",
    ]
    fw = s.framework()
    assert fw.tree.top == [INDEX_CODE]
    assert fw.indicator_codes == s.indicator_codes
    # equal pillar weights: effective weight of every pillar in the index is 1/7
    for p in s.pillars:
        group = next(g for g in s.groups if g.code == p.group)
        share = group.weight / sum(g.weight for g in s.groups)
        within = p.weight / sum(q.weight for q in s.pillars if q.group == p.group)
        assert share * within == pytest.approx(1 / len(s.pillars))


def test_every_indicator_has_concept_rationale_goalposts_and_a_warehouse_series(
    full_warehouse: Path,
) -> None:
    s = spec()
    known = set(Warehouse(full_warehouse).indicators()["code"])
    for ind in s.indicators:
        assert len(ind.rationale) >= 40 and len(ind.concept) >= 10
        assert ind.series in known
        lo, hi = s.transformed_goalposts(ind)
        assert np.isfinite(lo) and np.isfinite(hi) and lo < hi


def test_an_indicator_without_rationale_is_rejected() -> None:
    data = raw()
    del data["indicators"][0]["rationale"]
    with pytest.raises(SpecError, match=r"indicators\.0\.rationale"):
        IndexSpec.from_dict(data)


@pytest.mark.parametrize("series", ["IMF.AIPI", "OXF.GAIRI", "OWID.AI_PUBS"])
def test_validation_targets_and_excluded_sources_are_never_inputs(series: str) -> None:
    data = raw()
    data["indicators"][0]["series"] = series
    with pytest.raises(SpecError, match=r"validation target|excluded"):
        IndexSpec.from_dict(data)


def test_inputs_must_be_openly_licensed(full_warehouse: Path) -> None:
    meta = Warehouse(full_warehouse).indicators()
    licences = dict(zip(meta["code"], meta["licence"].astype(str), strict=True))
    spec().check_licences(licences)  # the shipped framework passes
    data = raw()
    data["excluded_sources"].pop("OWID.AI_PUBS")
    data["indicators"][0]["series"] = "OWID.AI_PUBS"  # CC BY-NC
    with pytest.raises(SpecError, match="not one of the open licences"):
        IndexSpec.from_dict(data).check_licences(licences)
    data["allowed_licences"].append("CC BY-NC 4.0")
    with pytest.raises(SpecError, match="non-commercial"):
        IndexSpec.from_dict(data)


def test_tier_rule_names_known_pillars_and_five_tiers() -> None:
    data = raw()
    code = data["tiers"]["tiers"][1]["conditions"][2]  # a pillar condition of tier 1
    cond = next(c for c in data["tiers"]["conditions"] if c["code"] == code)
    cond["measure"]["pillar"] = "NOPE"
    with pytest.raises(SpecError, match="unknown pillar 'NOPE'"):
        IndexSpec.from_dict(data)
    data = raw()
    data["tiers"]["tiers"][2]["conditions"].append("no_such_condition")
    with pytest.raises(SpecError, match="unknown condition 'no_such_condition'"):
        IndexSpec.from_dict(data)
    data = raw()
    data["tiers"]["tiers"].pop()
    with pytest.raises(SpecError, match="tiers must be 0, 1, 2, 3, 4"):
        IndexSpec.from_dict(data)


def test_written_pooled_goalposts_reproduce_from_screened_values(full_warehouse: Path) -> None:
    """Goalposts were computed once from the pooled Member State values *after* the
    plausibility screen and written down: they are constants in the YAML, and recomputing them
    from the bundled snapshot's screened values gives them back (to the 3 significant digits
    written). The screen's jump rule reads the goalpost range, so the written goalposts are a
    fixed point: screening with them and pooling again returns them."""
    s = spec()
    inp = inputs(full_warehouse)
    checked = 0
    for ind in s.indicators:
        g = ind.goalposts
        if g.basis != "pooled_percentile":
            continue
        lo, hi = pooled_goalposts(ind, inp.values)
        for written, got in ((g.lower, lo), (g.upper, hi)):
            if got is None:
                continue
            assert written == pytest.approx(got, rel=0.01), ind.code
            checked += 1
    assert checked >= 10
    # the dropped values would have stretched high-tech exports' upper goalpost (33.8)
    ht = s.indicator("hightech_exports")
    dropped = inp.screened[inp.screened["action"] == "drop"][["iso3", "code", "year", "value"]]
    raw = pd.concat([inp.values, dropped], ignore_index=True)
    assert pooled_goalposts(ht, raw)[1] == pytest.approx(33.8, rel=0.01)
    assert ht.goalposts.upper == pytest.approx(31.3)


def test_transformations_are_fixed() -> None:
    assert apply_transform(999.0, "log10p1") == pytest.approx(3.0)
    assert apply_transform(100.0, "log10") == pytest.approx(2.0)
    assert np.isnan(apply_transform(0.0, "log10"))
    assert apply_transform(5.0, "none") == 5.0


def test_docs_index_tables_are_generated_from_the_framework() -> None:
    from aicap.analysis.indexdoc import BEGIN, END, framework_tables

    doc = (FRAMEWORK.parents[1] / "docs" / "index.md").read_text(encoding="utf-8")
    block = doc[doc.index(BEGIN) : doc.index(END) + len(END)]
    assert block == framework_tables(spec()), "run: python -m aicap.analysis.indexdoc --write"
    for ind in spec().indicators:
        assert f"**{ind.code}**" in block
