"""Maturity tiers: the rule, and evidence consistent with it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from capacity_helpers import index, spec

from aicap.analysis.capacity_index import STATUS_SCORED
from aicap.analysis.run import with_tiers
from aicap.analysis.tiers import assign_tiers, cumulative_minimums


def check_evidence(pillars: pd.DataFrame) -> pd.DataFrame:
    rule = spec().tiers
    mins = cumulative_minimums(rule)
    tiers = assign_tiers(pillars, rule)
    for unit, t in tiers.iterrows():
        scores = pillars.loc[unit]
        if pd.isna(t["tier"]):
            continue
        k = int(t["tier"])
        # meets every minimum up to its tier
        assert all(scores[c] >= v for c, v in mins[k].items()), unit
        if k == 4:
            assert t["holding_pillars"] == "" and pd.isna(t["next_tier"])
            continue
        need = mins[k + 1]
        failing = {c for c, v in need.items() if scores[c] < v}
        gaps = json.loads(t["gaps"])
        # the holding pillars are exactly those below the next tier's minimums
        assert set(t["holding_pillars"].split(",")) == failing == set(gaps), unit
        for c, g in gaps.items():
            assert g > 0 and abs(g - (need[c] - scores[c])) < 1e-3
        assert t["binding_pillar"] == max(gaps, key=lambda c: gaps[c])
        # raising each holding pillar by its gap moves the unit up
        raised = scores.copy()
        for c, g in gaps.items():
            raised[c] = raised[c] + g + 1e-3  # gaps are written to 3 decimals
        again = assign_tiers(raised.to_frame().T, rule)
        assert int(again["tier"].iloc[0]) >= k + 1, unit
    return tiers


def test_tier_evidence_is_consistent_on_synthetic_pillars() -> None:
    codes = spec().pillar_codes
    rng = np.random.default_rng(1)
    pillars = pd.DataFrame(
        rng.uniform(0, 100, (300, len(codes))), columns=codes, index=[f"U{i}" for i in range(300)]
    )
    tiers = check_evidence(pillars)
    assert (
        set(tiers["tier"].dropna().astype(int)) == {0, 1, 2, 3, 4}
        or len(set(tiers["tier"].dropna())) >= 3
    )


def test_tier_evidence_is_consistent_on_the_shipped_index(full_warehouse: Path) -> None:
    res = index(full_warehouse).latest.results
    scored = res[res["status"] == STATUS_SCORED].set_index("iso3")[spec().pillar_codes]
    tiers = check_evidence(scored)
    assert tiers["tier"].notna().all()
    counts = tiers["tier"].value_counts()
    assert counts.get(0, 0) > 0 and counts.get(4, 0) > 0


def test_the_weakest_pillar_decides_and_missing_pillars_are_honest() -> None:
    codes = spec().pillar_codes
    row = dict.fromkeys(codes, 90.0)
    strong = pd.DataFrame([row], index=["A"])
    assert int(assign_tiers(strong, spec().tiers)["tier"].iloc[0]) == 4
    weak = strong.copy()
    weak.loc["A", "GOV"] = 10.0  # one pillar below tier 1's minimum: tier 0 whatever the rest
    t = assign_tiers(weak, spec().tiers).iloc[0]
    assert int(t["tier"]) == 0 and t["holding_pillars"] == "GOV" and t["binding_pillar"] == "GOV"
    missing = strong.copy()
    missing.loc["A", "ECON"] = np.nan  # tier 1 passes, tier 2 needs ECON: unknown
    assert pd.isna(assign_tiers(missing, spec().tiers)["tier"].iloc[0])
    both = weak.copy()
    both.loc["A", "ECON"] = np.nan  # GOV already fails tier 1: tier 0 is proven
    assert int(assign_tiers(both, spec().tiers)["tier"].iloc[0]) == 0


def test_tier_basis_says_when_a_tier_rests_on_available_pillars(full_warehouse: Path) -> None:
    res = with_tiers(spec(), index(full_warehouse).latest.results)
    ins = res[res["status"] != STATUS_SCORED]
    assert (ins.loc[ins["tier"].notna(), "tier_basis"].str.startswith("available")).all()
    assert (res.loc[res["status"] == STATUS_SCORED, "tier_basis"] == "all pillars").all()
