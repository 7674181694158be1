"""AI readiness indices from FutureGrid's ``global-ai-metrics.json``: IMF AI Preparedness Index
(overall and its four pillars) and the Oxford Insights Government AI Readiness Index 2023.

The file is ISO3-keyed JSON compiled by github.com/huangyingting/FutureGrid from the upstream
publishers. Read here:

* ``metrics.readiness`` -> ``IMF.AIPI`` (IMF AI_PI, 0-1);
* ``metrics.readinessSubIndices`` -> ``IMF.AIPI.DI``, ``.HCLMP``, ``.IEI``, ``.RE`` (pillars,
  each at most 0.25; ``null`` pillars are missing and dropped);
* ``metrics.governmentReadiness`` -> ``OXF.GAIRI`` (0-100).

The year is each block's ``year`` in ``readinessMeta`` / ``readinessSubIndexMeta`` /
``oxfordMeta`` (2023 for all three). The IMF keys include IMF country groups (``ADVEC``, ``EME``,
``EU``, ``WE``...), kept apart as aggregates by ``mappings/ai_readiness_indices.yaml``. Licences
differ per indicator (IMF terms vs CC BY 4.0), so each :class:`IndicatorMeta` carries its own.
The file's Microsoft AI diffusion blocks are **not** read: Microsoft's own CSV
(``microsoft_ai_diffusion``) is the primary source.

Live (``fetch``): the IMF publishes the AIPI through its DataMapper API,
``https://www.imf.org/external/datamapper/api/v1/<ID>`` with ``ID`` one of ``AI_PI``, ``DI``,
``HCLMP``, ``IEI``, ``RE``, answering ``{"values": {"<ID>": {"<ISO3 or group>": {"<year>":
value}}}, "api": {...}}``. A live snapshot holds those five answers as ``imf/<ID>.json``; ``parse``
then takes the AIPI and its pillars from them (every year the IMF publishes, not only 2023) and
skips the file's IMF blocks. Oxford Insights publishes no API (workbooks only), so the live
snapshot carries the bundled ``global-ai-metrics.json`` for ``OXF.GAIRI``; each value's ``file``
says which of the two it came from.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import httpx
import pandas as pd

from aicap.sources._common import (
    KeyLines,
    finish,
    http_get,
    json_number,
    load_json,
    require_mapping,
)
from aicap.sources.base import (
    IndicatorMeta,
    Parsed,
    SourceError,
    SourceInfo,
    decode_text,
    observations,
    require_file,
)

FILE = "global-ai-metrics.json"

IMF_LICENCE = "IMF copyright and terms of use (https://www.imf.org/external/terms.htm); attribution"
OXFORD_LICENCE = "CC BY 4.0"

SOURCE = SourceInfo(
    id="ai_readiness_indices",
    publisher="International Monetary Fund; Oxford Insights",
    title="IMF AI Preparedness Index and Oxford Insights Government AI Readiness Index 2023",
    url="https://www.imf.org/external/datamapper/AI_PI@AIPI/ADVEC/EME/LIC",
    licence="per indicator: IMF terms of use (IMF.AIPI*), CC BY 4.0 (OXF.GAIRI); "
    "compilation MIT (FutureGrid)",
    citation="IMF (2024), AI Preparedness Index; Oxford Insights (2023), Government AI Readiness "
    "Index 2023; compiled in github.com/huangyingting/FutureGrid data/global-ai-metrics.json.",
    entity_kind="code",
    files=(FILE,),
    vintage="huangyingting/FutureGrid@7aeced10d0bdbf0f8b0d62b889a6fd42adc48252 (file of "
    "2026-06-30)",
    live_url="https://www.imf.org/external/datamapper/api/v1/AI_PI",
)

#: JSON pillar field -> (code suffix, name)
PILLARS: dict[str, tuple[str, str]] = {
    "digitalInfrastructure": ("DI", "Digital Infrastructure"),
    "humanCapital": ("HCLMP", "Human Capital and Labor Market Policies"),
    "innovation": ("IEI", "Innovation and Economic Integration"),
    "regulationEthics": ("RE", "Regulation and Ethics"),
}

DEFAULT_YEAR = 2023

#: IMF DataMapper indicator id -> aicap code (the overall index and its four pillars).
IMF_SERIES: dict[str, str] = {
    "AI_PI": "IMF.AIPI",
    **{suffix: f"IMF.AIPI.{suffix}" for suffix, _name in PILLARS.values()},
}
IMF_API = "https://www.imf.org/external/datamapper/api/v1/{id}"
IMF_PREFIX = "imf"

INDICATORS: list[IndicatorMeta] = [
    IndicatorMeta(
        code="IMF.AIPI",
        name="IMF AI Preparedness Index (overall)",
        unit="index (0-1)",
        description="IMF AI Preparedness Index, overall score: the sum of the four pillar "
        "scores (digital infrastructure, human capital and labour market policies, innovation "
        "and economic integration, regulation and ethics).",
        licence=IMF_LICENCE,
        source_code="AIPI/AI_PI",
    ),
    *[
        IndicatorMeta(
            code=f"IMF.AIPI.{suffix}",
            name=f"IMF AI Preparedness Index pillar: {name}",
            unit="index (0-0.25)",
            description=f"IMF AI Preparedness Index, {name} pillar ({suffix}); the four pillar "
            "scores sum to the overall index.",
            licence=IMF_LICENCE,
            source_code=f"AIPI/{suffix}",
        )
        for suffix, name in PILLARS.values()
    ],
    IndicatorMeta(
        code="OXF.GAIRI",
        name="Oxford Insights Government AI Readiness Index (overall)",
        unit="score (0-100)",
        description="Oxford Insights Government AI Readiness Index 2023, overall score "
        "(pillars: Government, Technology Sector, Data and Infrastructure; not in this file).",
        licence=OXFORD_LICENCE,
        source_code="GAIRI 2023 overall",
    ),
]


def _year(metrics: dict[str, Any], meta_key: str, *, lines: KeyLines) -> int:
    meta = metrics.get(meta_key)
    if meta is None:
        return DEFAULT_YEAR
    where = f"metrics.{meta_key}"
    meta = require_mapping(meta, file=FILE, where=where)
    year = meta.get("year", DEFAULT_YEAR)
    if isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 2100:
        row = lines.object_lines(("metrics", meta_key), ["year"])["year"]
        raise SourceError("not a year", file=FILE, row=row, column=f"{where}.year", value=year)
    return year


def _block(
    metrics: dict[str, Any], key: str, *, lines: KeyLines
) -> tuple[dict[str, Any], dict[str, int]]:
    if key not in metrics:
        raise SourceError("missing block", file=FILE, column=f"metrics.{key}")
    block = require_mapping(metrics[key], file=FILE, where=f"metrics.{key}")
    return block, lines.object_lines(("metrics", key), list(block))


def parse(files: Mapping[str, bytes]) -> Parsed:
    """Parse the IMF AIPI (overall + pillars) and Oxford GAIRI blocks of the JSON file, or, in a
    live snapshot, the IMF DataMapper answers ``imf/<ID>.json`` plus the carried file's Oxford
    block."""
    live = {p: d for p, d in files.items() if p.startswith(f"{IMF_PREFIX}/")}
    if live:
        return _parse_live(files, live)
    return _parse_file(files, imf=True)


def _parse_file(files: Mapping[str, bytes], *, imf: bool) -> Parsed:
    data = require_file(files, FILE, source=SOURCE.id)
    doc = require_mapping(load_json(data, file=FILE), file=FILE, where="(root)")
    lines = KeyLines(decode_text(data, file=FILE))
    if "metrics" not in doc:
        raise SourceError("missing block", file=FILE, column="metrics")
    metrics = require_mapping(doc["metrics"], file=FILE, where="metrics")

    entities: list[str] = []
    years: list[int] = []
    codes: list[str] = []
    values: list[float] = []
    rows: list[int] = []

    def add(entity: str, year: int, code: str, raw: object, row: int, where: str) -> None:
        if not entity.strip():
            raise SourceError("empty country code", file=FILE, row=row, column=where)
        value = json_number(raw, file=FILE, where=where, row=row)
        if value is None:
            return
        entities.append(entity)
        years.append(year)
        codes.append(code)
        values.append(value)
        rows.append(row)

    year = _year(metrics, "readinessMeta", lines=lines)
    block, at = _block(metrics, "readiness", lines=lines)
    for key, raw in block.items() if imf else ():
        add(key, year, "IMF.AIPI", raw, at[key], f"metrics.readiness.{key}")

    year = _year(metrics, "readinessSubIndexMeta", lines=lines)
    block, at = _block(metrics, "readinessSubIndices", lines=lines)
    for key, raw in block.items() if imf else ():
        where = f"metrics.readinessSubIndices.{key}"
        pillars = require_mapping(raw, file=FILE, where=where, row=at[key])
        unknown = sorted(set(pillars) - set(PILLARS))
        if unknown:
            raise SourceError(
                "unknown AIPI pillar", file=FILE, row=at[key], column=where, value=unknown[0]
            )
        for field, (suffix, _name) in PILLARS.items():
            add(key, year, f"IMF.AIPI.{suffix}", pillars.get(field), at[key], f"{where}.{field}")

    year = _year(metrics, "oxfordMeta", lines=lines)
    block, at = _block(metrics, "governmentReadiness", lines=lines)
    for key, raw in block.items():
        add(key, year, "OXF.GAIRI", raw, at[key], f"metrics.governmentReadiness.{key}")

    frame = observations(
        entity=pd.Series(entities, dtype="string"),
        year=pd.Series(years, dtype="int64"),
        indicator=pd.Series(codes, dtype="string"),
        value=pd.Series(values, dtype="float64"),
        file=FILE,
        row=pd.Series(rows, dtype="int64"),
    )
    notes = ["Microsoft AI diffusion blocks skipped (read from microsoft_ai_diffusion instead)"]
    if not imf:
        notes.append(f"IMF blocks of {FILE} skipped (read from the IMF DataMapper answers)")
    obs = finish([frame], notes)
    indicators = [m for m in INDICATORS if imf or not m.code.startswith("IMF.")]
    return Parsed(observations=obs, indicators=indicators, notes=notes)


def imf_file(series: str) -> str:
    """``AI_PI`` -> ``imf/AI_PI.json``."""
    return f"{IMF_PREFIX}/{series}.json"


def _parse_imf(series: str, data: bytes) -> pd.DataFrame:
    file = imf_file(series)
    doc = require_mapping(load_json(data, file=file), file=file, where="(root)")
    values = require_mapping(doc.get("values"), file=file, where="values")
    if series not in values:
        raise SourceError(
            f"no values for {series} (unknown indicator?)", file=file, column="values"
        )
    block = require_mapping(values[series], file=file, where=f"values.{series}")
    lines = KeyLines(decode_text(data, file=file)).object_lines(("values", series), list(block))
    entities: list[str] = []
    years: list[int] = []
    numbers: list[float] = []
    rows: list[int] = []
    for key, raw in block.items():
        row = lines[key]
        where = f"values.{series}.{key}"
        if not key.strip():
            raise SourceError("empty country code", file=file, row=row, column=where)
        by_year = require_mapping(raw, file=file, where=where, row=row)
        for year_key, raw_value in by_year.items():
            if not re.fullmatch(r"\d{4}", year_key):
                raise SourceError("not a year", file=file, row=row, column=where, value=year_key)
            value = json_number(raw_value, file=file, where=f"{where}.{year_key}", row=row)
            if value is None:
                continue
            entities.append(key)
            years.append(int(year_key))
            numbers.append(value)
            rows.append(row)
    return observations(
        entity=pd.Series(entities, dtype="string"),
        year=pd.Series(years, dtype="int64"),
        indicator=IMF_SERIES[series],
        value=pd.Series(numbers, dtype="float64"),
        file=file,
        row=pd.Series(rows, dtype="int64"),
    )


def _parse_live(files: Mapping[str, bytes], live: Mapping[str, bytes]) -> Parsed:
    expected = {imf_file(s) for s in IMF_SERIES}
    unknown = sorted(set(live) - expected)
    if unknown:
        raise SourceError("unexpected file among the IMF DataMapper answers", file=unknown[0])
    missing = sorted(expected - set(live))
    if missing:
        raise SourceError("IMF DataMapper answer missing from the live snapshot", file=missing[0])
    frames = [_parse_imf(series, live[imf_file(series)]) for series in IMF_SERIES]
    indicators = [m for m in INDICATORS if m.code.startswith("IMF.")]
    notes: list[str] = []
    if FILE in files:
        oxford = _parse_file(files, imf=False)
        frames.append(oxford.observations)
        indicators += oxford.indicators
        notes += oxford.notes
    else:
        notes.append(f"no {FILE} carried: Oxford Insights GAIRI not read")
    obs = finish(frames, notes)
    return Parsed(observations=obs, indicators=indicators, notes=notes)


def fetch(client: httpx.Client) -> dict[str, bytes]:
    """Download the AIPI and its four pillars from the IMF DataMapper API (``imf/<ID>.json``)."""
    return {
        imf_file(s): http_get(client, IMF_API.format(id=s), file=imf_file(s), expect="json")
        for s in IMF_SERIES
    }
