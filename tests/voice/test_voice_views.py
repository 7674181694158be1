"""The two views on synthetic data where the truth is known: the national view is exactly
the index recomputed with the accepted value in place (and nothing else moves), the default
view is untouched, an unscored country enters the national view, and correction rules
exclude or correct a value."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from voice_helpers import value_of

from aicap.analysis.spec import apply_transform
from aicap.analysis.voice.data import VoiceData
from aicap.analysis.voice.views import Views, overlay, score_view


def _sub(sid: int, iso3: str, series: str, value: float, code: str, year: int = 2024) -> dict:
    return {
        "id": sid,
        "version": 3,
        "country_iso3": iso3,
        "series": series,
        "indicator": code,
        "year": year,
        "value": value,
        "unit": "u",
    }


def _norm(vd: VoiceData, code: str, x: float) -> float:
    ind = vd.indicator(code)
    assert ind is not None
    lo, hi = vd.spec.transformed_goalposts(ind)
    t = float(apply_transform(np.array([x]), ind.transform)[0])
    return float(np.clip((t - lo) / (hi - lo), 0, 1) * 100)


def test_overlay_never_touches_the_warehouse_frame_and_records_provenance(vd: VoiceData) -> None:
    before = vd.raw.copy()
    s = _sub(7, "AAA", "OWID.INTERNET_USERS", 60.0, "internet_use")
    out = overlay(vd.raw, [s])
    pd.testing.assert_frame_equal(vd.raw, before)  # the international panel is unchanged
    row = out[(out["iso3"] == "AAA") & (out["indicator"] == "OWID.INTERNET_USERS")]
    assert row.loc[row["year"] == 2024, "value"].tolist() == [60.0]
    assert row.loc[row["year"] == 2024, "provenance"].tolist() == ["national submission #7"]
    assert len(out) == len(vd.raw)  # replaced, not added
    new = overlay(vd.raw, [_sub(8, "AAA", "OWID.INTERNET_USERS", 61.0, "internet_use", 2025)])
    assert len(new) == len(vd.raw) + 1


def test_national_view_changes_exactly_as_expected(vd: VoiceData, views: Views) -> None:
    old = value_of(vd, "AAA", "internet_use")
    s = _sub(1, "AAA", "OWID.INTERNET_USERS", 60.0, "internet_use")
    intl, _ = views.results([], [])
    nat, cells = views.results([s], [])
    # the default view is the international one, unchanged by any submission
    assert views.view("international", [s], []).equals(intl)
    # the national view is the index recomputed with the value in place, nothing else
    edited = vd.raw.copy()
    hit = (
        (edited["iso3"] == "AAA")
        & (edited["indicator"] == "OWID.INTERNET_USERS")
        & (edited["year"] == 2024)
    )
    edited.loc[hit, "value"] = 60.0
    direct, _ = score_view(vd, edited)
    pd.testing.assert_series_equal(nat["score"], direct["score"])
    # the cell, its pillar and the score move by exactly what the goalposts say
    cell = cells[(cells["iso3"] == "AAA") & (cells["indicator"] == "internet_use")].iloc[0]
    assert cell["normalised"] == pytest.approx(_norm(vd, "internet_use", 60.0))
    d_norm = _norm(vd, "internet_use", 60.0) - _norm(vd, "internet_use", old)
    n_conn = len(vd.spec.indicators_of("CONN"))
    d_conn = nat.loc["AAA", "CONN"] - intl.loc["AAA", "CONN"]
    assert d_conn == pytest.approx(d_norm / n_conn)
    assert nat.loc["AAA", "score"] - intl.loc["AAA", "score"] == pytest.approx(d_conn / 7)
    # other countries keep their scores; AAA (last of the scored) passes BBB only if its
    # score now exceeds BBB's
    others = [i for i in intl.index if i != "AAA"]
    pd.testing.assert_series_equal(nat.loc[others, "score"], intl.loc[others, "score"])
    passed = nat.loc["AAA", "score"] > intl.loc["BBB", "score"]
    assert int(nat.loc["AAA", "rank"]) == int(intl.loc["AAA", "rank"]) - int(passed)
    # the per-submission difference the profile shows
    c = views.country("AAA", [s], [])
    assert c["each"][0]["score"] == pytest.approx(
        round(nat.loc["AAA", "score"], 2) - round(intl.loc["AAA", "score"], 2), abs=0.011
    )
    assert c["change"]["rank"] == int(nat.loc["AAA", "rank"]) - int(intl.loc["AAA", "rank"])
    assert c["international"]["tier"] == int(intl.loc["AAA", "tier"])


def test_each_submission_alone_and_together(vd: VoiceData, views: Views) -> None:
    a = _sub(1, "AAA", "OWID.INTERNET_USERS", 60.0, "internet_use")
    b = _sub(2, "AAA", "HDR.MYS", 12.0, "mean_schooling")
    c = views.country("AAA", [a, b], [])
    alone = {e["submission"]: e["score"] for e in c["each"]}
    both = c["change"]["score"]
    assert alone[1] > 0 and alone[2] > 0
    # different pillars, arithmetic means: the changes add up (to rounding)
    assert both == pytest.approx(alone[1] + alone[2], abs=0.02)


def test_an_unscored_country_enters_the_national_view(vd: VoiceData, views: Views) -> None:
    econ = [i for i in vd.spec.indicators if i.pillar == "ECON"]
    subs = []
    for k, ind in enumerate(econ):
        lo, hi = ind.goalposts.lower, ind.goalposts.upper
        subs.append(_sub(10 + k, "ZZZ", ind.series, lo + 0.5 * (hi - lo), ind.code))
    c = views.country("ZZZ", subs, [])
    assert c["international"]["status"] == "insufficient_data"
    assert c["international"]["score"] is None and c["international"]["rank"] is None
    assert c["national"]["status"] == "scored" and c["national"]["score"] is not None
    assert c["change"]["enters_index"] is True
    assert c["n_scored"] == {"international": 11, "national": 12}


def test_correction_rules_exclude_or_correct_a_value(vd: VoiceData, views: Views) -> None:
    intl, _ = views.results([], [])
    old = value_of(vd, "CCC", "internet_use")
    base = {"report_id": 1, "country_iso3": "CCC", "series": "OWID.INTERNET_USERS"}
    fix = {**base, "id": 1, "year": 2024, "action": "correct", "value": old + 20}
    res, cells = views.results([], [fix])
    assert res.loc["CCC", "score"] > intl.loc["CCC", "score"]
    cell = cells[(cells["iso3"] == "CCC") & (cells["indicator"] == "internet_use")].iloc[0]
    assert cell["normalised"] == pytest.approx(_norm(vd, "internet_use", old + 20))
    # excluding 2024 carries the 2023 value forward (the same here): flagged as carried
    drop = {**base, "id": 2, "year": 2024, "action": "exclude", "value": None}
    _, cells = views.results([], [drop])
    cell = cells[(cells["iso3"] == "CCC") & (cells["indicator"] == "internet_use")].iloc[0]
    assert int(cell["value_year"]) == 2023 and "carried:2023" in cell["flags"]
