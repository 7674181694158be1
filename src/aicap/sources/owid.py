"""Shared reader for Our World in Data grapher CSVs (not a source itself).

A grapher CSV has the columns ``Entity, Code, Year`` and one value column. ``Code`` is the ISO3
code for countries, ``OWID_*`` for OWID's own entities (``OWID_WRL`` World, ``OWID_KOS`` Kosovo)
and empty for regional or income groups. The entity is the ``Code`` when there is one, else the
``Entity`` name; the source's mapping file lists the names and ``OWID_*`` codes (aggregates or
countries). Some copies are re-saved with ``;`` as delimiter, so the header decides between
``,`` and ``;``; any other delimiter is an error.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import httpx
import pandas as pd

from aicap.sources._common import (
    check_codes,
    finish,
    http_get,
    load_json,
    read_table,
    require_mapping,
    sniff_delimiter,
)
from aicap.sources.base import (
    IndicatorMeta,
    Parsed,
    SourceError,
    decode_text,
    observations,
    require_file,
    to_numeric,
    to_year,
)

ID_COLUMNS = ("Entity", "Code", "Year")
DELIMITERS = (",", ";")

#: ``?v=1&csvType=full&useColumnShortNames=false`` gives the same columns as the offline files.
GRAPHER_CSV = (
    "https://ourworldindata.org/grapher/{slug}.csv?v=1&csvType=full&useColumnShortNames=false"
)
#: The chart's metadata (units, citation, ``lastUpdated`` per column), same query.
GRAPHER_METADATA = (
    "https://ourworldindata.org/grapher/{slug}.metadata.json?v=1&csvType=full"
    "&useColumnShortNames=false"
)


def short_names(files: Mapping[str, bytes], file: str, value_column: str) -> tuple[str, ...]:
    """OWID's short name of ``value_column`` in the metadata file, when it gives one."""
    if file not in files:
        return ()
    try:
        doc = json.loads(files[file])
        name = doc["columns"][value_column]["shortName"]
    except (ValueError, KeyError, TypeError):
        return ()
    return (name,) if isinstance(name, str) and name else ()


def metadata_notes(files: Mapping[str, bytes], *, file: str, value_column: str) -> list[str]:
    """Notes from a grapher ``.metadata.json`` beside the CSV (when there is one): the value
    column's unit and OWID's ``lastUpdated`` date. A file that is not JSON is an error."""
    if file not in files:
        return []
    doc = require_mapping(load_json(files[file], file=file), file=file, where="(root)")
    columns = doc.get("columns")
    column = columns.get(value_column) if isinstance(columns, dict) else None
    if not isinstance(column, dict):
        return [f"{file}: no metadata for column {value_column!r}"]
    return [
        f"{file}: {value_column!r} unit {column.get('unit', '')!r}, "
        f"last updated {column.get('lastUpdated', '?')}, "
        f"next update {column.get('nextUpdate', '?')}"
    ]


def fetch_grapher(client: httpx.Client, slug: str) -> dict[str, bytes]:
    """Download a grapher chart's CSV and its ``.metadata.json``."""
    return {
        f"{slug}.csv": http_get(
            client, GRAPHER_CSV.format(slug=slug), file=f"{slug}.csv", expect="csv"
        ),
        f"{slug}.metadata.json": http_get(
            client,
            GRAPHER_METADATA.format(slug=slug),
            file=f"{slug}.metadata.json",
            expect="json",
        ),
    }


def parse_grapher(
    data: bytes,
    *,
    file: str,
    indicator: str,
    value_column: str,
    notes: list[str],
    aliases: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Raw observations of one grapher CSV; ``value_column`` names the value column. OWID's
    short name for the same column (``aliases``: given by the importer or the metadata file)
    is accepted and noted; any other column is another measure and an error."""
    text = decode_text(data, file=file)
    delimiter = sniff_delimiter(text, file=file, required=ID_COLUMNS, allowed=DELIMITERS)
    frame = read_table(data, file=file, required=ID_COLUMNS, delimiter=delimiter)
    if delimiter != ",":
        notes.append(f"{file}: read as {delimiter!r}-delimited")
    others = [c for c in frame.columns if c not in (*ID_COLUMNS, "_row")]
    alias = [a for a in aliases if a in others]
    if value_column in others:
        column = value_column
    elif alias:
        column = alias[0]
        notes.append(f"{file}: value column {column!r} (OWID's short name of {value_column!r})")
    elif others:
        raise SourceError(
            f"the value column {value_column!r} is missing and {others[0]!r} is another "
            "measure (rule: a value column is read only under its own name or OWID's short "
            f"name{' ' + repr(aliases[0]) if aliases else ''})",
            file=file,
            row=1,
            column=others[0],
        )
    else:
        raise SourceError(
            f"missing column {value_column!r}" + (f" (found {others})" if others else ""),
            file=file,
            row=1,
            column=value_column,
        )
    code = frame["Code"].astype("string").fillna("").str.strip()
    entity = code.where(code != "", frame["Entity"].astype("string").str.strip())
    frame["_entity"] = entity
    check_codes(frame, "_entity", file=file)
    return finish(
        [
            observations(
                entity=entity,
                year=to_year(frame, "Year", file=file),
                indicator=indicator,
                value=to_numeric(frame, column, file=file),
                file=file,
                row=frame["_row"],
                column=column,
            )
        ],
        notes,
    )


def parse_chart(
    files: Mapping[str, bytes],
    *,
    source: str,
    file: str,
    slug: str,
    value_column: str,
    indicator: IndicatorMeta,
    short_name: str = "",
) -> Parsed:
    """Parse one OWID chart's grapher CSV (and notes from its ``.metadata.json`` when present)
    into ``indicator``: the whole ``parse`` of a one-chart OWID source."""
    notes: list[str] = []
    obs = parse_grapher(
        require_file(files, file, source=source),
        file=file,
        indicator=indicator.code,
        value_column=value_column,
        notes=notes,
        aliases=tuple(
            a for a in (short_name, *short_names(files, f"{slug}.metadata.json", value_column)) if a
        ),
    )
    notes += metadata_notes(files, file=f"{slug}.metadata.json", value_column=value_column)
    return Parsed(observations=obs, indicators=[indicator], notes=notes)
