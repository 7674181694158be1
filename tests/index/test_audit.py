"""Statistical audit, checked against direct computations and full rebuilds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from index_helpers import asem_fixture  # noqa: F401 (the asem fixture)
from scipy import stats as sps

from aicap.index import Composite, audit
from aicap.index.report import audit_report


def test_indicator_stats_and_flags(asem: Composite) -> None:
    den = asem.stages["denominated"]
    st = audit.indicator_stats(den).set_index("iCode")
    col = den["Gas"].dropna()
    assert st.loc["Gas", "N.Avail"] == len(col) == 50
    assert st.loc["Gas", "Skew"] == pytest.approx(sps.skew(col, bias=False))
    assert st.loc["Gas", "Kurt"] == pytest.approx(sps.kurtosis(col, bias=False))
    assert st.loc["Gas", "Flag.SkewKurt"] == "OUT"
    assert st.loc["TIRcon", "N.Unique"] == 2 and st.loc["TIRcon", "Flag.Unique"] == "LOW"
    assert st.loc["TIRcon", "N.Same"] == den["TIRcon"].value_counts().max()
    assert st.loc["LPI", "Flag.SkewKurt"] == "ok" and st.loc["LPI", "Flag.Avail"] == "ok"


def test_cronbach_alpha_matches_definition(asem: Composite) -> None:
    norm = asem.stages["normalised"]
    kids = asem.framework.tree.children("Political")
    x = norm[kids].to_numpy()
    k = len(kids)
    total_var = x.sum(axis=1).var(ddof=1)
    expected = k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / total_var)
    got = audit.cronbach_alpha(asem).set_index("Group").loc["Political", "Alpha"]
    assert got == pytest.approx(expected)


def test_remove_elements_equals_rebuild_with_zero_weight(asem: Composite) -> None:
    change, summary = audit.remove_elements(asem, level=1)
    assert change.shape == (51, 49)
    rebuilt = asem.rebuild({"weight": {"method": "explicit", "params": {"weights": {"Gas": 0}}}})
    assert rebuilt.computed == ("weight", "aggregate")
    expected = asem.ranks()["Index"] - rebuilt.ranks()["Index"]
    np.testing.assert_array_equal(change["Gas"].to_numpy(), expected.to_numpy())
    assert (summary["MeanAbsRankChange"] >= 0).all()
    # aggregate level too
    change2, _ = audit.remove_elements(asem, level=2)
    assert list(change2.columns) == [
        c for c in asem.framework.tree.codes if asem.framework.tree.level_of[c] == 2
    ]


def test_pca_and_correlations(asem: Composite) -> None:
    var, load = audit.pca(asem)
    for _, grp in var.groupby("Group"):
        assert grp["VarExplained"].sum() == pytest.approx(1.0)
        assert grp["VarExplained"].is_monotonic_decreasing
    assert set(load["Group"]) == {
        c for c in asem.framework.tree.aggregates if asem.framework.tree.level_of[c] == 2
    }
    flags = audit.correlation_flags(asem, high=0.9, low=-0.4)
    norm = asem.stages["normalised"]
    for row in flags.itertuples():
        r = norm[row.Ind1].corr(norm[row.Ind2])
        assert r == pytest.approx(row.Corr)
        assert (r > 0.9) or (r < -0.4)
    cm = audit.correlations(asem, "aggregated", 1, 4)
    assert cm.shape == (49, 1)
    pc = audit.parent_correlations(asem)
    assert len(pc) == 49 * 3 + 8 * 2 + 2


def test_strengths_weaknesses(asem: Composite) -> None:
    sw = audit.strengths_weaknesses(asem, top_n=3)
    aus = sw[sw["uCode"] == "AUS"]
    assert list(aus["Type"]) == ["strength"] * 3 + ["weakness"] * 3
    assert aus[aus["Type"] == "strength"]["Rank"].is_monotonic_increasing
    assert aus["Rank"].iloc[0] <= aus["Rank"].iloc[-1]


def test_report_has_every_section(asem: Composite) -> None:
    md = audit_report(asem)
    for heading in (
        "## Recipe",
        "## Per-cell flags",
        "## Indicator statistics",
        "## Correlation flags",
        "## Cronbach",
        "## PCA",
        "## Effective weights",
        "## Rank change",
        "## Results",
    ):
        assert heading in md
    assert "imputed:mean_group | 65" in md


def test_effective_weights_sum_to_one(asem: Composite) -> None:
    wt = asem.weights_table()
    assert isinstance(wt, pd.DataFrame)
    assert wt[wt["Level"] == 1]["EffWeight"].sum() == pytest.approx(1.0)
    assert wt.set_index("iCode").loc["LPI", "EffWeight"] == pytest.approx(1 / 8 / 5 / 2)
