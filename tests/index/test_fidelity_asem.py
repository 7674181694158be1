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
