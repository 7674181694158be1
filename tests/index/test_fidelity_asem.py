"""Engine fidelity (issue 22) on COINr's ASEM example: strengths and weaknesses as COINr's
``get_str_weak``, audit options, and full-precision parity of every registered method."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from index_helpers import (
    asem_fixture,  # noqa: F401 (the asem fixture)
)

from aicap.index import Composite, audit

pytestmark = pytest.mark.slow


def coinr_str_weak(
    comp: Composite, dset: str, usel: str, top_n: int = 5, adjust: bool | None = None
) -> tuple[list[str], list[str]]:
    """A line-by-line transcription of COINr 1.1.14's ``get_str_weak`` (R/results.R)."""
    data = comp.stage(dset)
    codes = [c for c in comp.framework.tree.indicators if c in data.columns]
    scrs = data[codes].copy()
    if adjust is None:
        adjust = dset == "raw"
    if adjust:
        d = dict(zip(comp.framework.tree.indicators, comp.framework.tree.directions(), strict=True))
        scrs = scrs * pd.Series({c: d[c] for c in codes})
    rnks = (-scrs).rank(method="min", na_option="keep")  # rank(-x, ties = "min")
    row = rnks.loc[usel].dropna()
    row = row[row != rnks[row.index].max()]  # min_discard
    row = row.iloc[np.argsort(row.to_numpy(), kind="stable")]  # order()
    return list(row.index[:top_n]), list(row.index[len(row) - top_n :])


@pytest.mark.parametrize("stage", ["raw", "treated", "normalised"])
def test_strengths_weaknesses_match_coinr_for_every_unit(asem: Composite, stage: str) -> None:
    sw = audit.strengths_weaknesses(asem, stage=stage)  # normalised: directions already in
    for unit in asem.stage(stage).index:
        s_ref, w_ref = coinr_str_weak(asem, stage, unit, adjust=stage != "normalised")
        mine = sw[sw["uCode"] == unit]
        assert list(mine[mine["Type"] == "strength"]["iCode"]) == s_ref, unit
        assert list(mine[mine["Type"] == "weakness"]["iCode"]) == w_ref[::-1], unit


def test_directions_are_applied_before_normalisation(asem: Composite) -> None:
    """GBR on the raw data: with directions (the default before normalising) the weaknesses
    are COINr's; ignoring them turns 'lower is better' indicators upside down."""
    for stage in ("raw", "treated"):
        sw = audit.strengths_weaknesses(asem, stage=stage)
        gbr = sw[(sw["uCode"] == "GBR") & (sw["Type"] == "weakness")]
        _, w_ref = coinr_str_weak(asem, stage, "GBR", adjust=True)
        assert set(gbr["iCode"]) == set(w_ref)
        raw = gbr.merge(
            asem.stage(stage).loc[["GBR"]].T.reset_index(), left_on="iCode", right_on="index"
        )
        np.testing.assert_array_equal(raw["Value"], raw["GBR"])  # values as in the stage
    off = audit.strengths_weaknesses(asem, stage="raw", adjust_direction=False)
    gbr_off = set(off[(off["uCode"] == "GBR") & (off["Type"] == "weakness")]["iCode"])
    assert gbr_off != set(w_ref)


# ------------------------------------------------------------------ 7. audit
def test_cronbach_alpha_over_any_groups_elements_at_any_level(asem: Composite) -> None:
    from aicap.index.stats import nanstd

    def alpha(x: np.ndarray) -> float:
        k = x.shape[1]
        return float(k / (k - 1) * (1 - (nanstd(x) ** 2).sum() / x.sum(axis=1).var(ddof=1)))

    norm = asem.stages["normalised"]
    every = audit.cronbach_alpha(asem).set_index("Group")
    assert every.loc["Index", "k"] == 49  # all indicators under the index, not direct children
    assert every.loc["Index", "Alpha"] == pytest.approx(alpha(norm.to_numpy()))
    sust = asem.framework.tree.descendants("Sust")
    one = audit.cronbach_alpha(asem, group="Sust").set_index("Group")
    assert list(one.index) == ["Sust"] and one.loc["Sust", "k"] == len(sust)
    assert one.loc["Sust", "Alpha"] == pytest.approx(alpha(norm[sust].to_numpy()))
    agg = asem.stages["aggregated"]
    pillars = audit.cronbach_alpha(asem, stage="aggregated", level=2, group="Conn")
    kids = asem.framework.tree.children("Conn")
    assert pillars["Alpha"].iloc[0] == pytest.approx(alpha(agg[kids].to_numpy()))


def test_a_stage_without_the_level_is_an_error(asem: Composite) -> None:
    from aicap.index import ValidationError

    with pytest.raises(ValidationError, match=r"stage 'normalised', level 2: .*no elements"):
        audit.cronbach_alpha(asem, stage="normalised", level=2)
    with pytest.raises(ValidationError, match="no elements at level 3"):
        audit.correlations(asem, stage="treated", level_a=1, level_b=3)
    with pytest.raises(ValidationError, match="no elements at level 2"):
        audit.pca(asem, stage="normalised", level=2)


def test_correlations_blank_insignificant_pairs_on_request(asem: Composite) -> None:
    from scipy import stats as sps

    full = audit.correlations(asem, stage="normalised")
    masked = audit.correlations(asem, stage="normalised", pval=0.05)
    x = asem.stages["normalised"]
    n_blank = 0
    for a in ["Goods", "Gas", "LPI", "Renew"]:
        for b in full.columns:
            r, p = sps.pearsonr(x[a], x[b]) if a != b else (1.0, 0.0)
            assert full.loc[a, b] == pytest.approx(r)
            if p > 0.05:
                assert np.isnan(masked.loc[a, b])
                n_blank += 1
            else:
                assert masked.loc[a, b] == pytest.approx(r)
    assert n_blank > 0 and not full.isna().any().any()
    sp = audit.correlations(asem, stage="normalised", method="kendall", pval=0.05)
    assert sp.isna().any().any()


def test_treatment_details(asem: Composite) -> None:
    from aicap.index.stats import kurt, skew

    t = audit.treatment(asem).set_index("iCode")
    assert len(t) == 49 and t.loc["Gas", "Winsorised"] == 3 and not t.loc["Gas", "Pass.0"]
    after = asem.stages["treated"]["Gas"].to_numpy()[:, None]
    assert t.loc["Gas", "Skew.1"] == pytest.approx(skew(after)[0])
    assert t.loc["Gas", "Kurt.1"] == pytest.approx(kurt(after)[0])
    one = audit.treatment(asem.rebuild({"treat": {"params": {"winmax": 1}}})).set_index("iCode")
    fell = one[one["Fallback"] != ""]
    assert len(fell) > 0 and set(fell["Fallback"]) == {"log_CT"}
    assert (fell["WinsorisedBeforeFallback"] == 1).all() and (fell["Winsorised"] == 0).all()
    assert (one.loc[one["Fallback"] == "", "WinsorisedBeforeFallback"] == 0).all()


def test_the_audit_report_has_the_treatment_details(asem: Composite) -> None:
    from aicap.index.report import audit_report

    md = audit_report(asem.rebuild({"treat": {"params": {"winmax": 1}}}))
    section = md.split("## Outlier treatment")[1].split("\n## ")[0]
    assert "WinsorisedBeforeFallback" in section and "log_CT" in section
    assert "| Gas |" in section
