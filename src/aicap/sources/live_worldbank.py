"""The World Bank Indicators API v2 (JSON): download with paging, and a pure reader.

Used by :mod:`aicap.sources.wdi` (source 2, the WDI) and :mod:`aicap.sources.wgi` (source 3, the
Worldwide Governance Indicators). Documented at
https://datahelpdesk.worldbank.org/knowledgebase/articles/889392 (API basic call structures,
pagination, errors).

Shapes read here:

* data, ``/v2/country/all/indicator/{code}?format=json&per_page=N&page=P[&source=3]``:
  ``[{"page": 1, "pages": 1, "per_page": 20000, "total": 17290, "sourceid": "2",
  "lastupdated": "2025-07-01"}, [{"indicator": {"id": CODE, "value": NAME}, "country": {"id":
  ISO2, "value": NAME}, "countryiso3code": ISO3, "date": "2023", "value": 1.5 | null, "unit": "",
  "obs_status": "", "decimal": 1}, ...]]``; a series without data has ``null`` for the list;
* indicator metadata, ``/v2/indicator/{code}?format=json``: ``[{paging}, [{"id", "name",
  "unit", "source": {"id", "value"}, "sourceNote", "sourceOrganization", "topics"}]]``;
* errors, with status 200: ``[{"message": [{"id": "120", "key": "Invalid value", "value": "The
  provided parameter value is not valid"}]}]``.

Each page is stored as its own file (``<prefix>/<CODE>/data-p<N>.json``) so the snapshot holds
the publisher's bytes unchanged; :func:`parse_series` checks that every page is there and that
the records add up to the announced ``total`` (a truncated download is an error, not a gap).
``row`` is the record's 1-based position in its page (the API writes each page on one line).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import pandas as pd

from aicap.sources._common import http_get, json_number, load_json, require_mapping
from aicap.sources.base import SourceError, observations

API = "https://api.worldbank.org/v2"
PER_PAGE = 20000
#: Safety stop for paging (20000 x 50 records is far beyond any indicator).
MAX_PAGES = 50

_PAGE_FILE = re.compile(r"^data-p(\d+)\.json$")


@dataclass(frozen=True)
class IndicatorInfo:
    """An indicator's metadata as the API describes it."""

    code: str
    name: str
    unit: str
    note: str
    source: str


def data_url(code: str) -> str:
    return f"{API}/country/all/indicator/{code}"


def meta_url(code: str) -> str:
    return f"{API}/indicator/{code}"


def api_error(doc: object) -> str | None:
    """The API's error message (``"120 Invalid value: ..."``) if ``doc`` is one, else None."""
    if not isinstance(doc, list) or not doc or not isinstance(doc[0], dict):
        return None
    messages = doc[0].get("message")
    if not isinstance(messages, list) or not messages:
        return None
    parts = []
    for m in messages:
        if isinstance(m, dict):
            parts.append(f"{m.get('id', '?')} {m.get('key', '')}: {m.get('value', '')}".strip())
    return "; ".join(parts) or "unspecified error"


def _check_error(doc: object, *, file: str) -> None:
    message = api_error(doc)
    if message is not None:
        raise SourceError(f"the World Bank API returned an error: {message}", file=file)


def _int(value: object, *, file: str, where: str) -> int:
    """Paging numbers are ints in v2 (strings in some older answers)."""
    if isinstance(value, bool):
        raise SourceError("not an integer", file=file, column=where, value=value)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    raise SourceError("not an integer", file=file, column=where, value=value)


def _page(doc: object, *, file: str) -> tuple[dict[str, Any], list[Any]]:
    _check_error(doc, file=file)
    if not isinstance(doc, list) or len(doc) != 2:
        raise SourceError("expected the API's [paging, records] array", file=file, column="(root)")
    header = require_mapping(doc[0], file=file, where="[0]")
    records = doc[1]
    if records is None:
        records = []
    if not isinstance(records, list):
        raise SourceError("expected a list of records", file=file, column="[1]")
    return header, records


def page_count(data: bytes, *, file: str) -> int:
    """``pages`` of one downloaded page (used while paging)."""
    header, _records = _page(load_json(data, file=file), file=file)
    return _int(header.get("pages"), file=file, where="[0].pages")


def fetch_series(
    client: httpx.Client, code: str, *, prefix: str, source: int | None = None
) -> dict[str, bytes]:
    """Every page of ``code`` for all economies, as ``{prefix}/{code}/data-p<N>.json``."""
    files: dict[str, bytes] = {}
    page = 1
    pages = 1
    while page <= pages:
        params: dict[str, str | int] = {"format": "json", "per_page": PER_PAGE, "page": page}
        if source is not None:
            params["source"] = source
        name = f"{prefix}/{code}/data-p{page}.json"
        body = http_get(client, data_url(code), params=params, file=name, expect="json")
        try:
            pages = page_count(body, file=name)
        except SourceError as exc:
            url = str(httpx.URL(data_url(code), params=params))
            raise SourceError(exc.message, file=url, column=exc.column, value=exc.value) from None
        if pages > MAX_PAGES:
            raise SourceError(f"{pages} pages announced; refusing to page further", file=name)
        files[name] = body
        page += 1
    return files


def fetch_meta(client: httpx.Client, code: str, *, prefix: str) -> dict[str, bytes]:
    """The indicator's metadata as ``{prefix}/{code}/meta.json``."""
    name = f"{prefix}/{code}/meta.json"
    body = http_get(client, meta_url(code), params={"format": "json"}, file=name, expect="json")
    _check_error(load_json(body, file=name), file=str(httpx.URL(meta_url(code))))
    return {name: body}


def series_files(files: Mapping[str, bytes], prefix: str) -> dict[str, dict[str, bytes]]:
    """``{code: {file name inside the code's folder: bytes}}`` for files under ``prefix/``."""
    out: dict[str, dict[str, bytes]] = {}
    for path, data in files.items():
        parts = path.split("/")
        if len(parts) == 3 and parts[0] == prefix:
            out.setdefault(parts[1], {})[parts[2]] = data
    return out


def parse_meta(data: bytes, *, file: str, code: str) -> IndicatorInfo:
    """The metadata record of ``code``."""
    _header, records = _page(load_json(data, file=file), file=file)
    if len(records) != 1:
        raise SourceError(f"expected one indicator record, found {len(records)}", file=file)
    rec = require_mapping(records[0], file=file, where="[1][0]")
    if rec.get("id") != code:
        raise SourceError(
            f"metadata is for another indicator (expected {code})",
            file=file,
            column="id",
            value=rec.get("id"),
        )
    name = rec.get("name")
    if not isinstance(name, str) or not name.strip():
        raise SourceError("missing or empty name", file=file, column="name", value=name)
    source = rec.get("source")
    return IndicatorInfo(
        code=code,
        name=name.strip(),
        unit=str(rec.get("unit") or "").strip(),
        note=str(rec.get("sourceNote") or "").strip(),
        source=str(source.get("value", "")) if isinstance(source, dict) else "",
    )


def parse_series(
    parts: Mapping[str, bytes], *, folder: str, code: str, indicator: str, notes: list[str]
) -> pd.DataFrame:
    """Raw observations of one indicator from its page files (``data-p<N>.json`` in ``parts``,
    named ``{folder}/data-p<N>.json``), stored under ``indicator``."""
    pages: dict[int, bytes] = {}
    for name, data in parts.items():
        match = _PAGE_FILE.match(name)
        if match:
            pages[int(match.group(1))] = data
    if not pages:
        raise SourceError("no data-p<N>.json page for the indicator", file=f"{folder}/data-p1.json")
    entities: list[str] = []
    years: list[int] = []
    values: list[float] = []
    rows: list[int] = []
    files: list[str] = []
    announced_pages: int | None = None
    total: int | None = None
    seen = 0
    no_code = 0
    for number in sorted(pages):
        file = f"{folder}/data-p{number}.json"
        header, records = _page(load_json(pages[number], file=file), file=file)
        page_no = _int(header.get("page"), file=file, where="[0].page")
        if page_no != number:
            raise SourceError(
                f"file holds page {page_no}, not page {number}", file=file, column="[0].page"
            )
        n_pages = _int(header.get("pages"), file=file, where="[0].pages")
        n_total = _int(header.get("total"), file=file, where="[0].total")
        if announced_pages is None:
            announced_pages, total = n_pages, n_total
        elif (n_pages, n_total) != (announced_pages, total):
            raise SourceError(
                "pages disagree on the number of pages or records (series changed while paging?)",
                file=file,
                column="[0]",
            )
        seen += len(records)
        for i, raw in enumerate(records, start=1):
            rec = require_mapping(raw, file=file, where="[1]", row=i)
            ind = rec.get("indicator")
            ind_id = ind.get("id") if isinstance(ind, dict) else None
            if ind_id != code:
                raise SourceError(
                    f"record of another indicator (expected {code})",
                    file=file,
                    row=i,
                    column="indicator.id",
                    value=ind_id,
                )
            value = json_number(rec.get("value"), file=file, where="value", row=i)
            date = rec.get("date")
            if not isinstance(date, str) or not re.fullmatch(r"\d{4}", date.strip()):
                raise SourceError("not a year", file=file, row=i, column="date", value=date)
            iso3 = rec.get("countryiso3code")
            if value is None:
                continue
            if not isinstance(iso3, str) or not iso3.strip():
                no_code += 1
                continue
            entities.append(iso3.strip())
            years.append(int(date))
            values.append(value)
            rows.append(i)
            files.append(file)
    assert announced_pages is not None and total is not None
    missing = sorted(set(range(1, announced_pages + 1)) - set(pages))
    if missing:
        raise SourceError(
            f"page(s) {missing} of {announced_pages} missing (incomplete download)",
            file=f"{folder}/data-p{missing[0]}.json",
        )
    if seen != total:
        raise SourceError(
            f"{seen} records in the pages but the API announced {total} (truncated download?)",
            file=f"{folder}/data-p{max(pages)}.json",
        )
    if no_code:
        notes.append(f"{folder}: {no_code} value(s) without an ISO3 code (aggregates) not stored")
    frame = observations(
        entity=pd.Series(entities, dtype="string"),
        year=pd.Series(years, dtype="int64"),
        indicator=indicator,
        value=pd.Series(values, dtype="float64"),
        file="",
        row=pd.Series(rows, dtype="int64"),
    )
    frame["file"] = pd.Series(files, dtype="string")
    return frame
