from __future__ import annotations

import json

import pytest
from parsers_support import expect_error, harmonise, real_files, reference

from aicap.sources import geo

F = geo.FILE
POLY = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}


def collection(*features: object) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def feature(
    fid: object = "FJI", name: object = "Fiji", geometry: object = POLY
) -> dict[str, object]:
    return {"type": "Feature", "id": fid, "properties": {"name": name}, "geometry": geometry}


def test_happy_path() -> None:
    parsed = geo.parse({F: collection(feature(), feature("KEN", "Kenya"))})
    assert parsed.observations.empty
    assert parsed.indicators == []
    g = parsed.geometries
    assert g is not None
    assert g["entity"].tolist() == ["FJI", "KEN"]
    assert g["name"].tolist() == ["Fiji", "Kenya"]
    assert json.loads(g["geometry"].iloc[0]) == POLY
    assert " " not in g["geometry"].iloc[0]


def test_truncated() -> None:
    data = collection(feature())
    expect_error(geo.parse, {F: data[:-10]}, file=F, row=1, message="truncated")


def test_wrong_encoding() -> None:
    data = collection(feature(name="Côte")).replace(b"\\u00f4", b"\xf4")
    expect_error(geo.parse, {F: data}, file=F, message="utf-8")


def test_not_a_feature_collection() -> None:
    expect_error(geo.parse, {F: b'{"type": "Topology"}'}, file=F, column="type", value="Topology")


def test_bad_features() -> None:
    expect_error(geo.parse, {F: collection(feature(fid=None))}, file=F, column="features[0].id")
    expect_error(
        geo.parse,
        {F: collection(feature(), feature())},
        file=F,
        column="features[1].id",
        value="FJI",
    )
    point = {"type": "Point", "coordinates": [0, 0]}
    expect_error(
        geo.parse,
        {F: collection(feature(geometry=point))},
        file=F,
        column="features[0].geometry.type",
    )
    expect_error(geo.parse, {F: collection(feature(name=3))}, file=F, value=3)
    expect_error(geo.parse, {F: collection()}, file=F, column="features")


def test_empty_file() -> None:
    expect_error(geo.parse, {F: b""}, file=F, message="empty")


@pytest.mark.slow
def test_real_snapshot() -> None:
    parsed = geo.parse(real_files("geo"))
    g = parsed.geometries
    assert g is not None
    assert len(g) == 173
    assert g["entity"].is_unique
    assert g.loc[g["entity"] == "FJI", "name"].item() == "Fiji"
    assert {"USA", "CHN", "NOR", "FRA", "KEN"} <= set(g["entity"])
    assert not {"SGP", "MLT"} & set(g["entity"])  # too small for 1:110m
    # every feature id is a code of the country reference, so geo needs no mapping file
    assert parsed.observations.empty
    assert set(g["entity"]) <= set(reference().countries["iso3"])
    assert harmonise("geo", parsed).warnings == []
