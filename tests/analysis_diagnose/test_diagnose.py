"""Country diagnosis on synthetic data with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from diagnose_helpers import make_data

from aicap.analysis.diagnose import (
    FRONTIER_QUANTILE,
    diagnose,
    expected_capacity,
    indicator_gaps,
    peer_groups,
    pillar_gaps,
    trends,
)


def test_peer_groups_follow_the_reference_and_exclude_the_country() -> None:
    data = make_data()
    groups = peer_groups("L1", data.countries)
    keys = [g.key for g in groups]
    assert keys == ["income:LIC", "region:Africa", "LDC", "LLDC"]
    assert groups[0].label == "low-income countries"
    assert "L1" not in groups[0].members and len(groups[0].members) == 5
    assert set(groups[2].members) == {"M0", "M1", "L0", "L2", "L3", "L4", "L5"}
    assert set(groups[3].members) == {"M1", "L0", "L2"}
    assert [g.key for g in peer_groups("U0", data.countries)] == [
        "income:UMC",
        "region:Asia",
        "SIDS",
    ]
    with pytest.raises(KeyError):
        peer_groups("XXX", data.countries)


def test_pillar_gaps_binding_constraint_and_frontier() -> None:
    # L2 (LIC): CONN pushed 12 points below its peers, GOV well above its peers
    data = make_data(overrides={("L2", "CONN"): 5.0, ("L2", "GOV"): 40.0})
    pg = pillar_gaps(data, "L2").set_index("pillar")
    # LIC peers L0,L1,L3,L4,L5 have CONN = 15 + (k - 2.5) + 5 -> median at k=3: 20.5
    assert pg.loc["CONN", "peer_median"] == pytest.approx(20.5)
    assert pg.loc["CONN", "gap_peer"] == pytest.approx(5.0 - 20.5)
    assert pg.loc["CONN", "status"] == "bottleneck"
    assert pg.loc["GOV", "status"] == "strength"
    assert bool(pg.loc["CONN", "binding"]) and int(pg["binding"].sum()) == 1
    allconn = data.scores()["CONN"]
    assert pg.loc["CONN", "frontier"] == pytest.approx(allconn.quantile(FRONTIER_QUANTILE))
    assert pg.loc["CONN", "gap_frontier"] == pytest.approx(5.0 - pg.loc["CONN", "frontier"])


def test_indicator_gaps_in_normalised_and_natural_units() -> None:
    data = make_data(overrides={("M3", "SKILLS"): 10.0})
    ig = indicator_gaps(data, "M3").set_index("indicator")
    row = ig.loc["schooling"]
    assert row["normalised"] == pytest.approx(10.0)
    assert row["value"] == pytest.approx(20.0)
    assert row["value_year"] == 2023
    # natural unit = 2 x normalised, so every natural gap is twice the normalised one
    assert row["gap_peer_value"] == pytest.approx(2 * row["gap_peer"])
    assert row["frontier_value"] == pytest.approx(2 * row["frontier"])
    assert row["status"] == "bottleneck"
    assert row["peer_median"] == pytest.approx(np.median([35 + k - 2.5 for k in (0, 1, 2, 4, 5)]))


def test_expected_capacity_flags_an_over_performer() -> None:
    rng = np.random.default_rng(0)
    n = 60
    log_gdp = rng.uniform(3, 5, size=n)
    score = 20 * log_gdp - 40 + rng.normal(0, 2, size=n)
    score[0] += 25  # far above what its income predicts
    scores = pd.DataFrame({"iso3": [f"C{i}" for i in range(n)], "score": score})
    gdp = pd.DataFrame({"iso3": scores["iso3"], "value": 10**log_gdp, "year": 2023})
    ec = expected_capacity(scores, gdp, year=2023)
    assert ec.fit.slope == pytest.approx(20, abs=2)
    t = ec.table.set_index("iso3")
    assert t.loc["C0", "verdict"] == "over-performs"
    assert t.loc["C0", "residual_low"] > 0
    # the residual interval is the prediction interval seen from the actual value
    r = t.loc["C1"]
    assert r["residual_high"] - r["residual_low"] == pytest.approx(r["pi_high"] - r["pi_low"])
    assert r["residual"] == pytest.approx(r["actual"] - r["expected"])
    share_as_expected = (t["verdict"] == "as expected").mean()
    assert share_as_expected > 0.85  # a 95 % interval covers most of the others


def test_trends_catching_up_and_falling_behind() -> None:
    # L0 below its peers and gaining 4 points a year; H0 above and losing 3 a year
    data = make_data(
        overrides={("L0", "CONN"): 20.0, ("H0", "GOV"): 80.0},
        growth={"L0": 4.0, "H0": -3.0},
    )
    tl = trends(data, "L0").set_index("code")
    assert tl.loc["CONN", "slope"] == pytest.approx(4.0)
    assert tl.loc["CONN", "relative"] == "catching up"
    ind = tl.loc["internet"]
    assert ind["slope"] == pytest.approx(8.0)  # natural units: twice the points
    assert ind["relative"] == "catching up"
    th = trends(data, "H0").set_index("code")
    assert th.loc["GOV", "slope"] == pytest.approx(-3.0)
    assert th.loc["GOV", "relative"] == "losing its lead"
    flat = trends(make_data(), "M2").set_index("code")
    assert flat.loc["SKILLS", "relative"] == "no clear change"


def test_trend_of_a_country_behind_and_slipping_is_falling_behind() -> None:
    data = make_data(overrides={("M4", "SKILLS"): 20.0}, growth={"M4": -2.0})
    t = trends(data, "M4").set_index("code")
    assert t.loc["SKILLS", "relative"] == "falling behind"


def test_trends_skip_carried_values() -> None:
    data = make_data(growth={"U2": 2.0})
    cells = data.cells.copy()
    mask = (cells["iso3"] == "U2") & (cells["indicator"] == "tertiary") & (cells["year"] > 2020)
    cells.loc[mask, "imputed"] = True  # only 2019 and 2020 were observed
    data2 = type(data)(**{**data.__dict__, "cells": cells})
    t = trends(data2, "U2").set_index("code")
    assert t.loc["tertiary", "n_years"] == 2
    assert np.isnan(t.loc["tertiary", "slope"])
    assert t.loc["tertiary", "relative"] == "too few years"


def test_diagnose_puts_it_together() -> None:
    data = make_data(overrides={("L2", "CONN"): 5.0})
    d = diagnose(data, "l2")
    assert d.iso3 == "L2" and d.tier == 0 and d.status == "scored"
    assert d.binding == "CONN"
    assert set(d.bottlenecks["pillar"]) == {"CONN"}
    assert d.expected is not None and d.expected["iso3"] == "L2"
    assert {"pillar", "indicator"} == set(d.trends["kind"])
