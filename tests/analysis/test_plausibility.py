"""The plausibility screen, the zero rule and method breaks, on synthetic data where the truth
is known (no warehouse)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from capacity_helpers import FRAMEWORK, spec

from aicap.analysis.capacity_index import MEMBER_COLUMNS, derive, score_year
from aicap.analysis.plausibility import CellScreen, pooled_goalposts, screen_indicator
from aicap.analysis.spec import IndexSpec, MethodBreak, ScreenSpec, SpecError, ZeroRule

RULE = ScreenSpec(bounds=(0, 100), jump=0.5, outlier_z=3.5)


def _panel(rng: np.random.Generator, n: int = 40) -> pd.DataFrame:
    """``n`` countries x 2010-2024 of a share around 10 % (sd 2), steady over time."""
    rows = []
    for c in range(n):
        level = rng.normal(10, 2)
        for y in range(2010, 2025):
            rows.append({"iso3": f"C{c:02d}", "year": y, "value": level + rng.normal(0, 0.3)})
    return pd.DataFrame(rows)


def _hightech() -> object:
    return spec().indicator("hightech_exports")  # goalposts 0-31.3, no transform


def test_impossible_value_is_dropped_and_logged() -> None:
    df = _panel(np.random.default_rng(1))
    df.loc[(df["iso3"] == "C03") & (df["year"] == 2020), "value"] = 120.0
    out = screen_indicator(spec(), _hightech(), df, RULE)  # type: ignore[arg-type]
    log = out.log.set_index(["iso3", "year"])
    assert log.loc[("C03", 2020), "checks"] == "bounds"
    assert log.loc[("C03", 2020), "action"] == "drop"
    assert not ((out.values["iso3"] == "C03") & (out.values["year"] == 2020)).any()
    assert len(out.values) == len(df) - 1


def test_jump_and_outlier_is_dropped_one_alone_is_only_flagged() -> None:
    df = _panel(np.random.default_rng(2))
    at = df.set_index(["iso3", "year"]).index
    # C01: a sudden 77 % (a small island State's 76.7 %): a jump and an outlier -> dropped
    df.loc[at == ("C01", 2024), "value"] = 77.0
    # C02: a steady leader at 30 %: an outlier across countries, never a jump -> kept, flagged
    df.loc[df["iso3"] == "C02", "value"] = 30.0
    # C04: from 28 % down to 10 % (the median): a jump, not an outlier -> kept, flagged
    df.loc[df["iso3"] == "C04", "value"] = 28.0
    df.loc[at == ("C04", 2024), "value"] = 10.0
    out = screen_indicator(spec(), _hightech(), df, RULE)  # type: ignore[arg-type]
    log = out.log.set_index(["iso3", "year"])
    assert log.loc[("C01", 2024), "checks"] == "jump+outlier"
    assert log.loc[("C01", 2024), "action"] == "drop"
    assert set(log.loc["C02", "checks"]) == {"outlier"}
    assert set(log.loc["C02", "action"]) == {"flag"}
    assert log.loc[("C04", 2024), "checks"] == "jump"
    assert log.loc[("C04", 2024), "action"] == "flag"
    kept = out.values.set_index(["iso3", "year"])["value"]
    assert ("C01", 2024) not in kept.index
    assert kept.loc[("C04", 2024)] == 10.0
    # nothing else is flagged in a steady panel
    assert set(out.log["iso3"]) == {"C01", "C02", "C04"}


def test_cap_clamps_to_the_edge_of_the_plausible_range() -> None:
    df = _panel(np.random.default_rng(3))
    df.loc[(df["iso3"] == "C05") & (df["year"] == 2022), "value"] = 80.0
    rule = RULE.model_copy(update={"action": "cap"})
    out = screen_indicator(spec(), _hightech(), df, rule)  # type: ignore[arg-type]
    row = out.values[(out.values["iso3"] == "C05") & (out.values["year"] == 2022)]
    own = df[(df["iso3"] == "C05") & df["year"].between(2017, 2021)]["value"].median()
    capped = float(row["value"].iloc[0])
    assert capped < 80.0
    # the tighter of the two limits: own median + half the goalpost range (33.8 / 2)
    assert capped <= own + 0.5 * 33.8 + 1e-9
    assert out.log.set_index(["iso3", "year"]).loc[("C05", 2022), "action"] == "cap"


def test_years_the_index_never_reads_are_not_flagged() -> None:
    df = _panel(np.random.default_rng(4))
    df.loc[(df["iso3"] == "C06") & (df["year"] == 2011), "value"] = 150.0
    out = screen_indicator(spec(), _hightech(), df, RULE, start=2012)  # type: ignore[arg-type]
    assert out.log.empty


def test_cell_flags_name_the_screened_and_the_dropped_values() -> None:
    log = pd.DataFrame(
        {
            "iso3": ["A", "A", "B"],
            "code": ["x", "x", "x"],
            "year": [2022, 2024, 2023],
            "value": [1.0, 2.0, 3.0],
            "checks": ["outlier", "jump+outlier", "jump"],
            "action": ["flag", "drop", "cap"],
            "detail": ["", "", ""],
        }
    )
    cs = CellScreen(log)
    assert cs.flags("A", "x", 2022.0, 2025, 5) == ["screen:outlier", "dropped:2024:jump+outlier"]
    assert cs.flags("A", "x", 2022.0, 2023, 5) == ["screen:outlier"]
    assert cs.flags("B", "x", 2023.0, 2025, 5) == ["capped:jump"]
    assert cs.flags("A", "x", 2022.0, 2035, 5) == []  # out of the window
    assert cs.flags("C", "x", np.nan, 2025, 5) == []


def test_framework_screens_every_indicator_and_marks_the_netcraft_break() -> None:
    s = spec()
    assert s.plausibility is not None
    for ind in s.indicators:
        rule = s.screen_of(ind)
        assert rule is not None, ind.code
        assert rule.bounds is not None or rule.note, ind.code  # a bound, or why none
    assert s.screen_of(s.indicator("electricity_access")).outlier_z is None  # type: ignore[union-attr]
    brk = s.indicator("secure_servers").method_break
    assert isinstance(brk, MethodBreak) and brk.year == 2018
    assert all(i.method_break is None for i in s.indicators if i.code != "secure_servers")
    zeros = s.indicator("notable_models").zeros
    assert zeros.zero == "exhaustive_source" and zeros.zero_needs_pillar == 2
    # exhaustive lists (notable models; the compute and cloud lists of the infrastructure
    # pillar, issue 17) are the only indicators whose zeros count, each on a stated condition
    exhaustive = {"notable_models", "compute_capacity", "cloud_regions"}
    assert all(i.zeros == ZeroRule() for i in s.indicators if i.code not in exhaustive)
    for code in exhaustive:
        z = s.indicator(code).zeros
        assert z.zero == "exhaustive_source" and z.zero_needs_pillar >= 1, code


def test_zero_for_unlisted_needs_an_exhaustive_source_and_matches_zero_fill() -> None:
    with pytest.raises(ValueError, match="exhaustive"):
        ZeroRule(unlisted="zero", note="x" * 20)
    text = FRAMEWORK.read_text(encoding="utf-8")
    broken = text.replace("      unlisted: zero\n", "      unlisted: missing\n", 1)
    with pytest.raises(SpecError, match="zero_fill must match"):
        IndexSpec.from_yaml(broken)
    too_many = text.replace("      zero_needs_pillar: 2\n", "      zero_needs_pillar: 5\n", 1)
    with pytest.raises(SpecError, match="exceeds the 4 other indicators"):
        IndexSpec.from_yaml(too_many)


# ------------------------------------------------------------------ the zero rule, end to end
def _members(codes: list[str]) -> pd.DataFrame:
    m = pd.DataFrame({"iso3": codes, "name": codes})
    for col in MEMBER_COLUMNS[2:]:
        m[col] = False if col in ("ldc", "lldc", "sids") else "x"
    return m[MEMBER_COLUMNS]


def test_notable_zero_counts_only_beside_two_other_research_indicators() -> None:
    """AAA: articles only, no listed model -> the zero is not counted and research is the
    articles score alone. BBB: articles, researchers, patents, no model -> the zero counts.
    CCC: articles only and a listed model -> the model counts."""
    s = spec()
    members = _members(["AAA", "BBB", "CCC"])
    rows = []
    for y in range(2015, 2026):
        for iso in ("AAA", "BBB", "CCC"):
            rows.append((iso, y, "IP.JRN.ARTC.SC", 500.0))
            rows.append((iso, y, "SP.POP.TOTL", 1e6))
        rows.append(("BBB", y, "SP.POP.SCIE.RD.P6", 300.0))
        rows.append(("BBB", y, "IP.PAT.RESD", 20.0))
        rows.append(("CCC", y, "EPOCH.M25.NOTABLE.NFRAC", 1.0))
    raw = pd.DataFrame(rows, columns=["iso3", "year", "indicator", "value"])
    inputs = derive(s, raw, members, {})
    ys = score_year(inputs, 2025)
    cells = ys.cells.set_index(["iso3", "indicator"])
    assert "missing:not_listed" in cells.loc[("AAA", "notable_models"), "flags"]
    assert np.isnan(cells.loc[("AAA", "notable_models"), "normalised"])
    assert "zero:not_listed" in cells.loc[("BBB", "notable_models"), "flags"]
    assert cells.loc[("BBB", "notable_models"), "normalised"] == 0.0
    assert cells.loc[("CCC", "notable_models"), "value"] == pytest.approx(5.0)
    res = ys.results.set_index("iso3")
    articles = cells.loc[("AAA", "articles"), "normalised"]
    assert res.loc["AAA", "RESEARCH"] == pytest.approx(articles)
    bbb = cells.loc["BBB"].loc[["articles", "researchers", "patents", "notable_models"]]
    assert res.loc["BBB", "RESEARCH"] == pytest.approx(bbb["normalised"].mean())


def test_pooled_goalposts_are_computed_after_the_screen() -> None:
    """Implausible values (a jump and an outlier: dropped) in the goalpost years would raise
    the pooled 95th percentile; computed on the screened values they do not."""
    df = _panel(np.random.default_rng(7), n=40)
    df = df[df["year"] >= 2015].reset_index(drop=True)
    at = df.set_index(["iso3", "year"]).index
    bad = [f"C{c:02d}" for c in range(1, 13)]
    for c in bad:  # twelve countries with a sudden 77 % in each of the last two years
        df.loc[(at == (c, 2023)) | (at == (c, 2024)), "value"] = 77.0
    ind = _hightech()
    out = screen_indicator(spec(), ind, df, RULE)  # type: ignore[arg-type]
    assert set(out.log.loc[out.log["action"] == "drop", "iso3"]) == set(bad)
    _, raw_hi = pooled_goalposts(ind, df)  # type: ignore[arg-type]
    _, hi = pooled_goalposts(ind, out.values)  # type: ignore[arg-type]
    clean = df[~df["iso3"].isin(bad) | (df["year"] < 2023)]
    assert raw_hi is not None and hi is not None
    assert raw_hi > 70.0  # 24 implausible values of 400: more than the top 5 %
    assert hi == pytest.approx(float(np.percentile(clean["value"], 95)))
    assert hi < 16.0
    with pytest.raises(ValueError, match="not pooled"):
        pooled_goalposts(spec().indicator("internet_use"), df)
