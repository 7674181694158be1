"""A tier stated so that its label never contradicts its evidence.

The tier rule (:mod:`aicap.analysis.tiers`) is a strict gate: tier 1 needs an adopted national
AI or digital strategy *and* the capacity floors. A country that meets every capacity floor of
tier 2 but has only a draft strategy is in tier 0, and A/79/966's name for tier 0, "AI nascent"
("deep structural and capacity constraints ... Infrastructure is weak"), would contradict the
pillar scores printed under it. This module separates the two things the gate mixes:

- the **capacity level**: the tier the capacity conditions (``role: capacity``: compute, pillar
  floors, models) reach on their own, proven (unknown as not met) and at most (unknown as met);
- the **enablers that hold** the assigned tier below it (``role: enabler``: the strategy).

The assigned tier stays as the rule gives it (it is A/79/966's pathway logic); only its
statement changes: A/79/966's name is used only when the tier is proven and the capacity
conditions reach exactly that tier; otherwise the statement (``statements:`` of the tier rule)
names what holds the tier and the capacity level, or the conditions not assessed. Pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from aicap.analysis.spec import TierCondition, TierRule

MET, NOT_MET, UNKNOWN = "met", "not_met", "unknown"


def tier_reached(
    states: dict[str, str], rule: TierRule, *, unknown_met: bool, capacity_only: bool = False
) -> int:
    """Highest tier k whose required conditions (and those of every lower tier) are met;
    ``capacity_only``: enablers are ignored (the capacity level). A condition without a state
    is unknown."""
    tier = 0
    for t in rule.tiers[1:]:
        for code in t.conditions:
            c = rule.condition(code)
            if not c.required or (capacity_only and c.role == "enabler"):
                continue
            s = states.get(code, UNKNOWN)
            if s == MET or (s == UNKNOWN and unknown_met):
                continue
            return tier
        tier = t.tier
    return tier


def short_name(c: TierCondition) -> str:
    """A condition's name in running text: ``"Access to compute (hosted, ...)"`` -> ``"access
    to compute"``, ``"Skills: pillar score at least 20"`` -> ``"skills"``."""
    text = c.name.split(" (")[0].split(":")[0]
    return text if text[:2].isupper() else text[:1].lower() + text[1:]


@dataclass(frozen=True)
class TierStatement:
    """A country's tier as stated: ``label`` (A/79/966's tier label when ``named``), the
    capacity level (``capacity_tier`` proven, ``capacity_tier_high`` if every unknown capacity
    condition were met) and the enabler conditions that hold the tier below it (``held_by``,
    ``held_tiers`` = capacity level - tier, 0 when nothing holds it)."""

    label: str
    named: bool
    capacity_tier: int
    capacity_tier_high: int
    held_by: tuple[str, ...]
    held_tiers: int
    held_reason: str = ""  # what holds it, in words ("no adopted national AI ... strategy")

    def as_row(self) -> dict[str, Any]:
        return {
            "tier_label": self.label,
            "tier_named": self.named,
            "capacity_tier": self.capacity_tier,
            "capacity_tier_high": self.capacity_tier_high,
            "held_by": ",".join(self.held_by),
            "held_tiers": self.held_tiers,
            "held_reason": self.held_reason,
        }


def _unknown_capacity(states: dict[str, str], rule: TierRule, above: int, upto: int) -> list[str]:
    """Short names of the required capacity conditions of tiers ``above``+1..``upto`` not
    assessed (each name once)."""
    out: list[str] = []
    for t in rule.tiers[above + 1 : upto + 1]:
        for code in t.conditions:
            c = rule.condition(code)
            if c.required and c.role == "capacity" and states.get(code, UNKNOWN) == UNKNOWN:
                name = short_name(c)
                if name not in out:
                    out.append(name)
    return out


def state_tier(
    rule: TierRule, states: dict[str, str], low: int, high: int, unknown: list[str]
) -> TierStatement:
    """The statement of a country's tier. ``states``: condition code -> met / not_met /
    unknown; ``low``/``high``: the tier proven and the tier if every unknown were met;
    ``unknown``: the required conditions not assessed that could raise the tier."""
    w = rule.statements
    cap_low = tier_reached(states, rule, unknown_met=False, capacity_only=True)
    cap_high = tier_reached(states, rule, unknown_met=True, capacity_only=True)
    held: list[TierCondition] = []
    if low < 4 and cap_high > low:
        for t in rule.tiers[low + 1 : max(cap_low, low + 1) + 1]:
            for code in t.conditions:
                c = rule.condition(code)
                if c.required and c.role == "enabler" and states.get(code, UNKNOWN) != MET:
                    held.append(c)
    codes = tuple(c.code for c in held)
    if high > low:
        names = ", ".join(dict.fromkeys(short_name(rule.condition(u)) for u in unknown))
        rng = f"{low}-{high}"
        label = (
            w.range_capacity.format(range=rng, unknown=names, capacity=cap_low)
            if cap_low > low
            else w.range.format(range=rng, unknown=names)
        )
        return TierStatement(label, False, cap_low, cap_high, codes, cap_low - low if held else 0)
    if held:
        count = w.one_condition if len(held) == 1 else w.n_conditions.format(n=len(held))
        what = ", ".join(
            str(c.absent)
            if states.get(c.code) == NOT_MET
            else w.not_assessed.format(condition=short_name(c))
            for c in held
        )
        if cap_high > cap_low:
            missing = ", ".join(_unknown_capacity(states, rule, cap_low, cap_high))
            label = w.held_capacity_range.format(
                tier=low,
                count=count,
                held=what,
                capacity=cap_low,
                capacity_high=cap_high,
                unknown=missing,
            )
        else:
            label = w.held.format(tier=low, count=count, held=what, capacity=cap_low)
        return TierStatement(label, False, cap_low, cap_high, codes, cap_low - low, what)
    return TierStatement(rule.tiers[low].label, True, cap_low, cap_high, (), 0)


def statement_fields(row: Any) -> dict[str, Any]:
    """The statement's fields of one results row, JSON-ready, for the display layers (web
    pages and API): ``tier_named`` (None when the outputs predate it), ``capacity_tier``,
    ``capacity_tier_high``, ``held_by`` (list of condition codes), ``held_reason`` and
    ``p_capacity_tier`` (the capacity level's probability, where computed)."""

    def val(k: str) -> Any:
        v = row.get(k) if hasattr(row, "get") else None
        if v is None or v is pd.NA or (isinstance(v, float) and v != v):
            return None
        return v.item() if hasattr(v, "item") else v

    named = val("tier_named")
    cap, cap_high = val("capacity_tier"), val("capacity_tier_high")
    return {
        "tier_named": None if named is None else bool(named),
        "capacity_tier": None if cap is None else int(cap),
        "capacity_tier_high": None if cap_high is None else int(cap_high),
        "held_by": [c for c in str(val("held_by") or "").split(",") if c],
        "held_reason": val("held_reason") or None,
        "p_capacity_tier": None
        if val("p_capacity_tier") is None
        else float(val("p_capacity_tier")),
    }
