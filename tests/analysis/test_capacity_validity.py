"""Validity: Spearman with the IMF AIPI and Oxford GAIRI, computed, with CI and explanations."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from capacity_helpers import index, shipped, spec
from scipy import stats

from aicap.analysis.validity import correlate, spearman_ci
from aicap.warehouse.read import Warehouse


def test_spearman_ci_brackets_rho_and_narrows_with_n() -> None:
    lo, hi = spearman_ci(0.8, 50)
    assert -1 < lo < 0.8 < hi < 1
    lo2, hi2 = spearman_ci(0.8, 500)
    assert hi2 - lo2 < hi - lo


def test_correlate_on_synthetic_data_matches_scipy() -> None:
    rng = np.random.default_rng(3)
    n = 60
    iso = [f"C{i:02d}" for i in range(n)]
    pillars = ["P1", "P2"]
    x = rng.normal(size=(n, 2))
    res = pd.DataFrame({"iso3": iso, "status": "scored", "P1": x[:, 0], "P2": x[:, 1]})
    res["score"] = x.mean(axis=1)
    res.loc[0, "status"] = "insufficient_data"
    target = pd.Series(res["score"].to_numpy() + rng.normal(0, 0.5, n), index=iso).iloc[5:]
    c = correlate(res, target, pillars, target_code="T", target_name="t", year=2023)
    common = [i for i in iso[5:]]
    rho, _ = stats.spearmanr(res.set_index("iso3").loc[common, "score"], target.loc[common])
    assert c.n == n - 5 and abs(c.rho - rho) < 1e-12
    assert c.ci_low < c.rho < c.ci_high
    d = c.disagreements
    assert len(d) == 10
    assert (d["difference_pct"].iloc[:5] < 0).all() and (d["difference_pct"].iloc[5:] > 0).all()


def test_validity_of_the_shipped_index(full_warehouse: Path) -> None:
    run = shipped(full_warehouse)
    wh = Warehouse(full_warehouse)
    assert [c.target for c in run.validity] == [t.series for t in spec().validation_targets]
    for c in run.validity:
        target = wh.panel([c.target], years=[c.year]).set_index("iso3")["value"]
        res = index(full_warehouse).years[c.year].results
        res = res[res["status"] == "scored"].set_index("iso3")["score"]
        common = res.index.intersection(target.index)
        rho, _ = stats.spearmanr(res.loc[common], target.loc[common])
        assert c.n == len(common) and abs(c.rho - rho) < 1e-12
        assert c.ci_low < c.rho < c.ci_high
        assert c.rho > 0.5  # reported, not tuned; a sign error or misalignment would fail here
        assert len(c.disagreements) == 10
        assert c.disagreements["drivers"].str.len().gt(0).all()
