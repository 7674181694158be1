"""Checks of the recommendations against the warehouse: what a reader would catch.

Each check reads the profiles (:func:`aicap.analysis.profile.build_profile`, JSON-ready) and
facts read straight from the warehouse's record tables, independently of the asset table the
recommender used, so a recommender that misreads the data fails them:

* :func:`contradictions`: "adopt a national AI strategy" where GIRAI's register records an
  adopted strategy that names AI; "adopt a data-protection framework" where it records a
  data-protection law; shared compute access (cloud credits, GPU time) where the country
  hosts a GPU cluster or a cloud region; a regional HPC facility where it hosts a GPU
  cluster; local hosting where it has a cloud region; a backbone for landlocked and island
  States offered to another country; a shown "gap" at or above the peer median; a priority of
  zero or less; a tier-0 instrument (the Global Fund for AI) offered to a high-income country.
* :func:`citation_misuse`: a citation whose role does not fit its text's status (a report or a
  statement "mandating", a preambular paragraph mandating).
* :func:`distinct_top_sets`: how many distinct top-five sets a group of countries gets.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from aicap.analysis.mandates import ROLES_BY_STATUS, MandateLibrary

_DP = (
    r"data protection|personal data|personal information|privacy|\bGDPR\b|"
    r"protection des donn|protección de datos|proteção de dados"
)
GAP_MIN = 2.0
_AI = r"artificial intelligence|\bAI\b|intelligence artificielle|inteligencia artificial"


@dataclass(frozen=True)
class Facts:
    """What the record tables say, per ISO3 code."""

    strategy: frozenset[str]  # an adopted document of type Strategy (GIRAI)
    data_protection: frozenset[str]  # an adopted law whose title is about data protection
    gpu_clusters: frozenset[str]  # an existing Epoch GPU cluster
    cloud_regions: frozenset[str]  # a (non-announced) public-cloud region
    groups: Mapping[str, frozenset[str]]  # iso3 -> {LDC, LLDC, SIDS}
    income: Mapping[str, str]


def facts_from_frames(
    frameworks: pd.DataFrame,
    clusters: pd.DataFrame,
    regions: pd.DataFrame,
    countries: pd.DataFrame,
) -> Facts:
    """From GIRAI's framework register, Epoch's GPU clusters, the cloud regions and the
    country reference (``iso3, income_group, ldc, lldc, sids``)."""
    fw = frameworks[frameworks["area_status"] == "Adopted"]
    title = fw["title"].fillna("").astype(str).str.split().str.join(" ")
    # an AI strategy: a 'Strategy' that names AI (a strategy against disinformation or for
    # gender equality is not one)
    is_ai = title.str.contains(_AI, case=False, regex=True)
    strat = fw[(fw["type"] == "Strategy") & is_ai]["iso3"].dropna()
    laws = fw[fw["type"].isin(["Law", "International Law"])]
    dp = laws[laws["title"].str.contains(_DP, case=False, regex=True, na=False)]["iso3"]
    cl = clusters[(clusters["status"] == "Existing") & clusters["iso3"].notna()]["iso3"]
    announced = regions["announced"].fillna(False).astype(bool)
    rg = regions[~announced & regions["iso3"].notna()]["iso3"]
    groups = {
        str(r.iso3): frozenset(g for g in ("LDC", "LLDC", "SIDS") if bool(getattr(r, g.lower())))
        for r in countries.itertuples()
    }
    income = {
        str(i): str(v) for i, v in zip(countries["iso3"], countries["income_group"], strict=True)
    }
    return Facts(
        frozenset(strat), frozenset(dp.dropna()), frozenset(cl), frozenset(rg), groups, income
    )


def facts_from_warehouse(wh: Any) -> Facts:
    """:func:`facts_from_frames` on a :class:`aicap.warehouse.read.Warehouse`."""
    return facts_from_frames(
        wh.records("girai", "frameworks"),
        wh.records("epoch_gpu_clusters", "clusters"),
        wh.records("cloud_regions", "regions"),
        wh.countries(),
    )


def _adopt(title: str) -> bool:
    """True when the recommendation reads as "adopt / create" rather than implement."""
    t = title.lower()
    return not (t.startswith("implement") or t.startswith("put ") or "update" in t)


def contradictions(profile: Mapping[str, Any], facts: Facts) -> list[str]:
    """Every statement of the profile's recommendations that the warehouse contradicts."""
    iso = str(profile["iso3"])
    out: list[str] = []
    for r in profile.get("recommendations", []):
        iid, title = str(r["id"]), str(r["title"])
        where = f"{iso} #{r['rank']} {iid}"
        if iid == "STRAT-01" and iso in facts.strategy and _adopt(title):
            out.append(f"{where}: adopt a strategy, but GIRAI records an adopted one")
        if iid == "DATA-01" and iso in facts.data_protection and _adopt(title):
            out.append(f"{where}: adopt data protection, but GIRAI records a data-protection law")
        if iid == "COMP-01" and (iso in facts.gpu_clusters or iso in facts.cloud_regions):
            out.append(
                f"{where}: shared compute access, but it hosts a GPU cluster or cloud region"
            )
        if iid == "COMP-02" and iso in facts.gpu_clusters:
            out.append(f"{where}: regional HPC facility, but it hosts a GPU cluster")
        if iid == "COMP-04" and iso in facts.cloud_regions:
            out.append(f"{where}: local hosting, but it has a cloud region")
        if iid == "CONN-04" and not facts.groups.get(iso, frozenset()) & {"LLDC", "SIDS"}:
            out.append(f"{where}: a backbone for landlocked and island States, but it is neither")
        if iid == "CONN-04" and facts.income.get(iso) == "HIC":
            out.append(f"{where}: a backbone for developing States offered to a high-income one")
        pr = r.get("priority")
        if pr is not None and float(pr) <= 0:
            out.append(f"{where}: priority {pr}")
        for g in r.get("gaps", []):
            gn = g.get("gap_normalised")
            if gn is not None and float(gn) > -GAP_MIN:
                out.append(f"{where}: shows '{g.get('name')}' as a gap at {gn:+.1f} points")
        if iid == "FIN-01" and facts.income.get(iso) == "HIC":
            out.append(f"{where}: the Global Fund for AI (tier 0) offered to a high-income country")
    for ins in (profile.get("financing") or {}).get("instruments", []):
        if ins["id"] == "FIN-01" and facts.income.get(iso) == "HIC":
            out.append(f"{iso} financing: the Global Fund for AI offered to a high-income country")
    return out


def citation_misuse(profile: Mapping[str, Any], library: MandateLibrary) -> list[str]:
    """Citations whose role does not fit their text's status; a profile without roles (older
    output) counts every report or statement it cites among its mandates."""
    iso = str(profile["iso3"])
    out: list[str] = []
    for r in profile.get("recommendations", []):
        for m in r.get("mandates", []):
            para = library.resolve(str(m["ref"]))
            role = m.get("role", "mandated by")
            if role not in ROLES_BY_STATUS[para.status]:
                out.append(f"{iso} {r['id']}: {m['ref']} ({para.status}) cited as '{role}'")
            elif role == "mandated by" and para.preambular:
                out.append(f"{iso} {r['id']}: preambular {m['ref']} cited as mandating")
    return out


def distinct_top_sets(
    profiles: Iterable[Mapping[str, Any]], tiers: Iterable[int] = (0, 1), n: int = 5
) -> tuple[int, int]:
    """(distinct top-``n`` sets, countries) among the profiles whose tier is in ``tiers``."""
    keep = set(tiers)
    sets = [
        frozenset(str(r["id"]) for r in p["recommendations"][:n])
        for p in profiles
        if p.get("tier") in keep
    ]
    return len(set(sets)), len(sets)
