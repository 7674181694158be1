"""Microsoft AI Economy Institute: AI diffusion by economy (H1 2025, H2 2025, Q1 2026).

File ``AI_Diffusion_Q12026_Update.csv``: **Mac Roman** encoded (the only non-ASCII byte is 0x9F,
``ü`` in ``Türkiye``), CRLF, columns ``Economy, H1 2025 AI Diffusion, H2 2025 AI Diffusion,
Q1 2026 AI Diffusion`` with values written as percentages (``59.40%``). The file is decoded as
UTF-8 when it is valid UTF-8 (a live download may be) and as Mac Roman otherwise; a name with a
character no country name has (what a wrong decoding produces) is an error. Entities are
Microsoft's economy **names** ("Korea", "Congo (DRC)"...), harmonised by name.

Indicators: ``MS.AIDIFF.H1`` (year 2025), ``MS.AIDIFF.H2`` (year 2025), ``MS.AIDIFF.Q1``
(year 2026): share of the working-age population that used a generative-AI product in the
period, in percent.
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from aicap.sources._common import check_names, finish, http_get, read_table
from aicap.sources.base import (
    IndicatorMeta,
    Parsed,
    SourceInfo,
    observations,
    require_file,
    to_numeric,
)

FILE = "AI_Diffusion_Q12026_Update.csv"

SOURCE = SourceInfo(
    id="microsoft_ai_diffusion",
    publisher="Microsoft AI Economy Institute",
    title="AI Diffusion Report: AI diffusion by economy, Q1 2026 update",
    url="https://github.com/microsoft/ai-diffusion-report",
    licence="MIT",
    citation="Misra et al. (2025), Measuring AI Diffusion: A Population-Normalized Metric for "
    "Tracking Global AI Usage, arXiv:2511.02781; data github.com/microsoft/ai-diffusion-report.",
    entity_kind="name",
    files=(FILE,),
    vintage="microsoft/ai-diffusion-report@6952352787ff37dea114734ec45b5cf5c8103b60 (2026-05-27)",
    live_url=f"https://raw.githubusercontent.com/microsoft/ai-diffusion-report/main/data/{FILE}",
)

#: file column -> (code, year, period label)
COLUMNS: dict[str, tuple[str, int, str]] = {
    "H1 2025 AI Diffusion": ("MS.AIDIFF.H1", 2025, "first half of 2025"),
    "H2 2025 AI Diffusion": ("MS.AIDIFF.H2", 2025, "second half of 2025"),
    "Q1 2026 AI Diffusion": ("MS.AIDIFF.Q1", 2026, "first quarter of 2026"),
}

REQUIRED = ("Economy", *COLUMNS)


def parse(files: Mapping[str, bytes]) -> Parsed:
    """Parse the three diffusion columns, keyed by economy name."""
    data = require_file(files, FILE, source=SOURCE.id)
    try:
        data.decode("utf-8")
        encoding = "utf-8"
    except UnicodeDecodeError:
        encoding = "mac_roman"
    frame = read_table(data, file=FILE, required=REQUIRED, encoding=encoding)
    check_names(frame, "Economy", file=FILE)
    frames = [
        observations(
            entity=frame["Economy"],
            year=year,
            indicator=code,
            value=to_numeric(frame, column, file=FILE, strip_suffix="%"),
            file=FILE,
            row=frame["_row"],
            column=column,
        )
        for column, (code, year, _label) in COLUMNS.items()
    ]
    notes: list[str] = [f"decoded as {encoding}"]
    obs = finish(frames, notes)
    indicators = [
        IndicatorMeta(
            code=code,
            name=f"AI diffusion, {label}",
            unit="% of working-age population",
            description=f"Share of the working-age population that used a generative-AI product "
            f"in the {label} (Microsoft telemetry-based estimate; under-counts domestic apps in "
            f"some markets, e.g. China). File column {column!r}.",
            source_code=column,
        )
        for column, (code, _year, label) in COLUMNS.items()
    ]
    return Parsed(observations=obs, indicators=indicators, notes=notes)


def fetch(client: httpx.Client) -> dict[str, bytes]:
    """Download the same CSV from Microsoft's GitHub repository."""
    return {FILE: http_get(client, SOURCE.live_url, file=FILE, expect="csv")}
