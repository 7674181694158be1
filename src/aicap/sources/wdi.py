"""World Bank World Development Indicators (WDI): a 52-indicator subset.

Files (``../shared/data/raw/wdi``): ``indicators/<code>/data.csv`` (long: ``Country Name,
Country Code, Year, Value``; only non-empty values) and ``indicators/<code>/datapackage.json``
(title, ``readme`` definition, licence). The indicator code is the folder name upper-cased, as
WDI writes it (``it.net.bbnd.p2`` -> ``IT.NET.BBND.P2``). ``Country Code`` mixes ISO3 codes with
World Bank aggregates (WLD, HIC, EUU, ...) and WB-specific codes (XKX, CHI); the harmoniser
keeps the aggregates apart. ``INDICATORS.csv`` is derived by the snapshot's curator, not
upstream, and is not read.

Live (``fetch``): the World Bank Indicators API v2 serves the same series as JSON, read by
:mod:`aicap.sources.live_worldbank`. A live snapshot holds ``api/<CODE>/meta.json`` (the
indicator's name and definition) and ``api/<CODE>/data-p<N>.json`` (every page of values for all
economies); ``parse`` reads those as well as the CSV mirror's files, so both go through the same
checks and the same harmonisation. The live indicators are :data:`LIVE_CODES`, the mirror's 52.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import httpx
import pandas as pd

from aicap.sources import live_worldbank as wb
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

#: The indicators a live update downloads: the same 52 series as the bundled mirror.
LIVE_CODES: tuple[str, ...] = (
    "AG.LND.TOTL.K2", "BM.GSR.ROYL.CD", "BX.GSR.ROYL.CD", "BX.KLT.DINV.CD.WD",
    "CM.MKT.LCAP.GD.ZS", "EG.ELC.ACCS.ZS", "EG.USE.ELEC.KH.PC", "EN.POP.DNST",
    "FS.AST.PRVT.GD.ZS", "GB.XPD.RSDV.GD.ZS", "IC.ELC.OUTG.ZS", "IC.REG.DURS",
    "IE.PPN.ICTI.CD", "IP.JRN.ARTC.SC", "IP.PAT.NRES", "IP.PAT.RESD", "IP.TMK.RESD",
    "IQ.CPA.PUBS.XQ", "IQ.SCI.OVRL", "IT.CEL.SETS.P2", "IT.MLT.MAIN.P2", "IT.NET.BBND.P2",
    "IT.NET.SECR.P6", "NE.EXP.GNFS.ZS", "NV.MNF.TECH.ZS.UN", "NY.GDP.MKTP.CD",
    "NY.GDP.MKTP.KD.ZG", "NY.GDP.PCAP.CD", "NY.GDP.PCAP.PP.CD", "NY.GNP.PCAP.CD",
    "NY.GNP.PCAP.PP.CD", "SE.ADT.1524.LT.ZS", "SE.ADT.LITR.ZS", "SE.PRE.ENRR",
    "SE.PRM.CMPT.ZS", "SE.PRM.ENRR", "SE.SEC.ENRR", "SE.TER.ENRR", "SE.XPD.TERT.PC.ZS",
    "SE.XPD.TOTL.GD.ZS", "SI.POV.GINI", "SL.TLF.TOTL.IN", "SL.UEM.TOTL.ZS",
    "SP.POP.1564.TO.ZS", "SP.POP.SCIE.RD.P6", "SP.POP.TECH.RD.P6", "SP.POP.TOTL",
    "SP.RUR.TOTL.ZS", "SP.URB.TOTL.IN.ZS", "TX.MNF.TECH.ZS.UN", "TX.VAL.TECH.CD",
    "TX.VAL.TECH.MF.ZS",
)  # fmt: skip

#: Folder of the live (API) files inside a snapshot.
API_PREFIX = "api"

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


def _api_indicator(
    code: str, parts: Mapping[str, bytes], notes: list[str]
) -> tuple[IndicatorMeta, pd.DataFrame]:
    folder = f"{API_PREFIX}/{code}"
    if "meta.json" not in parts:
        raise SourceError("data pages have no meta.json beside them", file=f"{folder}/meta.json")
    info = wb.parse_meta(parts["meta.json"], file=f"{folder}/meta.json", code=code)
    meta = IndicatorMeta(
        code=code,
        name=info.name,
        unit=info.unit or unit_from_title(code, info.name),
        description=info.note,
        source_code=code,
    )
    frame = wb.parse_series(parts, folder=folder, code=code, indicator=code, notes=notes)
    return meta, frame


def parse(files: Mapping[str, bytes]) -> Parsed:
    """Parse every ``indicators/<code>/data.csv`` with its ``datapackage.json`` (the mirror)
    and every ``api/<CODE>/`` folder of World Bank API pages (a live snapshot)."""
    folders: dict[str, dict[str, bytes]] = {}
    for path, data in files.items():
        match = _PATH.match(path)
        if match:
            folders.setdefault(match.group(1), {})[match.group(2)] = data
    api = wb.series_files(files, API_PREFIX)
    if not folders and not api:
        raise SourceError(
            "no indicators/<code>/data.csv or api/<CODE>/data-p1.json file in the WDI source",
            file="indicators",
        )
    frames = []
    indicators = []
    notes: list[str] = []
    for folder in sorted(folders):
        parts = folders[folder]
        code = folder.upper()
        data_file = f"indicators/{folder}/data.csv"
        meta_file = f"indicators/{folder}/datapackage.json"
        if code in api:
            raise SourceError(
                f"indicator {code} is given both as CSV and as API pages", file=data_file
            )
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
                column="Value",
            )
        )
    for code in sorted(api):
        meta, api_frame = _api_indicator(code, api[code], notes)
        indicators.append(meta)
        frames.append(api_frame)
    obs = finish(frames, notes)
    return Parsed(observations=obs, indicators=indicators, notes=notes)


def fetch(client: httpx.Client, codes: tuple[str, ...] = LIVE_CODES) -> dict[str, bytes]:
    """Download ``codes`` from the World Bank Indicators API v2: metadata and every page of
    values for all economies (``api/<CODE>/meta.json``, ``api/<CODE>/data-p<N>.json``)."""
    files: dict[str, bytes] = {}
    for code in codes:
        files.update(wb.fetch_meta(client, code, prefix=API_PREFIX))
        files.update(wb.fetch_series(client, code, prefix=API_PREFIX))
    return files
