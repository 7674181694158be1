"""World country boundaries for maps: Natural Earth 1:110m as GeoJSON keyed by ISO3.

File ``world-countries-110m.geo.json`` (FutureGrid's conversion of the ``world-atlas``
TopoJSON): a ``FeatureCollection`` of 173 ``Polygon``/``MultiPolygon`` features, each with
``id`` = ISO3 and ``properties.name``. Parsed into :attr:`Parsed.geometries` (entity = ``id``,
name, geometry as compact GeoJSON text); there are no observations and no indicators. Small
states (Singapore, Malta, most small islands) and Kosovo have no feature at this scale.

The ``naturalearth_lowres`` shapefile in the same folder is **not** read: it holds the same
Natural Earth 1:110m geometry, keyed by ``iso_a3`` with ``-99`` for Norway, France, Kosovo,
N. Cyprus and Somaliland (fixable only by name), and would need a shapefile reader. The
GeoJSON is the preferred, ISO3-keyed file.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import pandas as pd

from aicap.sources._common import load_json, require_mapping
from aicap.sources.base import (
    Parsed,
    SourceError,
    SourceInfo,
    empty_observations,
    require_file,
)

FILE = "world-countries-110m.geo.json"

SOURCE = SourceInfo(
    id="geo",
    publisher="Natural Earth",
    title="Admin-0 countries, 1:110m, as GeoJSON keyed by ISO3",
    url="https://www.naturalearthdata.com/downloads/110m-cultural-vectors/",
    licence="Public domain (Natural Earth); ISO3 id crosswalk from a CC BY-SA 4.0 table",
    citation="Made with Natural Earth. Conversion: github.com/huangyingting/FutureGrid "
    "data/world-countries.geo.json.",
    entity_kind="code",
    files=(FILE,),
    vintage="huangyingting/FutureGrid@7aeced10d0bdbf0f8b0d62b889a6fd42adc48252 (file of "
    "2026-06-30)",
)

GEOMETRY_TYPES = ("Polygon", "MultiPolygon")


def parse(files: Mapping[str, bytes]) -> Parsed:
    """Parse the FeatureCollection into one geometry row per feature."""
    data = require_file(files, FILE, source=SOURCE.id)
    doc = require_mapping(load_json(data, file=FILE), file=FILE, where="(root)")
    if doc.get("type") != "FeatureCollection":
        raise SourceError(
            "not a GeoJSON FeatureCollection", file=FILE, column="type", value=doc.get("type")
        )
    features = doc.get("features")
    if not isinstance(features, list) or not features:
        raise SourceError("no features", file=FILE, column="features")
    entities: list[str] = []
    names: list[str] = []
    geometries: list[str] = []
    for i, raw in enumerate(features):
        where = f"features[{i}]"
        feature = require_mapping(raw, file=FILE, where=where)
        fid = feature.get("id")
        if not isinstance(fid, str) or not fid.strip():
            raise SourceError("feature without an id", file=FILE, column=f"{where}.id", value=fid)
        fid = fid.strip()
        if fid in entities:
            raise SourceError("duplicate feature id", file=FILE, column=f"{where}.id", value=fid)
        props = feature.get("properties") or {}
        props = require_mapping(props, file=FILE, where=f"{where}.properties")
        name = props.get("name", "")
        if not isinstance(name, str):
            raise SourceError(
                "name is not a string", file=FILE, column=f"{where}.properties.name", value=name
            )
        geometry = require_mapping(feature.get("geometry"), file=FILE, where=f"{where}.geometry")
        if geometry.get("type") not in GEOMETRY_TYPES:
            raise SourceError(
                f"geometry type must be one of {', '.join(GEOMETRY_TYPES)}",
                file=FILE,
                column=f"{where}.geometry.type",
                value=geometry.get("type"),
            )
        if not isinstance(geometry.get("coordinates"), list) or not geometry["coordinates"]:
            raise SourceError(
                "geometry has no coordinates", file=FILE, column=f"{where}.geometry.coordinates"
            )
        entities.append(fid)
        names.append(name.strip())
        geometries.append(json.dumps(geometry, separators=(",", ":")))
    frame = pd.DataFrame(
        {
            "entity": pd.Series(entities, dtype="string"),
            "name": pd.Series(names, dtype="string"),
            "geometry": pd.Series(geometries, dtype="string"),
        }
    )
    return Parsed(
        observations=empty_observations(),
        indicators=[],
        geometries=frame,
        notes=[f"{len(frame)} features; naturalearth_lowres shapefile not read (duplicate)"],
    )
