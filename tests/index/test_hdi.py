"""The UNDP Human Development Index from the HDR 2023/24 file, every year 1990-2022
(examples/hdi: plain ln, goalposts in natural units, a zero dimension left missing)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest
from index_helpers import REPO, shared_dir

from aicap.index import ComputationError

HDR = shared_dir() / "data/raw/undp_hdr/HDR23-24_Composite_indices_complete_time_series.csv"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not HDR.is_file(), reason=f"HDR file not at {HDR}"),
]


def example() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "hdi_reproduce", REPO / "examples/hdi/reproduce.py"
    )
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def hdr() -> tuple[ModuleType, pd.DataFrame]:
    mod = example()
    return mod, mod.load(Path(HDR))


def test_every_published_hdi_is_reproduced_at_3dp(hdr: tuple[ModuleType, pd.DataFrame]) -> None:
    mod, raw = hdr
    table = mod.compare(raw).set_index("year")
    assert list(table.index) == list(range(1990, 2023))
    assert (table["match_3dp"] == table["published"]).all()
    assert (table["published_not_computed"] == 0).all()
    assert table["max_abs_diff"].max() <= 0.0005
    assert table.loc[2022, "published"] == 193
    # the UNDP publishes no HDI for Rwanda 1990-1994; 1990-1993 have every component
    assert table["computed_not_published"].to_dict() == {
        y: int(y in (1990, 1991, 1992, 1993)) for y in range(1990, 2023)
    }
    assert table.loc[1994, "zero_dimension"] == "RWA"  # life expectancy 14.1 < 20


def test_a_zero_dimension_stops_the_year_only_with_coinrs_behaviour(
    hdr: tuple[ModuleType, pd.DataFrame],
) -> None:
    mod, raw = hdr
    comp = mod.build_year(raw, 1994)
    assert np.isnan(comp.scores.loc["RWA", "HDI"])
    assert comp.scores.loc["RWA", "Income"] > 0  # the other dimensions are computed
    with pytest.raises(ComputationError, match="geometric mean of a zero"):
        comp.rebuild({"aggregate": {"levels": {3: {"method": "a_gmean"}}}})


def test_ln_not_log_ct_and_goalposts_in_natural_units(
    hdr: tuple[ModuleType, pd.DataFrame],
) -> None:
    mod, raw = hdr
    comp = mod.build_year(raw, 2022)
    pub = raw.set_index("iso3")["hdi_2022"]
    ours = comp.scores["HDI"]
    assert (np.round(ours, 3) == pub.loc[ours.index]).sum() == 193
    by_hand = comp.rebuild(
        {
            "normalise": {
                "params": {"transform_posts": False},
                "overrides": {"gnipc": {"params": {"goalposts": [np.log(100.0), np.log(75000.0)]}}},
            }
        }
    )
    np.testing.assert_allclose(by_hand.scores["HDI"], ours, rtol=0, atol=1e-15)
    unmapped = comp.rebuild({"normalise": {"params": {"transform_posts": False}}})
    assert (np.round(unmapped.scores["HDI"], 3) == pub.loc[ours.index]).sum() < 10  # measured 0
    log_ct = comp.rebuild(
        {
            "treat": {"overrides": {"gnipc": {"method": "log"}}},
            "normalise": {
                "params": {"transform_posts": False},
                "overrides": {"gnipc": {"params": {"goalposts": [np.log(100.0), np.log(75000.0)]}}},
            },
        }
    )
    assert (np.round(log_ct.scores["HDI"], 3) == pub.loc[ours.index]).sum() < 40  # measured 19
