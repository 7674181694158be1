"""Epoch AI, Data on AI Models: notable, large-scale and frontier models (snapshot of Dec 2025).

Three files of Epoch's ``ai_models.zip`` bundle, each one row per model, read by header name
(the column sets differ between the files, so they are never concatenated blindly):

* ``notable_ai_models.csv`` (tier ``notable``), with Epoch's ``Frontier model`` flag;
* ``large_scale_ai_models.csv`` (tier ``large_scale``: trained with more than 1e23 FLOP);
* ``frontier_ai_models.csv`` (tier ``frontier``: top 10 by training compute when released).

Records:

* ``models``: one row per model and tier (``tier, model, organization, publication_date, year,
  domain, training_compute_flop, accessibility, open_weights, frontier_flag, n_countries``);
  ``open_weights`` is NULL when Epoch gives no accessibility. ``model`` is Epoch's name *in this
  release*: Epoch renames models between releases (192 names here are not in the April 2025
  file), so this table is never joined to ``epoch_notable_ai_models`` on the name.
* ``model_countries``: one row per country token of ``Country (of organization)`` (comma
  separated, in Epoch's order, repeats kept: a model by two US organisations and one UK one has
  three rows), with ``position`` and ``n_tokens``; ``country_entity`` is resolved to ``iso3``
  (``Multinational`` is excluded with its reason, so its rows have a NULL ``iso3``).

Observations (full counting: a model counts once for each distinct country it lists, Epoch's
convention), per publication year: ``EPOCH.M25.NOTABLE.N``, ``EPOCH.M25.LARGE.N``,
``EPOCH.M25.FRONTIER.N``; and ``EPOCH.M25.NOTABLE.NFRAC``, notable models counted fractionally
(1/k per country token, repeats kept: the index's notable_models input). Zero models means "none in
Epoch's curated list", not "no AI development": country-years without a model are absent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import httpx
import pandas as pd

from aicap.sources._common import finish, http_get, read_table
from aicap.sources._records import dates, frame_of, number, rows, text, tokens
from aicap.sources.base import (
    IndicatorMeta,
    Parsed,
    SourceError,
    SourceInfo,
    observations,
    require_file,
)

NOTABLE = "notable_ai_models.csv"
LARGE = "large_scale_ai_models.csv"
FRONTIER = "frontier_ai_models.csv"
TIERS: dict[str, str] = {NOTABLE: "notable", LARGE: "large_scale", FRONTIER: "frontier"}
CODES: dict[str, str] = {
    "notable": "EPOCH.M25.NOTABLE.N",
    "large_scale": "EPOCH.M25.LARGE.N",
    "frontier": "EPOCH.M25.FRONTIER.N",
}

SOURCE = SourceInfo(
    id="epoch_ai_models_2025_12",
    publisher="Epoch AI",
    title="Data on AI Models (notable, large-scale and frontier models)",
    url="https://epoch.ai/data/ai-models",
    licence="CC BY 4.0",
    citation="Epoch AI (2025), 'Data on AI Models', https://epoch.ai/data/ai-models "
    "(snapshot via github.com/cnyke/cnyke.github.io).",
    entity_kind="name",
    files=(NOTABLE, LARGE, FRONTIER),
    vintage="cnyke/cnyke.github.io@20889d55307b072051e060c2f4736aceebb7197d "
    "(files added 2025-12-17; models to 2025-11-24)",
    live_url="https://epoch.ai/data/notable_ai_models.csv",
)

MODEL = "Model"
ORG = "Organization"
DATE = "Publication date"
COUNTRY = "Country (of organization)"
COMPUTE = "Training compute (FLOP)"
ACCESS = "Model accessibility"
DOMAIN = "Domain"
FRONTIER_FLAG = "Frontier model"
REQUIRED = (MODEL, ORG, DATE, COUNTRY, COMPUTE, ACCESS)

_LABELS = {
    "notable": "Notable AI models",
    "large_scale": "Large-scale AI models (over 1e23 FLOP)",
    "frontier": "Frontier AI models (top 10 by training compute when released)",
}
INDICATORS = [
    IndicatorMeta(
        code=CODES[tier],
        name=f"{label} with an organisation in the country",
        unit="models",
        description=f"{label} (Epoch AI, December 2025 release) published in the year with at "
        "least one developing organisation in the country; a co-developed model counts once for "
        "each listed country.",
        source_code=COUNTRY,
    )
    for tier, label in _LABELS.items()
]
#: Fractional count of notable models (the index's notable_models input).
NOTABLE_FRAC = "EPOCH.M25.NOTABLE.NFRAC"
INDICATORS.append(
    IndicatorMeta(
        code=NOTABLE_FRAC,
        name="Notable AI models, fractional count by country of organisation",
        unit="models (fractional)",
        description="Notable AI models (Epoch AI, December 2025 release) published in the year, "
        "each model's listed country tokens sharing it equally (1/k per token, repeats kept, as "
        "in the April 2025 EPOCH.NOTABLE.NFRAC); tokens not resolved to a country are dropped.",
        source_code=COUNTRY,
    )
)

#: ``Model accessibility`` values that mean the weights are downloadable.
OPEN_WEIGHTS = re.compile(r"^Open weights\b", re.IGNORECASE)


def _open_weights(values: pd.Series) -> pd.Series:
    out = [None if not v else bool(OPEN_WEIGHTS.match(v)) for v in values.tolist()]
    return pd.Series(out, dtype="boolean")


def _read(files: Mapping[str, bytes], file: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    tier = TIERS[file]
    table = read_table(require_file(files, file, source=SOURCE.id), file=file, required=REQUIRED)
    model = text(table, MODEL)
    empty = model == ""
    if bool(empty.any()):
        first = int(empty.to_numpy().nonzero()[0][0])
        raise SourceError(
            "empty model name", file=file, row=int(table["_row"].iloc[first]), column=MODEL
        )
    twice = model.duplicated()
    if bool(twice.any()):
        first = int(twice.to_numpy().nonzero()[0][0])
        raise SourceError(
            "model listed twice",
            file=file,
            row=int(table["_row"].iloc[first]),
            column=MODEL,
            value=str(model.iloc[first]),
        )
    pub, year = dates(table, DATE, file=file)
    access = text(table, ACCESS)
    country_text = text(table, COUNTRY)
    flag = (
        text(table, FRONTIER_FLAG).str.lower() == "true"
        if FRONTIER_FLAG in table.columns
        else pd.Series([tier == "frontier"] * len(table))
    )
    lines = rows(table)
    toks = [tokens(c) for c in country_text.tolist()]
    models = frame_of(
        {
            "tier": [tier] * len(table),
            "model": model,
            "organization": text(table, ORG),
            "publication_date": pub,
            "year": year,
            "domain": text(table, DOMAIN) if DOMAIN in table.columns else [""] * len(table),
            "training_compute_flop": number(table, COMPUTE, file=file, non_negative=True),
            "accessibility": access,
            "open_weights": _open_weights(access),
            "frontier_flag": flag,
            "n_countries": [len(dict.fromkeys(t)) for t in toks],
            "file": [file] * len(table),
            "row": lines,
        },
        {
            "tier": "string",
            "model": "string",
            "organization": "string",
            "year": "Int64",
            "domain": "string",
            "training_compute_flop": "float64",
            "accessibility": "string",
            "frontier_flag": "bool",
            "n_countries": "int64",
            "file": "string",
            "row": "int64",
        },
    )
    links: dict[str, list[object]] = {
        k: [] for k in ("tier", "model", "position", "n_tokens", "country_entity", "file", "row")
    }
    for name, line, found in zip(model.tolist(), lines.tolist(), toks, strict=True):
        for pos, token in enumerate(found, start=1):
            links["tier"].append(tier)
            links["model"].append(name)
            links["position"].append(pos)
            links["n_tokens"].append(len(found))
            links["country_entity"].append(token)
            links["file"].append(file)
            links["row"].append(line)
    countries = frame_of(
        dict(links),
        {
            "tier": "string",
            "model": "string",
            "position": "int64",
            "n_tokens": "int64",
            "country_entity": "string",
            "file": "string",
            "row": "int64",
        },
    )
    return models, countries


def _fractional(links: pd.DataFrame, years: pd.Series, file: str) -> pd.DataFrame:
    """Per country token and year: the sum of 1/k over the models listing it (k tokens)."""
    share = links.assign(
        share=1.0 / links["n_tokens"].astype("float64"), year=links["model"].map(years)
    )
    share = share[share["year"].notna()]
    grouped = share.groupby(["country_entity", "year"], sort=True).agg(
        v=("share", "sum"), row=("row", "min")
    )
    return observations(
        entity=pd.Series(grouped.index.get_level_values(0), dtype="string"),
        year=pd.Series(grouped.index.get_level_values(1)).astype("int64"),
        indicator=NOTABLE_FRAC,
        value=grouped["v"].astype("float64").reset_index(drop=True),
        file=file,
        row=grouped["row"].reset_index(drop=True),
    )


def parse(files: Mapping[str, bytes]) -> Parsed:
    """Model and model-country records of the three tiers, and per-country counts."""
    model_frames: list[pd.DataFrame] = []
    link_frames: list[pd.DataFrame] = []
    notes: list[str] = []
    obs_frames: list[pd.DataFrame] = []
    for file, tier in TIERS.items():
        models, links = _read(files, file)
        model_frames.append(models)
        link_frames.append(links)
        no_country = int((models["n_countries"] == 0).sum())
        notes.append(
            f"{file}: {len(models)} models ({tier}), {no_country} with no country, "
            f"{int(models['year'].isna().sum())} with no publication date"
        )
        years = models.set_index("model")["year"]
        distinct = links.drop_duplicates(["model", "country_entity"]).copy()
        distinct["year"] = distinct["model"].map(years)
        distinct = distinct[distinct["year"].notna()]
        if distinct.empty:
            continue
        grouped = distinct.groupby(["country_entity", "year"], sort=True).agg(
            n=("model", "size"), row=("row", "min")
        )
        obs_frames.append(
            observations(
                entity=pd.Series(grouped.index.get_level_values(0), dtype="string"),
                year=pd.Series(grouped.index.get_level_values(1)).astype("int64"),
                indicator=CODES[tier],
                value=grouped["n"].astype("float64").reset_index(drop=True),
                file=file,
                row=grouped["row"].reset_index(drop=True),
            )
        )
        if tier == "notable":
            obs_frames.append(_fractional(links, years, file))
    obs = finish(obs_frames, notes)
    return Parsed(
        observations=obs,
        indicators=list(INDICATORS),
        notes=notes,
        records={
            "models": pd.concat(model_frames, ignore_index=True),
            "model_countries": pd.concat(link_frames, ignore_index=True),
        },
    )


def fetch(client: httpx.Client) -> dict[str, bytes]:
    """Download the three current CSVs from Epoch AI."""
    base = "https://epoch.ai/data/"
    return {f: http_get(client, base + f, file=f, expect="csv") for f in TIERS}
