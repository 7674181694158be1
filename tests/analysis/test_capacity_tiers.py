"""Maturity tiers by A/79/966's criteria: the rule, the evidence, the range and the odds, on
synthetic countries where the truth is known."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from capacity_helpers import spec

from aicap.analysis.assets import ASSETS
from aicap.analysis.spec import IndexSpec
from aicap.analysis.tiers import (
    add_probabilities,
    assign_tiers,
    evaluate_conditions,
    natural_units,
    pillar_draws,
    tier_probabilities,
)

FOUND = ["CONN", "INFRA", "DATA", "SKILLS", "RESEARCH"]


def _assets(iso3: str, **over: tuple[str, float | None]) -> list[dict[str, object]]:
    """A fully equipped country (strategy, cluster, cloud region, 10 models) unless overridden
    with ``asset=(state, value)``."""
    base: dict[str, tuple[str, float | None]] = {
        "strategy": ("yes", 2020.0),
        "ai_body": ("yes", 1.0),
        "data_protection_law": ("yes", 2018.0),
        "gpu_clusters": ("yes", 3.0),
        "cloud_region": ("yes", 2.0),
        "nearest_cloud_region": ("measured", 0.0),
        "notable_models": ("yes", 10.0),
    }
    base.update(over)
    return [
        {
            "iso3": iso3,
            "asset": a,
            "kind": ASSETS[a]["kind"],
            "state": st,
            "value": np.nan if v is None else v,
            "year": 2024,
            "detail": f"{a} detail",
            "source": f"{a} source",
            "note": "",
        }
        for a, (st, v) in base.items()
    ]


def _pillars(rows: dict[str, float | dict[str, float]]) -> pd.DataFrame:
    codes = spec().pillar_codes
    out = {}
    for iso3, v in rows.items():
        out[iso3] = (
            dict.fromkeys(codes, v) if isinstance(v, float) else {**dict.fromkeys(codes, 60.0), **v}
        )
    frame = pd.DataFrame.from_dict(out, orient="index")
    for key, (pillar, _) in spec().tiers.variants().items():  # e.g. RESEARCH without models
        frame[key] = frame[pillar]
    return frame


@pytest.fixture(scope="module")
def world() -> tuple[pd.DataFrame, pd.DataFrame]:
    pillars = _pillars(
        {
            "DEV": 60.0,  # everything: tier 4
            "UNK": 60.0,  # strategy not assessed: 0-4
            "NOS": 60.0,  # assessed, no strategy: 0
            "T1": 30.0,  # strategy and compute, foundations 30: tier 1
            "T3": 60.0,  # 4 models only: tier 3
            "FAR": 60.0,  # nearest cloud region 5,000 km, nothing hosted: 0
            "NEAR": {"INFRA": 40.0},  # region 1,000 km away, nothing hosted: tier 2
        }
    )
    assets = pd.DataFrame(
        _assets("DEV")
        + _assets("UNK", strategy=("unknown", None))
        + _assets("NOS", strategy=("no", None))
        + _assets("T1")
        + _assets("T3", notable_models=("yes", 4.0))
        + _assets(
            "FAR",
            gpu_clusters=("no", 0.0),
            cloud_region=("no", 0.0),
            nearest_cloud_region=("measured", 5000.0),
        )
        + _assets(
            "NEAR",
            gpu_clusters=("no", 0.0),
            cloud_region=("no", 0.0),
            nearest_cloud_region=("measured", 1000.0),
            notable_models=("no", 0.0),
        )
    )
    return pillars, assets


def _tiers(world: tuple[pd.DataFrame, pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame]:
    pillars, assets = world
    conds = evaluate_conditions(spec().tiers, pillars, assets, 2025)
    return conds, assign_tiers(spec().tiers, conds)


def test_known_tiers_and_ranges(world: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    _, t = _tiers(world)
    expect = {
        "DEV": (4, 4),
        "UNK": (0, 4),
        "NOS": (0, 0),
        "T1": (1, 1),
        "T3": (3, 3),
        "FAR": (0, 0),
        "NEAR": (2, 2),
    }
    for iso3, (low, high) in expect.items():
        assert (int(t.at[iso3, "tier"]), int(t.at[iso3, "tier_high"])) == (low, high), iso3
    assert t.at["UNK", "tier_range"] == "0-4"
    assert t.at["UNK", "unknown_conditions"] == "strategy"
    assert "not assessed" in t.at["UNK", "evidence"]
    assert t.at["UNK", "evidence"].startswith("Tier 0-4")


def test_unknown_is_never_not_met(world: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    conds, _ = _tiers(world)
    s = conds.set_index(["iso3", "condition"])["state"]
    assert s[("UNK", "strategy")] == "unknown"
    assert s[("NOS", "strategy")] == "not_met"
    # a reported-only condition never decides a tier
    assert s[("DEV", "ai_centre")] == "met"


def test_what_moves_it_up(world: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    _, t = _tiers(world)
    t1 = json.loads(t.at["T1", "next_needs"])
    assert {n["condition"] for n in t1} == {f"{p.lower()}_35" for p in FOUND}
    assert all(n["gap_points"] == pytest.approx(5.0) for n in t1)
    assert json.loads(t.at["T1", "gaps"]) == dict.fromkeys(FOUND, 5.0)
    nos = json.loads(t.at["NOS", "next_needs"])
    assert [n["condition"] for n in nos] == ["strategy"]
    assert "STRAT-01" in nos[0]["interventions"]
    t3 = json.loads(t.at["T3", "next_needs"])
    assert [n["condition"] for n in t3] == ["develops_models"]
    far = json.loads(t.at["FAR", "next_needs"])
    assert [n["condition"] for n in far] == ["compute_access"]
    assert json.loads(t.at["DEV", "next_needs"]) == []


def test_meeting_the_needs_moves_the_country_up(world: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    pillars, assets = world
    conds = evaluate_conditions(spec().tiers, pillars, assets, 2025)
    t = assign_tiers(spec().tiers, conds)
    raised = pillars.copy()
    for iso3, gaps in t["gaps"].items():
        for p, g in json.loads(gaps).items():
            raised.loc[iso3, p] += g + 1e-6
            for key, (pillar, _) in spec().tiers.variants().items():
                if pillar == p:
                    raised.loc[iso3, key] += g + 1e-6
    again = assign_tiers(spec().tiers, evaluate_conditions(spec().tiers, raised, assets, 2025))
    assert int(again.at["T1", "tier"]) == 2


def test_conditions_cite_the_report_and_name_interventions() -> None:
    rule = spec().tiers
    for c in rule.conditions:
        assert all(x.doc == "A/79/966" and x.status == "report" for x in c.cites)
    assert rule.condition("strategy").required
    assert not rule.condition("ai_centre").required


def test_the_rule_rejects_unknown_assets() -> None:
    data = spec().model_dump(mode="json")
    data["tiers"]["conditions"][0]["measure"] = {"asset": "no_such_asset"}
    with pytest.raises(ValueError, match="unknown asset"):
        IndexSpec.from_dict(data)


def _cells(values: dict[str, dict[str, float]]) -> pd.DataFrame:
    sp = spec()
    rows = []
    for iso3, vals in values.items():
        for ind in sp.indicators:
            v = vals.get(ind.code, 50.0)
            rows.append(
                {
                    "iso3": iso3,
                    "pillar": ind.pillar,
                    "indicator": ind.code,
                    "normalised": v,
                    "value": v,
                }
            )
    return pd.DataFrame(rows)


def test_pillar_draws_nominal_is_the_weighted_mean() -> None:
    sp = spec()
    cells = _cells({"A": {i.code: float(10 * k) for k, i in enumerate(sp.indicators)}})
    d = pillar_draws(sp, cells, ["A"], replications=5, seed=1)
    for p in sp.pillars:
        vals = [10.0 * k for k, i in enumerate(sp.indicators) if i.pillar == p.code]
        w = [i.weight for i in sp.indicators if i.pillar == p.code]
        assert d[p.code][:, 0] == pytest.approx(np.average(vals, weights=w))


def test_probabilities_are_certain_far_from_the_boundary_and_split_near_it(
    world: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    sp = spec()
    _, assets = world
    # T1 at 30 everywhere is far from 20 and 35; NEAR's INFRA is 40, its others 60
    cells = _cells({"T1": {}, "NEAR": {}})
    cells.loc[cells["iso3"] == "T1", ["normalised", "value"]] = 30.0
    infra = [i.code for i in sp.indicators_of("INFRA")]
    near_infra = (cells["iso3"] == "NEAR") & cells["indicator"].isin(infra)
    cells.loc[near_infra, "normalised"] = [100.0, 0.0, 0.0, 60.0][: near_infra.sum()]
    cells.loc[(cells["iso3"] == "NEAR") & ~cells["indicator"].isin(infra), "normalised"] = 60.0
    countries = ["T1", "NEAR"]
    pillars = _pillars({"T1": 30.0, "NEAR": {"INFRA": 40.0}}).loc[countries]
    a = assets[assets["iso3"].isin(countries)]
    conds = evaluate_conditions(sp.tiers, pillars, a, 2025)
    t = assign_tiers(sp.tiers, conds)
    v = sp.tiers.variants()
    fixed = pillar_draws(sp, cells, countries, replications=200, seed=3, variants=v)
    p = add_probabilities(t, tier_probabilities(sp.tiers, conds, fixed, countries), sp.tiers)
    assert p.at["T1", "p_tier"] == 1.0 and not p.at["T1", "near_boundary"]
    # the power mean (p = 0.5) punishes NEAR's two zero INFRA indicators: INFRA drops below 35
    mixed = pillar_draws(
        sp, cells, countries, replications=400, seed=3, powers=(1.0, 0.5), variants=v
    )
    p2 = add_probabilities(t, tier_probabilities(sp.tiers, conds, mixed, countries), sp.tiers)
    probs = json.loads(p2.at["NEAR", "tier_probability"])
    assert 0.3 < probs["2"] < 0.7 and 0.3 < probs["1"] < 0.7
    assert p2.at["NEAR", "near_boundary"]


def test_natural_units_close_the_gap() -> None:
    sp = spec()
    pillars = _pillars({"A": {"SKILLS": 30.0}})
    cells = _cells({"A": {i.code: 30.0 for i in sp.indicators_of("SKILLS")}})
    hints = natural_units(sp, cells, pillars, sp.tiers)
    assert "SKILLS:35" in hints["A"] and "SKILLS:50" in hints["A"]
    assert " to " in hints["A"]["SKILLS:35"]


def test_research_floor_leaves_notable_models_out() -> None:
    """A country that reuses models is not held at the research floors for developing none:
    the floor reads RESEARCH recomputed without notable models (tier 4's own condition)."""
    sp = spec()
    key = sp.tiers.condition("research_20").measure.key
    assert key in sp.tiers.variants()
    research = [i.code for i in sp.indicators_of("RESEARCH")]
    vals = {c: 40.0 for c in research}
    vals["notable_models"] = 0.0  # a zero: none listed
    cells = _cells({"A": vals})
    d = pillar_draws(sp, cells, ["A"], replications=1, seed=0, variants=sp.tiers.variants())
    assert d["RESEARCH"][0, 0] < 40.0  # the published pillar counts the zero
    assert d[key][0, 0] == pytest.approx(40.0)  # the floor does not


def test_an_indicator_named_in_a_tier_hint_keeps_a_proper_names_capital() -> None:
    """ "e.g. Online Service Index (EGDI component) from 0.1 to 0.2": a proper name keeps its
    capital; a common noun phrase reads in lower case inside the sentence."""
    from aicap.analysis.tiers import _running

    assert _running("Online Service Index (EGDI component)").startswith("Online Service")
    assert _running("AI diffusion") == "AI diffusion"
    assert _running("Mobile cellular subscriptions") == "mobile cellular subscriptions"
    assert _running("Individuals using the Internet") == "individuals using the Internet"
