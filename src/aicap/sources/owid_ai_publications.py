"""Annual scholarly publications on artificial intelligence, by country (CSET via Our World in
Data).

File ``annual-scholarly-publications-on-artificial-intelligence.csv``: an OWID grapher CSV
(``Entity, Code, Year, Number of articles - Field: All``), read by :mod:`aicap.sources.owid`.
Entities without a code are CSET regional groups (ASEAN, Five Eyes, ...), ``OWID_WRL`` is the
World and ``OWID_KOS`` Kosovo; all are in ``mappings/owid_ai_publications.yaml``. The
``.metadata.json`` beside it is OWID's description (unit ``articles``, citation); its facts are
in :data:`INDICATOR`.

Licence: OWID's processing is CC BY 4.0 but the CSET (ETO Country Activity Tracker) data are
**CC BY-NC 4.0**, which is what :data:`INDICATOR` carries.
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from aicap.sources.base import IndicatorMeta, Parsed, SourceInfo
from aicap.sources.owid import GRAPHER_CSV, fetch_grapher, parse_chart

SLUG = "annual-scholarly-publications-on-artificial-intelligence"
FILE = f"{SLUG}.csv"
VALUE_COLUMN = "Number of articles - Field: All"
#: OWID's short name of the same column (``useColumnShortNames=true`` downloads).
SHORT_NAME = "num_articles__field_all"

SOURCE = SourceInfo(
    id="owid_ai_publications",
    publisher="Center for Security and Emerging Technology (CSET)",
    title="Annual scholarly publications on artificial intelligence",
    url=f"https://ourworldindata.org/grapher/{SLUG}",
    licence="CC BY 4.0 (OWID processing); CSET source data CC BY-NC 4.0",
    citation="Center for Security and Emerging Technology (2024), Country Activity Tracker: "
    "Artificial Intelligence - processed by Our World in Data.",
    entity_kind="code",
    files=(FILE,),
    vintage="ArishSayyed/Datavizproject@49941f69b5d415e4b85043286c5ecff28971bacd "
    "(downloaded 2025-04-10; OWID last update 2024-07-16)",
    live_url=GRAPHER_CSV.format(slug=SLUG),
)

INDICATOR = IndicatorMeta(
    code="OWID.AI_PUBS",
    name="Annual scholarly publications on artificial intelligence",
    unit="articles",
    description="English- and Chinese-language scholarly publications related to the "
    "development and application of AI (journal articles, conference papers, repository "
    "publications such as arXiv, books, theses); CSET Country Activity Tracker via OWID "
    "(variable 954107). The most recent year is typically incomplete (indexing lag).",
    licence="CC BY-NC 4.0 (CSET/ETO source data; non-commercial use only)",
    source_code="owid:954107",
)


def parse(files: Mapping[str, bytes]) -> Parsed:
    """Parse the grapher CSV into ``OWID.AI_PUBS``."""
    return parse_chart(
        files,
        source=SOURCE.id,
        file=FILE,
        slug=SLUG,
        value_column=VALUE_COLUMN,
        short_name=SHORT_NAME,
        indicator=INDICATOR,
    )


def fetch(client: httpx.Client) -> dict[str, bytes]:
    """Download the same grapher CSV from OWID, with its ``.metadata.json``."""
    return fetch_grapher(client, SLUG)
