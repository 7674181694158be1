"""Helpers shared by the publisher modules (not a source itself).

Everything here is pure and raises :class:`~aicap.sources.base.SourceError` on bad input, so a
publisher's ``parse`` can promise "a :class:`Parsed` or a ``SourceError``, never a crash".
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import unicodedata
from collections.abc import Iterator, Mapping
from typing import Any, Literal

import httpx
import pandas as pd

from aicap.sources import http
from aicap.sources.base import (
    SourceError,
    check_duplicates,
    concat_observations,
    decode_text,
    read_csv_text,
)

#: Punctuation allowed in a country name besides letters, marks, digits and spaces. A character
#: outside this set (e.g. ``√`` or ``¸``) almost always means the file was decoded with the wrong
#: encoding (UTF-8 or Latin-1 bytes read as Mac Roman, and so on).
_NAME_PUNCT = set("'’().,-&/")


def read_table(
    data: bytes,
    *,
    file: str,
    required: tuple[str, ...],
    delimiter: str = ",",
    encoding: str = "utf-8",
) -> pd.DataFrame:
    """Decode and read a CSV file (:func:`read_csv_text`), also rejecting a header that names
    a column twice (the columns would be ambiguous)."""
    text = decode_text(data, file=file, encoding=encoding)
    if not text.strip():
        raise SourceError("file is empty", file=file)
    frame = read_csv_text(
        text,
        file=file,
        required=required,
        delimiter=delimiter,
    )
    dup = frame.columns[frame.columns.duplicated()]
    if len(dup):
        raise SourceError("column named twice in the header", file=file, row=1, column=str(dup[0]))
    return frame


def check_names(frame: pd.DataFrame, column: str, *, file: str) -> None:
    """Fail on an empty entity or one with characters no country name has (wrong encoding)."""
    for value, line in zip(frame[column].tolist(), frame["_row"].tolist(), strict=True):
        text = "" if value is None or value is pd.NA else str(value).strip()
        if not text:
            raise SourceError("empty country name", file=file, row=int(line), column=column)
        for ch in text:
            cat = unicodedata.category(ch)
            if cat[0] in "LM" or cat == "Nd" or ch == " " or ch in _NAME_PUNCT:
                continue
            raise SourceError(
                f"unexpected character {ch!r} in a country name (wrong encoding?)",
                file=file,
                row=int(line),
                column=column,
                value=text,
            )


def check_codes(frame: pd.DataFrame, column: str, *, file: str) -> None:
    """Fail on an empty entity code."""
    raw = frame[column].astype("string").fillna("").str.strip()
    empty = raw == ""
    if bool(empty.any()):
        first = int(empty.to_numpy().nonzero()[0][0])
        raise SourceError(
            "empty country code",
            file=file,
            row=int(frame["_row"].iloc[first]),
            column=column,
        )


def finish(frames: list[pd.DataFrame], notes: list[str]) -> pd.DataFrame:
    """Concatenate raw observation frames, reject non-finite values and conflicting
    duplicates, and drop exact repeats (noting how many)."""
    obs = concat_observations(frames)
    if obs.empty:
        return obs
    values = obs["value"].to_numpy(dtype="float64")
    bad = ~pd.Series(values).map(math.isfinite).to_numpy(dtype=bool)
    if bool(bad.any()):
        first = obs.iloc[int(bad.nonzero()[0][0])]
        raise SourceError(
            f"not a finite number for indicator {first['indicator']}",
            file=str(first["file"]),
            row=int(first["row"]),
            value=float(first["value"]),
        )
    check_duplicates(obs)
    keys = ["entity", "year", "indicator"]
    repeated = obs.duplicated(keys, keep="first")
    if bool(repeated.any()):
        notes.append(f"dropped {int(repeated.sum())} exact repeat observation(s)")
        obs = obs[~repeated].reset_index(drop=True)
    return obs


def sniff_delimiter(
    text: str, *, file: str, required: tuple[str, ...], allowed: tuple[str, ...]
) -> str:
    """The delimiter among ``allowed`` whose split of the header line has every required column;
    the first allowed one if none does (so the caller's header check names what is missing)."""
    first_line = text.split("\n", 1)[0].rstrip("\r")
    for delimiter in allowed:
        try:
            header = next(csv.reader([first_line], delimiter=delimiter))
        except (csv.Error, StopIteration):
            continue
        names = {h.strip() for h in header}
        if all(c in names for c in required):
            return delimiter
    return allowed[0]


def iter_csv_records(text: str, *, file: str) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(first line of the record, fields)`` for every CSV record, header included;
    a malformed record (e.g. a quote left open by truncation) is a located error."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = 1
    try:
        for record in reader:
            yield start, record
            start = reader.line_num + 1
    except csv.Error as exc:
        raise SourceError(f"malformed CSV (file truncated?): {exc}", file=file, row=start) from None


def load_json(data: bytes, *, file: str) -> Any:
    """Decode and parse a JSON file, naming the line and column of a syntax error."""
    text = decode_text(data, file=file)
    try:
        return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_no_conflict)
    except _DuplicateKeyError as exc:
        key, first, second = exc.args
        raise SourceError(
            f"JSON key {key!r} appears twice in one object with different values "
            f"({_short(first)} and {_short(second)}): which one the publisher meant is unknown",
            file=file,
            row=_line_of_duplicate(text, key, first, second),
            column=key,
        ) from None
    except json.JSONDecodeError as exc:
        raise SourceError(
            f"invalid JSON (file truncated?): {exc.msg} at column {exc.colno}",
            file=file,
            row=exc.lineno,
        ) from None
    except _ConstantError as exc:
        raise SourceError("invalid JSON number", file=file, value=str(exc)) from None
    except RecursionError:
        raise SourceError("JSON nested too deeply", file=file) from None
    except ValueError as exc:  # e.g. an integer literal beyond Python's digit limit
        raise SourceError(f"invalid JSON: {exc}", file=file) from None


class _ConstantError(ValueError):
    pass


class _DuplicateKeyError(ValueError):
    pass


def _no_conflict(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object's pairs as a dict; a key repeated with a *different* value is an error (an
    exact repeat is harmless)."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out and out[key] != value:
            raise _DuplicateKeyError(key, out[key], value)
        out[key] = value
    return out


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "..."


def _line_of_duplicate(text: str, key: str, first: Any, second: Any) -> int | None:
    """The 1-based line where ``"key": second`` follows a ``"key": first`` (None if not
    found: the key may be written with escapes)."""
    needle = json.dumps(key)
    decoder = json.JSONDecoder()
    seen_first = False
    pos = text.find(needle)
    while pos >= 0:
        after = pos + len(needle)
        rest = text[after : after + 8].lstrip()
        if rest.startswith(":"):
            start = text.index(":", after) + 1
            while start < len(text) and text[start] in " \t\r\n":
                start += 1
            try:
                value, _end = decoder.raw_decode(text, start)
            except ValueError:
                value = None
            if seen_first and value == second:
                return text.count("\n", 0, pos) + 1
            seen_first = seen_first or value == first
        pos = text.find(needle, pos + 1)
    return None


def _reject_constant(name: str) -> float:
    raise _ConstantError(name)


class KeyLines:
    """Finds the 1-based line where each key of a JSON object is written, in file order.

    JSON parsers do not report positions; since object keys come back in file order, scanning
    forward for ``"key":`` from the object's own key gives the line of each entry.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def line_of(self, pos: int) -> int:
        lo, hi = 0, len(self._line_starts)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if self._line_starts[mid] <= pos:
                lo = mid
            else:
                hi = mid
        return lo + 1

    def find(self, key: str, start: int) -> int:
        """Position of ``"key"`` followed by a colon at or after ``start`` (``start`` if absent)."""
        pattern = re.compile(re.escape(json.dumps(key)) + r"\s*:")
        match = pattern.search(self.text, start)
        return match.start() if match else start

    def object_lines(self, path: tuple[str, ...], keys: list[str]) -> dict[str, int]:
        """Line of each of ``keys`` inside the object reached by ``path``."""
        pos = 0
        for part in path:
            pos = self.find(part, pos)
        out: dict[str, int] = {}
        for key in keys:
            pos = self.find(key, pos)
            out[key] = self.line_of(pos)
        return out


def http_get(
    client: httpx.Client,
    url: str,
    *,
    file: str | None = None,
    expect: Literal["any", "json", "csv"] = "any",
    params: dict[str, str | int] | None = None,
) -> bytes:
    """GET ``url`` with :func:`aicap.sources.http.get` (timeouts, retries with back-off on
    429/5xx, content checks); failures are a ``FetchError`` (a ``SourceError`` naming the URL)."""
    return http.get(client, url, params=params, file=file, expect=expect)


def require_mapping(
    value: object, *, file: str, where: str, row: int | None = None
) -> dict[str, Any]:
    """``value`` if it is a JSON object, else a located error."""
    if not isinstance(value, dict):
        raise SourceError(
            f"expected a JSON object, found {type(value).__name__}",
            file=file,
            row=row,
            column=where,
        )
    return value


def json_number(value: object, *, file: str, where: str, row: int | None = None) -> float | None:
    """A JSON number as float, ``None`` for null; anything else (strings, booleans, non-finite
    numbers) is a located error."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SourceError("not a number", file=file, row=row, column=where, value=value)
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise SourceError("not a finite number", file=file, row=row, column=where, value=value)
    return number


def required_files(files: Mapping[str, bytes], names: tuple[str, ...], *, source: str) -> None:
    """Fail naming the first of ``names`` missing from ``files``."""
    for name in names:
        if name not in files:
            raise SourceError(f"required file missing from source {source!r}", file=name)
