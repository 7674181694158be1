"""The asset table on synthetic records where the truth is known."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from aicap.analysis.assets import (
    ASSETS,
    AssetInputs,
    asset_records,
    assets_wide,
    centroids_from_geometries,
    country_assets,
    haversine_km,
)


def _square(lon: float, lat: float, half: float = 1.0) -> str:
    ring = [
        [lon - half, lat - half],
        [lon + half, lat - half],
        [lon + half, lat + half],
        [lon - half, lat + half],
        [lon - half, lat - half],
    ]
    return json.dumps({"type": "Polygon", "coordinates": [ring]})


def _inputs() -> AssetInputs:
    countries = pd.DataFrame(
        {
            "iso3": ["AAA", "BBB", "CCC", "DDD"],
            "name": ["A", "B", "C", "D"],
            "status": ["member"] * 4,
            "un_subregion": ["North", "North", "South", "South"],
        }
    )
    fw = pd.DataFrame(
        {
            "iso3": ["AAA", "AAA", "AAA", "BBB"],
            "title": [
                "Digital Strategy 2020",
                "National Artificial Intelligence Strategy 2023",
                "Personal Data Protection Act 2018",
                "National AI Strategy (draft)",
            ],
            "type": ["Strategy", "Strategy", "Law", "Draft framework"],
            "area_status": ["Adopted", "Adopted", "Adopted", "Draft"],
            "approval_year": [2024, 2023, 2018, 2025],
            "file": ["fw.csv"] * 4,
            "row": [2, 3, 4, 5],
        }
    )
    ini = pd.DataFrame(
        {
            "iso3": ["AAA", "BBB"],
            "name": ["National AI Centre", "Workshop"],
            "type": ["Research centers or networks", "Training courses workshops"],
            "body_name": ["", ""],
            "file": ["ini.csv"] * 2,
            "row": [2, 3],
        }
    )
    clusters = pd.DataFrame(
        {
            "iso3": ["AAA", "AAA", "AAA", None],
            "name": ["c1", "c2", "planned", "x"],
            "status": ["Existing", "Existing", "Planned", "Existing"],
            "h100e": [100.0, 50.0, 1e6, 5.0],
            "power_mw": [1.0, np.nan, 100.0, 1.0],
            "first_year": pd.array([2022, 2024, pd.NA, 2020], dtype="Int64"),
            "file": ["gpu.csv"] * 4,
            "row": [2, 3, 4, 5],
        }
    )
    cloud = pd.DataFrame(
        {
            "provider": ["AWS", "GCP"],
            "region": ["a-1", "b-1"],
            "location_name": ["A city", "Announced"],
            "lat": [10.0, 40.0],
            "lon": [10.0, 40.0],
            "announced": [False, True],
            "iso3": ["AAA", "CCC"],
            "file": ["cloud.csv"] * 2,
            "row": [2, 3],
        }
    )
    models = pd.DataFrame(
        {
            "model": ["m1", "m1", "m2", "old"],
            "organization": ["Org A", "Org C", "Org A", "Org A"],
            "year": [2024, 2024, 2021, 2015],
            "open_weights": [True, True, False, False],
            "iso3": ["AAA", "CCC", "AAA", "AAA"],
            "file": ["models.csv"] * 4,
            "row": [2, 2, 3, 4],
        }
    )
    centroids = centroids_from_geometries(
        pd.DataFrame(
            {
                "iso3": ["AAA", "BBB", "CCC"],
                "geometry": [_square(10, 10), _square(10, 20), _square(40, 40)],
            }
        )
    )
    return AssetInputs(
        countries=countries,
        frameworks=fw,
        initiatives=ini,
        assessed=frozenset({"AAA", "BBB", "CCC"}),
        clusters=clusters,
        cloud=cloud,
        models=models,
        centroids=centroids,
    )


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return country_assets(_inputs(), as_of=2025, model_window=5)


def _get(t: pd.DataFrame, iso3: str, asset: str) -> pd.Series:
    sub = t[(t["iso3"] == iso3) & (t["asset"] == asset)]
    assert len(sub) == 1
    return sub.iloc[0]


def test_one_row_per_country_and_asset(table: pd.DataFrame) -> None:
    assert len(table) == 4 * len(ASSETS)
    assert set(table["asset"]) == set(ASSETS)
    assert not table.duplicated(["iso3", "asset"]).any()


def test_strategy_prefers_ai_strategy_and_reports_year(table: pd.DataFrame) -> None:
    r = _get(table, "AAA", "strategy")
    assert r["state"] == "yes" and r["year"] == 2023
    assert "Artificial Intelligence" in r["detail"]
    assert "fw.csv row 3" in r["source"]


def test_draft_is_not_adopted_and_unassessed_is_unknown(table: pd.DataFrame) -> None:
    b = _get(table, "BBB", "strategy")
    assert b["state"] == "no" and b["detail"].startswith("draft only")
    d = _get(table, "DDD", "strategy")
    assert d["state"] == "unknown" and "not assessed" in d["note"]
    # an assessed country with nothing recorded is "no" for the strategy
    assert _get(table, "CCC", "strategy")["state"] == "no"


def test_body_and_data_protection_are_never_no(table: pd.DataFrame) -> None:
    assert _get(table, "AAA", "ai_body")["state"] == "yes"
    assert _get(table, "AAA", "data_protection_law")["value"] == 2018
    for iso3 in ("BBB", "CCC", "DDD"):
        assert _get(table, iso3, "ai_body")["state"] == "unknown"
        assert _get(table, iso3, "data_protection_law")["state"] == "unknown"


def test_clusters_count_existing_only(table: pd.DataFrame) -> None:
    r = _get(table, "AAA", "gpu_clusters")
    assert r["state"] == "yes" and r["value"] == 2
    extra = json.loads(r["note"])
    assert extra["h100e"] == pytest.approx(150.0) and extra["power_mw"] == pytest.approx(1.0)
    assert _get(table, "BBB", "gpu_clusters")["state"] == "no"


def test_cloud_region_ignores_announced_and_measures_distance(table: pd.DataFrame) -> None:
    assert _get(table, "AAA", "cloud_region")["state"] == "yes"
    assert _get(table, "CCC", "cloud_region")["state"] == "no"  # announced only
    assert _get(table, "AAA", "nearest_cloud_region")["value"] == 0
    b = _get(table, "BBB", "nearest_cloud_region")
    assert b["state"] == "measured"
    assert b["value"] == pytest.approx(haversine_km(20, 10, 10, 10), abs=1)
    assert "North" in b["detail"]  # its subregion has a region (AAA's)
    assert _get(table, "DDD", "nearest_cloud_region")["state"] == "unknown"  # no shape


def test_models_in_window_shared_models_count_for_each(table: pd.DataFrame) -> None:
    a = _get(table, "AAA", "notable_models")
    assert a["value"] == 2 and a["year"] == 2024  # m1, m2; "old" is outside 2021-2025
    assert "1 with open weights" in a["detail"]
    assert _get(table, "CCC", "notable_models")["value"] == 1
    d = _get(table, "DDD", "notable_models")
    assert d["state"] == "no" and d["value"] == 0  # Epoch's list is exhaustive


def test_wide_and_records(table: pd.DataFrame) -> None:
    w = assets_wide(table)
    assert w.loc["AAA", "strategy"] == "yes" and w.loc["AAA", "strategy_value"] == 2023
    recs = asset_records(table, "DDD")
    assert len(recs) == len(ASSETS)
    assert all(r["value"] is None or isinstance(r["value"], float) for r in recs)


def test_centroid_across_antimeridian() -> None:
    ring = [[170, -10], [-170, -10], [-170, 10], [170, 10], [170, -10]]
    geo = json.dumps({"type": "Polygon", "coordinates": [ring]})
    c = centroids_from_geometries(pd.DataFrame({"iso3": ["X"], "geometry": [geo]}))
    assert abs(abs(c["lon"].iloc[0]) - 180) < 1e-6
    assert c["lat"].iloc[0] == pytest.approx(0, abs=1e-9)


def test_only_ai_or_national_digital_strategies_count() -> None:
    base = _inputs()
    fw = pd.DataFrame(
        {
            "iso3": ["BBB", "CCC", "CCC"],
            "title": [
                "National Strategy to achieve Gender Equality by 2030",
                "Education System Digitalization Strategy 2022-2027",
                "Basic Act on the Development of Artificial Intelligence",
            ],
            "type": ["Strategy", "Strategy", "Law"],
            "area_status": ["Adopted"] * 3,
            "approval_year": [2020, 2022, 2025],
            "file": ["fw.csv"] * 3,
            "row": [10, 11, 12],
        }
    )
    inputs = AssetInputs(**{**base.__dict__, "frameworks": fw})
    t = country_assets(inputs, as_of=2025)
    assert _get(t, "BBB", "strategy")["state"] == "no"  # not about AI or digital
    c = _get(t, "CCC", "strategy")
    assert c["state"] == "yes" and "Basic Act" in c["detail"]  # an AI framework act
    # documents approved after as_of do not count yet
    earlier = country_assets(inputs, as_of=2024)
    assert _get(earlier, "CCC", "strategy")["state"] == "no"


def test_title_whitespace_does_not_hide_an_ai_strategy() -> None:
    """GIRAI's title of Ukraine's AI concept has runs of double spaces (issue 18's audit)."""
    base = _inputs()
    fw = pd.DataFrame(
        {
            "iso3": ["BBB"],
            "title": ["Concept  for  the  Development  of  Artificial  Intelligence  in  X"],
            "type": ["Strategy"],
            "area_status": ["Adopted"],
            "approval_year": [2020],
            "file": ["fw.csv"],
            "row": [10],
        }
    )
    inputs = AssetInputs(**{**base.__dict__, "frameworks": fw})
    s = _get(country_assets(inputs, as_of=2025), "BBB", "strategy")
    assert s["state"] == "yes" and s["year"] == 2020
