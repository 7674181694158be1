"""Ingest refuses the impossible: every indicator's valid range and unit, as data.

``validity.yaml`` (beside this module, validated with pydantic) gives each indicator a *scale*
(``share`` 0-100, ``index_0_1``, ``count`` >= 0, ``wgi_estimate``...) and the unit its importer
declares; record columns (coordinates, dates, years, counts) get scales too. :func:`check`
runs after a publisher's ``parse`` and before anything is written:

* a value outside its scale's ``[min, max]`` is a :class:`SourceError` naming the file, row,
  column (where the importer says which column a value came from), value and the rule;
* a value inside ``[min, max]`` but outside the scale's nominal range is kept and flagged
  (the scale's ``flag``): that is for publishers that really print such values (WGI);
* an observation year, a record year or a date's year must lie in ``[years.min, this year]``;
* an indicator missing from the catalogue, or declared with another unit, is an error (a value
  column replaced by another measure shows up here);
* geometries must be valid GeoJSON polygons with numeric coordinates on Earth and closed rings.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from aicap import yamlload
from aicap.sources.base import Parsed, SourceError

LABEL = "aicap/sources/validity.yaml"
COLUMN = "column"  # optional column of raw observations: the publisher's column of the value


class Scale(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min: float | None = None
    max: float | None = None
    nominal_min: float | None = None
    nominal_max: float | None = None
    flag: str = ""
    why: str

    @model_validator(mode="after")
    def _nominal_needs_flag(self) -> Scale:
        if (self.nominal_min is not None or self.nominal_max is not None) and not self.flag:
            raise ValueError("a nominal range needs a flag")
        return self

    def describe(self, name: str) -> str:
        lo = "-inf" if self.min is None else f"{self.min:g}"
        hi = "+inf" if self.max is None else f"{self.max:g}"
        return f"rule {name!r}: {self.why} [{lo}, {hi}]"


class Years(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min: int
    why: str


class Catalogue(BaseModel):
    model_config = ConfigDict(extra="forbid")

    years: Years
    scales: dict[str, Scale]
    indicators: dict[str, tuple[str, str]]
    records: dict[str, dict[str, str]] = Field(default_factory=dict)
    entity_columns: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _scales_exist(self) -> Catalogue:
        used = [s for s, _ in self.indicators.values()]
        used += [s for cols in self.records.values() for s in cols.values()]
        unknown = sorted(set(used) - set(self.scales))
        if unknown:
            raise ValueError(f"unknown scale(s) {unknown}")
        return self

    def indicator(self, code: str) -> tuple[str, str] | None:
        """``(scale, unit)`` of ``code``: an exact entry, else the first matching pattern."""
        if code in self.indicators:
            return self.indicators[code]
        for pattern, entry in self.indicators.items():
            if "*" in pattern and fnmatch.fnmatchcase(code, pattern):
                return entry
        return None


def parse_catalogue(text: str, *, label: str = LABEL) -> Catalogue:
    try:
        raw = yamlload.safe_load(text)
    except yaml.YAMLError as exc:
        raise SourceError(f"invalid YAML: {exc}", file=label) from None
    try:
        return Catalogue.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        raise SourceError(str(err["msg"]), file=label, column=loc or None) from None


def catalogue_bytes() -> bytes:
    return resources.files("aicap.sources").joinpath("validity.yaml").read_bytes()


@lru_cache(maxsize=1)
def load_catalogue() -> Catalogue:
    return parse_catalogue(catalogue_bytes().decode("utf-8"))


def entity_column(source_id: str) -> str:
    """The publisher's column naming the country, for messages ("" when not catalogued)."""
    return load_catalogue().entity_columns.get(source_id, "")


def this_year() -> int:
    return datetime.now(UTC).year


def _fail(message: str, *, file: Any, row: Any, column: str | None, value: object) -> SourceError:
    return SourceError(
        message,
        file=None if file is None or pd.isna(file) else str(file),
        row=None if row is None or pd.isna(row) else int(row),
        column=column,
        value=value,
    )


def _out_of(values: pd.Series, lo: float | None, hi: float | None) -> pd.Series:
    bad = pd.Series(False, index=values.index)
    if lo is not None:
        bad |= values < lo
    if hi is not None:
        bad |= values > hi
    return bad & values.notna()


def check_observations(parsed: Parsed, source_id: str, *, year: int | None = None) -> Parsed:
    """Check units, ranges and years of ``parsed.observations``; returns ``parsed`` with
    flagged values' ``flags`` extended and the optional ``column`` column dropped."""
    cat = load_catalogue()
    now = this_year() if year is None else year
    units: dict[str, tuple[str, Scale]] = {}
    for meta in parsed.indicators:
        entry = cat.indicator(meta.code)
        if entry is None:
            raise SourceError(
                f"indicator {meta.code!r} of source {source_id!r} has no valid range and unit "
                f"in {LABEL} (add it under indicators: [scale, unit])",
                column="indicator",
                value=meta.code,
            )
        scale_name, unit = entry
        if meta.unit != unit:
            raise SourceError(
                f"indicator {meta.code!r} is declared in unit {meta.unit!r}, but its values "
                f"are valid only in {unit!r} ({LABEL}): a column of another measure?",
                column="unit",
                value=meta.unit,
            )
        units[meta.code] = (scale_name, cat.scales[scale_name])
    obs = parsed.observations
    if obs.empty:
        return parsed
    columns = obs[COLUMN] if COLUMN in obs.columns else pd.Series(pd.NA, index=obs.index)

    def where(i: int, fallback: str) -> str:
        col = columns.iloc[i]
        return fallback if col is None or pd.isna(col) or not str(col) else str(col)

    years = obs["year"]
    bad_year = (years < cat.years.min) | (years > now)
    if bool(bad_year.any()):
        i = int(np.flatnonzero(bad_year.to_numpy())[0])
        raise _fail(
            f"year {int(years.iloc[i])} of {obs['indicator'].iloc[i]} is outside "
            f"[{cat.years.min}, {now}] (rule 'years': {cat.years.why})",
            file=obs["file"].iloc[i],
            row=obs["row"].iloc[i],
            column="year",
            value=int(years.iloc[i]),
        )
    flags = obs["flags"].astype("string").fillna("")
    for code, part in obs.groupby("indicator", sort=False).groups.items():
        if code not in units:
            continue  # undeclared: the ingest names it
        name, scale = units[str(code)]
        values = obs.loc[part, "value"]
        bad = _out_of(values, scale.min, scale.max)
        if bool(bad.any()):
            i = int(np.flatnonzero(obs.index.isin(bad[bad].index))[0])
            raise _fail(
                f"{code} = {obs['value'].iloc[i]:g} is impossible: {scale.describe(name)}",
                file=obs["file"].iloc[i],
                row=obs["row"].iloc[i],
                column=where(i, str(code)),
                value=float(obs["value"].iloc[i]),
            )
        if scale.flag:
            odd = _out_of(values, scale.nominal_min, scale.nominal_max)
            if bool(odd.any()):
                idx = odd[odd].index
                flags.loc[idx] = flags.loc[idx].map(
                    lambda f, flag=scale.flag: (
                        f if flag in f.split(",") else f"{f},{flag}" if f else flag
                    )
                )
    out = obs.assign(flags=flags.astype("string"))
    if COLUMN in out.columns:
        out = out.drop(columns=[COLUMN])
    return replace(parsed, observations=out)


_DATE = re.compile(r"^\s*(-?\d{1,6})(?:-(\d{1,2}))?(?:-(\d{1,2}))?(?:[T ].*)?\s*$")


def _date_years(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(year or NaN, is_malformed) for date-like strings; empty or missing is neither."""
    text = values.astype("string").fillna("").str.strip()
    parts = text.str.extract(_DATE)
    year = pd.to_numeric(parts[0], errors="coerce")
    month = pd.to_numeric(parts[1], errors="coerce")
    day = pd.to_numeric(parts[2], errors="coerce")
    bad = (text != "") & year.isna()
    bad |= month.notna() & ((month < 1) | (month > 12))
    bad |= day.notna() & ((day < 1) | (day > 31))
    return year, bad


def check_records(parsed: Parsed, source_id: str, *, year: int | None = None) -> None:
    """Check the catalogued record columns (coordinates, dates, years, counts)."""
    cat = load_catalogue()
    now = this_year() if year is None else year
    for name, frame in parsed.records.items():
        rules = cat.records.get(f"{source_id}.{name}", {})
        for column, scale_name in rules.items():
            if column not in frame.columns or frame.empty:
                continue
            scale = cat.scales[scale_name]
            if scale_name == "date":
                values, malformed = _date_years(frame[column])
                lo, hi = float(cat.years.min), float(now)
                rule = f"rule 'date': {scale.why}, [{cat.years.min}, {now}]"
            else:
                raw = frame[column]
                values = pd.to_numeric(raw, errors="coerce")
                malformed = raw.notna() & values.isna() & (raw.astype("string").str.strip() != "")
                if scale_name == "year":
                    lo, hi = float(cat.years.min), float(now)
                    rule = f"rule 'year': {scale.why}, [{cat.years.min}, {now}]"
                else:
                    lo, hi = scale.min, scale.max  # type: ignore[assignment]
                    rule = scale.describe(scale_name)
            bad = malformed.to_numpy() | _out_of(values, lo, hi).to_numpy()
            if bool(bad.any()):
                i = int(np.flatnonzero(bad)[0])
                raise _fail(
                    f"record table {name!r}: impossible value ({rule})",
                    file=frame["file"].iloc[i] if "file" in frame.columns else None,
                    row=frame["row"].iloc[i] if "row" in frame.columns else None,
                    column=column,
                    value=str(frame[column].iloc[i]),
                )


def _positions(coords: Any, depth: int) -> Iterator[Any]:
    if depth == 0:
        yield coords
        return
    if not isinstance(coords, list):
        raise ValueError("coordinates are not nested lists")
    for item in coords:
        yield from _positions(item, depth - 1)


_DEPTH = {"Polygon": 2, "MultiPolygon": 3}  # depth of the rings


def check_geometries(parsed: Parsed, file: str = "") -> None:
    """Every geometry: a Polygon or MultiPolygon of closed rings of >= 4 numeric positions on
    Earth."""
    geo = parsed.geometries
    if geo is None or geo.empty:
        return
    for entity, text in zip(geo["entity"], geo["geometry"], strict=True):
        column = f"features[id={entity}].geometry.coordinates"
        try:
            doc = json.loads(str(text))
            kind = doc.get("type")
            if kind not in _DEPTH:
                raise ValueError(f"geometry type {kind!r} is not Polygon or MultiPolygon")
            for ring in _positions(doc.get("coordinates"), _DEPTH[kind] - 1):
                _check_ring(ring)
        except (ValueError, TypeError, AttributeError) as exc:
            raise SourceError(
                f"invalid geometry: {exc} (rule 'geometry': closed rings of numeric "
                "[longitude, latitude] positions on Earth)",
                file=file or None,
                column=column,
                value=str(entity),
            ) from None


def _check_ring(ring: Any) -> None:
    if not isinstance(ring, list) or len(ring) < 4:
        raise ValueError("a ring needs at least 4 positions")
    for pos in ring:
        if (
            not isinstance(pos, list)
            or len(pos) < 2
            or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in pos)
        ):
            raise ValueError(f"position {pos!r} is not a pair of numbers")
        lon, lat = pos[0], pos[1]
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise ValueError(f"position {pos!r} is not on Earth")
    if ring[0][:2] != ring[-1][:2]:
        raise ValueError("a ring is not closed")


def check(
    parsed: Parsed, source_id: str, *, geometry_file: str = "", year: int | None = None
) -> Parsed:
    """All of the above; returns ``parsed`` with flags added (see the module doc)."""
    check_records(parsed, source_id, year=year)  # first: a record names its own column
    out = check_observations(parsed, source_id, year=year)
    check_geometries(out, geometry_file)
    return out
