"""UN E-Government Development Index (EGDI), 2024 survey (UN DESA).

File ``EGOV_DATA_2024.csv``: one row per Member State, CRLF, columns renamed by the mirror's
author (``Survey Year, Country, Rank, E_Index, E_Participation, Online_Service, Human_Capital,
Tele_Infra, Region``). Entities are UN short **names**, many with a trailing space (stripped);
harmonised by name. The ``Region`` column was added by the mirror's author and is wrong in
places (Nicaragua "Europe"), so it is ignored: regions come from the country reference.

No ``fetch``: the UN data centre serves a differently shaped file; later issue.
"""

from __future__ import annotations

from collections.abc import Mapping

from aicap.sources._common import check_names, finish, read_table
from aicap.sources.base import (
    IndicatorMeta,
    Parsed,
    SourceInfo,
    observations,
    require_file,
    to_numeric,
    to_year,
)

FILE = "EGOV_DATA_2024.csv"

SOURCE = SourceInfo(
    id="un_egdi",
    publisher="United Nations Department of Economic and Social Affairs (UN DESA)",
    title="E-Government Survey 2024: E-Government Development Index",
    url="https://publicadministration.un.org/egovkb/en-us/Data-Center",
    licence="UN terms of use (free use with attribution; not a CC licence)",
    citation="United Nations (2024). E-Government Survey 2024. UN DESA "
    "(via github.com/MaryliaCruzS/Estadistica1CienciaPolitica).",
    entity_kind="name",
    files=(FILE,),
    vintage="MaryliaCruzS/Estadistica1CienciaPolitica@a1f17e3a3090cf0ead465be6b16821efb5a63f5d "
    "(2025-06-25)",
)

#: file column -> (code, name, unit)
COLUMNS: dict[str, tuple[str, str, str]] = {
    "E_Index": ("EGDI", "E-Government Development Index", "index (0-1)"),
    "Online_Service": ("EGDI.OSI", "Online Service Index", "index (0-1)"),
    "Human_Capital": ("EGDI.HCI", "Human Capital Index (EGDI component)", "index (0-1)"),
    "Tele_Infra": ("EGDI.TII", "Telecommunications Infrastructure Index", "index (0-1)"),
    "E_Participation": ("EGDI.EPI", "E-Participation Index", "index (0-1)"),
    "Rank": ("EGDI.RANK", "E-Government Development Index rank", "rank (1 = best)"),
}

REQUIRED = ("Survey Year", "Country", *COLUMNS)


def parse(files: Mapping[str, bytes]) -> Parsed:
    """Parse the 2024 EGDI table into six indicators keyed by country name."""
    data = require_file(files, FILE, source=SOURCE.id)
    frame = read_table(data, file=FILE, required=REQUIRED)
    check_names(frame, "Country", file=FILE)
    years = to_year(frame, "Survey Year", file=FILE)
    frames = [
        observations(
            entity=frame["Country"],
            year=years,
            indicator=code,
            value=to_numeric(frame, column, file=FILE),
            file=FILE,
            row=frame["_row"],
            column=column,
        )
        for column, (code, _name, _unit) in COLUMNS.items()
    ]
    notes: list[str] = []
    if "Region" in frame.columns:
        notes.append("column 'Region' ignored (added by the mirror's author, unreliable)")
    obs = finish(frames, notes)
    indicators = [
        IndicatorMeta(
            code=code,
            name=name,
            unit=unit,
            description=f"UN E-Government Survey: {name} (file column {column!r}).",
        )
        for column, (code, name, unit) in COLUMNS.items()
    ]
    return Parsed(observations=obs, indicators=indicators, notes=notes)
