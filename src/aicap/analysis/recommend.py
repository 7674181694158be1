"""Recommendations for a country: a ranked, explained list of catalogue interventions.

How the list is drawn (also in ``docs/diagnose.md``):

1. **Need** of an intervention: the mean shortfall, in normalised points, of the country below
   its primary peer median on the index indicators the intervention moves (matched through
   their warehouse series codes); for interventions that move no index indicator with data,
   the shortfall of the pillars of its area instead.
2. **Eligible**: the intervention's ``min_tier`` is at or below the country's tier (a country
   with no tier, for lack of data, is treated as tier 0), and either the country is below the
   intervention's ``target_tier`` or the intervention addresses a gap (need of at least
   ``NEED_MIN`` = 2 points).
3. **Met** (not recommended): the country is at or above the ``target_tier`` and its need is
   below ``NEED_MIN``.
4. **Priority** = need + 10 points when the area serves the binding constraint + 5 points when
   it serves a pillar that holds the country in its tier (the tier rule's evidence).
5. **Why now**: every recommended intervention's unmet prerequisites are added to the list
   ("comes first"), and the list is ordered topologically (Kahn's algorithm, highest priority
   first among those whose prerequisites are already placed or met), so no item appears before
   a prerequisite it needs.
6. **Tier 0 countries** first get A/79/966's minimum irreducible AI capacity: the bundle items
   not yet met and their unmet prerequisites, in topological order, then the rest.
7. **Monitor signals** (optional ``signals``: governance gaps, documented incidents, dependency
   and concentration signals from :mod:`aicap.analysis.monitor.links`): an intervention that a
   signal points to is never "met", is eligible from its ``min_tier``, gains ``SIGNAL_BONUS``
   = 5 points, and lists the signals as the gaps it addresses (``signals``).
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd

from aicap.analysis.catalogue import (
    AUDIENCE_WORDS,
    COST_BANDS,
    LEAD_TIMES,
    MODALITY_WORDS,
    Catalogue,
    Intervention,
)
from aicap.analysis.diagnose import MATERIAL_GAP, Diagnosis

BINDING_BONUS = 10.0
#: A shortfall below this many normalised points is not a gap worth an intervention.
NEED_MIN = MATERIAL_GAP
HOLDING_BONUS = 5.0
SIGNAL_BONUS = 5.0
PHASE_BUNDLE = "minimum irreducible AI capacity (A/79/966, tier 0 to 1)"
PHASE_NEXT = "next steps"


class GapSignal(Protocol):
    """A Monitor signal (see :class:`aicap.analysis.monitor.links.Signal`)."""

    @property
    def kind(self) -> str: ...
    @property
    def key(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def evidence(self) -> str: ...
    @property
    def interventions(self) -> tuple[str, ...]: ...


@dataclass
class Recommendation:
    """One recommended intervention with its explanation."""

    rank: int
    intervention: Intervention
    area_name: str
    phase: str
    priority: float
    need: float
    gaps: list[dict[str, Any]]
    prerequisites_met: list[str]
    prerequisites_listed: list[str]  # unmet, placed earlier in this list
    comes_first_for: list[str]
    why_now: str
    mandates: list[dict[str, Any]]
    reasons: list[str] = field(default_factory=list)
    signals: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        it = self.intervention
        return {
            "rank": self.rank,
            "id": it.id,
            "title": it.title,
            "area": it.area,
            "area_name": self.area_name,
            "phase": self.phase,
            "priority": round(self.priority, 2),
            "need": round(self.need, 2),
            "description": " ".join(it.description.split()),
            "gaps": self.gaps,
            "reasons": self.reasons,
            "why_now": self.why_now,
            "prerequisites": list(it.prerequisites),
            "prerequisites_met": self.prerequisites_met,
            "prerequisites_listed": self.prerequisites_listed,
            "comes_first_for": self.comes_first_for,
            "modality": [MODALITY_WORDS[m.value] for m in it.modality],
            "providers": list(it.providers),
            "audiences": [AUDIENCE_WORDS[a.value] for a in it.audiences],
            "cost_band": f"{it.cost_band.value} ({COST_BANDS[it.cost_band.value]})",
            "lead_time": f"{it.lead_time.value} ({LEAD_TIMES[it.lead_time.value]})",
            "min_tier": it.min_tier,
            "target_tier": it.target_tier,
            "mandates": self.mandates,
            "signals": self.signals,
        }


def _num(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if np.isnan(f) else f


class _Lookup:
    """The diagnosis' indicator rows by warehouse series and pillar gaps, read once."""

    def __init__(self, diag: Diagnosis) -> None:
        self.by_series: dict[str, list[dict[str, Any]]] = {}
        for raw in diag.indicators.to_dict(orient="records"):
            rec = {str(k): v for k, v in raw.items()}
            self.by_series.setdefault(str(rec["series"]), []).append(rec)
        self.pillar_gap = {
            str(k): float(v)
            for k, v in zip(diag.pillars["pillar"], diag.pillars["gap_peer"], strict=True)
        }

    def rows(self, it: Intervention) -> list[dict[str, Any]]:
        return [r for s in it.indicators for r in self.by_series.get(s, [])]


def _gap_rows(look: _Lookup, it: Intervention) -> list[dict[str, Any]]:
    rows = []
    for rec in look.rows(it):
        rows.append(
            {
                "indicator": rec["indicator"],
                "name": rec["name"],
                "series": rec["series"],
                "unit": rec["unit"],
                "value": _num(rec["value"]),
                "year": int(rec["value_year"]) if _num(rec["value_year"]) is not None else None,
                "peer_median": _num(rec["peer_median_value"]),
                "frontier": _num(rec["frontier_value"]),
                "normalised": _num(rec["normalised"]),
                "peer_median_normalised": _num(rec["peer_median"]),
                "gap_normalised": _num(rec["gap_peer"]),
                "status": rec["status"],
            }
        )
    return rows


def _need(look: _Lookup, it: Intervention, pillars: tuple[str, ...]) -> tuple[float, bool]:
    """(need in points, whether it rests on indicators)."""
    gaps = np.asarray([_num(r["gap_peer"]) for r in look.rows(it)], dtype=np.float64)
    gaps = gaps[np.isfinite(gaps)]
    if gaps.size:
        return float(np.mean(np.maximum(0.0, -gaps))), True
    pg = np.asarray([look.pillar_gap.get(p, np.nan) for p in pillars], dtype=np.float64)
    pg = pg[np.isfinite(pg)]
    return (float(np.mean(np.maximum(0.0, -pg))) if pg.size else 0.0), False


def _holding(diag: Diagnosis, holding: str | None) -> set[str]:
    return {p for p in (holding or "").split(",") if p}


def recommend(
    diag: Diagnosis,
    catalogue: Catalogue,
    *,
    holding_pillars: str | None = None,
    limit: int | None = 12,
    excerpt: int = 300,
    signals: Sequence[GapSignal] = (),
) -> list[Recommendation]:
    """The ranked list for the diagnosed country (see the module docstring).
    ``holding_pillars``: comma-separated pillar codes that hold it in its tier (from the
    index's tier evidence), if known; ``signals``: the country's Monitor signals."""
    tier = diag.tier if diag.tier is not None else 0
    binding = diag.binding
    holding = _holding(diag, holding_pillars)
    info: dict[str, dict[str, Any]] = {}
    look = _Lookup(diag)
    for it in catalogue:
        pillars = catalogue.pillars_of(it.id)
        need, on_indicators = _need(look, it, pillars)
        gaps = _gap_rows(look, it)
        lagging = [g for g in gaps if (g["gap_normalised"] or 0.0) <= -NEED_MIN]
        linked = [
            {"kind": g.kind, "key": g.key, "label": g.label, "evidence": g.evidence}
            for g in signals
            if it.id in g.interventions
        ]
        met = tier >= it.target_tier and need < NEED_MIN and not linked
        eligible = it.min_tier <= tier and (
            tier < it.target_tier or need >= NEED_MIN or bool(linked)
        )
        bonus = SIGNAL_BONUS if linked else 0.0
        reasons: list[str] = []
        if linked:
            reasons.append("addresses " + "; ".join(g["label"] for g in linked))
        if binding in pillars:
            bonus += BINDING_BONUS
            reasons.append(f"serves the binding constraint ({binding})")
        hold = sorted(holding.intersection(pillars))
        if hold:
            bonus += HOLDING_BONUS
            reasons.append(f"serves {', '.join(hold)}, which hold(s) the country in tier {tier}")
        if lagging:
            names = ", ".join(g["name"] for g in lagging)
            reasons.append(f"below the peer median on {names}")
        elif not on_indicators and need > 0:
            reasons.append(f"its area's pillars are below the peer median by {need:.1f} points")
        if tier < it.target_tier:
            reasons.append(f"helps reach tier {it.target_tier} from tier {tier}")
        info[it.id] = {
            "need": need,
            "priority": need + bonus,
            "gaps": gaps,
            "met": met,
            "eligible": eligible,
            "reasons": reasons,
            "signals": linked,
        }

    chosen = {i for i, v in info.items() if v["eligible"] and not v["met"]}
    bundle_first: set[str] = set()
    if tier == 0:
        for b in catalogue.bundle():
            if not info[b]["met"]:
                bundle_first.add(b)
                bundle_first.update(a for a in catalogue.ancestors(b) if not info[a]["met"])
        chosen |= bundle_first
    # pull in unmet prerequisites: they come first
    closure = set(chosen)
    for i in chosen:
        closure.update(a for a in catalogue.ancestors(i) if not info[a]["met"])
    ordered = _priority_topological(catalogue, bundle_first, closure - bundle_first, info)
    dependents: dict[str, list[str]] = {i: [] for i in ordered}
    for i in ordered:
        for p in catalogue.get(i).prerequisites:
            if p in dependents:
                dependents[p].append(i)
    if limit is not None:
        ordered = ordered[:limit]
    placed = set(ordered)
    out: list[Recommendation] = []
    for rank, iid in enumerate(ordered, start=1):
        it = catalogue.get(iid)
        met_p = [p for p in it.prerequisites if info[p]["met"]]
        listed = [p for p in it.prerequisites if p not in met_p]
        firsts = [d for d in dependents[iid] if d in placed]
        out.append(
            Recommendation(
                rank=rank,
                intervention=it,
                area_name=catalogue.areas[it.area].name,
                phase=PHASE_BUNDLE if iid in bundle_first else PHASE_NEXT,
                priority=float(info[iid]["priority"]),
                need=float(info[iid]["need"]),
                gaps=info[iid]["gaps"],
                prerequisites_met=met_p,
                prerequisites_listed=listed,
                comes_first_for=firsts,
                why_now=_why_now(it, met_p, listed, firsts, ordered),
                mandates=[catalogue.mandates.resolve(r).as_dict(excerpt) for r in it.mandates],
                reasons=info[iid]["reasons"],
                signals=info[iid]["signals"],
            )
        )
    return out


def _priority_topological(
    catalogue: Catalogue,
    first: set[str],
    rest: set[str],
    info: dict[str, dict[str, Any]],
) -> list[str]:
    """``first`` then ``rest``, each in topological order, highest priority first among the
    items whose prerequisites inside the list are already placed."""
    out: list[str] = []
    for block in (first, rest):
        placed = set(out)
        indeg = {
            i: sum(1 for p in catalogue.get(i).prerequisites if p in block and p not in placed)
            for i in block
        }
        heap = [(-info[i]["priority"], i) for i, d in indeg.items() if d == 0]
        heapq.heapify(heap)
        while heap:
            _, i = heapq.heappop(heap)
            out.append(i)
            for j in block:
                if i in catalogue.get(j).prerequisites:
                    indeg[j] -= 1
                    if indeg[j] == 0:
                        heapq.heappush(heap, (-info[j]["priority"], j))
    return out


def _why_now(
    it: Intervention, met: list[str], listed: list[str], firsts: list[str], order: list[str]
) -> str:
    parts: list[str] = []
    if not it.prerequisites:
        parts.append("no prerequisites: can start now")
    elif not listed:
        parts.append(f"prerequisites met ({', '.join(met)}): can start now")
    else:
        pos = {k: n + 1 for n, k in enumerate(order)}
        after = ", ".join(f"{p} (#{pos[p]})" if p in pos else p for p in listed)
        parts.append(f"starts after {after}")
        if met:
            parts.append(f"other prerequisites met ({', '.join(met)})")
    if firsts:
        parts.append(f"comes first for {', '.join(firsts)}")
    return "; ".join(parts)


def recommendations_frame(recs: list[Recommendation]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "rank": r.rank,
                "id": r.intervention.id,
                "title": r.intervention.title,
                "phase": r.phase,
                "priority": r.priority,
                "why_now": r.why_now,
            }
            for r in recs
        ]
    )
