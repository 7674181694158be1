"""The tier validity report on synthetic results where the truth is known."""

from __future__ import annotations

import json

import pandas as pd
from capacity_helpers import spec

from aicap.analysis.tier_validity import held_by_zero_fill, tier_validity, tier_validity_markdown


def _cond(code: str, tier: int, state: str, detail: str = "d") -> dict[str, object]:
    return {
        "condition": code,
        "name": code.replace("_", " "),
        "tier": tier,
        "required": True,
        "state": state,
        "detail": detail,
    }


def _row(iso3: str, inc: str, tier: int, high: int, conds: list[dict[str, object]], **kw: object):
    needs = kw.pop("needs", [])
    return {
        "iso3": iso3,
        "name": iso3,
        "income_group": inc,
        "ldc": kw.pop("ldc", False),
        "lldc": False,
        "sids": kw.pop("sids", False),
        "score": kw.pop("score", 10.0 * tier),
        "tier": tier,
        "tier_high": high,
        "tier_range": f"{tier}" if tier == high else f"{tier}-{high}",
        "tier_conditions": json.dumps(conds),
        "next_needs": json.dumps(needs),
        "near_boundary": kw.pop("near", False),
        "unknown_conditions": kw.pop("unknown", ""),
        "RESEARCH": kw.pop("research", 50.0),
    }


def _results() -> pd.DataFrame:
    met = [_cond("strategy", 1, "met"), _cond("compute_access", 1, "met")]
    rows = [
        _row(
            "L1",
            "LIC",
            0,
            0,
            [_cond("strategy", 1, "not_met")],
            ldc=True,
            needs=[{"condition": "strategy", "state": "not_met"}],
        ),
        _row(
            "L2",
            "LIC",
            0,
            0,
            [_cond("strategy", 1, "not_met")],
            ldc=True,
            needs=[{"condition": "strategy", "state": "not_met"}],
        ),
        _row("L3", "LIC", 1, 1, met, needs=[{"condition": "infra_35", "state": "not_met"}]),
        _row("H1", "HIC", 4, 4, [*met, _cond("develops_models", 4, "met")]),
        _row("H2", "HIC", 4, 4, [*met, _cond("develops_models", 4, "met")]),
        _row(
            "H3",
            "HIC",
            0,
            3,
            [_cond("strategy", 1, "unknown")],
            unknown="strategy",
            needs=[{"condition": "strategy", "state": "unknown"}],
            sids=True,
        ),
        _row(
            "H4",
            "HIC",
            0,
            0,
            [*met, _cond("research_20", 1, "not_met")],
            near=True,
            needs=[{"condition": "research_20", "state": "not_met", "gap_points": 5.0}],
            research=15.0,
        ),
    ]
    return pd.DataFrame(rows)


def test_crosstabs_count_every_country_once() -> None:
    v = tier_validity(_results(), spec().tiers)
    assert int(v.by_income["all"].sum()) == 7
    assert v.by_income.loc["0", "LIC"] == 2 and v.by_income.loc["0-3", "HIC"] == 1
    assert v.by_group.loc["0", "LDC"] == 2 and v.by_group.loc["0-3", "SIDS"] == 1


def test_income_outliers_and_why() -> None:
    v = tier_validity(_results(), spec().tiers)
    out = v.income_outliers.set_index("iso3")
    # LIC median tier 0: L3 is above it, because of its strategy and compute
    assert out.at["L3", "direction"] == "above" and "strategy" in out.at["L3", "why"]
    # HIC median of the firm tiers (4, 4, 0) is 4: H4 is below, for its research floor
    assert out.at["H4", "direction"] == "below" and "research" in out.at["H4", "why"]
    assert "H3" not in out.index  # a range is never compared


def test_checks() -> None:
    c = tier_validity(_results(), spec().tiers).checks
    assert c["tier_4"] == 2 and c["tier_4_with_notable_models"] == 2
    assert c["tier_0_with_strategy_and_compute"] == ["H4"]
    assert c["tier_0_for_want_of_a_strategy_despite_one"] == []
    assert c["ranges"] == 1 and c["near_boundary"] == 1
    assert c["low_income_in_tier_0"] == 2 and c["low_income"] == 3


def test_held_by_zero_fill_finds_the_zero() -> None:
    sp = spec()
    res = _results()
    research = [i.code for i in sp.indicators_of("RESEARCH") if i.code != "notable_models"]
    cells = pd.DataFrame(
        [
            {
                "iso3": "H4",
                "pillar": "RESEARCH",
                "indicator": "notable_models",
                "normalised": 0.0,
                "flags": "zero:not_listed",
            },
            {
                "iso3": "H4",
                "pillar": "RESEARCH",
                "indicator": research[0],
                "normalised": 30.0,
                "flags": "",
            },
        ]
    )
    weights = {i.code: i.weight for i in sp.indicators}
    z = held_by_zero_fill(res, cells, sp.tiers, weights)
    # the research floor leaves notable models out already: no zero-filled cell is left there
    assert z.empty
    v = tier_validity(res, sp.tiers, z)
    assert v.checks["held_by_zero_filled_values"]["countries"] == []
    assert "zero-filled" in tier_validity_markdown(v)


def test_held_by_zero_fill_flags_an_infra_condition_failed_by_its_zeros() -> None:
    sp = spec()
    res = _results()
    i = res.index[res["iso3"] == "L3"][0]
    res.at[i, "next_needs"] = json.dumps(
        [{"condition": "infra_35", "state": "not_met", "gap_points": 5.0}]
    )
    infra = {i.code: i for i in sp.indicators_of("INFRA")}
    vals = {"fixed_broadband": 60.0, "electricity_use": 60.0}
    cells = pd.DataFrame(
        [
            {
                "iso3": "L3",
                "pillar": "INFRA",
                "indicator": code,
                "normalised": vals.get(code, 0.0),
                "flags": "" if code in vals else "zero:not_listed",
            }
            for code in infra
        ]
    )
    z = held_by_zero_fill(res, cells, sp.tiers, {c: i.weight for c, i in infra.items()})
    assert list(z["iso3"]) == ["L3"] and z["condition"].iloc[0] == "infra_35"
    assert z["without_zero_fill"].iloc[0] == 60.0 and z["score"].iloc[0] == 30.0
    assert set(z["zero_filled"].iloc[0].split(",")) == set(infra) - set(vals)
