"""Synthetic Monitor results for the briefing tests (imported as ``monitor_helpers``): the
synthetic countries of ``diagnose_helpers`` with known hosts, gaps and incidents."""

from __future__ import annotations

import pandas as pd

from aicap.analysis.monitor import access as acc
from aicap.analysis.monitor import concentration as conc
from aicap.analysis.monitor.links import MonitorResults
from aicap.analysis.monitor.risks import Taxonomy


def monitor_countries(countries: pd.DataFrame) -> pd.DataFrame:
    c = countries.copy()
    c["status"] = "member"
    c["un_subregion"] = c["un_region"]
    c["latitude"] = [float(i) for i in range(len(c))]
    c["longitude"] = 0.0
    return c


def synthetic_results(countries: pd.DataFrame, taxonomy: Taxonomy) -> MonitorResults:
    """H0 hosts 100 H100e (2020-), H1 20 and U1 5 (2022-), one standard cluster of 5 H100e has
    no country; cloud regions in H0, H1, U0; notable models by H0 and U1. Low-income L* have a
    gap for misuse and disinformation (L1: 3 documented misuse incidents), M0 is not covered,
    privacy is never assessed, everything else is addressed."""
    mc = monitor_countries(countries)
    clusters = pd.DataFrame(
        {
            "status": ["Existing"] * 4,
            "possible_duplicate": [False] * 4,
            "standard": [True] * 4,
            "iso3": ["H0", "H1", "U1", None],
            "h100e": [100.0, 20.0, 5.0, 5.0],
            "first_year": [2020, 2022, 2022, 2022],
            "owner": ["Org A", "Org B", "Org A", "Org C"],
        }
    )
    regions = pd.DataFrame(
        {"announced": [False] * 3, "iso3": ["H0", "H1", "U0"], "provider": ["P", "P", "Q"]}
    )
    models = pd.DataFrame(
        {
            "tier": ["notable"] * 3,
            "model": ["m1", "m2", "m3"],
            "year": [2022, 2023, 2023],
            "training_compute_flop": [1e23, 2e23, None],
            "organization": ["Org A", "Org A", "Org D"],
            "open_weights": [True, False, None],
        }
    )
    model_countries = pd.DataFrame(
        {"tier": ["notable"] * 3, "model": ["m1", "m2", "m3"], "iso3": ["H0", "H0", "U1"]}
    )
    holdings = pd.concat(
        [
            conc.compute_holdings(clusters),
            conc.model_holdings(models, model_countries),
            conc.cloud_holdings(regions),
        ],
        ignore_index=True,
    )
    access = acc.access_table(mc, clusters, regions, model_countries)
    rows = []
    for iso in mc["iso3"]:
        for risk in taxonomy.risks:
            if risk.id == "privacy":
                status = "not assessed"
            elif iso == "M0":
                status = "not covered"
            elif iso.startswith("L") and risk.id in ("misuse", "disinformation"):
                status = "gap"
            else:
                status = "addressed"
            n = 3 if (iso, risk.id) == ("L1", "misuse") else 0
            rows.append(
                {
                    "iso3": iso,
                    "risk": risk.id,
                    "risk_name": risk.name,
                    "status": status,
                    "addressed_by": "",
                    "instruments": "",
                    "incidents": n,
                }
            )
    incidents = pd.DataFrame({"countries": [["L1"], ["L1"], ["L1", "H0"]]})
    sources = pd.DataFrame(
        {
            "source_id": ["epoch_gpu_clusters", "girai"],
            "publisher": ["Epoch AI", "Global Center on AI Governance"],
            "title": ["Data on GPU Clusters", "Global Index on Responsible AI 2026"],
            "retrieved": ["2025-12-17", "2026-06-14"],
            "vintage": ["test vintage", "test vintage"],
            "licence": ["CC BY 4.0", "CC BY 4.0"],
            "route": [
                "GitHub mirror cnyke/cnyke.github.io at commit 20889d5",
                "GitHub mirror dataphyte-africa/girai-global-index at commit ecc3897",
            ],
        }
    )
    return MonitorResults(
        countries=mc,
        holdings=holdings,
        concentration=conc.concentration_table(holdings),
        shares=conc.shares_table(holdings),
        access=access,
        access_summary=acc.access_summary(access),
        open_weights=acc.open_weight_share(models),
        matrix=pd.DataFrame(rows),
        incidents=incidents,
        sources=sources,
    )
