"""AIAAIC Repository: AI, algorithmic and automation incidents and controversies (CSV export of
the public sheet's Incidents tab, May 2026).

File ``aiaaic-repository-incidents.csv`` (CRLF, UTF-8): **three header lines** -- a title line
(``Incidents``), the column names, then sub-headers naming the grouped columns (``Impacted
area`` -> ``Jurisdiction``, ``Sector``; ``External harm (taxonomy)`` -> ``Individual``,
``Societal``, ``Environmental``). The title line is skipped, the sub-header line names the
grouped columns and is not data.

Records:

* ``incidents``: one row per AIAAIC id (``aiaaic_id, headline, occurred, year, year_end,
  deployer, developer, system, technology, purpose, ethical_issues, sector, harm_individual,
  harm_societal, harm_environmental, url``). ``Occurred`` is a year, a range (``2019-2024``) or
  open (``2020-``): ``year`` is its first year, ``year_end`` its last when given. The id that
  appears twice (``AIAAIC2094``, slightly different coding) keeps its first row (noted); a row
  with no id gets ``AIAAIC?line<N>``. ``url`` (``Summary/links``) is the citable record page;
  AIAAIC's terms ask for a link to it and attribution.
* ``incident_countries``: one row per incident and ``Jurisdiction`` token (split on ``;`` and
  ``,``; ``country_method = jurisdiction``). The tokens are free text -- short names (``USA``,
  ``UK``, ``S Korea``), US states and UK nations (``California``, ``Scotland``), sub-national
  places (``Zanzibar``, ``UAE/Dubai``), misspellings (``Burkino Faso``), non-countries
  (``Multiple``, ``Global``, ``EU``, ``All``) -- mapped in ``mappings/aiaaic_incidents.yaml``
  (non-countries excluded with a reason, so their rows have a NULL ``iso3``). A multi-country
  record counts once per country.

No observations: see :mod:`aicap.sources.aiid_incidents` (counts come after harmonisation and
de-duplication; coverage is media-driven, so counts are documented cases, never rates).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import pandas as pd

from aicap.sources._records import frame_of, read_table_renaming, rows, text, tokens
from aicap.sources.base import Parsed, SourceError, SourceInfo, empty_observations, require_file

FILE = "aiaaic-repository-incidents.csv"

SOURCE = SourceInfo(
    id="aiaaic_incidents",
    publisher="AIAAIC",
    title="AIAAIC Repository: AI, algorithmic and automation incidents",
    url="https://www.aiaaic.org/aiaaic-repository",
    licence="CC BY-SA 4.0 (AIAAIC terms: public-interest use, link to the record, attribution)",
    citation="AIAAIC Repository, https://www.aiaaic.org/aiaaic-repository (export via "
    "github.com/rubythelot/aiaaic-chatbot-harm-atlas); each record's page is in Summary/links.",
    entity_kind="name",
    files=(FILE,),
    vintage="rubythelot/aiaaic-chatbot-harm-atlas@4f12d50a560901624d0613eb82bdab02d5b97542 "
    "(file added 2026-05-08)",
)

ID = "AIAAIC ID#"
REQUIRED = (
    ID,
    "Headline",
    "Occurred",
    "Deployer",
    "Developer",
    "Impacted area",
    "External harm (taxonomy)",
)
GROUPED = ("Jurisdiction", "Sector", "Individual", "Societal", "Environmental")
METHOD = "jurisdiction"

_OCCURRED = re.compile(r"^(\d{4})(?:\s*[-–]\s*(\d{4})?)?$")


def _occurred(values: pd.Series, lines: pd.Series) -> tuple[pd.Series, pd.Series]:
    first: list[int | None] = []
    last: list[int | None] = []
    for value, line in zip(values.tolist(), lines.tolist(), strict=True):
        if not value:
            first.append(None)
            last.append(None)
            continue
        match = _OCCURRED.match(value)
        if not match or not 1900 <= int(match.group(1)) <= 2100:
            raise SourceError(
                "not a year or a year range",
                file=FILE,
                row=int(line),
                column="Occurred",
                value=value,
            )
        start = int(match.group(1))
        end = int(match.group(2)) if match.group(2) else (start if "-" not in value else None)
        if end is not None and end < start:
            raise SourceError(
                "year range ends before it starts",
                file=FILE,
                row=int(line),
                column="Occurred",
                value=value,
            )
        first.append(start)
        last.append(end)
    return pd.Series(first, dtype="Int64"), pd.Series(last, dtype="Int64")


def _col(table: pd.DataFrame, name: str) -> pd.Series:
    return text(table, name) if name in table.columns else pd.Series([""] * len(table))


def parse(files: Mapping[str, bytes]) -> Parsed:
    """Incident records and their jurisdiction tokens."""
    table = read_table_renaming(
        require_file(files, FILE, source=SOURCE.id), file=FILE, required=REQUIRED, skip=1
    )
    first = table.iloc[0]
    if str(first[ID] or "").strip() or str(first["Impacted area"] or "").strip() != "Jurisdiction":
        raise SourceError(
            "expected the sub-header line (Jurisdiction, Sector, Individual...) after the "
            "column names",
            file=FILE,
            row=int(first["_row"]),
            column="Impacted area",
            value=str(first["Impacted area"]),
        )
    renames = {
        str(c): str(first[c]).strip()
        for c in table.columns
        if c != "_row" and str(first[c] or "").strip()
    }
    table = table.iloc[1:].rename(columns=renames).reset_index(drop=True)
    missing = [g for g in GROUPED if g not in table.columns]
    if missing:
        raise SourceError(f"sub-header lacks {missing}", file=FILE, row=3, column=missing[0])
    if table.empty:
        raise SourceError("file has headers but no incidents", file=FILE)
    notes: list[str] = []
    lines = rows(table)
    ids = text(table, ID)
    no_id = ids == ""
    if bool(no_id.any()):
        ids = ids.where(~no_id, "AIAAIC?line" + lines.astype("string"))
        notes.append(f"{int(no_id.sum())} row(s) with no AIAAIC id, named AIAAIC?line<N>")
    twice = ids.duplicated()
    if bool(twice.any()):
        notes.append(
            f"{int(twice.sum())} repeated id(s) kept at their first row: "
            + ", ".join(f"{i} (line {n})" for i, n in zip(ids[twice], lines[twice], strict=True))
        )
    keep = ~twice.to_numpy()
    table, ids, lines = table[keep], ids[keep], lines[keep]
    year, year_end = _occurred(text(table, "Occurred"), lines)
    incidents = frame_of(
        {
            "aiaaic_id": ids,
            "headline": text(table, "Headline"),
            "occurred": text(table, "Occurred"),
            "year": year,
            "year_end": year_end,
            "deployer": text(table, "Deployer"),
            "developer": text(table, "Developer"),
            "system": _col(table, "System name"),
            "technology": _col(table, "Technology"),
            "purpose": _col(table, "Purpose"),
            "ethical_issues": _col(table, "Ethical issue (taxonomy)"),
            "jurisdiction": text(table, "Jurisdiction"),
            "sector": text(table, "Sector"),
            "harm_individual": text(table, "Individual"),
            "harm_societal": text(table, "Societal"),
            "harm_environmental": text(table, "Environmental"),
            "url": _col(table, "Summary/links"),
            "file": [FILE] * len(ids),
            "row": lines,
        },
        {
            "aiaaic_id": "string",
            "headline": "string",
            "occurred": "string",
            "year": "Int64",
            "year_end": "Int64",
            "deployer": "string",
            "developer": "string",
            "system": "string",
            "technology": "string",
            "purpose": "string",
            "ethical_issues": "string",
            "jurisdiction": "string",
            "sector": "string",
            "harm_individual": "string",
            "harm_societal": "string",
            "harm_environmental": "string",
            "url": "string",
            "file": "string",
            "row": "int64",
        },
    )
    links: dict[str, list[object]] = {
        k: [] for k in ("aiaaic_id", "country_entity", "country_method", "file", "row")
    }
    for incident, value, line in zip(
        incidents["aiaaic_id"].tolist(),
        incidents["jurisdiction"].tolist(),
        incidents["row"].tolist(),
        strict=True,
    ):
        for token in dict.fromkeys(tokens(str(value), ";,")):
            links["aiaaic_id"].append(incident)
            links["country_entity"].append(token)
            links["country_method"].append(METHOD)
            links["file"].append(FILE)
            links["row"].append(line)
    countries = frame_of(
        dict(links),
        {
            "aiaaic_id": "string",
            "country_entity": "string",
            "country_method": "string",
            "file": "string",
            "row": "int64",
        },
    )
    notes.insert(
        0,
        f"{len(incidents)} incidents, {int((incidents['jurisdiction'] == '').sum())} with no "
        f"jurisdiction; {len(countries)} jurisdiction tokens",
    )
    return Parsed(
        observations=empty_observations(),
        indicators=[],
        notes=notes,
        records={"incidents": incidents, "incident_countries": countries},
    )
