"""Reproduce the UNDP HDI for every year of the HDR 2023/24 time series (1990-2022).

    python examples/hdi/reproduce.py \
        ../shared/data/raw/undp_hdr/HDR23-24_Composite_indices_complete_time_series.csv

prints, per year, how many published HDI values the recipe reproduces at 3 decimals.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from aicap.index import Composite, Framework, Recipe, build

HERE = Path(__file__).resolve().parent
YEARS = range(1990, 2023)
COMPONENTS = ("le", "eys", "mys", "gnipc")


def load(csv: Path) -> pd.DataFrame:
    """The HDR file's countries (aggregates, whose iso3 starts with ZZ, left out)."""
    raw = pd.read_csv(csv, encoding="utf-8-sig")
    return raw[~raw["iso3"].str.startswith("ZZ")].reset_index(drop=True)


def build_year(raw: pd.DataFrame, year: int) -> Composite:
    fw = Framework.from_yaml((HERE / "framework.yaml").read_text(), "hdi/framework.yaml")
    rec = Recipe.from_yaml((HERE / "recipe.yaml").read_text(), "hdi/recipe.yaml")
    data = pd.DataFrame({"uCode": raw["iso3"], **{c: raw[f"{c}_{year}"] for c in COMPONENTS}})
    return build(fw, data, rec, f"HDR {year}")


def compare(raw: pd.DataFrame) -> pd.DataFrame:
    """Per year: published values, how many match at 3 dp, max |difference|, the units whose
    HDI the recipe leaves missing (flagged) and how many of those the UNDP publishes."""
    rows = []
    for year in YEARS:
        comp = build_year(raw, year)
        ours = comp.scores["HDI"].reindex(raw["iso3"]).to_numpy(dtype=np.float64)
        pub = raw[f"hdi_{year}"].to_numpy(dtype=np.float64)
        has = ~np.isnan(pub)
        both = has & ~np.isnan(ours)
        f = comp.flags
        flagged = sorted(set(f.loc[f["flag"] == "nonpositive:gmean", "uCode"]))
        rows.append(
            {
                "year": year,
                "published": int(has.sum()),
                "computed": int((~np.isnan(ours)).sum()),
                "match_3dp": int((np.round(ours[both], 3) == pub[both]).sum()),
                "max_abs_diff": float(np.abs(ours[both] - pub[both]).max()),
                "published_not_computed": int((has & np.isnan(ours)).sum()),
                "computed_not_published": int((~has & ~np.isnan(ours)).sum()),
                "zero_dimension": ",".join(flagged),
            }
        )
    return pd.DataFrame(rows)


if __name__ == "__main__":
    table = compare(load(Path(sys.argv[1])))
    print(table.to_string(index=False))
