"""Dependency and access per Member State: who hosts AI compute, cloud regions and model
developers, the nearest hosts in the same region for those who do not, and the open-weight
share of notable models over time.

"Developing" here means not classified high income by the World Bank (FY2025 income groups
LIC, LMC, UMC; Venezuela, unclassified, counts as developing): the country reference carries no
UN developing/developed flag, and this definition is stated with every result.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from aicap.analysis.monitor.concentration import _actor, _num

RESOURCES = ("compute", "cloud_region", "model_developer")
DEVELOPING_DEFINITION = (
    "developing = World Bank FY2025 income group other than high income (LIC, LMC, UMC, or "
    "unclassified)"
)
EARTH_RADIUS_KM = 6371.0


def _iso_set(values: pd.Series) -> set[str]:
    return {a for a in (_actor(v) for v in values.tolist()) if a is not None}


def hosts(
    clusters: pd.DataFrame, regions: pd.DataFrame, model_countries: pd.DataFrame
) -> dict[str, pd.Series]:
    """Per resource, a Series iso3 -> amount hosted: existing GPU clusters' H100e (existing,
    not a possible duplicate; a cluster without an estimate counts with 0 H100e but still makes
    its country a host), open cloud regions, notable models with an organisation there."""
    existing = clusters[
        (clusters["status"].astype(str) == "Existing")
        & ~clusters["possible_duplicate"].astype(bool)
    ]
    compute = (
        existing.assign(iso3=existing["iso3"].map(_actor))
        .dropna(subset=["iso3"])
        .groupby("iso3")["h100e"]
        .apply(lambda s: float(s.fillna(0.0).sum()))
    )
    live = regions[~regions["announced"].astype(bool)]
    cloud = (
        live.assign(iso3=live["iso3"].map(_actor)).dropna(subset=["iso3"]).groupby("iso3").size()
    )
    notable = model_countries[model_countries["tier"].astype(str) == "notable"]
    models = (
        notable.assign(iso3=notable["iso3"].map(_actor))
        .dropna(subset=["iso3"])
        .drop_duplicates(["model", "iso3"])
        .groupby("iso3")
        .size()
    )
    return {
        "compute": compute.astype("float64"),
        "cloud_region": cloud.astype("float64"),
        "model_developer": models.astype("float64"),
    }


def _distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


class _Neighbours:
    """The country reference read once for :func:`nearest_hosts`: per country its UN
    sub-region, region and coordinates; per sub-region and region its countries, in the
    reference's order."""

    def __init__(self, countries: pd.DataFrame) -> None:
        self.codes: list[object] = countries["iso3"].tolist()
        self.pos: dict[object, int] = {}
        for i, code in enumerate(self.codes):
            self.pos.setdefault(code, i)
        self.lat: list[object] = countries["latitude"].tolist()
        self.lon: list[object] = countries["longitude"].tolist()
        self.areas: dict[str, list[object]] = {}
        self.members: dict[str, dict[object, list[int]]] = {}
        for column in ("un_subregion", "un_region"):
            values = countries[column].tolist()
            self.areas[column] = values
            groups: dict[object, list[int]] = {}
            for i, v in enumerate(values):
                if not pd.isna(v):
                    groups.setdefault(v, []).append(i)
            self.members[column] = groups

    def nearest(
        self, host_codes: set[str], iso3: str, n: int = 3
    ) -> tuple[list[tuple[str, float]], str]:
        me = self.pos.get(iso3)
        if me is None:
            return [], "none"
        for scope, column in (("subregion", "un_subregion"), ("region", "un_region")):
            area = self.areas[column][me]
            if _actor(area) is None:
                continue
            same = [
                i
                for i in self.members[column].get(area, [])
                if self.codes[i] in host_codes and self.codes[i] != iso3
            ]
            if not same:
                continue
            found: list[tuple[str, float]] = []
            for i in same:
                if any(_actor(v) is None for v in (self.lat[me], self.lat[i])):
                    dist = float("nan")
                else:
                    dist = _distance_km(
                        _num(self.lat[me]),
                        _num(self.lon[me]),
                        _num(self.lat[i]),
                        _num(self.lon[i]),
                    )
                found.append((str(self.codes[i]), dist))
            found.sort(key=lambda x: (math.isnan(x[1]), x[1]))
            return found[:n], scope
        return [], "none"


def nearest_hosts(
    countries: pd.DataFrame, host_codes: set[str], iso3: str, n: int = 3
) -> tuple[list[tuple[str, float]], str]:
    """Up to ``n`` hosts nearest to ``iso3`` (great-circle distance between the reference's
    country coordinates) in its UN sub-region, else its UN region; returns the hosts with their
    distance in km and the scope searched (``subregion``, ``region`` or ``none``)."""
    return _Neighbours(countries).nearest(host_codes, iso3, n)


def access_table(
    countries: pd.DataFrame,
    clusters: pd.DataFrame,
    regions: pd.DataFrame,
    model_countries: pd.DataFrame,
) -> pd.DataFrame:
    """One row per Member State: whether it hosts each resource (and how much), whether it is
    developing (:data:`DEVELOPING_DEFINITION`), and the nearest same-region hosts of each
    resource it lacks (``nearest_<resource>``: "ISO3 (km); ...", ``nearest_<resource>_scope``).
    """
    members = countries[countries["status"] == "member"].copy()
    held = hosts(clusters, regions, model_countries)
    out = members[["iso3", "name", "un_region", "un_subregion", "income_group", "ldc"]].copy()
    out["developing"] = out["income_group"].map(lambda g: _actor(g) != "HIC")
    neighbours = _Neighbours(countries)
    for resource in RESOURCES:
        amount = held[resource]
        out[f"{resource}_amount"] = out["iso3"].map(amount).fillna(0.0).astype("float64")
        out[f"hosts_{resource}"] = out["iso3"].isin(list(amount.index))
        codes = set(amount.index)
        nearest: list[str] = []
        scopes: list[str] = []
        for iso3, has in zip(out["iso3"], out[f"hosts_{resource}"], strict=True):
            if has:
                nearest.append("")
                scopes.append("")
                continue
            found, scope = neighbours.nearest(codes, str(iso3))
            nearest.append("; ".join(f"{c} ({d:,.0f} km)" if d == d else c for c, d in found))
            scopes.append(scope)
        out[f"nearest_{resource}"] = nearest
        out[f"nearest_{resource}_scope"] = scopes
    out["hosts_none"] = ~out[[f"hosts_{r}" for r in RESOURCES]].any(axis=1)
    return out.sort_values("iso3").reset_index(drop=True)


def access_summary(table: pd.DataFrame) -> dict[str, object]:
    """Counts of Member States (and developing ones) without each resource."""
    dev = table[table["developing"]]
    out: dict[str, object] = {
        "member_states": len(table),
        "developing": len(dev),
        "developing_definition": DEVELOPING_DEFINITION,
    }
    for resource in (*RESOURCES, "none"):
        col = f"hosts_{resource}"
        if resource == "none":
            out["member_states_with_none"] = int(table[col].sum())
            out["developing_with_none"] = int(dev[col].sum())
        else:
            out[f"member_states_without_{resource}"] = int((~table[col]).sum())
            out[f"developing_without_{resource}"] = int((~dev[col]).sum())
    return out


def open_weight_share(models: pd.DataFrame, tier: str = "notable") -> pd.DataFrame:
    """Per publication year: models of ``tier``, those with a known accessibility, those with
    open weights, and the open-weight share (%) of the known ones."""
    sel = models[(models["tier"].astype(str) == tier) & models["year"].notna()].copy()
    sel["known"] = sel["open_weights"].notna()
    sel["open"] = sel["open_weights"].fillna(False).astype(bool)
    grouped = sel.groupby(sel["year"].astype("int64")).agg(
        models=("model", "size"), known=("known", "sum"), open_weights=("open", "sum")
    )
    grouped["open_share"] = np.where(
        grouped["known"] > 0,
        100.0 * grouped["open_weights"] / grouped["known"].clip(lower=1),
        np.nan,
    )
    return grouped.reset_index().rename(columns={"index": "year"})
