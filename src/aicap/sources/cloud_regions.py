"""Public-cloud regions by country: AWS, Azure, GCP, Oracle, Linode, Vultr (community list,
github.com/dgl/cloud-regions, mid-2022).

Files ``<provider>_data.csv``: ``region, location_name, lat, lon, osm_id, country_tld``. The
country is a **TLD-style** two-letter code (``uk`` not ``gb``; ``hk`` apart from ``cn``), mapped
to ISO3 explicitly in ``mappings/cloud_regions.yaml`` (so an unknown TLD fails loudly).

Rules, each noted when it applies:

* AWS GovCloud regions (``us-gov-*``) have no country in the file; they are in the United States
  (AWS documents them as US regions), so the importer gives them ``us`` and records
  ``country_method = region id (GovCloud)``;
* a location name ending in ``- ???`` is a region the list knew as announced, not open
  (``announced`` = true): kept in the records, left out of ``CLOUD.REGIONS``;
* a region with no country otherwise (``eu-south-2``, "EU () - ???") keeps a NULL ``iso3``.

Observation ``CLOUD.REGIONS``: open regions per country (all six providers), year 2022 (the
list's last update). A region is one provider's logical region (several data centres): a
measure of market presence, not capacity; Chinese and other national clouds are absent, so the
list over-represents US hyperscalers by construction. Stale: refresh before publishing.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from aicap.sources._common import finish, read_table
from aicap.sources._records import frame_of, number, rows, text
from aicap.sources.base import IndicatorMeta, Parsed, SourceError, SourceInfo, observations

PROVIDERS: dict[str, str] = {
    "aws_data.csv": "AWS",
    "azure_data.csv": "Azure",
    "gcp_data.csv": "GCP",
    "linode_data.csv": "Linode",
    "oracle_data.csv": "Oracle",
    "vultr_data.csv": "Vultr",
}
YEAR = 2022

SOURCE = SourceInfo(
    id="cloud_regions",
    publisher="David Leadbeater (community list); locations © OpenStreetMap contributors",
    title="Public-cloud regions by country (AWS, Azure, GCP, Oracle, Linode, Vultr)",
    url="https://github.com/dgl/cloud-regions",
    licence="ODbL 1.0",
    citation="dgl/cloud-regions (2022), https://github.com/dgl/cloud-regions; locations "
    "© OpenStreetMap contributors (ODbL).",
    entity_kind="code",
    files=tuple(PROVIDERS),
    vintage="dgl/cloud-regions@69868bfe4e11002846873a28ae5d9f958ff6e583 (2022-07-20)",
)

REQUIRED = ("region", "location_name", "lat", "lon", "country_tld")

INDICATORS = [
    IndicatorMeta(
        code="CLOUD.REGIONS",
        name="Public-cloud regions hosted in the country (six providers, 2022)",
        unit="regions",
        description="Open regions of AWS, Azure, Google Cloud, Oracle Cloud, Linode and Vultr "
        "located in the country (community list, mid-2022). Market presence, not capacity; "
        "national clouds (Alibaba, Tencent, Huawei, Yandex, OVH...) are not included.",
        source_code="country_tld",
    )
]


def parse(files: Mapping[str, bytes]) -> Parsed:
    """Region records of every provider file present, and open regions per country."""
    present = [f for f in PROVIDERS if f in files]
    if not present:
        raise SourceError(
            f"none of the provider files {', '.join(PROVIDERS)} is present",
            file=next(iter(PROVIDERS)),
        )
    notes: list[str] = []
    frames: list[pd.DataFrame] = []
    for file in present:
        table = read_table(files[file], file=file, required=REQUIRED)
        region = text(table, "region")
        name = text(table, "location_name")
        tld = text(table, "country_tld").str.lower()
        empty = region == ""
        if bool(empty.any()):
            first = int(empty.to_numpy().nonzero()[0][0])
            raise SourceError(
                "empty region id", file=file, row=int(table["_row"].iloc[first]), column="region"
            )
        method = pd.Series(["country_tld"] * len(table), dtype="string")
        gov = (tld == "") & region.str.startswith("us-gov-")
        if bool(gov.any()):
            tld = tld.where(~gov, "us")
            method = method.where(~gov, "region id (GovCloud)")
            notes.append(f"{file}: {int(gov.sum())} GovCloud region(s) given country us")
        method = method.where(tld != "", "none")
        announced = name.str.endswith("???")
        if bool(announced.any()):
            notes.append(
                f"{file}: {int(announced.sum())} announced region(s) (name ends in ???) "
                f"not counted: {', '.join(region[announced])}"
            )
        frames.append(
            frame_of(
                {
                    "provider": [PROVIDERS[file]] * len(table),
                    "region": region,
                    "location_name": name,
                    "lat": number(table, "lat", file=file),
                    "lon": number(table, "lon", file=file),
                    "country_entity": tld,
                    "country_method": method,
                    "announced": announced,
                    "file": [file] * len(table),
                    "row": rows(table),
                },
                {
                    "provider": "string",
                    "region": "string",
                    "location_name": "string",
                    "lat": "float64",
                    "lon": "float64",
                    "country_entity": "string",
                    "country_method": "string",
                    "announced": "bool",
                    "file": "string",
                    "row": "int64",
                },
            )
        )
    regions = pd.concat(frames, ignore_index=True)
    twice = regions.duplicated(["provider", "region"])
    if bool(twice.any()):
        dup = regions[twice].iloc[0]
        raise SourceError(
            "region listed twice",
            file=str(dup["file"]),
            row=int(dup["row"]),
            column="region",
            value=str(dup["region"]),
        )
    missing = sorted(set(PROVIDERS) - set(present))
    if missing:
        notes.append(f"provider file(s) absent: {', '.join(missing)}")
    no_country = regions[regions["country_entity"] == ""]
    if len(no_country):
        notes.append(
            f"{len(no_country)} region(s) with no country: {', '.join(no_country['region'])}"
        )
    counted = regions[(regions["country_entity"] != "") & ~regions["announced"]]
    grouped = counted.groupby("country_entity", sort=True).agg(
        n=("region", "size"), file=("file", "first"), row=("row", "first")
    )
    obs = finish([_obs(grouped)], notes)
    notes.insert(0, f"{len(regions)} regions of {len(present)} providers, {len(counted)} open")
    return Parsed(
        observations=obs, indicators=list(INDICATORS), notes=notes, records={"regions": regions}
    )


def _obs(grouped: pd.DataFrame) -> pd.DataFrame:
    """One observation per country; ``file``/``row`` name the country's first region."""
    parts = []
    for file, part in grouped.groupby("file", sort=True):
        parts.append(
            observations(
                entity=pd.Series(part.index, dtype="string"),
                year=YEAR,
                indicator="CLOUD.REGIONS",
                value=part["n"].astype("float64").reset_index(drop=True),
                file=str(file),
                row=part["row"].reset_index(drop=True),
            )
        )
    return (
        pd.concat(parts, ignore_index=True)
        if parts
        else observations(
            entity=pd.Series([], dtype="string"),
            year=YEAR,
            indicator="CLOUD.REGIONS",
            value=pd.Series([], dtype="float64"),
            file=next(iter(PROVIDERS)),
            row=pd.Series([], dtype="int64"),
        )
    )
