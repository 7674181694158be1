"""Reproduce the UN E-Government Development Index 2024 from its three components."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from index_helpers import EGDI, REPO

from aicap.index import Framework, Recipe, build

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not EGDI.is_file(), reason=f"EGDI data not at {EGDI}"),
]


@pytest.fixture(scope="module")
def egdi() -> tuple[pd.DataFrame, pd.DataFrame]:
    raw = pd.read_csv(EGDI)
    data = pd.DataFrame(
        {
            "uCode": raw["Country"].str.strip(),
            "OSI": raw["Online_Service"],
            "HCI": raw["Human_Capital"],
            "TII": raw["Tele_Infra"],
        }
    )
    fw = Framework.from_yaml((REPO / "examples/egdi/framework.yaml").read_text(), "egdi fw")
    rec = Recipe.from_yaml((REPO / "examples/egdi/recipe.yaml").read_text(), "egdi recipe")
    comp = build(fw, data, rec, "EGOV_DATA_2024.csv")
    published = raw.assign(uCode=raw["Country"].str.strip()).set_index("uCode")
    ours = comp.scores[["EGDI"]].assign(EGDI_rank=comp.ranks()["EGDI"])
    return ours, published.loc[ours.index]


def test_egdi_is_the_mean_of_the_components(egdi: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    ours, pub = egdi
    assert len(ours) == 193
    expected = (pub["Online_Service"] + pub["Human_Capital"] + pub["Tele_Infra"]) / 3
    np.testing.assert_allclose(ours["EGDI"], expected, rtol=0, atol=1e-15)


def test_egdi_matches_published_within_component_precision(
    egdi: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    """The published components are themselves rounded to 5 decimals (and differ from the
    unrounded values UN DESA averaged by up to ~4e-5: 3 x EGDI - sum of components reaches
    11e-5), so the 5th decimal of EGDI cannot be recovered for every country. The engine is
    within 4e-5 of every published value, without bias, and any other weighting is not."""
    ours, pub = egdi
    diff = ours["EGDI"] - pub["E_Index"]
    assert diff.abs().max() < 4e-5
    assert abs(diff.mean()) < 3e-6
    exact = int((np.round(ours["EGDI"], 5) == pub["E_Index"]).sum())
    assert exact >= 40  # measured: 40 of 193 agree to all 5 published decimals
    unequal = 0.4 * pub["Online_Service"] + 0.3 * pub["Human_Capital"] + 0.3 * pub["Tele_Infra"]
    assert (unequal - pub["E_Index"]).abs().max() > 1e-3


def test_egdi_ranks_match_published(egdi: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    ours, pub = egdi
    mismatch = ours.index[ours["EGDI_rank"].to_numpy() != pub["Rank"].to_numpy()]
    # the one difference is a tie in the rounded components (Kiribati and Iraq both average
    # 0.45721); published EGDI, computed before rounding, separates them
    assert list(mismatch) == ["Iraq"]
    tied = ours.loc[["Kiribati", "Iraq"], "EGDI"].to_numpy()
    assert tied[0] == pytest.approx(tied[1], abs=1e-12)
