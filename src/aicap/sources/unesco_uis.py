"""UNESCO Institute for Statistics (UIS): skills-pillar indicators from the UIS Data API.

The UIS has **no folder in the bundled snapshot**: this source exists only through
``aicap update unesco_uis`` (registered as live-only in :mod:`aicap.sources.registry`), which
stores the API's answers as a live snapshot; ``parse`` then reads them like any source's files.

API (no key; checked against the sources named in docs/data.md, *Live update*):

* ``GET https://api.uis.unesco.org/api/public/versions/default`` -> ``{"version":
  "20241030-9d4d089e", "publicationDate": "...", "description": "...", "themeDataStatus":
  [...]}``: the current data release. Every data request below pins ``version=`` to it, so the
  answers of one snapshot all come from one release; the snapshot keeps this answer as
  ``api/versions-default.json`` and ``snapshot.json`` records the version.
* ``GET https://api.uis.unesco.org/api/public/data/indicators?indicator=<ID>&indicatorMetadata=
  true&footnotes=false&version=<V>`` (``indicator`` and ``geoUnit`` are repeatable; ``start``,
  ``end`` optional) -> ``{"hints": [{"code", "message"}], "records": [{"indicatorId", "geoUnit",
  "year", "value", "magnitude", "qualifier"}], "indicatorMetadata": [{"indicatorCode", "name",
  "lastDataUpdate", ...}]}``. One request per indicator (all geo units, all years): the API
  refuses a request of more than 100,000 records with HTTP 400; the largest series here has about
  15,000. Stored as ``api/<ID>.json``.

``parse`` rules:

* ``geoUnit`` is an ISO3 code for countries and a prefixed name for regional aggregates
  (``"SDG: Sub-Saharan Africa"``, ``"WB: Low income ..."``); the harmoniser keeps countries and
  sets aggregates apart through ``mappings/unesco_uis.yaml`` (``aggregate_patterns``). An unknown
  code fails the source, naming it.
* ``value: null`` is a missing value (dropped, counted in the notes); ``magnitude: "NA"`` (not
  applicable) is dropped too, counted. ``qualifier`` (``UIS_EST``, ``NAT_EST``...) and any other
  ``magnitude`` are kept in the observation's ``flags`` (``UIS_EST``, ``magnitude:NIL``).
* A record of another indicator than the file's, a non-integer year, a non-numeric value or a
  missing ``records`` list is an error naming the file, the record (``row`` is its 1-based
  position in ``records``) and the field. Exact repeats are dropped (noted); repeats with
  different values are an error.
* An empty ``records`` list with ``hints`` (the API's answer to an unknown indicator) is an error
  quoting the hints; an empty list without hints is a note.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import pandas as pd

from aicap.sources._common import finish, http_get, json_number, load_json, require_mapping
from aicap.sources.base import IndicatorMeta, Parsed, SourceError, SourceInfo, observations
from aicap.sources.http import FetchError

API = "https://api.uis.unesco.org/api/public"
DATA_URL = f"{API}/data/indicators"
VERSION_URL = f"{API}/versions/default"
PREFIX = "api"
VERSION_FILE = f"{PREFIX}/versions-default.json"
#: The API's limit on records per request (it answers HTTP 400 beyond it).
RECORD_LIMIT = 100_000
LICENCE = "CC BY-SA 4.0"

SOURCE = SourceInfo(
    id="unesco_uis",
    publisher="UNESCO Institute for Statistics (UIS)",
    title="UIS Data API: tertiary enrolment, STEM and ICT graduates, education expenditure, R&D",
    url="https://databrowser.uis.unesco.org/",
    licence=LICENCE,
    citation="UNESCO Institute for Statistics (UIS), UIS Data API "
    "(https://api.uis.unesco.org/api/public), data release named in the snapshot; terms: "
    "https://databrowser.uis.unesco.org/terms-and-conditions.",
    entity_kind="code",
    files=(f"{PREFIX}/*.json",),
    vintage="",
    live_url=DATA_URL,
)


@dataclass(frozen=True)
class Series:
    """One UIS indicator aicap reads, and why."""

    #: The UIS indicator id (``indicator=`` of the API, ``indicatorId`` of its records).
    uis: str
    name: str
    unit: str
    #: Why it belongs in the skills pillar of AI capacity.
    why: str
    #: How the id and name were checked (see docs/data.md).
    checked: str

    @property
    def code(self) -> str:
        """The aicap indicator code (prefixed, so it never clashes with another publisher's)."""
        return f"UIS.{self.uis}"


_CATALOGUE = "id and name as listed by /api/public/definitions/indicators (2026-09 catalogue)"

#: The indicators aicap downloads, one request each. Change the list here only; docs/data.md
#: explains the choice. SDG 4.4.1 (ICT skills, ``ICTSKILL*``) is left out: its ids in the
#: current catalogue could be listed but not matched to their names.
SERIES: tuple[Series, ...] = (
    Series(
        "GER.5T8",
        "Gross enrolment ratio for tertiary education, both sexes (%)",
        "%",
        "Size of the tertiary-educated pipeline from which AI talent is drawn.",
        _CATALOGUE,
    ),
    Series(
        "FOSGP.5T8.F500600700",
        "Percentage of graduates from Science, Technology, Engineering and Mathematics "
        "programmes in tertiary education, both sexes (%)",
        "%",
        "STEM share of tertiary graduates: the technical depth of the skills supply.",
        _CATALOGUE,
    ),
    Series(
        "FOSGP.5T8.F600",
        "Percentage of graduates from tertiary education graduating from Information and "
        "Communication Technologies programmes, both sexes (%)",
        "%",
        "ICT graduates (ISCED-F 2013 broad field 06): the closest UIS series to AI-relevant "
        "degrees.",
        "id used in published code (World Bank mirror UIS.FOSGP.5T8.F600); name follows the "
        "UIS pattern for fields of study, not read from the catalogue",
    ),
    Series(
        "XGDP.FSGOV",
        "Government expenditure on education as a percentage of GDP (%)",
        "% of GDP",
        "Public investment in the education system that produces digital and AI skills.",
        _CATALOGUE,
    ),
    Series(
        "RESDEN.INHAB.TFTE",
        "Researchers per million inhabitants (FTE)",
        "per million inhabitants",
        "SDG 9.5.2: research workforce able to absorb and produce AI research.",
        _CATALOGUE,
    ),
    Series(
        "EXPGDP.TOT",
        "GERD as a percentage of GDP",
        "% of GDP",
        "SDG 9.5.1: gross domestic expenditure on R&D, the research base AI builds on.",
        _CATALOGUE,
    ),
)


def data_file(uis: str) -> str:
    """``GER.5T8`` -> ``api/GER.5T8.json``."""
    return f"{PREFIX}/{uis}.json"


def read_version(data: bytes, *, file: str = VERSION_FILE) -> dict[str, str]:
    """The data release described by a ``/versions/default`` answer: ``version`` (required),
    ``publicationDate`` and ``description`` when given."""
    doc = require_mapping(load_json(data, file=file), file=file, where="(root)")
    version = doc.get("version")
    if not isinstance(version, str) or not version.strip():
        raise SourceError(
            "no data version in the answer", file=file, column="version", value=version
        )
    out = {"version": version.strip()}
    for key in ("publicationDate", "description"):
        value = doc.get(key)
        if isinstance(value, str) and value.strip():
            out[key] = value.strip()
    return out


def describe(files: Mapping[str, bytes]) -> dict[str, Any]:
    """What ``snapshot.json`` records besides the files: the UIS data release."""
    if VERSION_FILE not in files:
        return {}
    return {"data_version": read_version(files[VERSION_FILE])}


def _text(value: object, *, file: str, row: int, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise SourceError(
            "expected a string or null", file=file, row=row, column=field, value=value
        )
    return value.strip() or None


def _year(value: object, *, file: str, row: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1900 <= value <= 2100:
        raise SourceError("not a year", file=file, row=row, column="year", value=value)
    return value


def _hints(doc: dict[str, Any], *, file: str) -> list[str]:
    hints = doc.get("hints", [])
    if hints is None:
        return []
    if not isinstance(hints, list):
        raise SourceError("hints is not a list", file=file, column="hints")
    out = []
    for hint in hints:
        if isinstance(hint, dict):
            out.append(f"{hint.get('code', '')}: {hint.get('message', '')}".strip(": "))
        else:
            out.append(str(hint))
    return out


def _metadata(doc: dict[str, Any], uis: str) -> dict[str, Any]:
    meta = doc.get("indicatorMetadata") or []
    if not isinstance(meta, list):
        return {}
    for entry in meta:
        if isinstance(entry, dict) and entry.get("indicatorCode") == uis:
            return entry
    return {}


def _parse_answer(
    series: Series, data: bytes, notes: list[str]
) -> tuple[pd.DataFrame, IndicatorMeta]:
    file = data_file(series.uis)
    doc = require_mapping(load_json(data, file=file), file=file, where="(root)")
    records = doc.get("records")
    if not isinstance(records, list):
        raise SourceError(
            "no records list (not a UIS Data API answer?)", file=file, column="records"
        )
    hints = _hints(doc, file=file)
    if not records and hints:
        raise SourceError(
            f"no records for {series.uis}; the API says: {'; '.join(hints)}",
            file=file,
            column="hints",
        )
    if not records:
        notes.append(f"{series.uis}: the API returned no records")
    elif hints:
        notes.append(f"{series.uis}: API hints: {'; '.join(hints)}")
    if len(records) >= RECORD_LIMIT:
        raise SourceError(
            f"{len(records)} records, at the API's limit of {RECORD_LIMIT} per request: the "
            "answer may be cut; split the request",
            file=file,
        )
    entities: list[str] = []
    years: list[int] = []
    values: list[float] = []
    flags: list[str] = []
    rows: list[int] = []
    nulls = 0
    not_applicable = 0
    for row, raw in enumerate(records, start=1):
        rec = require_mapping(raw, file=file, where="records", row=row)
        indicator = rec.get("indicatorId")
        if indicator != series.uis:
            raise SourceError(
                f"record of another indicator in the answer for {series.uis}",
                file=file,
                row=row,
                column="indicatorId",
                value=indicator,
            )
        geo = _text(rec.get("geoUnit"), file=file, row=row, field="geoUnit")
        if geo is None:
            raise SourceError("record without a geoUnit", file=file, row=row, column="geoUnit")
        year = _year(rec.get("year"), file=file, row=row)
        value = json_number(rec.get("value"), file=file, where="value", row=row)
        magnitude = _text(rec.get("magnitude"), file=file, row=row, field="magnitude")
        qualifier = _text(rec.get("qualifier"), file=file, row=row, field="qualifier")
        if value is None:
            nulls += 1
            continue
        if magnitude == "NA":
            not_applicable += 1
            continue
        marks = [qualifier] if qualifier else []
        if magnitude:
            marks.append(f"magnitude:{magnitude}")
        entities.append(geo)
        years.append(year)
        values.append(value)
        flags.append(",".join(marks))
        rows.append(row)
    if nulls:
        notes.append(f"{series.uis}: dropped {nulls} record(s) with value null")
    if not_applicable:
        notes.append(
            f"{series.uis}: dropped {not_applicable} record(s) with magnitude NA (not applicable)"
        )
    frame = observations(
        entity=pd.Series(entities, dtype="string"),
        year=pd.Series(years, dtype="int64"),
        indicator=series.code,
        value=pd.Series(values, dtype="float64"),
        file=file,
        row=pd.Series(rows, dtype="int64"),
        flags=pd.Series(flags, dtype="string"),
    )
    meta = _metadata(doc, series.uis)
    published = meta.get("name") if isinstance(meta.get("name"), str) else ""
    updated = meta.get("lastDataUpdate") if isinstance(meta.get("lastDataUpdate"), str) else ""
    description = f"{series.why} UIS indicator {series.uis}"
    if published and published != series.name:
        description += f" (UIS name: {published})"
    if updated:
        description += f"; last UIS data update {updated}"
    return frame, IndicatorMeta(
        code=series.code,
        name=series.name,
        unit=series.unit,
        description=description + ".",
        source_code=series.uis,
    )


def parse(files: Mapping[str, bytes]) -> Parsed:
    """Parse the UIS Data API answers ``api/<ID>.json`` (and the release in
    ``api/versions-default.json``) of a live snapshot; see the module doc."""
    notes: list[str] = []
    if VERSION_FILE in files:
        release = read_version(files[VERSION_FILE])
        published = release.get("publicationDate", "")
        notes.append(
            f"UIS data version {release['version']}"
            + (f" (published {published})" if published else "")
        )
    else:
        notes.append(f"no {VERSION_FILE}: the UIS data version is not recorded")
    answers = {p: d for p, d in files.items() if p.startswith(f"{PREFIX}/") and p != VERSION_FILE}
    if not answers:
        raise SourceError(
            f"no UIS Data API answer (expected {data_file('<indicator>')})", file=PREFIX
        )
    known = {data_file(s.uis): s for s in SERIES}
    for path in sorted(set(answers) - set(known)):
        notes.append(f"{path}: not an indicator of aicap's UIS list; skipped")
    frames: list[pd.DataFrame] = []
    indicators: list[IndicatorMeta] = []
    for path, series in known.items():
        if path not in answers:
            notes.append(f"{series.uis}: no answer in this snapshot (added to the list later?)")
            continue
        frame, meta = _parse_answer(series, answers[path], notes)
        frames.append(frame)
        indicators.append(meta)
    obs = finish(frames, notes)
    return Parsed(observations=obs, indicators=indicators, notes=notes)


def fetch(client: httpx.Client, series: tuple[Series, ...] = SERIES) -> dict[str, bytes]:
    """Download the current data release, then each of ``series`` pinned to it (one request per
    indicator, all geo units and years): ``api/versions-default.json``, ``api/<ID>.json``."""
    raw = http_get(client, VERSION_URL, file=VERSION_FILE, expect="json")
    version = read_version(raw)["version"]
    files = {VERSION_FILE: raw}
    for s in series:
        name = data_file(s.uis)
        params: dict[str, str | int] = {
            "indicator": s.uis,
            "indicatorMetadata": "true",
            "footnotes": "false",
            "version": version,
        }
        try:
            files[name] = http_get(client, DATA_URL, file=name, expect="json", params=params)
        except FetchError as exc:
            if exc.status != 400:
                raise
            raise FetchError(
                f"{exc.message} (the UIS API answers 400 to a request of more than "
                f"{RECORD_LIMIT} records or with an unknown parameter value)",
                url=exc.url,
                status=exc.status,
            ) from None
    return files
