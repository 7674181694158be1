"""Worldwide Governance Indicators (WGI), 2024 release (data 1996-2023).

File ``wgidataset.csv``: UTF-8 **with a BOM** (stripped by :func:`decode_text`), CRLF, long by
economy x indicator x year, with the literal ``..`` as the missing marker (dropped, never an
error). Six dimensions (``indicator`` column: va pv ge rq rl cc), each with six measures, become
the codes ``WGI.<IND>.<MEASURE>``: EST (estimate), SD (standard error), NSRC (number of
sources), PCT (percentile rank) and PCT_LO / PCT_HI (its 90% interval).

``code`` is the World Bank's 3-letter economy code, which differs from ISO 3166 for ADO (AND),
ZAR (COD), ROM (ROU), TMP (TLS), KSV (XKX), WBG (PSE); ANT (Netherlands Antilles, dissolved) has
no successor and JEY (Jersey) is ISO3 already. Those are in ``mappings/wgi.yaml``, not here.

Live (``fetch``): the World Bank Indicators API serves the WGI as source 3, under the codes
``GOV_WGI_<DIM>.EST`` (estimate), ``.SE`` (standard error) and ``.SR`` (number of sources), read
by :mod:`aicap.sources.live_worldbank` into the same ``WGI.<DIM>.EST`` / ``.SD`` / ``.NSRC``
codes. The API's economy codes are the World Bank's (AND, COD, ROU, TLS, XKX, PSE), so the legacy
codes of ``mappings/wgi.yaml`` are not needed there (the harmoniser warns that they are unused).
The percentile ranks (``PCT``, ``PCT_LO``, ``PCT_HI``) have no API code we could verify, so a
live snapshot also carries the bundled ``wgidataset.csv`` and takes only those three measures
from it: each value's ``file`` says which of the two it came from.
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx
import pandas as pd

from aicap.sources import live_worldbank as wb
from aicap.sources._common import check_codes, finish, read_table
from aicap.sources.base import (
    IndicatorMeta,
    Parsed,
    SourceError,
    SourceInfo,
    observations,
    require_file,
    to_numeric,
    to_year,
)

FILE = "wgidataset.csv"

SOURCE = SourceInfo(
    id="wgi",
    publisher="World Bank",
    title="Worldwide Governance Indicators, 2024 update",
    url="https://www.worldbank.org/en/publication/worldwide-governance-indicators",
    licence="CC BY 4.0",
    citation="Kaufmann, D. and A. Kraay (2024). Worldwide Governance Indicators, 2024 Update. "
    "World Bank (via github.com/lmorgans/WGIdata).",
    entity_kind="code",
    files=(FILE,),
    vintage="lmorgans/WGIdata@05f52f816a6c09473096edbf657aa310d5c30507 (2024-12-11)",
    live_url="https://api.worldbank.org/v2/country/all/indicator/GOV_WGI_GE.EST?source=3",
)

DIMENSIONS: dict[str, str] = {
    "va": "Voice and Accountability",
    "pv": "Political Stability and Absence of Violence/Terrorism",
    "ge": "Government Effectiveness",
    "rq": "Regulatory Quality",
    "rl": "Rule of Law",
    "cc": "Control of Corruption",
}

#: file column -> (code suffix, name suffix, unit)
MEASURES: dict[str, tuple[str, str, str]] = {
    "estimate": ("EST", "estimate", "score (standard normal units, about -2.5 to 2.5)"),
    "stddev": ("SD", "standard error of the estimate", "score units"),
    "nsource": ("NSRC", "number of data sources", "sources"),
    "pctrank": ("PCT", "percentile rank", "percentile rank (0-100)"),
    "pctranklower": ("PCT_LO", "percentile rank, lower bound of 90% interval", "percentile"),
    "pctrankupper": ("PCT_HI", "percentile rank, upper bound of 90% interval", "percentile"),
}

REQUIRED = ("code", "year", "indicator", *MEASURES)

#: API code suffix (source 3) -> file column of the same measure.
LIVE_MEASURES: dict[str, str] = {"EST": "estimate", "SE": "stddev", "SR": "nsource"}
LIVE_SOURCE = 3
_LIVE_BY_MEASURE = {m: f"GOV_WGI_{{dim}}.{suffix}" for suffix, m in LIVE_MEASURES.items()}
API_PREFIX = "api"


def indicator_code(dimension: str, measure: str) -> str:
    """``("ge", "estimate")`` -> ``WGI.GE.EST``."""
    return f"WGI.{dimension.upper()}.{MEASURES[measure][0]}"


def api_code(dimension: str, suffix: str) -> str:
    """``("ge", "EST")`` -> ``GOV_WGI_GE.EST``."""
    return f"GOV_WGI_{dimension.upper()}.{suffix}"


#: API code -> aicap code, for every live series.
LIVE_CODES: dict[str, str] = {
    api_code(dim, suffix): indicator_code(dim, measure)
    for dim in DIMENSIONS
    for suffix, measure in LIVE_MEASURES.items()
}


def _indicators() -> list[IndicatorMeta]:
    out = []
    for dim, dim_name in DIMENSIONS.items():
        for measure, (_suffix, what, unit) in MEASURES.items():
            out.append(
                IndicatorMeta(
                    code=indicator_code(dim, measure),
                    name=f"{dim_name}: {what}",
                    unit=unit,
                    description=f"Worldwide Governance Indicators, {dim_name} ({dim.upper()}), "
                    f"{what}. Missing values ('..') are not stored.",
                    source_code=_LIVE_BY_MEASURE.get(measure, f"{FILE} {measure} ({dim})").format(
                        dim=dim.upper()
                    ),
                )
            )
    return out


def _parse_csv(data: bytes, measures: list[str], notes: list[str]) -> list[pd.DataFrame]:
    frame = read_table(data, file=FILE, required=REQUIRED)
    check_codes(frame, "code", file=FILE)
    dims = frame["indicator"].astype("string").str.strip().str.lower()
    unknown = ~dims.isin(list(DIMENSIONS))
    if bool(unknown.any()):
        first = int(unknown.to_numpy().nonzero()[0][0])
        raise SourceError(
            f"unknown WGI indicator (expected one of {', '.join(DIMENSIONS)})",
            file=FILE,
            row=int(frame["_row"].iloc[first]),
            column="indicator",
            value=str(frame["indicator"].iloc[first]),
        )
    years = to_year(frame, "year", file=FILE)
    frames = []
    for measure in measures:
        suffix = MEASURES[measure][0]
        values = to_numeric(frame, measure, file=FILE)
        frames.append(
            observations(
                entity=frame["code"],
                year=years,
                indicator="WGI." + dims.str.upper() + "." + suffix,
                value=values,
                file=FILE,
                row=frame["_row"],
                column=measure,
            )
        )
    missing = int((frame[measures].apply(lambda c: c.str.strip()) == "..").sum().sum())
    if missing:
        notes.append(f"{missing} cells with the missing marker '..' not stored")
    return frames


def parse(files: Mapping[str, bytes]) -> Parsed:
    """Parse ``wgidataset.csv`` into 36 indicators (6 dimensions x 6 measures), or a live
    snapshot's API pages (estimate, standard error, sources) plus the percentile ranks of the
    ``wgidataset.csv`` it carries."""
    api = wb.series_files(files, API_PREFIX)
    notes: list[str] = []
    if not api:
        data = require_file(files, FILE, source=SOURCE.id)
        frames = _parse_csv(data, list(MEASURES), notes)
        return Parsed(observations=finish(frames, notes), indicators=_indicators(), notes=notes)
    unknown_codes = sorted(set(api) - set(LIVE_CODES))
    if unknown_codes:
        raise SourceError(
            "API folder for a series aicap does not read", file=f"{API_PREFIX}/{unknown_codes[0]}"
        )
    frames = []
    emitted: set[str] = set()
    for code in sorted(api):
        ours = LIVE_CODES[code]
        emitted.add(ours)
        frames.append(
            wb.parse_series(
                api[code], folder=f"{API_PREFIX}/{code}", code=code, indicator=ours, notes=notes
            )
        )
    rest = [m for m in MEASURES if m not in LIVE_MEASURES.values()]
    if FILE in files:
        frames.extend(_parse_csv(files[FILE], rest, notes))
        emitted |= {indicator_code(d, m) for d in DIMENSIONS for m in rest}
        notes.append(f"percentile ranks ({', '.join(rest)}) from the carried {FILE}")
    obs = finish(frames, notes)
    indicators = [m for m in _indicators() if m.code in emitted]
    return Parsed(observations=obs, indicators=indicators, notes=notes)


def fetch(client: httpx.Client) -> dict[str, bytes]:
    """Download every live series (6 dimensions x estimate, standard error, sources) from the
    World Bank API, source 3, as ``api/<API code>/data-p<N>.json``."""
    files: dict[str, bytes] = {}
    for code in LIVE_CODES:
        files.update(wb.fetch_series(client, code, prefix=API_PREFIX, source=LIVE_SOURCE))
    return files
