"""Helpers for importers that return record-level tables (not a source itself).

Pure functions over the string frames of :func:`aicap.sources._common.read_table` (every cell a
string, ``_row`` the 1-based line); bad cells are a :class:`SourceError` naming file, row,
column and value.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

import pandas as pd

from aicap.sources._common import iter_csv_records
from aicap.sources.base import SourceError, decode_text

_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")

#: Excel's day zero (serial numbers count days from here; 1900 leap-year bug included).
EXCEL_EPOCH = date(1899, 12, 30)


def text(frame: pd.DataFrame, column: str) -> pd.Series:
    """A column as stripped nullable strings, empty cells as ``""``."""
    return frame[column].astype("string").fillna("").str.strip().reset_index(drop=True)


def rows(frame: pd.DataFrame) -> pd.Series:
    """The 1-based line numbers of a frame read by ``read_table``."""
    return frame["_row"].astype("int64").reset_index(drop=True)


def number(
    frame: pd.DataFrame,
    column: str,
    *,
    file: str,
    missing: tuple[str, ...] = ("", "n/a", "N/A", "NA", "--"),
    decimal_comma: bool = False,
    non_negative: bool = False,
) -> pd.Series:
    """A numeric column as float64 (missing markers NaN); anything else is a located error."""
    raw = text(frame, column)
    is_missing = raw.isin(list(missing))
    cleaned = raw.str.replace(",", ".", regex=False) if decimal_comma else raw
    values = pd.to_numeric(cleaned.where(~is_missing), errors="coerce").astype("float64")
    finite = values.abs() != float("inf")
    ok = is_missing | (values.notna() & finite)
    if non_negative:
        ok &= is_missing | (values >= 0)
    if not bool(ok.all()):
        first = int((~ok).to_numpy().nonzero()[0][0])
        raise SourceError(
            "not a number" if not non_negative else "not a finite non-negative number",
            file=file,
            row=int(frame["_row"].iloc[first]),
            column=column,
            value=str(raw.iloc[first]),
        )
    return values.where(~is_missing)


def dates(frame: pd.DataFrame, column: str, *, file: str) -> tuple[pd.Series, pd.Series]:
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` cells as (ISO text as given, year as Int64);
    empty cells are missing; anything else (or a year outside 1900-2100, an impossible month or
    day) is a located error."""
    raw = text(frame, column)
    years: list[int | None] = []
    for pos, value in enumerate(raw.tolist()):
        if not value:
            years.append(None)
            continue
        match = _DATE.match(value)
        ok = match is not None
        if match is not None:
            y, m, d = match.group(1), match.group(2), match.group(3)
            try:
                date(int(y), int(m or 1), int(d or 1))
            except ValueError:
                ok = False
            ok = ok and 1900 <= int(y) <= 2100
        if not ok or match is None:
            raise SourceError(
                "not a date (YYYY-MM-DD)",
                file=file,
                row=int(frame["_row"].iloc[pos]),
                column=column,
                value=value,
            )
        years.append(int(match.group(1)))
    return raw.where(raw != "", None).astype("string"), pd.Series(years, dtype="Int64")


def excel_dates(frame: pd.DataFrame, column: str, *, file: str) -> pd.Series:
    """Excel day serials (e.g. ``45883`` = 2025-08-15) as ISO date text; empty or ``n/a`` is
    missing; a serial outside 1900-2100 or not a number is a located error."""
    values = number(frame, column, file=file)
    out: list[str | None] = []
    for pos, value in enumerate(values.tolist()):
        if value != value:  # NaN
            out.append(None)
            continue
        if not (1 <= value <= 73_415) or value != int(value):  # 2100-12-31
            raise SourceError(
                "not an Excel date serial",
                file=file,
                row=int(frame["_row"].iloc[pos]),
                column=column,
                value=str(frame[column].iloc[pos]),
            )
        out.append((EXCEL_EPOCH + timedelta(days=int(value))).isoformat())
    return pd.Series(out, dtype="string")


def tokens(value: str, separators: str = ",") -> list[str]:
    """Non-empty stripped tokens of ``value`` split on any of ``separators``."""
    parts = [value]
    for sep in separators:
        parts = [p for part in parts for p in part.split(sep)]
    return [p.strip() for p in parts if p.strip()]


def json_list(value: str, *, file: str, row: int, column: str) -> list[str]:
    """A JSON list of strings cell (``["uber","lyft"]``); empty is ``[]``."""
    if not value.strip():
        return []
    try:
        parsed = json.loads(value)
    except (json.JSONDecodeError, RecursionError, ValueError):
        raise SourceError(
            "not a JSON list", file=file, row=row, column=column, value=value
        ) from None
    if not isinstance(parsed, list) or not all(isinstance(v, str | int) for v in parsed):
        raise SourceError(
            "not a JSON list of names", file=file, row=row, column=column, value=value
        )
    return [str(v).strip() for v in parsed if str(v).strip()]


def frame_of(columns: Mapping[str, Any], dtypes: dict[str, str]) -> pd.DataFrame:
    """A record frame with explicit dtypes (so an empty table still has typed columns); a
    scalar (``str``, number, ``None``) is repeated down the column."""
    sizes = {len(v) for v in columns.values() if isinstance(v, pd.Series | list | tuple)}
    if len(sizes) > 1:
        raise ValueError(f"record columns of different lengths: {sorted(sizes)}")
    n = sizes.pop() if sizes else 0
    data: dict[str, pd.Series] = {}
    for key, value in columns.items():
        if isinstance(value, pd.Series):
            data[key] = value.reset_index(drop=True)
        elif isinstance(value, list | tuple):
            data[key] = pd.Series(list(value), dtype=object if not value else None)
        else:
            data[key] = pd.Series([value] * n, dtype=object)
    out = pd.DataFrame(data)
    for col, dtype in dtypes.items():
        out[col] = out[col].astype(dtype)  # type: ignore[call-overload]
    return out


def read_table_renaming(
    data: bytes, *, file: str, required: tuple[str, ...], skip: int = 0
) -> pd.DataFrame:
    """Like :func:`aicap.sources._common.read_table`, for files whose header repeats a column
    name (the second copy becomes ``<name>.1``, as pandas does) or that have ``skip`` title lines
    before the header. Rows must have as many fields as the header (a truncated row is named)."""
    text_ = decode_text(data, file=file)
    records = iter_csv_records(text_, file=file)
    header: list[str] | None = None
    body: list[list[str]] = []
    lines: list[int] = []
    for line, record in records:
        if line <= skip and header is None:
            continue
        if header is None:
            header = [h.strip() for h in record]
            continue
        if not record or all(not f.strip() for f in record):
            continue
        if len(record) != len(header):
            raise SourceError(
                f"expected {len(header)} fields as in the header, found {len(record)}"
                + (" (file truncated?)" if len(record) < len(header) else ""),
                file=file,
                row=line,
            )
        body.append(record)
        lines.append(line)
    if header is None:
        raise SourceError("file is empty", file=file)
    seen: dict[str, int] = {}
    names: list[str] = []
    for name in header:
        n = seen.get(name, 0)
        names.append(name if n == 0 else f"{name}.{n}")
        seen[name] = n + 1
    missing = [c for c in required if c not in names]
    if missing:
        raise SourceError(
            f"missing column(s) {', '.join(repr(m) for m in missing)}",
            file=file,
            row=skip + 1,
            column=missing[0],
        )
    if not body:
        raise SourceError("file has a header but no data rows", file=file)
    frame = pd.DataFrame(body, columns=names, dtype="string")
    frame["_row"] = pd.Series(lines, dtype="int64")
    return frame
