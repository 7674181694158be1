"""The claims of a country profile's statements: its tier and how sure it is, each pillar's
gap to its peers, the binding constraint, and the peer comparison that justifies each
recommendation (:mod:`aicap.analysis.claims`). A label never contradicts its number: a pillar
is "below" its peers, a binding constraint is named and a recommendation's gap is called one
only past the 2-point threshold the diagnosis uses. Pure: no I/O.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from aicap.analysis.claims import Claim, claim_id
from aicap.analysis.diagnose import MATERIAL_GAP, Diagnosis
from aicap.analysis.localise import prose_name

#: the kinds this module makes (``aicap claim show`` recomputes them from the profile)
PROFILE_KINDS = ("tier_assignment", "peer_gap", "binding_constraint", "recommendation_need")
#: a recommendation's need below this is not a gap (aicap.analysis.recommend.NEED_MIN)
NEED_MIN = MATERIAL_GAP
#: reasons that restate the peer comparison (the claim states it with its numbers)
_PEER_REASONS = ("below the peer median on", "below parity on")


def _f(v: Any) -> float:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return float("nan")
    return x


def _json(v: Any) -> Any:
    if isinstance(v, str) and v:
        try:
            return json.loads(v)
        except json.JSONDecodeError:
            return None
    return v if isinstance(v, dict | list) else None


def name_of(diag: Diagnosis) -> str:
    """The country's name as the pages write it in running text: UNTERM's article dropped
    ("United States of America (the)" -> "United States of America"), so a claim's text in
    the JSON twins and the CLI reads as on the page (:func:`aicap.analysis.localise.prose_name`)."""
    return prose_name(str(diag.name))


def _peers(diag: Diagnosis) -> str:
    return diag.peers[0].label if diag.peers else "its peers"


def _pillar_data(diag: Diagnosis, pillar: str) -> tuple[str, ...]:
    inds = diag.indicators
    if not {"indicator", "series", "pillar"} <= set(inds.columns):
        return ()
    return tuple(
        f"{a} ({b})"
        for a, b, p in zip(inds["indicator"], inds["series"], inds["pillar"], strict=True)
        if p == pillar
    )


def tier_name(row: Mapping[str, Any], labels: Mapping[int, str], tier: int) -> str:
    """A/79/966's name of ``tier`` ("AI nascent"), empty for a tier it does not name (its
    label is then only "Tier 3", which a sentence must not repeat after the number): the
    results row's ``tier_name`` where it has one, else the part of the rule's label after
    "Tier N: "."""
    if "tier_name" in row:
        v = row.get("tier_name")
        return v.strip() if isinstance(v, str) else ""
    _, sep, name = str(labels.get(tier, "")).partition(": ")
    return name.strip() if sep else ""


def tier_claim(
    diag: Diagnosis, row: Mapping[str, Any], labels: Mapping[int, str], threshold: float
) -> Claim | None:
    """``tier_assignment``: the tier, its range and its probability (``row``: the country's
    latest results row: ``tier``, ``tier_high``, ``p_tier``, ``tier_probability``,
    ``unknown_conditions``, ``tier_conditions``, and where present ``held_by``,
    ``held_reason``, ``capacity_tier``)."""
    t = _f(row.get("tier"))
    if not math.isfinite(t):
        return None
    tier = int(t)
    th = _f(row.get("tier_high"))
    high = int(th) if math.isfinite(th) else tier
    p = _f(row.get("p_tier"))
    probs = _json(row.get("tier_probability")) or {}
    odds = ", ".join(f"tier {k} {100 * float(v):.0f} %" for k, v in sorted(probs.items()))
    names = {
        str(c.get("condition")): str(c.get("name", c.get("condition")))
        for c in (_json(row.get("tier_conditions")) or [])
        if isinstance(c, dict)
    }
    unknown = [u for u in str(row.get("unknown_conditions") or "").split(",") if u]
    i = claim_id("tier_assignment", diag.iso3, diag.year)
    return Claim(
        id=i,
        kind="tier_assignment",
        subject=diag.iso3,
        value=p,
        end=diag.year,
        sample=f"{name_of(diag)}'s conditions of A/79/966's tiers and the uncertainty replications",
        data=("tier_conditions (frameworks/aicap.yaml tiers:)", "uncertainty replications"),
        params={
            "name": name_of(diag),
            "tier": tier,
            "tier_high": high,
            "tier_label": tier_name(row, labels, tier),
            "p_pct": 100.0 * p if math.isfinite(p) else float("nan"),
            "threshold": threshold,
            "odds": odds or "no replication",
            "unknown": ", ".join(names.get(u, u) for u in unknown) or "a condition",
            # an enabler holding the tier below its capacity level (aicap.analysis.tier_statement)
            "held": str(row.get("held_reason") or "") if row.get("held_by") else "",
            "p_capacity_pct": 100.0 * _f(row.get("p_capacity_tier")),
            "capacity": int(_f(row.get("capacity_tier")))
            if math.isfinite(_f(row.get("capacity_tier")))
            else tier,
        },
        recompute=f"aicap claim show {i} --recompute",
    )


def peer_gap_claims(diag: Diagnosis) -> list[Claim]:
    """``peer_gap`` per scored pillar, and the ``binding_constraint`` claim."""
    out: list[Claim] = []
    peers = _peers(diag)
    p = diag.pillars
    rows = [r for r in p.to_dict(orient="records") if math.isfinite(_f(r.get("gap_peer")))]
    for r in rows:
        i = claim_id("peer_gap", diag.iso3, r["pillar"], diag.year)
        out.append(
            Claim(
                id=i,
                kind="peer_gap",
                subject=f"{diag.iso3}:{r['pillar']}",
                value=_f(r["gap_peer"]),
                end=diag.year,
                sample=f"{name_of(diag)} and the median of {peers}",
                data=_pillar_data(diag, str(r["pillar"])),
                params={
                    "name": name_of(diag),
                    "label": f"{str(r['name']).lower()} pillar",
                    "pillar": r["pillar"],
                    "peers": peers,
                    "score": _f(r["score"]),
                    "median": _f(r["peer_median"]),
                    "min_gap": MATERIAL_GAP,
                },
                recompute=f"aicap claim show {i} --recompute",
            )
        )
    if rows:
        # the weakest pillar relative to the peers; the verdict names it a binding constraint
        # only when it is more than MATERIAL_GAP below (the diagnosis' own rule)
        w = min(rows, key=lambda r: (_f(r["gap_peer"]), _f(r["score"])))
        i = claim_id("binding_constraint", diag.iso3, diag.year)
        out.append(
            Claim(
                id=i,
                kind="binding_constraint",
                subject=diag.iso3,
                value=_f(w["gap_peer"]),
                n=len(rows),
                end=diag.year,
                sample=f"{name_of(diag)}'s {len(rows)} scored pillars and the medians of {peers}",
                data=_pillar_data(diag, str(w["pillar"])),
                params={
                    "name": name_of(diag),
                    "label": f"the {str(w['name']).lower()} pillar",
                    "pillar": w["pillar"],
                    "peers": peers,
                    "score": _f(w["score"]),
                    "median": _f(w["peer_median"]),
                    "min_gap": MATERIAL_GAP,
                },
                recompute=f"aicap claim show {i} --recompute",
            )
        )
    return out


def _clause(reason: str) -> str:
    """A recommender's reason as a clause: "serves the binding constraint (SKILLS)" -> "it
    serves ...", "no national AI strategy recorded" -> "there is no national AI strategy
    recorded", "addresses A; B" -> "it answers the Monitor signals: A; B"."""
    if reason.startswith("addresses "):
        return "it answers the Monitor signals: " + reason.removeprefix("addresses ")
    if reason.startswith(("serves ", "meets ")):
        return f"it {reason}"
    if reason.startswith("no "):
        return f"there is {reason}"
    return reason


def recommendation_claims(diag: Diagnosis, recs: Sequence[Mapping[str, Any]]) -> list[Claim]:
    """``recommendation_need`` per recommendation (``recs``: ``Recommendation.as_dict()``):
    the mean shortfall below the peers on what it acts on, and, without a gap, the reason it
    is proposed all the same."""
    out: list[Claim] = []
    peers = _peers(diag)
    for r in recs:
        gaps = [g for g in r.get("gaps", []) if g.get("kind") in ("indicator", "pillar", "gender")]
        lagging = "; ".join(
            f"{g['name']} {_f(g.get('gap_normalised')):+.1f}"
            for g in gaps
            if math.isfinite(_f(g.get("gap_normalised")))
        )
        other = [x for x in r.get("reasons", []) if not str(x).startswith(_PEER_REASONS)]
        i = claim_id("recommendation_need", diag.iso3, r["id"], diag.year)
        out.append(
            Claim(
                id=i,
                kind="recommendation_need",
                subject=f"{diag.iso3}:{r['id']}",
                value=_f(r.get("need")),
                n=len(gaps),
                end=diag.year,
                sample=f"{name_of(diag)} and the median of {peers}",
                data=tuple(f"{g['indicator']} ({g['series']})" for g in gaps if g.get("series")),
                params={
                    "name": name_of(diag),
                    "title": str(r.get("title", r["id"])),
                    "intervention": r["id"],
                    "peers": peers,
                    "lagging": lagging or "no indicator 2 points below",
                    "why": "; ".join(_clause(str(x)) for x in other) or "of its tier pathway",
                    "min_gap": NEED_MIN,
                },
                recompute=f"aicap claim show {i} --recompute",
            )
        )
    return out


def profile_claims(
    diag: Diagnosis,
    row: Mapping[str, Any],
    recs: Sequence[Mapping[str, Any]],
    labels: Mapping[int, str],
    threshold: float,
) -> list[Claim]:
    """Every claim of kinds :data:`PROFILE_KINDS` for one profile."""
    out: list[Claim] = []
    t = tier_claim(diag, row, labels, threshold)
    if t is not None:
        out.append(t)
    out += peer_gap_claims(diag)
    out += recommendation_claims(diag, recs)
    return out
