"""The divide measures against analytic answers."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from aicap.analysis.divide import (
    beta_convergence,
    divide_table,
    gini,
    gini_rows,
    is_divide_widening,
    ols,
    sigma_convergence,
    theil_decompose,
    theil_t,
)


def test_gini_of_equal_values_is_zero() -> None:
    assert gini([5.0, 5.0, 5.0, 5.0]) == pytest.approx(0.0, abs=1e-12)


def test_gini_of_one_holder_is_n_minus_one_over_n() -> None:
    assert gini([0.0, 0.0, 0.0, 10.0]) == pytest.approx(3 / 4)


def test_gini_known_value_and_scale_invariance() -> None:
    # mean absolute difference of (1, 2, 3) is 8/9; Gini = MAD / (2 * mean) = (8/9) / 4 = 2/9
    assert gini([1.0, 2.0, 3.0]) == pytest.approx(2 / 9)
    assert gini([10.0, 20.0, 30.0]) == pytest.approx(2 / 9)


def test_gini_rows_matches_gini() -> None:
    rng = np.random.default_rng(1)
    m = rng.uniform(0, 100, size=(7, 30))
    assert gini_rows(m) == pytest.approx([gini(r) for r in m])


def test_negative_values_are_rejected() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        gini([1.0, -1.0])


def test_theil_equal_is_zero_and_one_holder_is_log_n() -> None:
    assert theil_t([3.0, 3.0, 3.0]) == pytest.approx(0.0, abs=1e-12)
    assert theil_t([0.0, 0.0, 0.0, 0.0, 7.0]) == pytest.approx(math.log(5))


def test_theil_decomposition_sums_exactly() -> None:
    rng = np.random.default_rng(7)
    x = rng.gamma(2.0, 20.0, size=200)
    g = rng.choice(["HIC", "UMC", "LMC", "LIC"], size=200)
    d = theil_decompose(x, g)
    assert d.total == pytest.approx(theil_t(x), rel=1e-12)
    assert d.between + d.within == pytest.approx(d.total, rel=1e-12, abs=1e-15)
    assert d.groups["within_contribution"].sum() == pytest.approx(d.within)
    assert d.groups["score_share"].sum() == pytest.approx(1.0)


def test_theil_all_between_when_groups_are_internally_equal() -> None:
    x = [10.0, 10.0, 40.0, 40.0, 40.0]
    g = ["a", "a", "b", "b", "b"]
    d = theil_decompose(x, g)
    assert d.within == pytest.approx(0.0, abs=1e-15)
    assert d.between == pytest.approx(d.total)
    assert d.between_share == pytest.approx(1.0)


def test_theil_all_within_when_group_means_are_equal() -> None:
    d = theil_decompose([10.0, 30.0, 5.0, 35.0], ["a", "a", "b", "b"])
    assert d.between == pytest.approx(0.0, abs=1e-15)
    assert d.within == pytest.approx(d.total)


def test_ols_recovers_line_and_interval_covers() -> None:
    x = np.arange(20, dtype=float)
    y = 3.0 + 2.0 * x
    fit = ols(x, y)
    assert fit.slope == pytest.approx(2.0)
    assert fit.intercept == pytest.approx(3.0)
    assert fit.r2 == pytest.approx(1.0)
    rng = np.random.default_rng(3)
    noisy = ols(x, y + rng.normal(0, 1, size=20))
    assert noisy.slope_ci[0] < 2.0 < noisy.slope_ci[1]
    lo, hi = noisy.prediction_interval([5.0])
    assert lo[0] < noisy.predict([5.0])[0] < hi[0]


def test_ols_against_scipy() -> None:
    from scipy import stats

    rng = np.random.default_rng(11)
    x = rng.normal(size=50)
    y = 1 + 0.5 * x + rng.normal(size=50)
    ref = stats.linregress(x, y)
    fit = ols(x, y)
    assert fit.slope == pytest.approx(ref.slope)
    assert fit.slope_se == pytest.approx(ref.stderr)
    assert fit.p_value == pytest.approx(ref.pvalue)


def _panel(start: dict[str, float], end: dict[str, float], y0: int = 2015, y1: int = 2025):
    rows = [{"iso3": k, "year": y0, "score": v} for k, v in start.items()]
    rows += [{"iso3": k, "year": y1, "score": v} for k, v in end.items()]
    return pd.DataFrame(rows)


def test_constructed_converging_panel_has_negative_beta_and_falling_sigma() -> None:
    rng = np.random.default_rng(5)
    iso = [f"C{i:02d}" for i in range(40)]
    x0 = rng.uniform(5, 90, size=40)
    x1 = x0 + 0.5 * (100 - x0) * 0.8 + rng.normal(0, 1, size=40)  # laggards gain most
    panel = _panel(dict(zip(iso, x0, strict=True)), dict(zip(iso, x1, strict=True)))
    beta = beta_convergence(panel, "score", 2015, 2025)
    assert beta.fit.slope < 0
    assert beta.converging and not beta.diverging
    assert beta.fit.slope == pytest.approx(-0.04, abs=0.005)  # -0.4 over 10 years
    sig = sigma_convergence(panel, "score", [2015, 2025])
    assert sig["sd"].iloc[1] < sig["sd"].iloc[0]
    assert list(sig["n"]) == [40, 40]


def test_sigma_uses_a_balanced_panel() -> None:
    panel = _panel({"A": 10, "B": 20, "C": 30}, {"A": 10, "B": 20})
    sig = sigma_convergence(panel, "score", [2015, 2025])
    assert list(sig["n"]) == [2, 2]


def _countries(n_rich: int, n_poor: int, n_mid: int = 0) -> pd.DataFrame:
    rows = []
    for i in range(n_rich):
        rows.append((f"R{i:02d}", "HIC", "Europe", False, False, False))
    for i in range(n_poor):
        rows.append((f"P{i:02d}", "LIC", "Africa", True, i % 2 == 0, False))
    for i in range(n_mid):
        rows.append((f"M{i:02d}", "LMC", "Asia", False, False, i % 3 == 0))
    return pd.DataFrame(rows, columns=["iso3", "income_group", "un_region", "ldc", "lldc", "sids"])


def test_diverging_panel_is_called_widening() -> None:
    c = _countries(20, 20)
    rng = np.random.default_rng(2)
    start = {r: 60 + rng.normal(0, 3) for r in c["iso3"][:20]}
    start |= {p: 20 + rng.normal(0, 3) for p in c["iso3"][20:]}
    end = {k: v + (10 if k.startswith("R") else 1) + rng.normal(0, 1) for k, v in start.items()}
    v = is_divide_widening(_panel(start, end), c, n_boot=500)
    assert v.absolute == "widening"
    assert v.gap_change.low > 0
    assert v.gap_end - v.gap_start == pytest.approx(v.gap_change.estimate)
    assert v.gap_change.estimate == pytest.approx(9.0, abs=1.0)
    assert v.text.startswith("Yes")
    assert "least developed countries (n=20)" in v.text


def test_converging_panel_is_called_narrowing() -> None:
    c = _countries(15, 15)
    rng = np.random.default_rng(4)
    start = {r: 70 + rng.normal(0, 2) for r in c["iso3"][:15]}
    start |= {p: 15 + rng.normal(0, 2) for p in c["iso3"][15:]}
    end = {k: v + (1 if k.startswith("R") else 12) + rng.normal(0, 1) for k, v in start.items()}
    v = is_divide_widening(_panel(start, end), c, n_boot=500)
    assert v.absolute == "narrowing"
    assert v.relative == "narrowing"
    assert v.beta.converging
    assert v.text.startswith("No")


def test_unchanged_panel_is_no_clear_change() -> None:
    c = _countries(10, 10)
    rng = np.random.default_rng(9)
    start = {k: rng.uniform(10, 80) for k in c["iso3"]}
    end = {k: v + rng.normal(0, 0.5) for k, v in start.items()}
    v = is_divide_widening(_panel(start, end), c, n_boot=500)
    assert v.absolute == "no clear change"
    assert v.gap_change.low < 0 < v.gap_change.high


def test_divide_table_gap_and_decomposition() -> None:
    c = _countries(3, 3, 3)
    scores = pd.DataFrame(
        {
            "iso3": list(c["iso3"]),
            "year": 2020,
            "score": [80, 70, 90, 10, 20, 30, 40, 50, np.nan],
        }
    )
    t = divide_table(scores, c, ["score"])
    row = t.iloc[0]
    assert row["n"] == 8
    assert row["hic_mean"] == pytest.approx(80.0)
    assert row["ldc_mean"] == pytest.approx(20.0)
    assert row["gap"] == pytest.approx(60.0)
    assert row["theil"] == pytest.approx(theil_t([80, 70, 90, 10, 20, 30, 40, 50]))
    # income groups and regions coincide here, so both between shares agree
    assert row["theil_between_income_share"] == pytest.approx(row["theil_between_region_share"])
    assert 0 < row["theil_between_income_share"] < 1
