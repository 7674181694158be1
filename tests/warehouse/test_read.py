"""The read API the upper layers use: DataFrames only, years travel with latest values."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from aicap.warehouse.read import Warehouse, WarehouseError


@pytest.fixture(scope="module")
def wh(full_warehouse: Path) -> Warehouse:
    return Warehouse(full_warehouse)


def test_panel_filters_and_shape(wh: Warehouse) -> None:
    panel = wh.panel(
        ["IT.NET.BBND.P2", "EG.ELC.ACCS.ZS"], years=range(2015, 2024), countries=["KEN", "FRA"]
    )
    assert isinstance(panel, pd.DataFrame)
    assert list(panel.columns) == ["iso3", "year", "indicator", "value", "unit", "flags", "source"]
    assert set(panel["iso3"]) == {"KEN", "FRA"}
    assert panel["year"].between(2015, 2023).all()
    assert not panel.duplicated(["iso3", "year", "indicator"]).any()
    full = wh.panel(["IT.NET.BBND.P2"], countries=["KEN"], provenance=True)
    assert {"sha256", "licence", "url", "file", "row"} <= set(full.columns)


def test_latest_value_carries_its_year(wh: Warehouse) -> None:
    latest = wh.latest(["GB.XPD.RSDV.GD.ZS"], max_year=2023)
    assert {"iso3", "indicator", "year", "value"} <= set(latest.columns)
    assert latest["year"].le(2023).all()
    assert not latest.duplicated(["iso3", "indicator"]).any()
    panel = wh.panel(["GB.XPD.RSDV.GD.ZS"], countries=["KEN"])
    kenya = latest.set_index("iso3").loc["KEN"]
    assert kenya["year"] == panel.loc[panel["year"] <= 2023, "year"].max()
    # an older country's latest is older than the global latest year: the year says so
    assert latest["year"].nunique() > 1


def test_member_states_and_reference(wh: Warehouse) -> None:
    members = wh.member_states()
    assert len(members) == 193
    assert "PSE" not in members and "TWN" not in members
    countries = wh.countries()
    assert {
        "iso3",
        "iso2",
        "m49",
        "name_ar",
        "name_zh",
        "income_group",
        "ldc",
        "lldc",
        "sids",
    } <= set(countries.columns)
    aggregates = wh.aggregates()
    assert {"WLD", "HIC"} <= set(aggregates["code"])
    # aggregates never appear among country observations
    assert not set(wh.panel(["SP.POP.TOTL"])["iso3"]) & {"WLD", "HIC", "ZZK.WORLD"}


def test_every_value_has_provenance(wh: Warehouse) -> None:
    sources = wh.sources()
    assert sources["licence"].str.len().gt(0).all()
    for files in sources["files"]:
        assert all(len(f["sha256"]) == 64 for f in files)
    indicators = wh.indicators()
    assert indicators["licence"].str.len().gt(0).all()
    assert indicators["unit"].str.len().gt(0).all()


def test_errors_are_specific(wh: Warehouse, tmp_path: Path) -> None:
    with pytest.raises(WarehouseError, match="unknown indicator"):
        wh.panel(["NOT.A.CODE"])
    with pytest.raises(WarehouseError, match="unknown country"):
        wh.explain("ZZZ", "SP.POP.TOTL")
    with pytest.raises(TypeError):
        wh.panel("SP.POP.TOTL")  # type: ignore[arg-type]
    with pytest.raises(WarehouseError, match="aicap ingest"):
        Warehouse(tmp_path / "missing.duckdb")
