"""Epoch AI, Notable AI Models (snapshot of April 2025): models per country and year.

File ``notable_ai_models.csv``: one row per model, 368 header fields of which 39 are named (the
export pads with trailing commas). Read with the :mod:`csv` module, by header position, because
the file is not rectangular and not always aligned:

* **the ragged record** (``QwQ-32B``, starting at line 7, 383 fields): an unquoted newline in a
  link field merged it with the next model's row. Its leading fields are QwQ-32B's own, but
  shifted left of the header (its organisation category is field 9, its country field 10);
* **shifted records**: a few rows (e.g. ``Falcon-180B``, ``VGG16``, ``LSTM``) have a stray field
  before ``Organization categorization``, so the named columns are off by one or more.

Both are handled by one explicit rule: a record is *aligned* when it has as many fields as the
header, its ``Organization categorization`` holds only category words (``Industry``,
``Academia``, ``Government``, ``Research collective``...) or is empty, and its country field does
not (``VGG16`` has ``Academia`` there). Otherwise the country is the field right after the first
field (from the 4th on) made only of category words -- the order Epoch always writes them in --
and the record is counted with a note naming its line. A record whose country cannot be located,
whose country field holds a notability phrase instead, or whose publication date is not a date
is left out with a note; a record with an empty country is noted too (neither is an error).

Counting (per country token and publication year):

* ``EPOCH.NOTABLE.N``: models with at least one organisation in the country (a model counts once
  per listed country, Epoch's convention for co-attribution);
* ``EPOCH.NOTABLE.NFRAC``: fractional count, each listed organisation's country getting
  1/k of the model when k organisations are listed (repeats kept, so a model by two US
  organisations and one UK one gives 2/3 and 1/3). Tokens that are not countries
  (``Multinational``) keep their share, which is then excluded by the mapping: the country
  totals do not add up to the model count for such models;
* ``EPOCH.NOTABLE.FLOP_MAX``: the largest ``Training compute (FLOP)`` among those models (only
  aligned records; empty compute is missing).

Entities are Epoch's country **names** (UN-style, e.g. ``Korea (Republic of)``), harmonised by
name; ``Multinational`` and the like are ``excluded`` in ``mappings/epoch_notable_ai_models.yaml``.
Country-years with no model are absent, not zero: zero is a modelling decision for later layers.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping

import httpx
import pandas as pd

from aicap.sources._common import finish, http_get, iter_csv_records
from aicap.sources.base import (
    IndicatorMeta,
    Parsed,
    SourceError,
    SourceInfo,
    decode_text,
    observations,
    require_file,
)

FILE = "notable_ai_models.csv"

SOURCE = SourceInfo(
    id="epoch_notable_ai_models",
    publisher="Epoch AI",
    title="Data on Notable AI Models",
    url="https://epoch.ai/data/notable-ai-models",
    licence="CC BY 4.0",
    citation="Epoch AI (2025), 'Data on Notable AI Models', https://epoch.ai/data/notable-ai-models"
    " (snapshot via github.com/eddie-song/CMSC471_Final_Project).",
    entity_kind="name",
    files=(FILE,),
    vintage="eddie-song/CMSC471_Final_Project@b695e7b3323831344a43ce56225df3cb456894e3 "
    "(models to 2025-04-10)",
    live_url="https://epoch.ai/data/notable_ai_models.csv",
)

MODEL = "Model"
DATE = "Publication date"
COUNTRY = "Country (of organization)"
CATEGORY = "Organization categorization"
COMPUTE = "Training compute (FLOP)"
REQUIRED = (MODEL, DATE, COUNTRY, CATEGORY, COMPUTE)

#: Words of Epoch's ``Organization categorization`` column.
CATEGORIES = frozenset(
    {
        "Industry",
        "Academia",
        "Government",
        "Research collective",
        "Research Collective",
        "Non-profit",
        "Industry - Academia Collaboration",
        "Industry - Academia Collaboration (Industry leaning)",
        "Industry - Academia Collaboration (Academia leaning)",
    }
)

#: Phrases of the ``Notability criteria`` column: found in the country position, they mean the
#: country field is absent from a shifted record.
NOTABILITY = frozenset(
    {
        "SOTA improvement",
        "Historical significance",
        "Highly cited",
        "Significant use",
        "Training cost",
    }
)

_DATE = re.compile(r"^(\d{4})(-\d{2}(-\d{2})?)?$")

INDICATORS = [
    IndicatorMeta(
        code="EPOCH.NOTABLE.N",
        name="Notable AI models with an organisation in the country",
        unit="models",
        description="Number of Epoch AI notable AI models published in the year with at least "
        "one developing organisation in the country (a co-developed model counts once for "
        "each listed country).",
        source_code=COUNTRY,
    ),
    IndicatorMeta(
        code="EPOCH.NOTABLE.NFRAC",
        name="Notable AI models, fractional count by organisation",
        unit="models (fractional)",
        description="Epoch AI notable AI models published in the year, each split equally "
        "among its listed organisations (1/k each) and summed by the organisations' country.",
        source_code=COUNTRY,
    ),
    IndicatorMeta(
        code="EPOCH.NOTABLE.FLOP_MAX",
        name="Largest training compute of a notable AI model",
        unit="FLOP",
        description="Largest training compute (FLOP) among the year's notable AI models with an "
        "organisation in the country, where Epoch AI reports it.",
        source_code=COMPUTE,
    ),
]


def _tokens(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def _is_category(text: str) -> bool:
    tokens = _tokens(text)
    return bool(tokens) and all(t in CATEGORIES for t in tokens)


def _parse_compute(text: str, *, line: int) -> float | None:
    raw = text.strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise SourceError("not a number", file=FILE, row=line, column=COMPUTE, value=raw) from None
    if not value == value or value in (float("inf"), float("-inf")) or value < 0:
        raise SourceError(
            "not a finite non-negative number", file=FILE, row=line, column=COMPUTE, value=raw
        )
    return value


def parse(files: Mapping[str, bytes]) -> Parsed:
    """Count notable AI models per country token and publication year."""
    data = require_file(files, FILE, source=SOURCE.id)
    text = decode_text(data, file=FILE)
    records = iter_csv_records(text, file=FILE)
    try:
        _line, header = next(records)
    except StopIteration:
        raise SourceError("file is empty", file=FILE) from None
    header = [h.strip() for h in header]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        hint = "; the header looks ';'-delimited" if ";" in ",".join(header) else ""
        raise SourceError(
            f"missing column(s) {', '.join(repr(m) for m in missing)}{hint}",
            file=FILE,
            row=1,
            column=missing[0],
        )
    at = {name: header.index(name) for name in REQUIRED}
    width = len(header)

    count: dict[tuple[str, int], int] = defaultdict(int)
    frac: dict[tuple[str, int], float] = defaultdict(float)
    flop: dict[tuple[str, int], float] = {}
    first_row: dict[tuple[str, int], int] = {}
    realigned: list[str] = []
    skipped: list[str] = []
    no_country: list[str] = []
    n_models = 0

    for line, record in records:
        if not record or all(not f.strip() for f in record):
            continue
        if len(record) < width:
            raise SourceError(
                f"expected {width} fields as in the header, found {len(record)} (file truncated?)",
                file=FILE,
                row=line,
            )
        model = record[at[MODEL]].strip() if at[MODEL] < len(record) else ""
        label = f"line {line} ({model or '?'})"
        aligned = (
            len(record) == width
            and (not record[at[CATEGORY]].strip() or _is_category(record[at[CATEGORY]]))
            and not _is_category(record[at[COUNTRY]])
        )
        if aligned:
            country_text = record[at[COUNTRY]]
        else:
            anchor = next((i for i in range(3, len(record) - 1) if _is_category(record[i])), None)
            if anchor is None:
                skipped.append(f"{label}: fields misaligned, no country found")
                continue
            country_text = record[anchor + 1]
            if any(t in NOTABILITY for t in _tokens(country_text)):
                skipped.append(f"{label}: fields misaligned, country field absent")
                continue
            realigned.append(label)
        date = record[at[DATE]].strip() if at[DATE] < len(record) else ""
        match = _DATE.match(date)
        if not match:
            skipped.append(f"{label}: publication date is not a date ({date[:40]!r})")
            continue
        year = int(match.group(1))
        tokens = _tokens(country_text)
        if not tokens:
            no_country.append(label)
            continue
        compute = _parse_compute(record[at[COMPUTE]], line=line) if aligned else None
        n_models += 1
        for token in tokens:
            frac[(token, year)] += 1.0 / len(tokens)
        for token in dict.fromkeys(tokens):
            key = (token, year)
            count[key] += 1
            first_row.setdefault(key, line)
            if compute is not None and compute > flop.get(key, -1.0):
                flop[key] = compute

    if n_models == 0:
        raise SourceError("no model with a country and a publication date", file=FILE)

    def frame(values: Mapping[tuple[str, int], float], code: str) -> pd.DataFrame:
        keys = sorted(values)
        return observations(
            entity=pd.Series([k[0] for k in keys], dtype="string"),
            year=pd.Series([k[1] for k in keys], dtype="int64"),
            indicator=code,
            value=pd.Series([float(values[k]) for k in keys], dtype="float64"),
            file=FILE,
            row=pd.Series([first_row[k] for k in keys], dtype="int64"),
        )

    notes = [f"{n_models} models counted"]
    if realigned:
        notes.append(
            f"{len(realigned)} misaligned record(s) read by locating the organisation "
            f"category: {'; '.join(realigned)}"
        )
    if skipped:
        notes.append(f"{len(skipped)} record(s) not counted: {'; '.join(skipped)}")
    if no_country:
        notes.append(f"{len(no_country)} record(s) with no country: {'; '.join(no_country)}")
    obs = finish(
        [
            frame(count, "EPOCH.NOTABLE.N"),
            frame(frac, "EPOCH.NOTABLE.NFRAC"),
            frame(flop, "EPOCH.NOTABLE.FLOP_MAX"),
        ],
        notes,
    )
    return Parsed(observations=obs, indicators=list(INDICATORS), notes=notes)


def fetch(client: httpx.Client) -> dict[str, bytes]:
    """Download the current CSV from Epoch AI (same layout, more models)."""
    return {FILE: http_get(client, SOURCE.live_url, file=FILE, expect="csv")}
