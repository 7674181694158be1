"""Record tables through ingest: created from the frames' dtypes, listed in record_tables,
replaced when the source changes, atomic on failure, read back by Warehouse.records."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from aicap.sources.base import Parsed, SourceError, check_records, empty_observations
from aicap.warehouse.ingest import IngestError, ingest
from aicap.warehouse.read import Warehouse, WarehouseError
from support import make_data_dir

H = "region,location_name,lat,lon,osm_id,country_tld\n"
AWS = H + 'eu-west-2,"EU (London)","51.5","-0.12",1,uk\nus-east-1,"US","37.1","-78.4",2,us\n'


def cloud_files(aws: str = AWS) -> dict[str, bytes]:
    files = {"aws_data.csv": aws.encode()}
    for i, name in enumerate(("azure", "gcp", "linode", "oracle", "vultr")):
        files[f"{name}_data.csv"] = (H + f'{name}-1,"Tokyo",35.6,139.7,{i},jp\n').encode()
    return files


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_records_stored_read_and_replaced(tmp_path: Path) -> None:
    data = make_data_dir(tmp_path, {"cloud_regions": cloud_files()})
    wh_path = tmp_path / "aicap.duckdb"
    ingest(data, wh_path)
    wh = Warehouse(wh_path)
    tables = wh.record_tables()
    assert list(tables["table_name"]) == ["rec_cloud_regions_regions"]
    assert int(tables["n_rows"].iloc[0]) == 7
    regions = wh.records("cloud_regions", "regions")
    aws = regions[regions["file"] == "aws_data.csv"]
    assert list(aws["iso3"]) == ["GBR", "USA"] and list(aws["row"]) == [2, 3]
    assert str(regions["lat"].dtype) == "float64" and regions["announced"].dtype == bool
    obs = wh.panel(["CLOUD.REGIONS"])
    assert dict(zip(obs["iso3"], obs["value"], strict=True)) == {"GBR": 1, "JPN": 5, "USA": 1}
    # the source changes: the table is replaced, not appended to
    (data / "cloud_regions" / "aws_data.csv").write_text(AWS + 'ap-south-1,"Mumbai",1,1,3,in\n')
    report = ingest(data, wh_path)
    assert report.changed == ["cloud_regions"]
    regions = Warehouse(wh_path).records("cloud_regions", "regions")
    assert list(regions.loc[regions["provider"] == "AWS", "iso3"]) == ["GBR", "USA", "IND"]
    assert int(Warehouse(wh_path).record_tables()["n_rows"].iloc[0]) == 8
    with pytest.raises(WarehouseError, match="no record table 'nope'"):
        wh.records("cloud_regions", "nope")


def test_unknown_country_in_records_fails_and_leaves_the_warehouse(tmp_path: Path) -> None:
    data = make_data_dir(tmp_path, {"cloud_regions": cloud_files()})
    wh_path = tmp_path / "aicap.duckdb"
    ingest(data, wh_path)
    before = digest(wh_path)
    (data / "cloud_regions" / "aws_data.csv").write_text(AWS + 'x-1,"X",1,1,3,zz\n')
    with pytest.raises(IngestError) as info:
        ingest(data, wh_path)
    text = str(info.value)
    assert "cloud_regions/aws_data.csv" in text and "row 4" in text and "'zz'" in text
    assert "regions" in text
    assert digest(wh_path) == before


def test_check_records_rejects_bad_frames() -> None:
    good = pd.DataFrame({"a": [1], "file": ["f"], "row": [1]})
    check_records({"ok_name": good}, source="s")
    with pytest.raises(SourceError, match="not"):
        check_records({"Bad-Name": good}, source="s")
    with pytest.raises(SourceError, match="provenance"):
        check_records({"t": good.drop(columns="row")}, source="s")
    clash = good.assign(country_entity="x", iso3="USA")
    with pytest.raises(SourceError, match="harmoniser fills"):
        check_records({"t": clash}, source="s")


def test_parsed_records_default_is_empty() -> None:
    parsed = Parsed(observations=empty_observations(), indicators=[])
    assert parsed.records == {}
