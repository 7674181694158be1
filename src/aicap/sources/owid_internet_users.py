"""Share of the population using the Internet (ITU via Our World in Data).

File ``share-of-individuals-using-the-internet.csv``: an OWID grapher CSV **re-saved with ``;``**
by the mirror's author (``Entity;Code;Year;Individuals using the Internet (% of population)``),
CRLF; :mod:`aicap.sources.owid` picks the delimiter from the header, so the live ``,`` file
parses too. Entities without a code are OWID/World Bank regions and income groups,
``OWID_WRL`` is the World and ``OWID_KOS`` Kosovo (``mappings/owid_internet_users.yaml``).

This is the offline stand-in for WDI ``IT.NET.USER.ZS`` (the WDI mirror lacks it): same ITU
numbers, stored under its own code ``OWID.INTERNET_USERS``.
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from aicap.sources.base import IndicatorMeta, Parsed, SourceInfo
from aicap.sources.owid import GRAPHER_CSV, fetch_grapher, parse_chart

SLUG = "share-of-individuals-using-the-internet"
FILE = f"{SLUG}.csv"
VALUE_COLUMN = "Individuals using the Internet (% of population)"

SOURCE = SourceInfo(
    id="owid_internet_users",
    publisher="International Telecommunication Union (ITU)",
    title="Share of the population using the Internet",
    url=f"https://ourworldindata.org/grapher/{SLUG}",
    licence="CC BY 4.0",
    citation="International Telecommunication Union (via World Bank WDI) - processed by Our "
    "World in Data (copy via github.com/sberkayuguz/dsa-210-project).",
    entity_kind="code",
    files=(FILE,),
    vintage="sberkayuguz/dsa-210-project@a848d7944073ba86916a7afd4f847f5f8ec6e5f2 (2025-11-30)",
    live_url=GRAPHER_CSV.format(slug=SLUG),
)

INDICATOR = IndicatorMeta(
    code="OWID.INTERNET_USERS",
    name="Individuals using the Internet",
    unit="% of population",
    description="Share of the population that used the Internet in the last three months "
    "(ITU), as republished by OWID. The same ITU series as World Bank WDI IT.NET.USER.ZS, "
    "which the offline WDI mirror lacks: use this as its fallback.",
    source_code="IT.NET.USER.ZS",
)


def parse(files: Mapping[str, bytes]) -> Parsed:
    """Parse the grapher CSV (``;`` or ``,``) into ``OWID.INTERNET_USERS``."""
    return parse_chart(
        files,
        source=SOURCE.id,
        file=FILE,
        slug=SLUG,
        value_column=VALUE_COLUMN,
        indicator=INDICATOR,
    )


def fetch(client: httpx.Client) -> dict[str, bytes]:
    """Download the grapher CSV from OWID (``,``-delimited; ``parse`` accepts both) and its
    ``.metadata.json``."""
    return fetch_grapher(client, SLUG)
