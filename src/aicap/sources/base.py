"""The contract every publisher module honours.

A publisher module (``aicap.sources.<id>``) exposes:

* ``SOURCE``: a :class:`SourceInfo` (who published it, under which licence, which files);
* ``parse(files) -> Parsed``: a *pure* function from the raw bytes of the source's files
  (keyed by their path relative to the source folder) to entity-level long observations and
  indicator metadata. It never touches the disk, the network or the warehouse;
* ``fetch(client) -> dict[str, bytes]`` (where the publisher has a live download in the same
  format): the same file mapping, downloaded, so the live path goes through the same ``parse``.

Entities are the publisher's own identifiers (an ISO3-like code or a name); mapping them to
ISO3 happens once, in :mod:`aicap.sources.harmonise`, driven by ``mappings/<id>.yaml``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

#: Columns of :attr:`Parsed.observations`, before harmonisation.
RAW_COLUMNS: tuple[str, ...] = ("entity", "year", "indicator", "value", "flags", "file", "row")

#: Columns of the canonical long shape, after harmonisation (what the warehouse stores).
CANONICAL_COLUMNS: tuple[str, ...] = (
    "iso3",
    "year",
    "indicator",
    "value",
    "flags",
    "source",
    "file",
    "row",
)


class SourceError(ValueError):
    """A problem with a source file, located as precisely as possible."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
        value: object = None,
    ) -> None:
        self.message = message
        self.file = file
        self.row = row
        self.column = column
        self.value = value
        super().__init__(self.__str__())

    def located(self, *, file: str | None = None) -> SourceError:
        """The same error, with the file filled in (or replaced by a fuller path)."""
        return SourceError(
            self.message, file=file or self.file, row=self.row, column=self.column, value=self.value
        )

    def __str__(self) -> str:
        where = []
        if self.file is not None:
            where.append(f"file {self.file}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        loc = ", ".join(where)
        text = f"{loc}: {self.message}" if loc else self.message
        if self.value is not None:
            shown = repr(self.value)
            if len(shown) > 80:
                shown = shown[:77] + "..."
            text += f" (value {shown})"
        return text


@dataclass(frozen=True)
class SourceInfo:
    """Who published a source and on what terms."""

    id: str
    publisher: str
    title: str
    url: str
    licence: str
    citation: str
    #: How the source identifies countries: ISO3-like ``code``s or ``name``s.
    entity_kind: Literal["code", "name"]
    #: Files read, as glob patterns relative to the source folder.
    files: tuple[str, ...]
    #: Upstream vintage (commit, release, retrieval date) as stated in SOURCE.md.
    vintage: str = ""
    #: Live endpoint, if any (for ``fetch``).
    live_url: str = ""


@dataclass(frozen=True)
class IndicatorMeta:
    """Metadata of one indicator a source publishes."""

    code: str
    name: str
    unit: str
    description: str = ""
    #: Overrides the source's licence where the indicator's own terms differ.
    licence: str = ""
    #: The publisher's own series code, when ``code`` is an aicap-prefixed one.
    source_code: str = ""


@dataclass
class Parsed:
    """What ``parse`` returns: entity-level long observations plus metadata."""

    #: Columns :data:`RAW_COLUMNS`: entity (str), year (int), indicator (str), value (float),
    #: flags (str, comma-separated, "" when none), file (str), row (int, 1-based line in file).
    observations: pd.DataFrame
    indicators: list[IndicatorMeta]
    #: Optional geometries: columns entity, name, geometry (GeoJSON text).
    geometries: pd.DataFrame | None = None
    #: Notes for the ingest log (e.g. "dropped 3 rows with missing values").
    notes: list[str] = field(default_factory=list)
    #: Optional record-level tables (GPU clusters, models, incidents...), keyed by a short
    #: name (``[a-z][a-z0-9_]*``). Each frame has the provenance columns ``file`` (str) and
    #: ``row`` (int, 1-based line) and optionally ``country_entity`` (the publisher's country
    #: code or name, empty when the record names none), which the harmoniser resolves to a
    #: nullable ``iso3`` (see :func:`aicap.sources.harmonise.Harmoniser.apply_records`).
    #: The warehouse stores each as table ``rec_<source>_<name>``.
    records: dict[str, pd.DataFrame] = field(default_factory=dict)


#: Provenance columns every record frame carries.
RECORD_PROVENANCE: tuple[str, ...] = ("file", "row")

#: Column of a record frame that the harmoniser resolves to ``iso3``.
RECORD_ENTITY = "country_entity"

#: Columns the harmoniser adds to a record frame that has :data:`RECORD_ENTITY`.
RECORD_RESOLVED: tuple[str, ...] = ("iso3", "country_resolution")

_RECORD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,40}$")


def check_records(records: Mapping[str, pd.DataFrame], *, source: str) -> None:
    """Validate record frames: names, provenance columns, no reserved or duplicate columns."""
    for name, frame in records.items():
        if not _RECORD_NAME.match(name):
            raise SourceError(
                f"record table name {name!r} of source {source!r} is not [a-z][a-z0-9_]*"
            )
        if not isinstance(frame, pd.DataFrame):
            raise SourceError(f"record table {name!r} of source {source!r} is not a DataFrame")
        cols = [str(c) for c in frame.columns]
        twice = sorted({c for c in cols if cols.count(c) > 1})
        if twice:
            raise SourceError(f"record table {name!r} names column(s) {twice} twice")
        missing = [c for c in RECORD_PROVENANCE if c not in cols]
        if missing:
            raise SourceError(f"record table {name!r} lacks provenance column(s) {missing}")
        reserved = [c for c in RECORD_RESOLVED if c in cols]
        if reserved and RECORD_ENTITY in cols:
            raise SourceError(
                f"record table {name!r} has column(s) {reserved} that the harmoniser fills"
            )


def empty_observations() -> pd.DataFrame:
    """An empty frame with the raw observation columns and dtypes."""
    return pd.DataFrame(
        {
            "entity": pd.Series([], dtype="string"),
            "year": pd.Series([], dtype="int64"),
            "indicator": pd.Series([], dtype="string"),
            "value": pd.Series([], dtype="float64"),
            "flags": pd.Series([], dtype="string"),
            "file": pd.Series([], dtype="string"),
            "row": pd.Series([], dtype="int64"),
        }
    )


def sha256(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def decode_text(data: bytes, *, file: str, encoding: str = "utf-8") -> str:
    """Decode bytes strictly, naming the file and byte offset on failure; strips a BOM."""
    if not data.strip():
        raise SourceError("file is empty", file=file)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SourceError(
            f"not valid {encoding} text (byte 0x{data[exc.start]:02x} at offset {exc.start})",
            file=file,
            row=line,
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise SourceError("file is empty", file=file)
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise SourceError("file contains NUL bytes (binary or corrupt)", file=file, row=line)
    return text


def read_csv_text(
    text: str,
    *,
    file: str,
    required: tuple[str, ...],
    delimiter: str = ",",
) -> pd.DataFrame:
    """Parse CSV text into a string frame with a ``_row`` column (1-based file line).

    Checks the header has every ``required`` column (a wrong delimiter shows up here, and the
    error says so), and that every record has as many fields as the header (a truncated or
    ragged row is named by its line).
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise SourceError("file is empty", file=file) from None
    except csv.Error as exc:
        raise SourceError(f"malformed CSV header: {exc}", file=file, row=1) from None
    header = [h.strip() for h in header]
    named = [h for h in header if h]
    twice = sorted({h for h in named if named.count(h) > 1})
    if twice:
        raise SourceError(
            f"the header names column(s) {', '.join(repr(t) for t in twice)} more than once",
            file=file,
            row=1,
            column=twice[0],
        )
    missing = [c for c in required if c not in header]
    if missing:
        hint = ""
        for other in (",", ";", "\t", "|"):
            if other != delimiter and any(other in h for h in header):
                hint = f"; the header looks {other!r}-delimited, expected {delimiter!r}"
                break
        raise SourceError(
            f"missing column(s) {', '.join(repr(m) for m in missing)}{hint}",
            file=file,
            row=1,
            column=missing[0],
        )
    rows: list[list[str]] = []
    lines: list[int] = []
    width = len(header)
    try:
        for record in reader:
            line = reader.line_num
            if not record or (len(record) == 1 and not record[0].strip()):
                continue
            if len(record) != width:
                raise SourceError(
                    f"expected {width} fields as in the header, found {len(record)}"
                    + (" (file truncated?)" if len(record) < width else ""),
                    file=file,
                    row=line,
                )
            rows.append(record)
            lines.append(line)
    except csv.Error as exc:
        raise SourceError(
            f"malformed CSV (file truncated?): {exc}", file=file, row=reader.line_num
        ) from None
    if not rows:
        raise SourceError("file has a header but no data rows", file=file)
    frame = pd.DataFrame(rows, columns=header, dtype="string")
    frame["_row"] = pd.Series(lines, dtype="int64")
    return frame


def to_numeric(
    frame: pd.DataFrame,
    column: str,
    *,
    file: str,
    missing: tuple[str, ...] = ("", ".."),
    strip_suffix: str = "",
) -> pd.Series:
    """Convert a string column to float; missing markers become NaN, anything else non-numeric
    is an error naming the file, row, column and value."""
    raw = frame[column].astype("string").str.strip()
    if strip_suffix:
        raw = raw.str.removesuffix(strip_suffix)
    is_missing = raw.isna() | raw.isin(list(missing))
    values = pd.to_numeric(raw.where(~is_missing), errors="coerce")
    values = values.where(values.abs() != float("inf"))  # "inf" is not a published value
    bad = values.isna() & ~is_missing
    if bool(bad.any()):
        first = int(bad.to_numpy().nonzero()[0][0])
        raise SourceError(
            "not a number",
            file=file,
            row=int(frame["_row"].iloc[first]),
            column=column,
            value=str(frame[column].iloc[first]),
        )
    return values.astype("float64")


def to_year(frame: pd.DataFrame, column: str, *, file: str) -> pd.Series:
    """Convert a string column to integer years (1900-2100), naming the first bad cell."""
    values = to_numeric(frame, column, file=file, missing=())
    ok = values.notna() & (values == values.round()) & values.between(1900, 2100)
    if not bool(ok.all()):
        first = int((~ok).to_numpy().nonzero()[0][0])
        raise SourceError(
            "not a year",
            file=file,
            row=int(frame["_row"].iloc[first]),
            column=column,
            value=str(frame[column].iloc[first]),
        )
    return values.astype("int64")


def observations(
    *,
    entity: pd.Series,
    year: pd.Series | int,
    indicator: pd.Series | str,
    value: pd.Series,
    file: str,
    row: pd.Series,
    flags: pd.Series | str = "",
    dropna: bool = True,
    column: pd.Series | str | None = None,
) -> pd.DataFrame:
    """Assemble a raw observation frame (:data:`RAW_COLUMNS`), dropping missing values.

    ``column`` (optional) names the publisher's column each value was read from; it is kept
    in an extra ``column`` column that :func:`aicap.sources.validity.check` uses in its
    messages and drops."""
    n = len(value)
    frame = pd.DataFrame(
        {
            "entity": pd.Series(entity, dtype="string").reset_index(drop=True).str.strip(),
            "year": (
                pd.Series([year] * n, dtype="int64")
                if isinstance(year, int)
                else pd.Series(year).reset_index(drop=True).astype("int64")
            ),
            "indicator": (
                pd.Series([indicator] * n, dtype="string")
                if isinstance(indicator, str)
                else pd.Series(indicator, dtype="string").reset_index(drop=True)
            ),
            "value": pd.Series(value).reset_index(drop=True).astype("float64"),
            "flags": (
                pd.Series([flags] * n, dtype="string")
                if isinstance(flags, str)
                else pd.Series(flags, dtype="string").reset_index(drop=True).fillna("")
            ),
            "file": pd.Series([file] * n, dtype="string"),
            "row": pd.Series(row).reset_index(drop=True).astype("int64"),
        }
    )
    if column is not None:
        frame["column"] = (
            pd.Series([column] * n, dtype="string")
            if isinstance(column, str)
            else pd.Series(column, dtype="string").reset_index(drop=True)
        )
    if dropna:
        frame = frame[frame["value"].notna()].reset_index(drop=True)
    return frame


def concat_observations(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate raw observation frames (an empty list gives an empty frame)."""
    frames = [f for f in frames if len(f)]
    if not frames:
        return empty_observations()
    return pd.concat(frames, ignore_index=True)


def check_duplicates(obs: pd.DataFrame) -> None:
    """Fail on a duplicate (entity, year, indicator) with *different* values; exact repeats
    are dropped by the caller. Names both rows."""
    keys = ["entity", "year", "indicator"]
    dup = obs[obs.duplicated(keys, keep=False)]
    if dup.empty:
        return
    for _, group in dup.groupby(keys, sort=False):
        values = group["value"].to_numpy()
        if (values != values[0]).any():
            first, second = group.iloc[0], group.iloc[1]
            raise SourceError(
                f"duplicate ({first['entity']}, {first['year']}, {first['indicator']}) with "
                f"different values {first['value']!r} (row {first['row']}) and "
                f"{second['value']!r}",
                file=str(second["file"]),
                row=int(second["row"]),
                value=float(second["value"]),
            )


def files_matching(files: Mapping[str, bytes], suffix: str) -> dict[str, bytes]:
    """The subset of ``files`` whose path ends with ``suffix``, sorted by path."""
    return {k: files[k] for k in sorted(files) if k.endswith(suffix)}


def require_file(files: Mapping[str, bytes], name: str, *, source: str) -> bytes:
    """The bytes of ``name`` or a :class:`SourceError` saying it is missing."""
    if name not in files:
        raise SourceError(f"required file missing from source {source!r}", file=name)
    return files[name]
