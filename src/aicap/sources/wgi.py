"""Worldwide Governance Indicators (WGI), 2024 release (data 1996-2023).

File ``wgidataset.csv``: UTF-8 **with a BOM** (stripped by :func:`decode_text`), CRLF, long by
economy x indicator x year, with the literal ``..`` as the missing marker (dropped, never an
error). Six dimensions (``indicator`` column: va pv ge rq rl cc), each with six measures, become
the codes ``WGI.<IND>.<MEASURE>``: EST (estimate), SD (standard error), NSRC (number of
sources), PCT (percentile rank) and PCT_LO / PCT_HI (its 90% interval).

``code`` is the World Bank's 3-letter economy code, which differs from ISO 3166 for ADO (AND),
ZAR (COD), ROM (ROU), TMP (TLS), KSV (XKX), WBG (PSE); ANT (Netherlands Antilles, dissolved) has
no successor and JEY (Jersey) is ISO3 already. Those are in ``mappings/wgi.yaml``, not here.

No ``fetch``: the live copy is the World Bank API (source 3), a different (JSON) format.
"""

from __future__ import annotations

from collections.abc import Mapping

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


def indicator_code(dimension: str, measure: str) -> str:
    """``("ge", "estimate")`` -> ``WGI.GE.EST``."""
    return f"WGI.{dimension.upper()}.{MEASURES[measure][0]}"


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
                    source_code=f"GOV_WGI_{dim.upper()}.{MEASURES[measure][0]}",
                )
            )
    return out


def parse(files: Mapping[str, bytes]) -> Parsed:
    """Parse ``wgidataset.csv`` into 36 indicators (6 dimensions x 6 measures)."""
    data = require_file(files, FILE, source=SOURCE.id)
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
    for measure, (suffix, _what, _unit) in MEASURES.items():
        values = to_numeric(frame, measure, file=FILE)
        frames.append(
            observations(
                entity=frame["code"],
                year=years,
                indicator="WGI." + dims.str.upper() + "." + suffix,
                value=values,
                file=FILE,
                row=frame["_row"],
            )
        )
    notes: list[str] = []
    missing = int((frame[list(MEASURES)].apply(lambda c: c.str.strip()) == "..").sum().sum())
    if missing:
        notes.append(f"{missing} cells with the missing marker '..' not stored")
    obs = finish(frames, notes)
    return Parsed(observations=obs, indicators=_indicators(), notes=notes)
