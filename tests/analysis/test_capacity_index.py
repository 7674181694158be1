"""Scoring all 193 Member States: a row for each, missing pillars named, value years and flags,
fixed goalposts (no dependence on other countries), a series stable when a year is added."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from capacity_helpers import index, inputs, spec

from aicap.analysis.capacity_index import (
    STATUS_INSUFFICIENT,
    STATUS_SCORED,
    index_from_inputs,
    score_year,
)
from aicap.analysis.spec import INDEX_CODE, apply_transform
from aicap.warehouse.read import Warehouse


def test_every_member_state_has_exactly_one_row_every_year(full_warehouse: Path) -> None:
    members = sorted(Warehouse(full_warehouse).member_states())
    assert len(members) == 193
    idx = index(full_warehouse)
    assert min(idx.years) == spec().series.start
    for year, ys in idx.years.items():
        res = ys.results
        assert sorted(res["iso3"]) == members, year
        assert set(res["status"]) <= {STATUS_SCORED, STATUS_INSUFFICIENT}
        assert (res["year"] == year).all()
    latest = idx.latest.results
    assert (latest["status"] == STATUS_SCORED).sum() >= 150


def test_insufficient_rows_list_their_missing_pillars(full_warehouse: Path) -> None:
    res = index(full_warehouse).latest.results
    pillars = spec().pillar_codes
    for r in res.to_dict(orient="records"):
        nan = [p for p in pillars if pd.isna(r[p])]
        listed = [p for p in str(r["missing_pillars"]).split(",") if p]
        assert listed == nan
        if r["status"] == STATUS_SCORED:
            assert not nan and np.isfinite(r["score"]) and r["rank"] >= 1
        else:
            assert nan and pd.isna(r["score"]) and pd.isna(r["rank"])


def test_a_missing_pillar_follows_the_pillar_threshold(full_warehouse: Path) -> None:
    ys = index(full_warehouse).latest
    s = spec()
    cells = ys.cells
    for p in s.pillars:
        have = (
            cells[(cells["pillar"] == p.code)]
            .assign(ok=lambda d: d["value_year"].notna())
            .groupby("iso3")["ok"]
            .mean()
        )
        expected_missing = set(have.index[have < p.dat_thresh])
        got = set(ys.results.loc[ys.results[p.code].isna(), "iso3"])
        assert got == expected_missing, p.code


def test_cells_carry_their_year_and_flags(full_warehouse: Path) -> None:
    s = spec()
    ys = index(full_warehouse).latest
    c = ys.cells
    assert len(c) == 193 * len(s.indicators)
    have = c["value_year"].notna()
    assert (c.loc[have, "value_year"] <= ys.year).all()
    ages = c.loc[have].apply(lambda r: s.max_age(s.indicator(r["indicator"])) - r["age"], axis=1)
    assert (ages >= 0).all()
    carried = c["flags"].str.contains("carried:")
    assert (carried == (have & (c["value_year"] < ys.year))).all()
    assert c.loc[~have, "flags"].str.contains("missing").all()
    assert c.loc[~have, "normalised"].isna().all()
    # the engine used exactly the value of the recorded year, transformed
    for code in ("articles", "income", "secure_servers"):
        sub = c[(c["indicator"] == code) & have]
        ind = s.indicator(code)
        np.testing.assert_allclose(
            apply_transform(sub["value"].to_numpy(float), ind.transform),
            sub["transformed"].to_numpy(float),
        )
    # goalposts: normalised = clip((t - lo) / (hi - lo)) * 100
    for ind in s.indicators:
        sub = c[(c["indicator"] == ind.code) & have]
        lo, hi = s.transformed_goalposts(ind)
        expect = np.clip((sub["transformed"] - lo) / (hi - lo), 0, 1) * 100
        np.testing.assert_allclose(sub["normalised"], expect, atol=1e-9)
        trunc = sub["flags"].str.contains("truncated")
        assert (trunc == ((sub["transformed"] < lo) | (sub["transformed"] > hi))).all()


def test_the_score_is_the_weighted_mean_of_the_pillars(full_warehouse: Path) -> None:
    s = spec()
    res = index(full_warehouse).latest.results
    scored = res[res["status"] == STATUS_SCORED]
    w = np.array([next(g.weight for g in s.groups if g.code == p.group) for p in s.pillars])
    w = w / np.array([sum(1 for q in s.pillars if q.group == p.group) for p in s.pillars])
    expect = scored[s.pillar_codes].to_numpy(float) @ w / w.sum()
    np.testing.assert_allclose(scored["score"], expect, atol=1e-9)


def test_goalposts_are_fixed_other_countries_data_do_not_change_a_score(
    full_warehouse: Path,
) -> None:
    """Scale and thin out every other country's data: KEN's and DEU's scores do not move."""
    base = inputs(full_warehouse)
    year = index(full_warehouse).end
    keep = {"KEN", "DEU"}
    v = base.values.copy()
    others = ~v["iso3"].isin(keep)
    rng = np.random.default_rng(0)
    v.loc[others, "tvalue"] = v.loc[others, "tvalue"] * rng.uniform(0.2, 3.0, others.sum())
    v = v.drop(index=v.index[others & (rng.random(len(v)) < 0.3)])
    changed = dataclasses.replace(base, values=v)
    a = score_year(base, year).results.set_index("iso3")
    b = score_year(changed, year).results.set_index("iso3")
    cols = ["score", *spec().pillar_codes]
    pd.testing.assert_frame_equal(a.loc[sorted(keep), cols], b.loc[sorted(keep), cols])
    assert not a.loc[~a.index.isin(keep), "score"].equals(b.loc[~b.index.isin(keep), "score"])


def test_adding_a_year_leaves_earlier_years_unchanged(full_warehouse: Path) -> None:
    base = inputs(full_warehouse)
    full = index(full_warehouse)
    end = full.end
    shorter = index_from_inputs(base, end=end - 1)
    assert sorted(shorter.years) == sorted(full.years)[:-1]
    for y in shorter.years:
        pd.testing.assert_frame_equal(shorter.years[y].results, full.years[y].results)
    # values observed after year t never enter year t
    cut = dataclasses.replace(base, values=base.values[base.values["year"] < end])
    pd.testing.assert_frame_equal(score_year(cut, end - 1).results, full.years[end - 1].results)


def test_series_shows_change_on_fixed_goalposts(full_warehouse: Path) -> None:
    series = index(full_warehouse).series
    wide = series.pivot(index="iso3", columns="year", values="score")
    first, last = wide.columns.min(), wide.columns.max()
    both = wide[[first, last]].dropna()
    assert len(both) >= 150
    # connectivity has grown nearly everywhere since 2015 on fixed goalposts
    conn = series.pivot(index="iso3", columns="year", values="CONN")[[first, last]].dropna()
    assert (conn[last] > conn[first]).mean() > 0.8
    assert INDEX_CODE == "AICAP"


@pytest.mark.parametrize("code", ["notable_models"])
def test_zero_fill_is_flagged_not_hidden(full_warehouse: Path, code: str) -> None:
    c = index(full_warehouse).latest.cells
    sub = c[c["indicator"] == code]
    # a value (possibly 0) for every Member State, or a zero the framework's rule does not
    # count (fewer than two other research indicators): missing, and flagged as such
    uncounted = sub["flags"].str.contains("missing:not_listed")
    assert sub.loc[~uncounted, "value_year"].notna().all()
    assert sub.loc[uncounted, "value"].isna().all() and uncounted.sum() > 10
    zero = sub["flags"].str.contains("zero:not_listed")
    assert (sub.loc[zero, "value"] == 0).all() and zero.sum() > 100
    assert (sub.loc[~zero & ~uncounted, "value"] > 0).all()


def test_notable_models_read_epochs_december_2025_release(full_warehouse: Path) -> None:
    """The index reads the December 2025 release (models to 2025-11-24), not the April one: the
    latest five-year sum of a country equals its December fractional counts summed."""
    wh = Warehouse(full_warehouse)
    ind = spec().indicator("notable_models")
    meta = wh.indicators().set_index("code")
    assert meta.loc[ind.series, "source_id"] == "epoch_ai_models_2025_12"
    latest = index(full_warehouse).latest
    dec = wh.panel([ind.series], countries=["USA", "GBR"])
    cells = latest.cells.set_index(["iso3", "indicator"])
    for iso in ("USA", "GBR"):
        window = dec[(dec["iso3"] == iso) & dec["year"].between(latest.year - 4, latest.year)]
        assert cells.loc[(iso, "notable_models"), "value"] == pytest.approx(window["value"].sum())
    april = wh.panel(["EPOCH.NOTABLE.NFRAC"], countries=["USA"])
    assert (
        april[april["year"] == 2025]["value"].sum()
        < dec[(dec["iso3"] == "USA") & (dec["year"] == 2025)]["value"].sum()
    )
