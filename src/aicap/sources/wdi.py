"""World Bank World Development Indicators (WDI): a 52-indicator subset.

Files (``../shared/data/raw/wdi``): ``indicators/<code>/data.csv`` (long: ``Country Name,
Country Code, Year, Value``; only non-empty values) and ``indicators/<code>/datapackage.json``
(title, ``readme`` definition, licence). The indicator code is the folder name upper-cased, as
WDI writes it (``it.net.bbnd.p2`` -> ``IT.NET.BBND.P2``). ``Country Code`` mixes ISO3 codes with
World Bank aggregates (WLD, HIC, EUU, ...) and WB-specific codes (XKX, CHI); the harmoniser
keeps the aggregates apart. ``INDICATORS.csv`` is derived by the snapshot's curator, not
upstream, and is not read.

No ``fetch``: the live source is the World Bank Indicators API (JSON), a different format; it
belongs to a later issue.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from aicap.sources._common import check_codes, finish, load_json, read_table, require_mapping
from aicap.sources.base import (
    IndicatorMeta,
    Parsed,
    SourceError,
    SourceInfo,
    observations,
    to_numeric,
    to_year,
)

SOURCE = SourceInfo(
    id="wdi",
    publisher="World Bank",
    title="World Development Indicators",
    url="https://datatopics.worldbank.org/world-development-indicators/",
    licence="CC BY 4.0",
    citation="World Bank, World Development Indicators (via github.com/datasets/"
    "world-development-indicators)",
    entity_kind="code",
    files=("indicators/*/data.csv", "indicators/*/datapackage.json"),
    vintage="datasets/world-development-indicators@4ebec5a2273f531ba238a34dbe440394dc5a6c4b "
    "(2026-07-01)",
    live_url="https://api.worldbank.org/v2/country/all/indicator/{code}?format=json",
)

REQUIRED = ("Country Code", "Year", "Value")

#: Units of the titles that carry none in parentheses.
_UNITS_WITHOUT_PARENTHESIS = {
    "IP.JRN.ARTC.SC": "articles",
    "IP.PAT.NRES": "applications",
    "IP.PAT.RESD": "applications",
    "IP.TMK.RESD": "applications",
    "SI.POV.GINI": "index (0-100)",
    "SL.TLF.TOTL.IN": "people",
    "SP.POP.TOTL": "people",
}

_PATH = re.compile(r"^indicators/([^/]+)/(data\.csv|datapackage\.json)$")
_PAREN = re.compile(r"\(([^()]*)\)")


def unit_from_title(code: str, title: str) -> str:
    """The unit in the title's first parenthesis (``"... (per 100 people)"`` -> ``per 100
    people``), or a known unit for titles without one, else ``""``."""
    match = _PAREN.search(title)
    if match:
        return match.group(1).strip()
    return _UNITS_WITHOUT_PARENTHESIS.get(code, "")


def _meta(code: str, data: bytes, *, file: str) -> IndicatorMeta:
    doc = require_mapping(load_json(data, file=file), file=file, where="(root)")
    title = doc.get("title")
    if not isinstance(title, str) or not title.strip():
        raise SourceError("missing or empty title", file=file, column="title", value=title)
    readme = doc.get("readme", "")
    licence = ""
    licences = doc.get("licenses")
    if isinstance(licences, list) and licences and isinstance(licences[0], dict):
        name = str(licences[0].get("name", ""))
        if name and name.upper() not in {"CC-BY-4.0", "CC BY 4.0"}:
            licence = name
    return IndicatorMeta(
        code=code,
        name=title.strip(),
        unit=unit_from_title(code, title),
        description=readme.strip() if isinstance(readme, str) else "",
        licence=licence,
        source_code=code,
    )


def parse(files: Mapping[str, bytes]) -> Parsed:
    """Parse every ``indicators/<code>/data.csv`` with its ``datapackage.json``."""
    folders: dict[str, dict[str, bytes]] = {}
    for path, data in files.items():
        match = _PATH.match(path)
        if match:
            folders.setdefault(match.group(1), {})[match.group(2)] = data
    if not folders:
        raise SourceError("no indicators/<code>/data.csv file in the WDI source", file="indicators")
    frames = []
    indicators = []
    notes: list[str] = []
    for folder in sorted(folders):
        parts = folders[folder]
        code = folder.upper()
        data_file = f"indicators/{folder}/data.csv"
        meta_file = f"indicators/{folder}/datapackage.json"
        if "data.csv" not in parts:
            raise SourceError("datapackage.json has no data.csv beside it", file=data_file)
        if "datapackage.json" not in parts:
            raise SourceError("data.csv has no datapackage.json beside it", file=meta_file)
        indicators.append(_meta(code, parts["datapackage.json"], file=meta_file))
        frame = read_table(parts["data.csv"], file=data_file, required=REQUIRED)
        check_codes(frame, "Country Code", file=data_file)
        frames.append(
            observations(
                entity=frame["Country Code"],
                year=to_year(frame, "Year", file=data_file),
                indicator=code,
                value=to_numeric(frame, "Value", file=data_file),
                file=data_file,
                row=frame["_row"],
            )
        )
    obs = finish(frames, notes)
    return Parsed(observations=obs, indicators=indicators, notes=notes)
