"""The claims a country profile makes: its pillar trends against its peers (constant
composition) and its score against what its income predicts. Pure: no I/O."""

from __future__ import annotations

from typing import Any

import numpy as np

from aicap.analysis.claims import Claim, claim_id
from aicap.analysis.claims_profile import name_of
from aicap.analysis.diagnose import MATERIAL_GAP, TREND_YEARS, Diagnosis


def _f(v: Any) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")


def country_claims(diag: Diagnosis, n_years: int = TREND_YEARS) -> list[Claim]:
    """Per pillar with three or more years, a ``relative_trend`` claim; an
    ``expected_residual`` claim when the country has a GDP-based expectation."""
    out: list[Claim] = []
    peers = diag.peers[0].label if diag.peers else "its peers"
    start = diag.year - n_years + 1
    t = diag.trends
    rows = t[t["kind"] == "pillar"] if "kind" in t.columns else t.iloc[0:0]
    for r in rows.to_dict(orient="records"):
        if int(r.get("n_years") or 0) < 3 or not np.isfinite(_f(r.get("gap_slope_low"))):
            continue
        i = claim_id("relative_trend", diag.iso3, r["code"], f"{start}-{diag.year}")
        inds = diag.indicators
        used = (
            tuple(
                f"{a} ({b})"
                for a, b, p in zip(inds["indicator"], inds["series"], inds["pillar"], strict=True)
                if p == r["code"]
            )
            if {"indicator", "series", "pillar"} <= set(inds.columns)
            else ()
        )
        out.append(
            Claim(
                id=i,
                kind="relative_trend",
                subject=f"{diag.iso3}:{r['code']}",
                value=_f(r["gap_slope"]),
                low=_f(r["gap_slope_low"]),
                high=_f(r["gap_slope_high"]),
                level=0.95,
                n=int(r["n_years"]),
                start=start,
                end=diag.year,
                sample=f"{name_of(diag)}'s constant-composition {r['name']} pillar and {peers}",
                data=used,
                params={
                    "name": name_of(diag),
                    "label": str(r["name"]).lower(),
                    "peers": peers,
                    "gap_now": _f(r["gap_now"]),
                    # a change under MATERIAL_GAP points over the window is not a finding
                    "min_slope": MATERIAL_GAP / max(int(r["n_years"]) - 1, 1),
                },
                recompute=f"aicap claim show {i} --recompute",
            )
        )
    e = diag.expected
    if e is not None and np.isfinite(_f(e.get("residual"))):
        i = claim_id("expected_residual", diag.iso3, diag.year)
        out.append(
            Claim(
                id=i,
                kind="expected_residual",
                subject=diag.iso3,
                value=_f(e["residual"]),
                low=_f(e["residual_low"]),
                high=_f(e["residual_high"]),
                level=0.95,
                n=int(diag.expected_fit.n) if diag.expected_fit is not None else None,
                end=diag.year,
                sample="the scored Member States with GDP per person (PPP)",
                params={
                    "name": name_of(diag),
                    "actual": _f(e["actual"]),
                    "expected": _f(e["expected"]),
                },
                data=("index score", "NY.GDP.PCAP.PP.CD (World Bank)"),
                recompute=f"aicap claim show {i} --recompute",
            )
        )
    return out
