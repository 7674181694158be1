"""Claims on synthetic panels whose truth is known by construction.

* a gap that is constant while the indicator set changes must read "no clear change" (and the
  yearly scores, which change composition, would have said "widening": the test can fail);
* a real widening must read widening;
* 5 % of random residuals outside a 95 % band must not read as a finding;
* a label never contradicts its number (a positive difference is never a shortfall).
"""

from __future__ import annotations

import dataclasses
import types
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from aicap.analysis.capacity_data import CapacityData
from aicap.analysis.claims import (
    RULE_VERDICTS,
    Claim,
    ClaimCatalogue,
    ClaimSet,
    catalogue_markdown,
    holm,
    load_claim_catalogue,
)
from aicap.analysis.claims_country import country_claims
from aicap.analysis.claims_divide import group_difference_claim, outlier_claim
from aicap.analysis.claims_monitor import MONITOR_KINDS
from aicap.analysis.claims_profile import PROFILE_KINDS
from aicap.analysis.claims_run import group_differences, recompute, standard_claims
from aicap.analysis.diagnose import diagnose
from aicap.analysis.divide import is_divide_widening
from aicap.analysis.spec import IndexSpec, default_framework_path
from aicap.analysis.trend import comparable_start, composition_breaks, constant_composition

YEARS = list(range(2015, 2026))
#: The shipped framework without its method breaks: the synthetic series below have none (a
#: test that needs one sets it), while the shipped secure_servers break (2018) would leave the
#: synthetic DATA pillar without a comparable indicator over 2015-2025.
SPEC = IndexSpec.load(default_framework_path())
SPEC = SPEC.model_copy(
    update={"indicators": [i.model_copy(update={"method_break": None}) for i in SPEC.indicators]}
)


def _countries(n: int = 24) -> pd.DataFrame:
    rows = []
    for i in range(n):
        rows.append((f"H{i:02d}", f"High {i}", "Europe", "HIC", False, False, False))
    for i in range(n):
        rows.append((f"L{i:02d}", f"Least {i}", "Africa", "LIC", True, i % 3 == 0, i % 4 == 0))
    for i in range(n):
        rows.append((f"M{i:02d}", f"Middle {i}", "Asia", "LMC", False, False, i % 5 == 0))
    cols = ["iso3", "name", "un_region", "income_group", "ldc", "lldc", "sids"]
    return pd.DataFrame(rows, columns=cols)


LEVEL = {"HIC": 70.0, "LIC": 30.0, "LMC": 50.0}


def make_data(
    *,
    seed: int = 1,
    growth: dict[str, float] | None = None,
    composition_change: bool = True,
    noise: float = 1.0,
) -> CapacityData:
    """Every indicator of the shipped framework at the group's level plus country and cell
    noise, growing ``growth[group]`` points a year. With ``composition_change``: statistical
    capacity exists only to 2022 and only for LDCs (at 75, flattering them while present), AI
    diffusion only in 2025 (95 for high-income, 2 for the others): the yearly scores' gap then
    widens although no country changed."""
    rng = np.random.default_rng(seed)
    growth = growth or {}
    c = _countries()
    inds = SPEC.indicators
    offset = {iso: rng.normal(0, 3) for iso in c["iso3"]}
    cells = []
    for rec in c.itertuples():
        for y in YEARS:
            for ind in inds:
                v = LEVEL[rec.income_group] + offset[rec.iso3]
                v += growth.get(rec.income_group, 0.0) * (y - YEARS[0]) + rng.normal(0, noise)
                if composition_change and ind.code == "statistical_capacity":
                    if y > 2022 or not rec.ldc:
                        continue
                    v = 75.0
                if composition_change and ind.code == "online_services" and y < 2024:
                    continue
                if ind.code == "ai_diffusion":
                    if not composition_change or y < 2025:
                        continue
                    v = 95.0 if rec.income_group == "HIC" else 2.0
                v = float(np.clip(v, 0, 100))
                cells.append(
                    {
                        "iso3": rec.iso3,
                        "year": y,
                        "pillar": ind.pillar,
                        "indicator": ind.code,
                        "series": ind.series,
                        "value": v,
                        "value_year": y if y < 2024 else y - 1,
                        "normalised": v,
                        "imputed": y >= 2024,
                        "flags": "",
                    }
                )
    cells_df = pd.DataFrame(cells)
    series = []
    for y in YEARS:
        yearly = constant_composition(cells_df, SPEC, y, y).scores
        yearly["status"] = "scored"
        series.append(yearly)
    series_df = pd.concat(series, ignore_index=True)
    indicators = pd.DataFrame(
        [
            {
                "code": i.code,
                "name": i.name,
                "pillar": i.pillar,
                "series": i.series,
                "unit": i.unit,
                "direction": 1,
                "publisher": "Synthetic",
                "licence": "CC0",
                "source": "synthetic",
                "source_title": "synthetic",
                "vintage": "test",
            }
            for i in inds
        ]
    )
    latest = series_df[series_df["year"] == YEARS[-1]].set_index("iso3")["score"]
    gdp = pd.DataFrame(
        {
            "iso3": latest.index,
            # log10 GDP linear in the score plus noise: income "explains" capacity
            "value": 10 ** (2.0 + latest.to_numpy() / 25 + rng.normal(0, 0.1, len(latest))),
            "year": YEARS[-1] - 1,
        }
    )
    return CapacityData(
        year=YEARS[-1],
        countries=c,
        series=series_df,
        cells=cells_df,
        indicators=indicators,
        pillars={p.code: p.name for p in SPEC.pillars},
        gdp=gdp,
        spec=SPEC,
    )


def test_constant_gap_with_changing_indicators_reads_no_clear_change() -> None:
    data = make_data(seed=2)
    # the yearly scores change composition: read naively, the gap "widens" by points
    naive = is_divide_widening(data.series, data.countries, "score", poor="LDC", n_boot=500)
    assert naive.absolute == "widening" and naive.gap_change.estimate > 2.0
    sc = standard_claims(data, n_boot=500)
    answer = sc.get("divide_answer:score")
    gap = sc.get("gap_change:score")
    assert answer is not None and gap is not None
    assert gap.low is not None and gap.high is not None
    assert abs(gap.value) < 0.6  # like for like, the gap barely moves
    # the sentence follows its interval: no clear change exactly when it includes zero
    if gap.low < 0 < gap.high:
        assert answer.verdict == "no_clear_change"
        assert answer.text.startswith("Not measurably") and "includes no change" in gap.text
    # the composition says what it left out, and why
    assert set(sc.composition.excluded) >= {"statistical_capacity", "ai_diffusion"}
    breaks = {b["year"] for b in composition_breaks(data.cells)}
    assert {2023, 2024, 2025} <= breaks


def test_no_clear_change_is_the_rule_under_a_constant_gap() -> None:
    """Over independent panels with a constant gap and a changing indicator set, a 95 %
    interval reads "no clear change" about 95 % of the time (and the naive yearly reading
    says "widening" every time)."""
    clear = 0
    for seed in range(20):
        data = make_data(seed=100 + seed)
        comp = constant_composition(data.cells, SPEC, 2015, 2025)
        v = is_divide_widening(comp.scores, data.countries, "score", poor="LDC", n_boot=300)
        clear += v.absolute == "no clear change"
        naive = is_divide_widening(data.series, data.countries, "score", poor="LDC", n_boot=50)
        assert naive.absolute == "widening"
    assert clear >= 16  # expected 19 of 20; 16 or fewer happens with probability < 2 %


def test_real_widening_reads_widening() -> None:
    data = make_data(growth={"HIC": 1.5})
    sc = standard_claims(data, n_boot=500)
    answer = sc.get("divide_answer:score")
    assert answer is not None and answer.verdict == "up"
    assert answer.text.startswith("Yes")
    gap = sc.get("gap_change:score")
    assert gap is not None and gap.low is not None and gap.low > 0
    assert "widened" in gap.text
    count = sc.claims[sc.ids["change_count"]]
    ch = sc.changes.set_index("iso3")["direction"]
    hic = [i for i in ch.index if i.startswith("H")]
    assert (ch[hic] == "improved").all()  # the 24 high-income countries that grew
    # of the 48 that did not change, about the 5 % a 1.96-sigma threshold lets through
    false_pos = int((ch.drop(hic) != "stable").sum())
    assert false_pos <= 6
    assert count.params["expected_by_chance"] == pytest.approx(0.05 * count.n, rel=1e-3)
    assert "by chance" in count.text


def test_real_narrowing_reads_narrowing() -> None:
    data = make_data(growth={"LIC": 1.5})
    sc = standard_claims(data, n_boot=500)
    gap = sc.get("gap_change:score")
    assert gap is not None and gap.verdict == "down" and "narrowed" in gap.text


def test_method_break_excludes_indicator_from_trends() -> None:
    data = make_data(composition_change=False)
    broken = data.cells.copy()
    # secure servers jump by 40 points for high-income countries from 2020 (a method change)
    jump = (broken["indicator"] == "secure_servers") & broken["iso3"].str.startswith("H")
    broken.loc[jump & (broken["year"] >= 2020), "normalised"] += 40
    ind = SPEC.indicator("secure_servers")
    marked = ind.model_copy(
        update={"method_break": types.SimpleNamespace(year=2020, note="new method")}
    )
    spec = SPEC.model_copy(
        update={
            "indicators": [marked if i.code == "secure_servers" else i for i in SPEC.indicators]
        }
    )
    with_break = constant_composition(broken, spec, 2015, 2025)
    without = constant_composition(broken, SPEC, 2015, 2025)
    assert "secure_servers" in with_break.excluded
    assert "method break in 2020" in with_break.excluded["secure_servers"]
    g = with_break.wide()
    h = without.wide()
    hic = [i for i in g.index if i.startswith("H")]
    # the break moves the naive change, not the constant-composition one
    assert (h.loc[hic, 2025] - h.loc[hic, 2015]).mean() > 1.0
    assert abs((g.loc[hic, 2025] - g.loc[hic, 2015]).mean()) < 1.0
    # a window after the break keeps the indicator
    after = constant_composition(broken, spec, 2021, 2025)
    assert "secure_servers" not in after.excluded


def test_window_shortens_rather_than_crossing_a_break() -> None:
    """A break in the only indicator of a pillar that is present in every year leaves that
    pillar (and so the index) without a comparable score over the whole series: the window for
    statements about change then starts at the break, and says so."""
    data = make_data()  # statistical capacity stops in 2022, online services start in 2024
    ind = SPEC.indicator("secure_servers")
    marked = ind.model_copy(
        update={"method_break": types.SimpleNamespace(year=2019, note="new method")}
    )
    spec = SPEC.model_copy(
        update={
            "indicators": [marked if i.code == "secure_servers" else i for i in SPEC.indicators]
        }
    )
    whole = constant_composition(data.cells, spec, 2015, 2025)
    assert whole.wide().isna().all().all()  # no DATA indicator over 2015-2025
    start, why = comparable_start(data.cells, spec, 2025)
    assert start == 2019
    assert "starts in 2019" in why and "method break in 2019" in why
    # without the break the whole series is comparable
    assert comparable_start(data.cells, SPEC, 2025) == (2015, "")
    broken = dataclasses.replace(data, spec=spec)
    sc = standard_claims(broken, n_boot=200)
    gap = sc.get("gap_change:score")
    assert gap is not None and (gap.start, gap.end) == (2019, 2025)
    assert "starts in 2019" in sc.composition.describe()


def _band_table(n: int, rng: np.random.Generator, shift: float = 0.0) -> pd.DataFrame:
    from aicap.analysis.divide import ols

    x = rng.uniform(0, 10, n)
    y = 2 + 3 * x + rng.normal(0, 1, n)
    k = int(0.1 * n) if shift else 0
    y[:k] += shift * np.where(np.arange(k) % 2 == 0, 1.0, -1.0)  # outliers on both sides
    fit = ols(x, y)
    lo, hi = fit.prediction_interval(x)
    return pd.DataFrame(
        {"iso3": [f"C{i}" for i in range(n)], "actual": y, "pi_low": lo, "pi_high": hi}
    )


def test_five_percent_outside_a_95_band_is_not_a_finding() -> None:
    rng = np.random.default_rng(7)
    beyond = 0
    named = 0
    for _ in range(200):
        claim, table = outlier_claim(_band_table(180, rng), 0.95, 2025)
        beyond += claim.verdict == "beyond_chance"
        named += int(table["named"].sum())
        if claim.verdict == "within_chance":
            assert "about the" in claim.text and "chance" in claim.text
    assert beyond / 200 <= 0.10  # a 5 % test, not a finding half the time
    assert named / 200 < 0.2  # Holm: hardly ever a country named under the null


def test_real_outliers_are_a_finding() -> None:
    rng = np.random.default_rng(3)
    claim, _ = outlier_claim(_band_table(180, rng, shift=8.0), 0.95, 2025)
    assert claim.verdict == "beyond_chance"
    assert "more than the" in claim.text
    # naming a country is a separate, stricter test (Holm over all countries): a few extreme
    # departures are named, and only they
    t = _band_table(180, rng)
    t.loc[:2, "actual"] += 30
    _, named = outlier_claim(t, 0.95, 2025)
    assert set(named.loc[named["named"], "iso3"]) == {"C0", "C1", "C2"}


def test_positive_gap_is_never_a_shortfall() -> None:
    c = _countries()
    rng = np.random.default_rng(0)
    scores = pd.Series(rng.normal(50, 10, len(c)), index=c["iso3"])
    sids = c.loc[c["sids"], "iso3"]
    scores[sids] += 0.9  # a small positive difference
    other = pd.Index(c.loc[~c["sids"] & (c["income_group"] != "HIC"), "iso3"])
    claim = group_difference_claim(scores, c, "SIDS", other, "Data", 2025, subject="DATA")
    assert claim.verdict in ("no_clear_difference", "above")
    assert "shortfall" not in claim.text
    scores[sids] += 40
    big = group_difference_claim(scores, c, "SIDS", other, "Data", 2025, subject="DATA")
    assert big.verdict == "above" and "above" in big.text and "shortfall" not in big.text
    scores[sids] -= 90
    low = group_difference_claim(scores, c, "SIDS", other, "Data", 2025, subject="DATA")
    assert low.verdict == "below" and "shortfall" in low.text


def test_every_kind_and_verdict_renders_from_synthetic_data() -> None:
    seen: dict[str, set[str]] = {}
    for growth in ({}, {"HIC": 1.5}, {"LIC": 1.5}):
        data = make_data(growth=growth)
        sc = standard_claims(data, n_boot=300)
        claims = list(sc.claims.claims.values()) + group_differences(data, "SIDS", 300)
        for iso in ("H00", "L00", "M00"):
            claims += country_claims(diagnose(data, iso))
        for cl in claims:
            assert cl.text and "{" not in cl.text
            seen.setdefault(cl.kind, set()).add(cl.verdict)
    cat = load_claim_catalogue()
    # the Monitor's and the profile statements' kinds render in test_claims_kinds.py
    assert set(seen) == set(cat.kinds) - set(MONITOR_KINDS) - set(PROFILE_KINDS)


def test_claims_round_trip_and_recompute(tmp_path: Path) -> None:
    data = make_data(growth={"HIC": 1.0})
    sc = standard_claims(data, n_boot=300)
    path = tmp_path / "claims.json"
    sc.claims.write(path)
    back = ClaimSet.read(path)
    assert set(back.claims) == set(sc.claims.claims)
    for cid, cl in sc.claims.claims.items():
        assert back[cid].text == cl.text
        again = recompute(data, back[cid])
        assert again is not None and again.text == cl.text


def test_catalogue_rejects_wording_that_misses_a_verdict() -> None:
    raw: dict[str, Any] = {
        "kinds": {
            "x": {
                "quantity": "q",
                "test": "t",
                "verdict": "interval_sign",
                "wording": {"up": "u", "down": "d"},
            }
        }
    }
    with pytest.raises(ValueError, match="no_clear_change"):
        ClaimCatalogue.model_validate(raw)
    for rule, verdicts in RULE_VERDICTS.items():
        assert verdicts, rule


def test_duplicate_ids_with_different_content_are_refused() -> None:
    cs = ClaimSet()
    cs.add(Claim(id="a", kind="change_count", subject="i", value=1.0, params={"improved": 1}))
    with pytest.raises(ValueError, match="share the id"):
        cs.add(Claim(id="a", kind="change_count", subject="i", value=2.0))


def test_holm() -> None:
    assert holm([0.001, 0.03, 0.04]) == [True, False, False]
    assert holm([0.001, 0.01, 0.02]) == [True, True, True]


def test_docs_list_every_claim_kind() -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "claims.md").read_text("utf-8")
    assert catalogue_markdown() in docs, "regenerate docs/claims.md (see its first lines)"
