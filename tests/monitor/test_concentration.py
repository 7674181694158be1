"""Concentration measures against analytic examples."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from aicap.analysis.monitor import concentration as c


def test_monopoly_and_equal_split() -> None:
    mono = c.market_stats({"A": 5.0})
    assert mono["hhi_low"] == pytest.approx(10_000) and mono["cr1_low"] == pytest.approx(100)
    assert mono["class"] == "highly concentrated"
    equal = c.market_stats({k: 1.0 for k in "ABCDEFGHIJ"})  # ten equal firms: 10 x 10^2
    assert equal["hhi_low"] == pytest.approx(1000.0)
    assert equal["class"] == "moderately concentrated"  # 1,000 is the lower bound, inclusive
    assert equal["cr3_low"] == pytest.approx(30.0)


def test_interval_with_unattributed_residual() -> None:
    # shares 50 % / 30 %, residual 20 %: low = 2500 + 900, high = low + 400
    stats = c.market_stats({"US": 50.0, "CN": 30.0}, unattributed=20.0)
    assert stats["unattributed_share"] == pytest.approx(20.0)
    assert stats["hhi_low"] == pytest.approx(3400.0)
    assert stats["hhi_high"] == pytest.approx(3800.0)
    assert stats["cr1_low"] == pytest.approx(50.0) and stats["cr1_high"] == pytest.approx(50.0)
    assert stats["cr3_low"] == pytest.approx(80.0) and stats["cr3_high"] == pytest.approx(100.0)
    # a residual larger than the leader changes CR1's upper end
    big = c.market_stats({"A": 10.0, "B": 10.0}, unattributed=80.0)
    assert big["cr1_high"] == pytest.approx(80.0) and big["cr1_low"] == pytest.approx(10.0)
    assert big["class"] == "unconcentrated to highly concentrated"


def test_thresholds() -> None:
    assert c.classify(1800.0) == "moderately concentrated"
    assert c.classify(1800.01) == "highly concentrated"
    assert c.classify(999.9) == "unconcentrated"
    assert c.classify_ec(2000.0) == "1,000-2,000" and c.classify_ec(2001.0) == "above 2,000"
    assert "Merger Guidelines (2023)" in c.DOJ_FTC_2023 and "1,800" in c.DOJ_FTC_2023
    assert c.classify(float("nan")) == "no data"
    with pytest.raises(ValueError):
        c.market_stats({"A": -1.0})


@given(
    st.lists(st.floats(min_value=0.01, max_value=1e6), min_size=1, max_size=20),
    st.floats(min_value=0, max_value=1e6),
)
def test_bounds_properties(values: list[float], residual: float) -> None:
    q = {f"a{i}": v for i, v in enumerate(values)}
    stats = c.market_stats(q, residual)
    n = len(values)
    total = sum(values) + residual
    assert stats["hhi_low"] <= stats["hhi_high"] + 1e-6
    assert stats["hhi_high"] <= 10_000 + 1e-6
    if residual == 0:
        # without residual HHI >= 10,000 / n (equal split is the minimum)
        assert stats["hhi_low"] >= 10_000 / n - 1e-6
    for k in (1, 3, 5):
        assert stats[f"cr{k}_low"] <= stats[f"cr{k}_high"] + 1e-9
    assert math.isclose(float(stats["total"]), total, rel_tol=1e-9)


def clusters() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "standard": [True, True, True, False, True],
            "first_year": pd.array([2020, 2021, 2021, 2020, None], dtype="Int64"),
            "h100e": [100.0, 300.0, float("nan"), 1e6, 50.0],
            "iso3": ["USA", "CHN", None, "USA", "USA"],
            "owner": ["Meta", "Alibaba,Baidu", "", "X", "Y"],
        }
    )


def test_compute_holdings_stock_and_residual() -> None:
    h = c.compute_holdings(clusters())
    table = c.concentration_table(h).set_index(["view", "dimension", "year"])
    cap21 = table.loc[("capacity", "country", 2021)]
    assert cap21["total"] == pytest.approx(400.0)  # NaN H100e adds 0; non-standard excluded
    assert cap21["hhi_low"] == pytest.approx(25.0**2 + 75.0**2)
    cnt21 = table.loc[("count", "country", 2021)]
    assert cnt21["unattributed_share"] == pytest.approx(100 / 3)
    assert cnt21["hhi_high"] - cnt21["hhi_low"] == pytest.approx((100 / 3) ** 2)
    shares = c.shares_table(h)
    org = shares[
        (shares["dimension"] == "organisation")
        & (shares["view"] == "capacity")
        & (shares["year"] == 2021)
    ].set_index("actor")["quantity"]
    assert org["Alibaba"] == pytest.approx(150.0) and org["Baidu"] == pytest.approx(150.0)


def test_model_holdings_full_vs_fractional() -> None:
    models = pd.DataFrame(
        {
            "tier": ["notable", "notable"],
            "model": ["M1", "M2"],
            "organization": ["OrgA,OrgB", "OrgC"],
            "year": pd.array([2024, 2024], dtype="Int64"),
            "training_compute_flop": [1e24, float("nan")],
        }
    )
    links = pd.DataFrame(
        {
            "tier": ["notable"] * 4,
            "model": ["M1", "M1", "M1", "M2"],
            "iso3": ["USA", "USA", "GBR", None],
        }
    )
    h = c.model_holdings(models, links)
    s = c.shares_table(h)
    sel = s[(s["dimension"] == "country") & (s["view"] == "count")]
    full = sel[sel["variant"] == "full"].set_index("actor")["quantity"]
    frac = sel[sel["variant"] == "fractional"].set_index("actor")["quantity"]
    assert full.to_dict() == {"GBR": 1.0, "USA": 1.0, "(unattributed)": 1.0}
    assert frac["USA"] == pytest.approx(2 / 3) and frac["GBR"] == pytest.approx(1 / 3)
    cap = s[(s["dimension"] == "country") & (s["view"] == "capacity") & (s["variant"] == "full")]
    assert cap.set_index("actor")["quantity"]["USA"] == pytest.approx(1e24)


def test_lorenz_and_gini() -> None:
    equal = pd.Series([1.0, 1.0, 1.0, 1.0])
    assert c.gini(equal) == pytest.approx(0.0)
    one = pd.Series([0.0, 0.0, 0.0, 10.0])
    assert c.gini(one) == pytest.approx(0.75)  # (n-1)/n for one holder among n
    curve = c.lorenz(one)
    assert curve["quantity_share"].tolist() == [0.0, 0.0, 0.0, 0.0, 1.0]


def _frontier(n: int, estimated: set[int], country: dict[int, str]) -> pd.DataFrame:
    models = pd.DataFrame(
        {
            "tier": ["frontier"] * n,
            "model": [f"M{k}" for k in range(n)],
            "organization": [f"Org{k}" for k in range(n)],
            "year": pd.array([2024] * n, dtype="Int64"),
            "training_compute_flop": [1e25 if k in estimated else float("nan") for k in range(n)],
        }
    )
    links = pd.DataFrame(
        {
            "tier": ["frontier"] * n,
            "model": [f"M{k}" for k in range(n)],
            "iso3": [country.get(k, "USA") for k in range(n)],
        }
    )
    return c.concentration_table(c.model_holdings(models, links), min_coverage=50)


def _row(t: pd.DataFrame, view: str) -> pd.Series:
    sel = t[(t["view"] == view) & (t["dimension"] == "country") & (t["variant"] == "full")]
    assert len(sel) == 1
    return sel.iloc[0]


def test_capacity_view_reports_its_coverage_and_falls_back_when_low() -> None:
    """12 frontier models, 4 with a compute estimate (all American), 8 without (3 Chinese):
    the capacity view reads USA 100 % on 4 of 12 models, low coverage, the count view shown."""
    t = _frontier(12, {0, 1, 2, 3}, {4: "CHN", 5: "CHN", 6: "CHN"})
    cap, cnt = _row(t, "capacity"), _row(t, "count")
    assert (cap["n_items"], cap["n_measured"]) == (12, 4)
    assert cap["coverage"] == pytest.approx(100 * 4 / 12)
    assert bool(cap["low_coverage"]) and not bool(cnt["low_coverage"])
    assert cap["note"].startswith("4 of 12 models have a training-compute estimate")
    assert "read the count view" in cap["note"]
    assert cap["class"] == c.SINGLE_ACTOR  # one actor among the measured four
    assert cnt["n_actors"] == 2 and cnt["class"] == "highly concentrated"
    assert cnt["coverage"] == pytest.approx(100.0) and cnt["note"] == ""
    assert c.shown_view(t[t["dimension"] == "country"], "models_frontier", "capacity") == "count"


def test_capacity_view_with_enough_coverage_is_kept() -> None:
    t = _frontier(4, {0, 1, 2}, {1: "CHN"})
    cap = _row(t, "capacity")
    assert not bool(cap["low_coverage"]) and cap["coverage"] == pytest.approx(75.0)
    assert cap["note"] == "3 of 4 models have a training-compute estimate"
    assert c.shown_view(t[t["dimension"] == "country"], "models_frontier", "capacity") == "capacity"
    # without a documented threshold nothing is called low
    h = c.concentration_table(c.model_holdings(*_frames_of(1, set())))
    assert not h["low_coverage"].any()


def _frames_of(n: int, estimated: set[int]) -> tuple[pd.DataFrame, pd.DataFrame]:
    models = pd.DataFrame(
        {
            "tier": ["notable"] * n,
            "model": [f"M{k}" for k in range(n)],
            "organization": ["O"] * n,
            "year": pd.array([2020] * n, dtype="Int64"),
            "training_compute_flop": [1e20 if k in estimated else float("nan") for k in range(n)],
        }
    )
    links = pd.DataFrame({"tier": ["notable"] * n, "model": models["model"], "iso3": ["FRA"] * n})
    return models, links


def test_one_actor_is_a_single_actor_never_highly_concentrated() -> None:
    t = c.concentration_table(c.model_holdings(*_frames_of(3, {0, 1, 2})))
    assert set(t["n_actors"]) == {1}
    assert set(t["class"]) == {c.SINGLE_ACTOR}
    # the HHI and its DOJ/FTC class stay in their own columns
    assert set(t["hhi_low"]) == {10_000.0} and set(t["class_low"]) == {"highly concentrated"}


def test_compute_coverage_counts_clusters_without_an_h100e_estimate() -> None:
    t = c.concentration_table(c.compute_holdings(clusters(), years=[2021]), min_coverage=90)
    cap = _row(t, "capacity")
    # standard clusters operational by 2021: three, one of them without an estimate
    assert (cap["n_items"], cap["n_measured"]) == (3, 2)
    assert bool(cap["low_coverage"])
    assert cap["note"].startswith("2 of 3 clusters have an H100e estimate")


def test_one_actor_beside_an_unattributed_part_says_so() -> None:
    models, links = _frames_of(2, {0, 1})
    links.loc[1, "iso3"] = None
    t = c.concentration_table(c.model_holdings(models, links))
    row = t[(t["view"] == "count") & (t["dimension"] == "country") & (t["variant"] == "full")]
    assert row["class"].iloc[0] == c.SINGLE_IDENTIFIED
