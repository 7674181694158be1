"""Recommendations for a country: the interventions it needs, conditioned on what it has.

How the list is drawn (also in ``docs/diagnose.md``):

1. **Eligible** (catalogue data): the intervention's ``min_tier`` is at or below the country's
   tier (no tier, for lack of data: treated as tier 0), and its ``eligible`` tiers, income
   groups and country groups (LDC, LLDC, SIDS), where given, include the country's. A country
   without an income group is eligible for no intervention restricted by income. Financing
   instruments (area ``financing``) are not capacities: they are not ranked here but offered
   as the bundle's financing by :func:`aicap.analysis.financing.bundle_financing`.
2. **What it has** (``builds``, the asset table of :mod:`aicap.analysis.assets`): when the
   country has the asset the intervention builds, it is skipped (``if_present: skip``) or
   becomes "implement / update" (``title_if_present``, with the asset's year), proposed only
   when the asset is older than ``stale_after_years`` or the intervention's indicators lag the
   peers; when the asset is ``absent`` the lack is itself the gap (``ABSENT_BONUS`` points);
   when it is ``not assessed`` the intervention rests on its indicators alone and says so.
3. **Need**: the mean shortfall, in normalised points, of the country below its primary peer
   median on the index indicators the intervention moves (matched through their warehouse
   series codes); for an intervention that moves no index indicator with data, the shortfall
   of the pillars of its area; for one that targets women and girls (``gender``), the mean
   shortfall below gender parity of the education and work series (:mod:`aicap.analysis.gender`).
4. **Proposed** only for a gap: the asset is absent or stale, the need is at least ``NEED_MIN`` = 2
   points, or a Monitor signal points to it. Nothing is proposed for a gap that is not one, and
   only the lagging indicators (at least ``NEED_MIN`` points below the peer median) are shown.
5. **Priority** = need + ``ABSENT_BONUS`` (10) when the asset is absent (``STALE_BONUS``, 5, when
   it is stale) + 5 when it meets an unmet condition of the next tier (the tier rule's
   ``next_needs``; else 5 when it serves a pillar that holds the country in its tier) + 10 when
   its area serves the binding constraint + ``SIGNAL_BONUS`` (5) when a signal points to it.
   Each item names the next-tier condition it meets (``next_tier``: the rule's condition and
   what it needs, else the catalogue's ``tier_condition``).
6. **Why now**: unmet prerequisites (themselves proposed for this country) are added and the
   list is ordered topologically (Kahn's algorithm, highest priority first among the items
   whose prerequisites are placed or met). For a tier-0 country the proposed items of A/79/966's
   minimum irreducible capacity and their prerequisites come first.
7. **Monitor signals** (optional ``signals``): governance gaps, documented incidents and the
   dependency and concentration signals of :mod:`aicap.analysis.monitor.links`. An intervention
   marked ``signal_only`` (AI in the military domain, SEC-03) is proposed only on its signal.
8. **Citations by status** (:meth:`Catalogue.citations`): "mandated by" only for operative
   paragraphs of agreed texts; a report is evidence or the origin of a proposal; a statement
   background.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd

from aicap.analysis.catalogue import (
    ABSENT,
    AUDIENCE_WORDS,
    COST_BANDS,
    LEAD_TIMES,
    MODALITY_WORDS,
    NOT_ASSESSED,
    PRESENT,
    Catalogue,
    Intervention,
)
from aicap.analysis.diagnose import MATERIAL_GAP, Diagnosis
from aicap.analysis.gender import SKILLS_PAIRS, skills_shortfall
from aicap.analysis.rec_country import (
    DERIVED_ASSETS,
    AssetState,
    Country,
    asset_states,
    eligibility,
)

BINDING_BONUS = 10.0
#: A shortfall below this many normalised points is not a gap worth an intervention.
NEED_MIN = MATERIAL_GAP
HOLDING_BONUS = 5.0
SIGNAL_BONUS = 5.0
ABSENT_BONUS = 10.0
#: an asset older than its ``stale_after_years`` (a strategy to update)
STALE_BONUS = 5.0
PHASE_BUNDLE = "minimum irreducible AI capacity (A/79/966, tier 0 to 1)"
PHASE_NEXT = "next steps"
FINANCING_AREA = "financing"
__all__ = [
    "DERIVED_ASSETS",
    "AssetState",
    "Country",
    "Recommendation",
    "asset_states",
    "eligibility",
    "recommend",
]


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
    title: str = ""
    asset: dict[str, Any] | None = None
    unlocks: list[str] = field(default_factory=list)
    next_tier: dict[str, Any] | None = None
    cost_usd_m: tuple[float, float] = (0.0, 0.0)

    def as_dict(self) -> dict[str, Any]:
        it = self.intervention
        return {
            "rank": self.rank,
            "id": it.id,
            "title": self.title or it.title,
            "catalogue_title": it.title,
            "area": it.area,
            "area_name": self.area_name,
            "phase": self.phase,
            "priority": round(self.priority, 2),
            "need": round(self.need, 2),
            "description": " ".join(it.description.split()),
            "gaps": self.gaps,
            "asset": self.asset,
            "reasons": self.reasons,
            "why_now": self.why_now,
            "prerequisites": list(it.prerequisites),
            "prerequisites_met": self.prerequisites_met,
            "prerequisites_listed": self.prerequisites_listed,
            "comes_first_for": self.comes_first_for,
            "unlocks": self.unlocks,
            "next_tier": self.next_tier,
            "modality": [MODALITY_WORDS[m.value] for m in it.modality],
            "providers": list(it.providers),
            "audiences": [AUDIENCE_WORDS[a.value] for a in it.audiences],
            "actions": {a.value: t for a, t in it.actions.items()},
            "sdg_targets": list(it.sdg_targets),
            "cost_band": f"{it.cost_band.value} ({COST_BANDS[it.cost_band.value]})",
            "cost_usd_m": list(self.cost_usd_m),
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
    """The diagnosis' indicator rows by warehouse series and pillar rows, read once."""

    def __init__(self, diag: Diagnosis) -> None:
        self.by_series: dict[str, list[dict[str, Any]]] = {}
        for raw in diag.indicators.to_dict(orient="records"):
            rec = {str(k): v for k, v in raw.items()}
            self.by_series.setdefault(str(rec["series"]), []).append(rec)
        self.pillars = {
            str(r["pillar"]): {str(k): v for k, v in r.items()}
            for r in diag.pillars.to_dict(orient="records")
        }

    def rows(self, it: Intervention) -> list[dict[str, Any]]:
        return [r for s in it.indicators for r in self.by_series.get(s, [])]


def _gap_row(rec: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": "indicator",
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


def _pillar_row(rec: dict[str, Any], year: int) -> dict[str, Any]:
    return {
        "kind": "pillar",
        "indicator": rec["pillar"],
        "name": f"{rec['name']} pillar score",
        "series": "",
        "unit": "points (0-100)",
        "value": _num(rec["score"]),
        "year": year,
        "peer_median": _num(rec["peer_median"]),
        "frontier": _num(rec["frontier"]),
        "normalised": _num(rec["score"]),
        "peer_median_normalised": _num(rec["peer_median"]),
        "gap_normalised": _num(rec["gap_peer"]),
        "status": rec["status"],
    }


def _gender_rows(diag: Diagnosis) -> list[dict[str, Any]]:
    g = diag.gender
    if g is None or not len(g):
        return []
    out = []
    sel = g[
        (g["status"] == "gap (women)")
        & g["indicator"].isin([c.removesuffix("_F") for c in SKILLS_PAIRS])
        & (g["shortfall"] >= NEED_MIN)
    ]
    for r in sel.to_dict(orient="records"):
        out.append(
            {
                "kind": "gender",
                "indicator": r["indicator"],
                "name": f"{r['name']}, women / men",
                "series": f"{r['indicator']}_F, {r['indicator']}_M",
                "unit": r["unit"],
                "value": _num(r["female"]),
                "year": r["year"],
                "peer_median": _num(r["male"]),  # the comparison is men of the same country
                "frontier": None,
                "normalised": _num(r["parity"]),
                "peer_median_normalised": 1.0,
                "gap_normalised": -float(r["shortfall"]),
                "status": "gap (women)",
                "compared_with": "men of the same country (parity index female / male)",
            }
        )
    return out


def _assess(
    it: Intervention,
    catalogue: Catalogue,
    diag: Diagnosis,
    look: _Lookup,
    assets: Mapping[str, AssetState],
) -> dict[str, Any]:
    """Need, gap rows, asset and title of ``it`` for the diagnosed country."""
    rows = look.rows(it)
    gaps_all = [_gap_row(r) for r in rows]
    vals = np.asarray([g["gap_normalised"] for g in gaps_all], dtype=np.float64)
    vals = vals[np.isfinite(vals)]
    shown = [g for g in gaps_all if (g["gap_normalised"] or 0.0) <= -NEED_MIN]
    measure = "indicators"
    if it.signal_only:  # the signal is the gap: no indicator or pillar stands in for it
        need, shown, measure = 0.0, [], "signal"
    elif it.gender:
        need = skills_shortfall(diag.gender)
        shown = _gender_rows(diag) if need > 0 else []
        measure = "gender parity"
    elif vals.size:
        need = float(np.mean(np.maximum(0.0, -vals)))
    else:
        prow = [look.pillars[p] for p in catalogue.pillars_of(it.id) if p in look.pillars]
        pg = np.asarray([_num(r["gap_peer"]) for r in prow], dtype=np.float64)
        ok = np.isfinite(pg)
        need = float(np.mean(np.maximum(0.0, -pg[ok]))) if ok.any() else 0.0
        shown = [_pillar_row(r, diag.year) for r in prow if (_num(r["gap_peer"]) or 0) <= -NEED_MIN]
        measure = "pillars"
    out: dict[str, Any] = {"need": need, "gaps": shown, "measure": measure, "title": it.title}
    b = it.builds
    st = assets.get(b.asset) if b is not None else None
    out["asset"] = st
    out["absent"] = False
    out["skip"] = None
    if b is None or st is None or st.state == NOT_ASSESSED:
        if b is not None:
            out["asset"] = st or AssetState(b.asset, NOT_ASSESSED)
        return out
    words = catalogue.model.assets[b.asset]
    if st.state == ABSENT:
        out["absent"] = True
        out["gaps"] = [_asset_row(b.asset, words, st), *shown]
        return out
    # present
    when = f" ({st.year})" if st.year else ""
    if b.if_present == "skip":
        out["skip"] = f"has {words}{when}: {st.detail}".rstrip(": ")
        return out
    stale = (
        b.stale_after_years is not None
        and st.year is not None
        and diag.year - st.year >= b.stale_after_years
    )
    out["title"] = (b.title_if_present or it.title).format(year=st.year or "record")
    out["stale"] = stale
    if not stale and need < NEED_MIN:
        out["skip"] = f"has {words}{when} and its indicators do not lag the peers"
    elif stale:
        out["gaps"] = [_asset_row(b.asset, words, st, stale=diag.year - int(st.year or 0)), *shown]
    return out


def _asset_row(asset: str, words: str, st: AssetState, stale: int | None = None) -> dict[str, Any]:
    if stale is not None:
        name = f"{words}: adopted {st.year}, {stale} years before the data year"
    else:
        name = f"{words}: none recorded"
    return {
        "kind": "asset",
        "indicator": asset,
        "name": name,
        "series": "",
        "unit": "",
        "value": None,
        "year": st.year,
        "peer_median": None,
        "frontier": None,
        "normalised": None,
        "peer_median_normalised": None,
        "gap_normalised": None,
        "status": st.state,
        "detail": st.detail,
        "source": st.source,
    }


def recommend(
    diag: Diagnosis,
    catalogue: Catalogue,
    *,
    holding_pillars: str | None = None,
    limit: int | None = 12,
    excerpt: int = 300,
    signals: Sequence[GapSignal] = (),
    assets: Mapping[str, AssetState] | None = None,
    next_needs: Sequence[Mapping[str, Any]] = (),
) -> list[Recommendation]:
    """The ranked list for the diagnosed country (see the module docstring).
    ``holding_pillars``: comma-separated pillar codes that hold it in its tier, if known;
    ``signals``: its Monitor signals; ``assets``: what it has (:func:`asset_states`; None:
    nothing assessed); ``next_needs``: the unmet conditions of the next tier, each with the
    interventions that meet it (the tier rule's ``next_needs``)."""
    country = Country.of(diag)
    tier = country.tier
    binding = diag.binding
    holding = {p for p in (holding_pillars or "").split(",") if p}
    have = assets or {}
    meets: dict[str, dict[str, Any]] = {}
    for need_rec in next_needs:
        for iid in need_rec.get("interventions", []):
            meets.setdefault(str(iid), dict(need_rec))
    info: dict[str, dict[str, Any]] = {}
    look = _Lookup(diag)
    for it in catalogue:
        pillars = catalogue.pillars_of(it.id)
        a = _assess(it, catalogue, diag, look, have)
        linked = [
            {"kind": g.kind, "key": g.key, "label": g.label, "evidence": g.evidence}
            for g in signals
            if it.id in g.interventions
        ]
        barred = eligibility(it, country)
        if it.area == FINANCING_AREA:
            barred = barred or "a financing instrument: offered with the bundle's cost"
        need = float(a["need"])
        stale = bool(a.get("stale"))
        gap = bool(a["absent"]) or stale or need >= NEED_MIN or bool(linked)
        if it.signal_only:
            gap = bool(linked)
        proposed = barred is None and a["skip"] is None and gap
        bonus = (SIGNAL_BONUS if linked else 0.0) + (ABSENT_BONUS if a["absent"] else 0.0)
        bonus += STALE_BONUS if stale else 0.0
        reasons: list[str] = []
        st = a["asset"]
        if a["absent"]:
            reasons.append(f"no {catalogue.model.assets[st.asset].removeprefix('a ')} recorded")
        elif st is not None and st.state == PRESENT and a.get("stale"):
            reasons.append(
                f"its {catalogue.model.assets[st.asset].removeprefix('a ')} dates from {st.year}"
            )
        elif st is not None and st.state == NOT_ASSESSED:
            reasons.append(
                f"whether it has {catalogue.model.assets[st.asset]} is not assessed: "
                "proposed on its indicators alone"
            )
        if linked:
            reasons.append("addresses " + "; ".join(g["label"] for g in linked))
        if binding in pillars and need >= NEED_MIN:
            bonus += BINDING_BONUS
            reasons.append(f"serves the binding constraint ({binding})")
        hold = sorted(holding.intersection(pillars))
        cond = meets.get(it.id)
        cname = str(cond.get("name", "")).lower() if cond is not None else ""
        unmet = cond is not None and cond.get("state") in ("not_met", "not met")
        if unmet and (need >= NEED_MIN or a["absent"] or stale or linked):
            bonus += HOLDING_BONUS
            reasons.append(f"meets a condition of tier {tier + 1}: {cname}")
        elif cond is not None and cond.get("state") == "unknown":
            reasons.append(f"tier {tier + 1} needs {cname}, not assessed here")
        if not unmet and hold and need >= NEED_MIN:
            bonus += HOLDING_BONUS
            reasons.append(f"serves {', '.join(hold)}, which hold(s) the country in tier {tier}")
        lag = [g for g in a["gaps"] if g["kind"] in ("indicator", "pillar", "gender")]
        if lag:
            names = ", ".join(str(g["name"]) for g in lag)
            reasons.append(
                f"{'below parity' if a['measure'] == 'gender parity' else 'below the peer median'}"
                f" on {names}"
            )
        info[it.id] = {
            "need": need,
            "priority": need + bonus,
            "gaps": a["gaps"],
            "proposed": proposed,
            "barred": barred,
            "skip": a["skip"],
            "reasons": reasons,
            "signals": linked,
            "title": a["title"],
            "asset": st.as_dict() if st is not None else None,
            "condition": cond,
        }

    chosen = {i for i, v in info.items() if v["proposed"]}
    bundle_first: set[str] = set()
    if tier == 0:
        for b in catalogue.bundle():
            if b in chosen:
                bundle_first.add(b)
                bundle_first.update(a for a in catalogue.ancestors(b) if a in chosen)
    ordered = _priority_topological(catalogue, bundle_first, chosen - bundle_first, info)
    dependents: dict[str, list[str]] = {i: [] for i in ordered}
    for i in ordered:
        for p in catalogue.get(i).prerequisites:
            if p in dependents:
                dependents[p].append(i)
    if limit is not None:  # the order is topological: a cut keeps every prerequisite
        ordered = ordered[:limit]
    placed = set(ordered)
    out: list[Recommendation] = []
    for rank, iid in enumerate(ordered, start=1):
        it = catalogue.get(iid)
        met_p = [p for p in it.prerequisites if p not in chosen]
        listed = [p for p in it.prerequisites if p in chosen]
        firsts = [d for d in dependents[iid] if d in placed]
        unlocks = [d.id for d in catalogue if iid in d.prerequisites and d.area != FINANCING_AREA]
        nxt = None
        cond = info[iid]["condition"]
        if cond is not None:
            nxt = {
                "tier": tier + 1,
                "label": f"tier {tier + 1}",
                "condition": str(cond.get("name", "")),
                "needs": str(cond.get("needs", "")),
                "state": str(cond.get("state", "")),
                "source": "the tier rule (frameworks/aicap.yaml, after A/79/966)",
            }
        elif tier < it.target_tier:
            nxt = {
                "tier": tier + 1,
                "label": f"tier {tier + 1}",
                "condition": it.tier_condition
                or f"helps reach tier {it.target_tier} (A/79/966's conditions for tiers 2 and 3 "
                "are not held in the library)",
            }
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
                mandates=catalogue.citations(iid, excerpt),
                reasons=info[iid]["reasons"],
                signals=info[iid]["signals"],
                title=str(info[iid]["title"]),
                asset=info[iid]["asset"],
                unlocks=unlocks,
                next_tier=nxt,
                cost_usd_m=catalogue.cost_range(iid),
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
        parts.append(f"prerequisites in place or without a gap ({', '.join(met)}): can start now")
    else:
        pos = {k: n + 1 for n, k in enumerate(order)}
        after = ", ".join(f"{p} (#{pos[p]})" if p in pos else p for p in listed)
        parts.append(f"starts after {after}")
        if met:
            parts.append(f"other prerequisites in place or without a gap ({', '.join(met)})")
    if firsts:
        parts.append(f"comes first for {', '.join(firsts)}")
    return "; ".join(parts)


def recommendations_frame(recs: list[Recommendation]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "rank": r.rank,
                "id": r.intervention.id,
                "title": r.title or r.intervention.title,
                "phase": r.phase,
                "priority": r.priority,
                "why_now": r.why_now,
            }
            for r in recs
        ]
    )
