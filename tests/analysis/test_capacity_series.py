"""Change over time: like-for-like comparison, noise threshold, who improved, who fell behind."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from capacity_helpers import index, spec

from aicap.analysis.series import classify_changes, comparable_scores, trend_noise


def test_trend_noise_is_the_scatter_around_each_line() -> None:
    years = list(range(2015, 2025))
    line = pd.DataFrame([[2.0 * (y - 2015) + 10 for y in years]] * 3, columns=years)
    assert trend_noise(line) < 1e-9
    rng = np.random.default_rng(0)
    noisy = line + rng.normal(0, 1.5, line.shape)
    assert 0.8 < trend_noise(noisy) < 2.5


def test_comparable_scores_equal_the_index_where_nothing_drops_out(full_warehouse: Path) -> None:
    idx = index(full_warehouse)
    years = [2019, 2020, 2021]  # after the secure-servers method break of 2018
    comps = {y: idx.years[y].composite for y in years}
    comp = comparable_scores(comps, spec())
    # a country with the same indicators in every year: comparable == published score
    norm = [comps[y].stage("normalised") for y in years]
    same = [
        u
        for u in norm[0].index
        if all((n.loc[u].notna() == norm[0].loc[u].notna()).all() for n in norm)
    ]
    complete = [u for u in same if u in comp.index and comp.loc[u].notna().all()]
    assert len(complete) > 50
    changed = [u for u in norm[0].index if u not in same and comp.loc[u].notna().all()]
    assert changed  # and for the others the comparison is restricted, so it differs somewhere
    for y in years:
        res = idx.years[y].results.set_index("iso3")["score"]
        np.testing.assert_allclose(comp.loc[complete, y], res.loc[complete], atol=1e-9)


def test_changes_use_the_noise_threshold(full_warehouse: Path) -> None:
    idx = index(full_warehouse)
    # from 2018: over 2015-2025 no DATA indicator is comparable (secure servers break in 2018,
    # statistical capacity stops, the Online Service Index starts in 2024), so no country is
    comps = {y: ys.composite for y, ys in idx.years.items() if y >= 2018}
    ch = classify_changes(comps, spec())
    assert np.isfinite(ch.noise) and ch.noise > 0
    assert ch.threshold == spec().series.change_noise_z * ch.noise * np.sqrt(2)
    t = ch.changes
    assert len(t) == 193
    ok = t[t["direction"] != "not_comparable"]
    assert len(ok) >= 150
    assert (ok.loc[ok["direction"] == "improved", "change"] > ch.threshold).all()
    assert (ok.loc[ok["direction"] == "declined", "change"] < -ch.threshold).all()
    assert (ok.loc[ok["direction"] == "stable", "change"].abs() <= ch.threshold).all()
    assert (ok.loc[ok["relative"] == "fell_behind", "change_vs_median"] < -ch.threshold).all()
    np.testing.assert_allclose(ok["change"], ok["score_end"] - ok["score_start"], atol=1e-12)
    assert (t.loc[t["direction"] == "not_comparable", "change"].isna()).all()
