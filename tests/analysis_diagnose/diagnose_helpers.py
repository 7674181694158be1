"""Synthetic inputs for the diagnosis, recommendation and briefing tests (imported as
``diagnose_helpers``): a small CapacityData whose answers are known by construction."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from aicap.analysis.capacity_data import CapacityData

MANDATES = (
    Path(os.environ.get("AICAP_SHARED_DIR") or Path(__file__).resolve().parents[3] / "shared")
    / "mandates"
)
YEARS = [2019, 2020, 2021, 2022, 2023]
PILLARS = {"CONN": "Connectivity", "SKILLS": "Skills", "GOV": "Governance"}
# indicator code -> (pillar, warehouse series, unit); value = 2 x normalised (natural units)
INDICATORS = {
    "internet": ("CONN", "OWID.INTERNET_USERS", "% of population"),
    "power": ("CONN", "EG.ELC.ACCS.ZS", "% of population"),
    "schooling": ("SKILLS", "HDR.MYS", "years"),
    "tertiary": ("SKILLS", "SE.TER.ENRR", "% gross"),
    "effectiveness": ("GOV", "WGI.GE.EST", "estimate"),
    "regulation": ("GOV", "WGI.RQ.EST", "estimate"),
}


def countries() -> pd.DataFrame:
    rows: list[tuple[Any, ...]] = []
    for i in range(6):
        rows.append((f"H{i}", f"High {i}", "Europe", "HIC", False, False, False))
    for i in range(6):
        rows.append((f"U{i}", f"Upper {i}", "Asia", "UMC", False, False, i == 0))
    for i in range(6):
        rows.append((f"M{i}", f"Middle {i}", "Africa", "LMC", i < 2, i == 1, False))
    for i in range(6):
        rows.append((f"L{i}", f"Low {i}", "Africa", "LIC", True, i < 3, False))
    cols = ["iso3", "name", "un_region", "income_group", "ldc", "lldc", "sids"]
    return pd.DataFrame(rows, columns=cols)


BASE = {"HIC": 80.0, "UMC": 55.0, "LMC": 35.0, "LIC": 15.0}


def make_data(
    overrides: dict[tuple[str, str], float] | None = None,
    growth: dict[str, float] | None = None,
    bands: bool = False,
    tiers: dict[str, int] | None = None,
    assets: dict[str, dict[str, tuple[str, int | None]]] | None = None,
    sex: dict[str, dict[str, float]] | None = None,
) -> CapacityData:
    """Pillar score = income-group base + country offset (i - 2.5) + pillar offset, growing by
    ``growth[iso3]`` points a year from 2019; ``overrides[(iso3, pillar)]`` sets the 2023 score
    (and keeps the same slope). Indicators equal their pillar's score (normalised) and twice
    it in natural units."""
    c = countries()
    overrides = overrides or {}
    growth = growth or {}
    p_off = {"CONN": 5.0, "SKILLS": 0.0, "GOV": -5.0}
    rows = []
    cells = []
    for rec in c.itertuples():
        k = int(rec.iso3[1])
        for y in YEARS:
            row: dict[str, Any] = {"iso3": rec.iso3, "year": y, "status": "scored"}
            g = growth.get(rec.iso3, 0.0)
            for p in PILLARS:
                final = overrides.get((rec.iso3, p), BASE[rec.income_group] + (k - 2.5) + p_off[p])
                row[p] = float(np.clip(final - g * (YEARS[-1] - y), 0, 100))
            row["score"] = float(np.mean([row[p] for p in PILLARS]))
            row["tier"] = (tiers or {}).get(rec.iso3, 0 if rec.income_group == "LIC" else 2)
            row["holding_pillars"] = "CONN" if row["tier"] == 0 else ""
            if bands and y == YEARS[-1]:
                row["score_p05"] = row["score"] - 3
                row["score_p95"] = row["score"] + 3
                row["rank_p05"] = 1.0
                row["rank_p95"] = 5.0
            rows.append(row)
            for code, (p, series, _) in INDICATORS.items():
                cells.append(
                    {
                        "iso3": rec.iso3,
                        "year": y,
                        "pillar": p,
                        "indicator": code,
                        "series": series,
                        "value": 2 * row[p],
                        "value_year": y,
                        "normalised": row[p],
                        "imputed": False,
                        "flags": "",
                    }
                )
    series = pd.DataFrame(rows)
    series["tier"] = series["tier"].astype("Int64")
    ind = pd.DataFrame(
        [
            {
                "code": code,
                "name": code.title(),
                "pillar": p,
                "series": s,
                "unit": u,
                "direction": 1,
                "publisher": "Test publisher",
                "licence": "CC BY 4.0",
                "source": "test",
                "source_title": "Test source",
                "vintage": "v1",
            }
            for code, (p, s, u) in INDICATORS.items()
        ]
    )
    # GDP: log10 gdp = 3 + score / 40 exactly (so the regression is exact but for overrides)
    latest = series[series["year"] == YEARS[-1]]
    gdp = pd.DataFrame(
        {
            "iso3": latest["iso3"],
            "value": 10 ** (3 + (latest["score"] + np.linspace(-1, 1, len(latest))) / 40),
            "year": YEARS[-1],
        }
    )
    return CapacityData(
        year=YEARS[-1],
        countries=c,
        series=series,
        cells=pd.DataFrame(cells),
        indicators=ind,
        pillars=dict(PILLARS),
        gdp=gdp.reset_index(drop=True),
        index_title="Synthetic index",
        index_version="0",
        origin="synthetic",
        tiers={0: "Tier 0: AI nascent", 1: "Tier 1", 2: "Tier 2", 3: "Tier 3", 4: "Tier 4"},
        assets=asset_frame(assets or {}),
        sex=sex_frame(sex or {}),
        spec=synthetic_spec(),
    )


def asset_frame(assets: dict[str, dict[str, tuple[str, int | None]]]) -> pd.DataFrame:
    """The long asset table from ``{iso3: {asset: (state, year)}}`` (state yes / no /
    unknown, as :func:`aicap.analysis.assets.country_assets` writes it)."""
    rows = [
        {
            "iso3": iso,
            "asset": a,
            "kind": "presence",
            "state": st,
            "value": float("nan"),
            "year": yr,
            "detail": f"synthetic {a}",
            "source": "synthetic register, row 1",
            "note": "",
        }
        for iso, items in assets.items()
        for a, (st, yr) in items.items()
    ]
    cols = ["iso3", "asset", "kind", "state", "value", "year", "detail", "source", "note"]
    return pd.DataFrame(rows, columns=cols)


def sex_frame(sex: dict[str, dict[str, float]]) -> pd.DataFrame:
    """``{iso3: {code: value}}`` -> ``iso3, indicator, value, year`` (year 2022)."""
    rows = [
        {"iso3": iso, "indicator": code, "value": v, "year": 2022}
        for iso, vals in sex.items()
        for code, v in vals.items()
    ]
    return pd.DataFrame(rows, columns=["iso3", "indicator", "value", "year"])


def synthetic_spec() -> Any:
    """The shipped framework with this module's pillars and indicators (one group, equal
    weights, identity goalposts 0-100), so that constant-composition scores aggregate the
    synthetic cells the way the synthetic series does (score = mean of the pillars)."""
    from aicap.analysis.spec import GroupSpec, IndexSpec, default_framework_path

    base = IndexSpec.load(default_framework_path())
    proto_p = base.pillars[0]
    proto_i = base.indicators[0]
    group = GroupSpec(code="ALL", name="All", weight=1.0, rationale="every pillar, equal weight")
    pillars = tuple(
        proto_p.model_copy(update={"code": p, "name": n, "group": "ALL", "dat_thresh": 0.5})
        for p, n in PILLARS.items()
    )
    inds = tuple(
        proto_i.model_copy(
            update={"code": code, "name": code.title(), "pillar": p, "series": s, "unit": u}
        )
        for code, (p, s, u) in INDICATORS.items()
    )
    return base.model_copy(update={"groups": (group,), "pillars": pillars, "indicators": inds})
