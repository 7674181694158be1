"""Explainable matchmaking: needs x offers -> scored pairs -> a global assignment.

**Score.** Every eligible (need, offer) pair gets a score in [0, 1], the weighted sum of six
terms, each shown with its value, weight, contribution and a sentence saying why:

=============  ======  ==============================================================
term           weight  value
=============  ======  ==============================================================
fit            0.30    share of the need's interventions the offer names (1 each), or
                       whose catalogue area it covers (0.6 each); needs given as areas:
                       share of areas covered
capacity       0.20    share of the need's demand in the offer's unit that the offer can
                       cover (allocation / demand)
modality       0.10    1 if the offer has the need's preferred modality (or none is
                       preferred), else 0
language       0.10    1 if they share a language, 0.5 if either names none, else 0
priority       0.30    0.5 x the need's priority (1-4 -> 0.25-1) + 0.25 if the country is
                       an LDC + 0.25 if it is at aicap tier 0
=============  ======  ==============================================================

**Eligibility** is a gate, not a term: the offer must list the country or its tier (or list
none), be valid on the matching date, be open, and the need must demand something in the
offer's unit (USD: its budget gap). Excluded pairs are returned with their reason.

**Assignment.** A mixed-integer programme (:func:`scipy.optimize.milp`, HiGHS): binary x_ij
per eligible pair; maximise sum score_ij x_ij subject to, per offer j,
sum_i alloc_ij x_ij <= remaining capacity_j, and per need i and unit u at most one offer.
``alloc_ij = min(demand_i(u_j), capacity_j)``. Greedy matching by score is not optimal: a
high-scoring pair can use up an offer that two slightly lower pairs would share.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

WEIGHTS: dict[str, float] = {
    "fit": 0.30,
    "capacity": 0.20,
    "modality": 0.10,
    "language": 0.10,
    "priority": 0.30,
}
AREA_FIT = 0.6  # an intervention covered only through its area


@dataclass(frozen=True)
class NeedSpec:
    id: int
    country: str
    interventions: tuple[str, ...] = ()
    areas: tuple[str, ...] = ()
    priority: int = 2
    budget_gap_usd: float | None = None
    demand: Mapping[str, float] = field(default_factory=dict)
    preferred_modality: str | None = None
    languages: tuple[str, ...] = ()
    tier: int | None = None
    ldc: bool = False

    def demand_in(self, unit: str) -> float:
        if unit == "USD":
            return float(self.budget_gap_usd or self.demand.get("USD", 0.0) or 0.0)
        return float(self.demand.get(unit, 0.0) or 0.0)


@dataclass(frozen=True)
class OfferSpec:
    id: int
    provider: str
    capacity: float
    unit: str = "USD"
    interventions: tuple[str, ...] = ()
    areas: tuple[str, ...] = ()
    eligible_countries: tuple[str, ...] = ()
    eligible_tiers: tuple[int, ...] = ()
    modalities: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    valid_from: date | None = None
    valid_until: date | None = None
    open: bool = True


@dataclass(frozen=True)
class Term:
    name: str
    value: float
    weight: float
    why: str

    @property
    def contribution(self) -> float:
        return self.value * self.weight

    def as_dict(self) -> dict[str, Any]:
        return {
            "term": self.name,
            "value": round(self.value, 4),
            "weight": self.weight,
            "contribution": round(self.contribution, 4),
            "why": self.why,
        }


@dataclass(frozen=True)
class Candidate:
    need_id: int
    offer_id: int
    score: float
    terms: tuple[Term, ...]
    allocation: float
    unit: str

    def as_proposal(self) -> dict[str, Any]:
        return {
            "need_id": self.need_id,
            "offer_id": self.offer_id,
            "score": round(self.score, 4),
            "terms": [t.as_dict() for t in self.terms],
            "allocated_amount": self.allocation,
            "allocated_unit": self.unit,
        }


@dataclass
class MatchResult:
    chosen: list[Candidate]
    candidates: list[Candidate]
    excluded: list[dict[str, Any]]
    objective: float
    method: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "objective": round(self.objective, 6),
            "weights": WEIGHTS,
            "proposals": [c.as_proposal() for c in self.chosen],
            "candidates": len(self.candidates),
            "excluded": self.excluded,
        }


def eligibility(need: NeedSpec, offer: OfferSpec, on: date) -> str | None:
    """Why ``offer`` cannot serve ``need`` (None when it can)."""
    if not offer.open:
        return "the offer is closed"
    if offer.valid_from and on < offer.valid_from:
        return f"the offer is valid from {offer.valid_from.isoformat()}"
    if offer.valid_until and on > offer.valid_until:
        return f"the offer expired on {offer.valid_until.isoformat()}"
    listed = need.country in offer.eligible_countries
    tier_ok = need.tier is not None and need.tier in offer.eligible_tiers
    if (offer.eligible_countries or offer.eligible_tiers) and not (listed or tier_ok):
        return f"{need.country} is neither among the offer's countries nor its tiers"
    if need.demand_in(offer.unit) <= 0:
        return f"the need asks for nothing in {offer.unit}"
    return None


def fit_term(need: NeedSpec, offer: OfferSpec, area_of: Mapping[str, str]) -> Term:
    offer_areas = set(offer.areas) | {area_of[i] for i in offer.interventions if i in area_of}
    if need.interventions:
        exact = [i for i in need.interventions if i in offer.interventions]
        by_area = [
            i
            for i in need.interventions
            if i not in offer.interventions and area_of.get(i) in offer_areas
        ]
        value = (len(exact) + AREA_FIT * len(by_area)) / len(need.interventions)
        parts = []
        if exact:
            parts.append(f"offers {', '.join(exact)}")
        if by_area:
            parts.append(f"covers the area of {', '.join(by_area)}")
        why = "; ".join(parts) or "covers none of the needed interventions"
        why += f" ({len(need.interventions)} needed)"
    else:
        covered = [a for a in need.areas if a in offer_areas]
        value = len(covered) / len(need.areas) if need.areas else 0.0
        why = f"covers {len(covered)} of {len(need.areas)} areas" + (
            f" ({', '.join(covered)})" if covered else ""
        )
    if need.interventions and need.areas:
        extra = [a for a in need.areas if a in offer_areas]
        value = max(value, len(extra) / len(need.areas) * AREA_FIT)
    return Term("fit", min(1.0, value), WEIGHTS["fit"], why)


def score_pair(
    need: NeedSpec, offer: OfferSpec, area_of: Mapping[str, str], capacity: float
) -> Candidate | None:
    fit = fit_term(need, offer, area_of)
    if fit.value <= 0:
        return None
    demand = need.demand_in(offer.unit)
    alloc = min(demand, capacity)
    if alloc <= 0:
        return None
    cap = Term(
        "capacity",
        alloc / demand,
        WEIGHTS["capacity"],
        f"can give {alloc:,.0f} of the {demand:,.0f} {offer.unit} needed",
    )
    if need.preferred_modality is None:
        mod = Term("modality", 1.0, WEIGHTS["modality"], "no modality preferred")
    elif need.preferred_modality in offer.modalities:
        mod = Term("modality", 1.0, WEIGHTS["modality"], f"offers {need.preferred_modality}")
    else:
        mod = Term(
            "modality",
            0.0,
            WEIGHTS["modality"],
            f"prefers {need.preferred_modality}; offer: {', '.join(offer.modalities) or 'none'}",
        )
    common = sorted(set(need.languages) & set(offer.languages))
    if not need.languages or not offer.languages:
        lang = Term("language", 0.5, WEIGHTS["language"], "language not stated on one side")
    elif common:
        lang = Term("language", 1.0, WEIGHTS["language"], f"shared: {', '.join(common)}")
    else:
        lang = Term(
            "language",
            0.0,
            WEIGHTS["language"],
            f"no shared language ({', '.join(need.languages)} vs {', '.join(offer.languages)})",
        )
    pri_value = 0.5 * (need.priority / 4) + 0.25 * need.ldc + 0.25 * (need.tier == 0)
    why = [f"priority {need.priority}/4"]
    if need.ldc:
        why.append("least developed country")
    if need.tier == 0:
        why.append("aicap tier 0")
    pri = Term("priority", pri_value, WEIGHTS["priority"], ", ".join(why))
    terms = (fit, cap, mod, lang, pri)
    return Candidate(
        need.id, offer.id, sum(t.contribution for t in terms), terms, alloc, offer.unit
    )


def candidates(
    needs: Sequence[NeedSpec],
    offers: Sequence[OfferSpec],
    area_of: Mapping[str, str],
    *,
    on: date | None = None,
    taken: Mapping[int, float] | None = None,
    skip: Iterable[tuple[int, int]] = (),
) -> tuple[list[Candidate], list[dict[str, Any]]]:
    """Scored eligible pairs and the excluded ones with their reasons. ``taken``: capacity
    already allocated per offer; ``skip``: pairs already matched."""
    on = on or date.today()
    taken = taken or {}
    skipped = set(skip)
    out: list[Candidate] = []
    excluded: list[dict[str, Any]] = []
    for need in needs:
        for offer in offers:
            if (need.id, offer.id) in skipped:
                continue
            remaining = offer.capacity - taken.get(offer.id, 0.0)
            reason = eligibility(need, offer, on)
            if reason is None and remaining <= 0:
                reason = "the offer's capacity is fully allocated"
            if reason is None:
                cand = score_pair(need, offer, area_of, remaining)
                if cand is None:
                    reason = "no area or intervention in common"
                else:
                    out.append(cand)
                    continue
            excluded.append({"need_id": need.id, "offer_id": offer.id, "reason": reason})
    return out, excluded


def assign(
    cands: Sequence[Candidate], capacities: Mapping[int, float]
) -> tuple[list[Candidate], float]:
    """The optimal assignment (MILP, see the module doc); ``capacities``: remaining per offer."""
    if not cands:
        return [], 0.0
    n = len(cands)
    c = -np.array([x.score for x in cands])
    rows: list[np.ndarray] = []
    ub: list[float] = []
    for oid in sorted({x.offer_id for x in cands}):
        row = np.array([x.allocation if x.offer_id == oid else 0.0 for x in cands])
        rows.append(row)
        ub.append(float(capacities[oid]))
    for key in sorted({(x.need_id, x.unit) for x in cands}):
        row = np.array([1.0 if (x.need_id, x.unit) == key else 0.0 for x in cands])
        rows.append(row)
        ub.append(1.0)
    a = np.vstack(rows)
    # a small slack on capacities absorbs floating-point noise in allocations
    cons = LinearConstraint(a, -np.inf, np.array(ub) * (1 + 1e-9) + 1e-9)
    res = milp(c, constraints=cons, integrality=np.ones(n), bounds=Bounds(0, 1))
    if res.x is None:  # pragma: no cover - x = 0 is always feasible
        raise RuntimeError(f"matchmaking failed: {res.message}")
    chosen = [cands[k] for k in range(n) if res.x[k] > 0.5]
    return chosen, float(sum(x.score for x in chosen))


def greedy(
    cands: Sequence[Candidate], capacities: Mapping[int, float]
) -> tuple[list[Candidate], float]:
    """Best-score-first matching (for comparison only: it is not optimal)."""
    left = dict(capacities)
    used: set[tuple[int, str]] = set()
    chosen = []
    for x in sorted(cands, key=lambda x: (-x.score, x.need_id, x.offer_id)):
        if (x.need_id, x.unit) in used or x.allocation > left[x.offer_id] + 1e-9:
            continue
        chosen.append(x)
        used.add((x.need_id, x.unit))
        left[x.offer_id] -= x.allocation
    return chosen, float(sum(x.score for x in chosen))


def matchmake(
    needs: Sequence[NeedSpec],
    offers: Sequence[OfferSpec],
    area_of: Mapping[str, str],
    *,
    on: date | None = None,
    taken: Mapping[int, float] | None = None,
    skip: Iterable[tuple[int, int]] = (),
) -> MatchResult:
    """Score every pair, then choose the optimal set of proposals (see the module doc)."""
    taken = taken or {}
    cands, excluded = candidates(needs, offers, area_of, on=on, taken=taken, skip=skip)
    capacities = {o.id: max(0.0, o.capacity - taken.get(o.id, 0.0)) for o in offers}
    chosen, objective = assign(cands, capacities)
    chosen.sort(key=lambda x: (-x.score, x.need_id, x.offer_id))
    return MatchResult(chosen, cands, excluded, objective, "milp (scipy.optimize.milp, HiGHS)")
