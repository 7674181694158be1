"""The Monitor's functions as they were before they were vectorised (commit 621abdc, copied
verbatim but for names): row by row and country by country in pandas. The tests in
:mod:`test_monitor_speed` compare the vectorised functions with these on edge cases."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from aicap.analysis.monitor.access import _distance_km
from aicap.analysis.monitor.concentration import (
    _KEYS,
    DOJ_FTC_2023,
    EC_2004,
    _actor,
    _num,
    classify,
    classify_ec,
    classify_interval,
)
from aicap.analysis.monitor.risks import Taxonomy, _matches_filter


def market_stats(
    quantities: Mapping[str, float] | pd.Series,
    unattributed: float = 0.0,
    ks: Iterable[int] = (1, 3, 5),
) -> dict[str, object]:
    series = pd.Series(quantities, dtype="float64")
    if bool((series < 0).any()) or unattributed < 0:
        raise ValueError("quantities must be non-negative")
    series = series[series > 0].sort_values(ascending=False)
    total = float(series.sum()) + float(unattributed)
    out: dict[str, object] = {"total": total, "n_actors": len(series)}
    ks = list(ks)
    if total <= 0:
        out.update({"unattributed_share": float("nan"), "hhi_low": float("nan")})
        out.update({"hhi_high": float("nan"), "top_actor": None, "top_share": float("nan")})
        for k in ks:
            out[f"cr{k}_low"] = out[f"cr{k}_high"] = float("nan")
        out.update(
            {"class_low": "no data", "class_high": "no data", "class": "no data"}
            | {"class_ec_low": "no data", "class_ec_high": "no data"}
        )
        return out
    shares = 100.0 * series.to_numpy() / total
    residual = 100.0 * float(unattributed) / total
    hhi_low = float(np.sum(shares**2))
    hhi_high = hhi_low + residual**2
    out["unattributed_share"] = residual
    out["hhi_low"] = hhi_low
    out["hhi_high"] = hhi_high
    with_residual = np.sort(np.append(shares, residual))[::-1]
    for k in ks:
        out[f"cr{k}_low"] = float(shares[:k].sum())
        out[f"cr{k}_high"] = float(with_residual[:k].sum())
    out["top_actor"] = str(series.index[0]) if len(series) else None
    out["top_share"] = float(shares[0]) if len(shares) else 0.0
    out["class_low"] = classify(hhi_low)
    out["class_high"] = classify(hhi_high)
    out["class"] = classify_interval(hhi_low, hhi_high)
    out["class_ec_low"] = classify_ec(hhi_low)
    out["class_ec_high"] = classify_ec(hhi_high)
    return out


def concentration_table(holdings: pd.DataFrame, ks: Iterable[int] = (1, 3, 5)) -> pd.DataFrame:
    ks = list(ks)
    out: list[dict[str, object]] = []
    if holdings.empty:
        return pd.DataFrame(columns=[*_KEYS, "hhi_low", "hhi_high"])
    for key, group in holdings.groupby(_KEYS, sort=True):
        known = group[group["actor"].notna()].groupby("actor")["quantity"].sum()
        residual = float(group.loc[group["actor"].isna(), "quantity"].sum())
        stats = market_stats(known, residual, ks)
        out.append(dict(zip(_KEYS, key, strict=True)) | stats)
    table = pd.DataFrame(out)
    table["threshold_source"] = DOJ_FTC_2023
    table["threshold_source_ec"] = EC_2004
    return table


def nearest_hosts(
    countries: pd.DataFrame, host_codes: set[str], iso3: str, n: int = 3
) -> tuple[list[tuple[str, float]], str]:
    ref = countries.set_index("iso3")
    if iso3 not in ref.index:
        return [], "none"
    me = ref.loc[iso3]
    for scope, column in (("subregion", "un_subregion"), ("region", "un_region")):
        area = me[column]
        if _actor(area) is None:
            continue
        same = ref[(ref[column] == area) & ref.index.isin(list(host_codes)) & (ref.index != iso3)]
        if same.empty:
            continue
        found: list[tuple[str, float]] = []
        for code, row in same.iterrows():
            if any(_actor(v) is None for v in (me["latitude"], row["latitude"])):
                dist = float("nan")
            else:
                dist = _distance_km(
                    _num(me["latitude"]),
                    _num(me["longitude"]),
                    _num(row["latitude"]),
                    _num(row["longitude"]),
                )
            found.append((str(code), dist))
        found.sort(key=lambda x: (math.isnan(x[1]), x[1]))
        return found[:n], scope
    return [], "none"


def gap_matrix(
    taxonomy: Taxonomy,
    register: pd.DataFrame,
    coverage: pd.DataFrame,
    countries: Iterable[str],
    incident_counts: pd.DataFrame | None = None,
) -> pd.DataFrame:
    covered = set(coverage["iso3"].dropna().astype(str))
    assessed_areas = set(coverage["area"].dropna().astype(str))
    fw = register[register["kind"] == "framework"]
    counts: dict[tuple[str, str], int] = {}
    if incident_counts is not None and len(incident_counts):
        for rec in incident_counts.itertuples(index=False):
            counts[(str(rec.iso3), str(rec.risk))] = int(str(rec.incidents))
    rows: list[dict[str, object]] = []
    for iso3 in countries:
        mine = fw[fw["iso3"] == iso3]
        for risk in taxonomy.risks:
            areas = [a for a in risk.instrument_areas if a in assessed_areas]
            rel = mine[mine["area"].isin(areas)]
            if risk.instrument_filter:
                rel = rel[_matches_filter(rel, risk.instrument_filter)]
            adopted = rel[rel["status"] == "Adopted"]
            drafts = rel[rel["status"] == "Draft"]
            if not areas:
                status = "not assessed"
            elif iso3 not in covered:
                status = "not covered"
            elif len(adopted):
                status = "addressed"
            elif len(drafts):
                status = "draft only"
            else:
                status = "gap"
            titles = list(dict.fromkeys(adopted["title"].dropna().astype(str)))
            rows.append(
                {
                    "iso3": iso3,
                    "risk": risk.id,
                    "risk_name": risk.name,
                    "status": status,
                    "addressed_by": "; ".join(sorted(set(adopted["area"].astype(str)))),
                    "instruments": "; ".join(titles[:3]) + (" ..." if len(titles) > 3 else ""),
                    "incidents": counts.get((iso3, risk.id), 0),
                }
            )
    return pd.DataFrame(rows)
