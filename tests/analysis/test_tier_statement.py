"""A tier's label never contradicts its evidence: the capacity level, the enabler that holds a
tier below it, and unknown pillars read as not assessed (aicap.analysis.tier_statement), on
synthetic countries where the truth is known; and South Africa on the snapshot."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from capacity_helpers import spec
from test_capacity_tiers import _assets, _pillars

from aicap.analysis.claims import render, verdict_tier_certainty
from aicap.analysis.localise import LANGS, Localiser
from aicap.analysis.spec import IndexSpec
from aicap.analysis.tier_statement import state_tier, statement_fields, tier_reached
from aicap.analysis.tier_validity import held_below_capacity, tier_validity, tier_validity_markdown
from aicap.analysis.tiers import assign_tiers, evaluate_conditions

NAN = float("nan")
STRATEGY = "no adopted national AI or digital strategy"


@pytest.fixture(scope="module")
def tiers() -> pd.DataFrame:
    no_compute = {
        "gpu_clusters": ("no", 0.0),
        "cloud_region": ("no", 0.0),
        "nearest_cloud_region": ("measured", 5000.0),
        "notable_models": ("no", 0.0),
    }
    near_only = {**no_compute, "nearest_cloud_region": ("measured", 800.0)}
    pillars = _pillars(
        {
            # every capacity floor of tier 2 (40 >= 35), a cloud region 800 km away, nothing
            # hosted (tier 3 needs it), a draft strategy only: tier 0, capacity level 2
            "HELD2": 40.0,
            # nothing: pillars 5, no compute within reach, no strategy: tier 0, capacity 0
            "NONE": 5.0,
            # no strategy, pillars not scored: tier 0 (the strategy is known), capacity 0-2
            "UNKP": NAN,
            # strategy not assessed, pillars not scored: a range 0-2, no name
            "UNKALL": NAN,
            # strategy and the floors of tier 1 only (pillars 25): tier 1, named
            "T1": 25.0,
            # strategy not assessed, no compute within reach: tier 0 proven by compute alone
            "FARU": 60.0,
        }
    )
    assets = pd.DataFrame(
        _assets("HELD2", strategy=("no", None), **near_only)
        + _assets("NONE", strategy=("no", None), **no_compute)
        + _assets("UNKP", strategy=("no", None), **near_only)
        + _assets("UNKALL", strategy=("unknown", None), **near_only)
        + _assets("T1", **near_only)
        + _assets("FARU", strategy=("unknown", None), **no_compute)
    )
    conds = evaluate_conditions(spec().tiers, pillars, assets, 2025)
    return assign_tiers(spec().tiers, conds)


def test_held_country_names_the_condition_and_its_capacity_level(tiers: pd.DataFrame) -> None:
    r = tiers.loc["HELD2"]
    assert (r["tier"], r["tier_high"]) == (0, 0)  # the rule's tier is kept
    assert (r["capacity_tier"], r["capacity_tier_high"]) == (2, 2)
    assert r["held_by"] == "strategy" and r["held_tiers"] == 2
    assert not r["tier_named"] and pd.isna(r["tier_name"])
    assert r["tier_label"] == (
        f"Tier 0 (held by one condition: {STRATEGY}, while its capacity conditions meet tier 2)"
    )
    assert "AI nascent" not in r["tier_label"] and "AI nascent" not in r["evidence"]
    assert r["evidence"].startswith(r["tier_label"] + "; tier 1 needs a national AI")
    assert r["tier_rule_label"] == "Tier 0: AI nascent"  # the rule's label, kept apart


def test_a_country_that_meets_nothing_keeps_the_report_s_name(tiers: pd.DataFrame) -> None:
    r = tiers.loc["NONE"]
    assert (r["tier"], r["capacity_tier"], r["capacity_tier_high"]) == (0, 0, 0)
    assert r["held_by"] == "" and r["held_tiers"] == 0
    assert r["tier_named"] and r["tier_label"] == "Tier 0: AI nascent"
    assert r["tier_name"] == "AI nascent"
    t1 = tiers.loc["T1"]
    assert (t1["tier"], t1["capacity_tier"]) == (1, 1) and t1["tier_named"]
    assert t1["tier_label"] == "Tier 1: AI experimenters"


def test_unknown_pillars_are_not_assessed_never_a_definite_name(tiers: pd.DataFrame) -> None:
    r = tiers.loc["UNKP"]
    # the strategy is known to be missing: tier 0 is proven; the pillars are unknown, so the
    # capacity level is a range: 0 proven, 2 if every pillar were met (tier 3 needs compute
    # hosted in the country, known to be missing)
    assert (r["tier"], r["tier_high"]) == (0, 0)
    assert (r["capacity_tier"], r["capacity_tier_high"]) == (0, 2)
    assert not r["tier_named"] and pd.isna(r["tier_name"])
    assert r["tier_label"].startswith(f"Tier 0 (held by one condition: {STRATEGY}, while its ")
    assert "meet tier 0 and could meet tier 2:" in r["tier_label"]
    assert "connectivity and energy, data, skills, research and model reuse" in r["tier_label"]
    assert r["tier_label"].endswith("not assessed)")
    u = tiers.loc["UNKALL"]
    assert (u["tier"], u["tier_high"]) == (0, 2) and not u["tier_named"]
    assert u["tier_label"].startswith("Tier 0-2 (not assessed: national AI or digital strategy")
    assert "AI nascent" not in u["tier_label"]
    # the unknown pillar conditions stay unknown, never not met
    conds = json.loads(str(r["tier_conditions"]))
    assert {c["state"] for c in conds if c["condition"].startswith("conn_")} == {"unknown"}


def test_a_condition_not_assessed_is_said_never_left_out(tiers: pd.DataFrame) -> None:
    r = tiers.loc["FARU"]
    # compute out of reach proves tier 0 and capacity level 0: the name applies; the strategy,
    # not assessed, is still said in the evidence (never counted as met or left out)
    assert (r["tier"], r["tier_high"], r["capacity_tier_high"]) == (0, 0, 0) and r["tier_named"]
    assert r["evidence"] == (
        "Tier 0: AI nascent; tier 1 needs a cloud region within 3,000 km, or compute hosted in "
        "the country; tier 1 also depends on national AI or digital strategy adopted, not "
        "assessed by the sources"
    )
    assert "also depends" not in str(tiers.loc["UNKALL", "evidence"])  # a range says it first


def test_capacity_level_ignores_enablers_only() -> None:
    rule = spec().tiers
    every = {c.code: "met" for c in rule.conditions}
    assert tier_reached({**every, "strategy": "not_met"}, rule, unknown_met=False) == 0
    assert (
        tier_reached({**every, "strategy": "not_met"}, rule, unknown_met=False, capacity_only=True)
        == 4
    )
    # a capacity condition not met still stops the capacity level
    st = {**every, "strategy": "not_met", "infra_35": "not_met"}
    assert tier_reached(st, rule, unknown_met=True, capacity_only=True) == 1
    s = state_tier(rule, st, 0, 0, [])
    assert s.capacity_tier == 1 and s.held_by == ("strategy",) and s.held_tiers == 1


def test_statements_are_validated_data() -> None:
    data = spec().model_dump(mode="json")
    bad = json.loads(json.dumps(data))
    bad["tiers"]["statements"]["held"] = "Tier {tier} held by {held}"
    with pytest.raises(ValueError, match=r"statements\.held: placeholders must be exactly"):
        IndexSpec.from_dict(bad)
    bad = json.loads(json.dumps(data))
    bad["tiers"]["statements"]["range"] = "Tier {range}; not assessed: {unknown}"
    with pytest.raises(ValueError, match="no '; '"):
        IndexSpec.from_dict(bad)
    bad = json.loads(json.dumps(data))
    strategy = next(c for c in bad["tiers"]["conditions"] if c["code"] == "strategy")
    strategy["absent"] = None
    with pytest.raises(ValueError, match="an enabler needs 'absent'"):
        IndexSpec.from_dict(bad)
    roles = {c.code: c.role for c in spec().tiers.conditions}
    assert roles["strategy"] == "enabler" and roles["compute_access"] == "capacity"


def _claim_row(r: pd.Series) -> dict[str, object]:
    return {
        **r.to_dict(),
        "p_tier": 1.0,
        "tier_probability": json.dumps({"0": 1.0}),
        "p_capacity_tier": 0.5,
    }


def test_the_tier_claim_says_what_holds_the_tier(tiers: pd.DataFrame) -> None:
    from types import SimpleNamespace

    from aicap.analysis.claims_profile import tier_claim

    labels = {t.tier: t.label for t in spec().tiers.tiers}
    diag = SimpleNamespace(iso3="HELD2", name="Heldland", year=2025)
    c = tier_claim(diag, _claim_row(tiers.loc["HELD2"]), labels, 0.9)  # type: ignore[arg-type]
    assert c is not None and verdict_tier_certainty(c) == "held"
    text = render(c)
    assert text == (
        "Heldland is in tier 0 while its capacity conditions meet tier 2 in 50 % of the "
        f"uncertainty replications: what holds it there is {STRATEGY}."
    )
    row = {**_claim_row(tiers.loc["HELD2"]), "p_capacity_tier": None}
    c = tier_claim(diag, row, labels, 0.9)  # type: ignore[arg-type]
    assert c is not None and verdict_tier_certainty(c) == "held_not_assessed"
    assert "(how sure is not assessed)" in render(c) and "nan" not in render(c)
    diag = SimpleNamespace(iso3="NONE", name="Noneland", year=2025)
    c = tier_claim(diag, _claim_row(tiers.loc["NONE"]), labels, 0.9)  # type: ignore[arg-type]
    assert c is not None and verdict_tier_certainty(c) == "sure"
    assert "(AI nascent)" in render(c)
    diag = SimpleNamespace(iso3="UNKALL", name="Unkland", year=2025)
    c = tier_claim(diag, _claim_row(tiers.loc["UNKALL"]), labels, 0.9)  # type: ignore[arg-type]
    assert c is not None and verdict_tier_certainty(c) == "depends_on_unknown"
    assert "AI nascent" not in render(c)


def test_statements_read_in_every_language(tiers: pd.DataFrame) -> None:
    texts = [str(x) for x in tiers["tier_label"]] + [str(tiers.loc["HELD2", "evidence"])]
    for lang in LANGS:
        loc = Localiser(lang)
        out = [loc.sentence(t) for t in texts]
        assert loc.unmatched() == [], lang
        if lang != "en":
            assert all(o != t for o, t in zip(out, texts, strict=True)), lang
    fr = Localiser("fr").sentence(str(tiers.loc["HELD2", "tier_label"]))
    assert fr == (
        "Niveau 0 (retenu par une condition : aucune stratégie nationale d'IA ou numérique "
        "adoptée, alors que ses conditions de capacité atteignent le niveau 2)"
    )


def _results(tiers: pd.DataFrame) -> pd.DataFrame:
    res = tiers.reset_index()
    res["name"] = res["iso3"]
    res["income_group"] = ["UMC", "LIC", "HIC", "HIC", "LMC", "LIC"]
    for g in ("ldc", "lldc", "sids"):
        res[g] = False
    res["score"] = [60.0, 5.0, np.nan, np.nan, 30.0, 50.0]
    res["near_boundary"] = False
    return res


def test_validity_counts_countries_held_below_their_capacity(tiers: pd.DataFrame) -> None:
    res = _results(tiers)
    held = held_below_capacity(res, spec().tiers)
    got = {(r.iso3, r.state, r.capacity_tier) for r in held.itertuples()}
    # UNKP: capacity 0 proven, never counted as held; UNKALL: capacity 0 proven as well
    assert got == {("HELD2", "not_met", 2)}
    v = tier_validity(res, spec().tiers)
    h = v.checks["held_below_capacity"]
    s = h["by_condition"]["strategy:not_met"]
    assert s["countries"] == 1 and s["capacity_at_least_2"] == 1
    assert s["by_income"] == {"UMC": 1} and s["by_tiers_held"] == {"2": 1}
    assert h["tier_0_proven_with_capacity_2_or_more"] == ["HELD2"]
    assert h["tier_0_range_with_capacity_2_or_more"] == []
    assert h["tier_0_statements"] == {
        "named_ai_nascent": {"LIC": 2},
        "held_above_capacity_0": {"UMC": 1},
        "held_capacity_not_assessed": {"HIC": 1},
    }
    assert h["tier_0_named_ai_nascent"] == 2  # NONE and FARU
    md = tier_validity_markdown(v)
    assert "## Held below the capacity level by an enabler" in md and "HELD2" in md
    assert v.as_dict()["held_below_capacity"][0]["iso3"] == "HELD2"


def test_statement_fields_for_the_display_layers(tiers: pd.DataFrame) -> None:
    f = statement_fields(tiers.loc["HELD2"])
    assert f == {
        "tier_named": False,
        "capacity_tier": 2,
        "capacity_tier_high": 2,
        "held_by": ["strategy"],
        "held_reason": STRATEGY,
        "p_capacity_tier": None,  # no uncertainty analysis here
    }
    assert statement_fields({})["tier_named"] is None  # outputs that predate the fields


def test_south_africa_is_stated_with_what_holds_it(built_outputs: Path) -> None:
    """The snapshot: South Africa meets the capacity conditions of tier 2 and has a draft
    strategy only; its tier sentence names the strategy and the capacity level."""
    res = pd.read_parquet(built_outputs / "results.parquet").set_index("iso3")
    z = res.loc["ZAF"]
    assert int(z["tier"]) == 0 and int(z["capacity_tier"]) >= 2 and z["held_by"] == "strategy"
    assert "AI nascent" not in str(z["tier_label"])
    assert STRATEGY in str(z["tier_label"])
    assert f"capacity conditions meet tier {int(z['capacity_tier'])}" in str(z["tier_label"])
    assert str(z["evidence"]).startswith(str(z["tier_label"]))
    # no country stated "AI nascent" has a capacity level above tier 0 or a range
    named0 = res[res["tier_label"] == "Tier 0: AI nascent"]
    assert (named0["capacity_tier_high"] == 0).all() and (named0["tier_high"] == 0).all()
    # the capacity level's probability reaches the profile (it reads the series' latest year)
    ser = pd.read_parquet(built_outputs / "series.parquet")
    last = ser[(ser["iso3"] == "ZAF") & (ser["year"] == ser["year"].max())].iloc[0]
    assert 0 < float(last["p_capacity_tier"]) <= 1 and last["tier_label"] == z["tier_label"]
    v = json.loads((built_outputs / "tier_validity.json").read_text("utf-8"))
    h = v["checks"]["held_below_capacity"]
    assert "ZAF" in h["tier_0_proven_with_capacity_2_or_more"]


def test_the_capacity_level_has_a_probability() -> None:
    """Pillar conditions re-evaluated per replication, the strategy ignored: INFRA at 40, 40,
    30, 40 puts the capacity level at 2 in three replications of four."""
    from aicap.analysis.tiers import add_probabilities, tier_probabilities

    rule = spec().tiers
    pillars = _pillars({"HELD2": 40.0})
    assets = pd.DataFrame(
        _assets(
            "HELD2",
            strategy=("no", None),
            gpu_clusters=("no", 0.0),
            cloud_region=("no", 0.0),
            nearest_cloud_region=("measured", 800.0),
            notable_models=("no", 0.0),
        )
    )
    conds = evaluate_conditions(rule, pillars, assets, 2025)
    t = assign_tiers(rule, conds)
    draws = {k: np.full((4, 1), 40.0) for k in pillars.columns}
    draws["INFRA"] = np.array([[40.0], [40.0], [30.0], [40.0]])
    out = add_probabilities(t, tier_probabilities(rule, conds, draws, ["HELD2"]), rule)
    assert out.at["HELD2", "p_tier"] == 1.0  # tier 0 in every replication (no strategy)
    assert out.at["HELD2", "p_capacity_tier"] == 0.75
