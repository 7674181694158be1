"""Maturity tiers 0-4 (A/79/966) from pillar scores, with the evidence.

The rule is data (``tiers:`` in ``frameworks/aicap.yaml``): tier k requires every pillar minimum
of tiers 1..k (cumulative, non-compensatory). A country's tier is the highest k it meets. The
pillars below the next tier's minimums are what *hold it* in its tier; their gaps (minimum minus
score) are what *would move it up*. Pure: no I/O.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

from aicap.analysis.spec import TierRule


def cumulative_minimums(rule: TierRule) -> list[dict[str, float]]:
    """For each tier 0..4, the pillar minimums it requires (its own and every lower tier's,
    the highest minimum per pillar)."""
    out: list[dict[str, float]] = []
    acc: dict[str, float] = {}
    for t in rule.tiers:
        for code, v in t.min.items():
            acc[code] = max(acc.get(code, -np.inf), float(v))
        out.append(dict(acc))
    return out


def assign_tiers(pillars: pd.DataFrame, rule: TierRule) -> pd.DataFrame:
    """One row per unit of ``pillars`` (index: unit code; columns: pillar scores). A unit with a
    missing pillar that a tier needs gets no tier beyond what its available pillars prove:
    ``tier`` is then null unless an available pillar already fails tier 1 (then 0).

    Columns: ``tier``, ``tier_label``, ``tier_name``, ``next_tier``, ``holding_pillars`` (the
    pillars below the next tier's minimums, largest gap first), ``gaps`` (JSON: pillar -> points
    needed), ``binding_pillar``, ``binding_gap``, ``evidence`` (a sentence)."""
    mins = cumulative_minimums(rule)
    rows: list[dict[str, Any]] = []
    for unit, rec in pillars.iterrows():
        scores = {str(c): float(v) for c, v in rec.items() if v == v}  # drop NaN
        tier: int | None = 0
        undetermined = False
        for k in range(1, len(mins)):
            need = mins[k]
            missing = [c for c in need if c not in scores]
            failing = [c for c in need if c in scores and scores[c] < need[c]]
            if failing:
                break
            if missing:
                undetermined = True
                break
            tier = k
        if undetermined:
            rows.append(_row(unit, None, rule, {}, scores, mins, "missing pillar(s)"))
            continue
        assert tier is not None
        gaps: dict[str, float] = {}
        if tier + 1 < len(mins):
            need = mins[tier + 1]
            gaps = {c: need[c] - scores[c] for c in need if c in scores and scores[c] < need[c]}
            gaps = dict(sorted(gaps.items(), key=lambda kv: -kv[1]))
        rows.append(_row(unit, tier, rule, gaps, scores, mins, None))
    out = pd.DataFrame(rows).set_index("uCode")
    out["tier"] = out["tier"].astype("Int64")
    out["next_tier"] = out["next_tier"].astype("Int64")
    return out


def _row(
    unit: Any,
    tier: int | None,
    rule: TierRule,
    gaps: dict[str, float],
    scores: dict[str, float],
    mins: list[dict[str, float]],
    why_none: str | None,
) -> dict[str, Any]:
    if tier is None:
        return {
            "uCode": unit,
            "tier": None,
            "tier_label": None,
            "tier_name": None,
            "next_tier": None,
            "holding_pillars": "",
            "binding_pillar": None,
            "binding_gap": np.nan,
            "gaps": "{}",
            "evidence": f"no tier: {why_none} needed by the rule",
        }
    spec = rule.tiers[tier]
    top = tier + 1 >= len(mins)
    binding = next(iter(gaps)) if gaps else None
    if top:
        evidence = f"{spec.label}: meets every minimum of the top tier"
    else:
        nxt = rule.tiers[tier + 1]
        parts = ", ".join(
            f"{c} {scores[c]:.1f} < {mins[tier + 1][c]:g} (+{g:.1f})" for c, g in gaps.items()
        )
        evidence = f"{spec.label}; held by {parts}; {nxt.label} needs these raised"
    return {
        "uCode": unit,
        "tier": tier,
        "tier_label": spec.label,
        "tier_name": spec.name,
        "next_tier": None if top else tier + 1,
        "holding_pillars": ",".join(gaps),
        "binding_pillar": binding,
        "binding_gap": gaps[binding] if binding else np.nan,
        "gaps": json.dumps({c: round(g, 3) for c, g in gaps.items()}),
        "evidence": evidence,
    }
