"""A country profile's claims, ready for its page: each statement's claim object by role (the
tier, the binding constraint, each pillar's gap and trend, the income comparison, each
recommendation) and a :class:`~aicap.report.divide_section.ClaimRefs` of its own, so every
sentence carries its footnote marker and the page lists the ids it cites."""

from __future__ import annotations

from typing import Any

from aicap.analysis.claims import Claim
from aicap.report.divide_section import ClaimRefs


def profile_claims_by_role(p: dict[str, Any]) -> dict[str, Any]:
    """``tier``, ``binding``, ``expected`` (a claim or None), and ``peer``, ``trend``, ``rec``
    (pillar or intervention id -> claim), from the profile's ``claims``."""
    out: dict[str, Any] = {"tier": None, "binding": None, "expected": None}
    out.update({"peer": {}, "trend": {}, "rec": {}})
    for d in p.get("claims") or []:
        c = d if isinstance(d, Claim) else Claim.from_dict(d)
        if c.kind == "tier_assignment":
            out["tier"] = c
        elif c.kind == "binding_constraint":
            out["binding"] = c
        elif c.kind == "expected_residual":
            out["expected"] = c
        elif c.kind == "peer_gap":
            out["peer"][str(c.params.get("pillar"))] = c
        elif c.kind == "relative_trend":
            out["trend"][c.subject.split(":", 1)[-1]] = c
        elif c.kind == "recommendation_need":
            out["rec"][str(c.params.get("intervention"))] = c
    return out


def with_claims(p: dict[str, Any]) -> dict[str, Any]:
    """``p`` with ``cl`` (:func:`profile_claims_by_role`) and ``cref`` (its own markers)."""
    return {**p, "cl": profile_claims_by_role(p), "cref": ClaimRefs(prefix=str(p["iso3"]))}


def claim_objects(p: dict[str, Any]) -> list[Claim]:
    return [d if isinstance(d, Claim) else Claim.from_dict(d) for d in p.get("claims") or []]
