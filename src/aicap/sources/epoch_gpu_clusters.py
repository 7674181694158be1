"""Epoch AI, GPU clusters / AI supercomputers (snapshot of December 2025).

File ``gpu_clusters.csv``: one row per cluster (786), with ``H100 equivalents`` (the compute of
the cluster in H100-equivalents), ``Country`` (one UN-style name per row, or empty), ``Owner``
(comma-separated when shared), ``Status`` (Existing / Planned / Decommissioned), ``First
Operational Date``, Epoch's own analysis filter ``Include in Standard Analysis`` and its
duplicate flag ``Possible Duplicate``.

Records (``records["clusters"]``): every row, with its country as ``country_entity`` (resolved
to ``iso3`` by the harmoniser; an empty country stays NULL with ``country_resolution = none``)
and a boolean ``standard``: ``Include in Standard Analysis == True`` and not a possible
duplicate -- Epoch's own filter for its headline figures (existing systems only; planned and
decommissioned systems and possible duplicates are out, so nothing is counted twice).

Observations, per country and year *Y* (stock of compute operational at the end of *Y*; standard
clusters with a first operational date in or before *Y*; years 2010 to the latest first
operational year):

* ``EPOCH.GPU.H100E``: sum of H100-equivalents; clusters with no H100e estimate add nothing
  (noted);
* ``EPOCH.GPU.N``: number of clusters.

Standard clusters without a country or a first operational date are left out of the
observations (with a note giving their number and H100e) but kept in the records: the
concentration analysis treats them as the unattributed part of the market. Epoch's estimates for
private clusters are uncertain and coverage is best for the largest systems: country totals are
lower bounds, most of all for small countries.
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx
import pandas as pd

from aicap.sources._common import finish, http_get, read_table
from aicap.sources._records import dates, frame_of, number, rows, text
from aicap.sources.base import (
    IndicatorMeta,
    Parsed,
    SourceError,
    SourceInfo,
    observations,
    require_file,
)

FILE = "gpu_clusters.csv"

SOURCE = SourceInfo(
    id="epoch_gpu_clusters",
    publisher="Epoch AI",
    title="Data on GPU Clusters (AI supercomputers)",
    url="https://epoch.ai/data/gpu-clusters",
    licence="CC BY 4.0",
    citation="Epoch AI (2025), 'Data on GPU Clusters', https://epoch.ai/data/gpu-clusters "
    "(snapshot via github.com/cnyke/cnyke.github.io).",
    entity_kind="name",
    files=(FILE,),
    vintage="cnyke/cnyke.github.io@20889d55307b072051e060c2f4736aceebb7197d "
    "(files added 2025-12-17)",
    live_url="https://epoch.ai/data/gpu_clusters.csv",
)

NAME = "Name"
STATUS = "Status"
CERTAINTY = "Certainty"
H100E = "H100 equivalents"
COUNTRY = "Country"
OWNER = "Owner"
SECTOR = "Sector"
FIRST = "First Operational Date"
DECOMMISSIONED = "Decommissioned Date (if applicable)"
DUPLICATE = "Possible Duplicate"
STANDARD = "Include in Standard Analysis"
POWER = "Power Capacity (MW)"
SUPPLIER = "GPU Supplier (primary)"
REQUIRED = (NAME, STATUS, CERTAINTY, H100E, COUNTRY, OWNER, FIRST, DUPLICATE, STANDARD)

FIRST_YEAR = 2010

INDICATORS = [
    IndicatorMeta(
        code="EPOCH.GPU.H100E",
        name="AI compute in GPU clusters hosted in the country (H100-equivalents)",
        unit="H100-equivalents",
        description="Sum of the H100-equivalents of the GPU clusters (AI supercomputers) in the "
        "country operational at the end of the year, in Epoch AI's standard analysis (existing, "
        "not a possible duplicate). A lower bound: coverage is best for the largest systems.",
        source_code=H100E,
    ),
    IndicatorMeta(
        code="EPOCH.GPU.N",
        name="GPU clusters (AI supercomputers) hosted in the country",
        unit="clusters",
        description="Number of GPU clusters in the country operational at the end of the year, "
        "in Epoch AI's standard analysis (existing, not a possible duplicate).",
        source_code=NAME,
    ),
]

_STATUS = {"Existing", "Planned", "Decommissioned"}


def _flag(frame: pd.DataFrame, column: str) -> pd.Series:
    raw = text(frame, column)
    bad = ~raw.isin(["", "True", "False", "TRUE", "FALSE"])
    if bool(bad.any()):
        first = int(bad.to_numpy().nonzero()[0][0])
        raise SourceError(
            "expected True, False or empty",
            file=FILE,
            row=int(frame["_row"].iloc[first]),
            column=column,
            value=str(raw.iloc[first]),
        )
    return raw.str.lower() == "true"


def parse(files: Mapping[str, bytes]) -> Parsed:
    """Cluster records plus compute hosted per country and year."""
    table = read_table(require_file(files, FILE, source=SOURCE.id), file=FILE, required=REQUIRED)
    status = text(table, STATUS)
    bad = ~status.isin(list(_STATUS))
    if bool(bad.any()):
        first = int(bad.to_numpy().nonzero()[0][0])
        raise SourceError(
            f"expected one of {sorted(_STATUS)}",
            file=FILE,
            row=int(table["_row"].iloc[first]),
            column=STATUS,
            value=str(status.iloc[first]),
        )
    h100e = number(table, H100E, file=FILE, non_negative=True)
    first_date, first_year = dates(table, FIRST, file=FILE)
    decom = (
        dates(table, DECOMMISSIONED, file=FILE)[0]
        if DECOMMISSIONED in table.columns
        else pd.Series([None] * len(table), dtype="string")
    )
    power = (
        number(table, POWER, file=FILE, non_negative=True)
        if POWER in table.columns
        else pd.Series([float("nan")] * len(table))
    )
    duplicate = _flag(table, DUPLICATE)
    standard = _flag(table, STANDARD) & ~duplicate
    optional = {c: text(table, c) if c in table.columns else "" for c in (SECTOR, SUPPLIER)}
    clusters = frame_of(
        {
            "name": text(table, NAME),
            "status": status,
            "certainty": text(table, CERTAINTY),
            "h100e": h100e,
            "country_entity": text(table, COUNTRY),
            "owner": text(table, OWNER),
            "sector": optional[SECTOR],
            "gpu_supplier": optional[SUPPLIER],
            "first_operational": first_date,
            "first_year": first_year,
            "decommissioned": decom,
            "power_mw": power,
            "possible_duplicate": duplicate,
            "standard": standard,
            "file": FILE,
            "row": rows(table),
        },
        {
            "name": "string",
            "status": "string",
            "certainty": "string",
            "h100e": "float64",
            "country_entity": "string",
            "owner": "string",
            "sector": "string",
            "gpu_supplier": "string",
            "first_year": "Int64",
            "power_mw": "float64",
            "possible_duplicate": "bool",
            "standard": "bool",
            "file": "string",
            "row": "int64",
        },
    )
    notes = [
        f"{len(clusters)} clusters, {int(standard.sum())} in Epoch's standard analysis "
        "(Include in Standard Analysis, not a possible duplicate)"
    ]
    std = clusters[clusters["standard"]]
    no_country = std[std["country_entity"] == ""]
    no_year = std[std["first_year"].isna()]
    no_h100e = std[std["h100e"].isna()]
    if len(no_country):
        notes.append(
            f"{len(no_country)} standard cluster(s) with no country "
            f"({no_country['h100e'].sum():,.0f} H100e): kept as records, not in observations"
        )
    if len(no_year):
        notes.append(f"{len(no_year)} standard cluster(s) with no first operational date")
    if len(no_h100e):
        notes.append(f"{len(no_h100e)} standard cluster(s) with no H100e estimate (count only)")
    usable = std[(std["country_entity"] != "") & std["first_year"].notna()]
    frames: list[pd.DataFrame] = []
    if len(usable):
        last = int(usable["first_year"].max())
        for year in range(min(FIRST_YEAR, int(usable["first_year"].min())), last + 1):
            live = usable[usable["first_year"] <= year]
            if live.empty:
                continue
            grouped = live.groupby("country_entity", sort=True).agg(
                h100e=("h100e", lambda s: float(s.fillna(0.0).sum())),
                n=("name", "size"),
                row=("row", "min"),
            )
            ent = pd.Series(grouped.index, dtype="string")
            for code, col in (("EPOCH.GPU.H100E", "h100e"), ("EPOCH.GPU.N", "n")):
                frames.append(
                    observations(
                        entity=ent,
                        year=year,
                        indicator=code,
                        value=grouped[col].astype("float64").reset_index(drop=True),
                        file=FILE,
                        row=grouped["row"].reset_index(drop=True),
                    )
                )
    obs = finish(frames, notes)
    return Parsed(
        observations=obs,
        indicators=list(INDICATORS),
        notes=notes,
        records={"clusters": clusters},
    )


def fetch(client: httpx.Client) -> dict[str, bytes]:
    """Download the current CSV from Epoch AI (same layout)."""
    return {FILE: http_get(client, SOURCE.live_url, file=FILE, expect="csv")}
