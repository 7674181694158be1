"""A country profile's claims, ready for its page: each statement's claim object by role (the
tier, the binding constraint, each pillar's gap and trend, the income comparison, each
recommendation) and a :class:`~aicap.report.divide_section.ClaimRefs` of its own, so every
sentence carries its footnote marker and the page lists the ids it cites."""

from __future__ import annotations

from typing import Any

from aicap.analysis.claims import Claim
from aicap.report.divide_section import ClaimRefs
from aicap.report.lang import English, Note


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
    return {
        **p,
        "cl": profile_claims_by_role(p),
        "cref": ClaimRefs(prefix=str(p["iso3"])),
        "claim_key": footnote_key,
    }


def claim_objects(p: dict[str, Any]) -> list[Claim]:
    return [d if isinstance(d, Claim) else Claim.from_dict(d) for d in p.get("claims") or []]


def footnote_key(refs: ClaimRefs, iso3: str, year: int) -> str:
    """The page's markers and the ids they stand for, compactly: runs of markers of one kind
    share a line ("C4-C17 peer-gap, relative-trend.2021-2025 of CONN, INFRA, ... in turn");
    an id is ``kind.ISO3[.code].year``."""
    parts: list[Any] = []
    items = [(n, c) for n, c in refs.items]
    k = 0
    while k < len(items):
        n, c = items[k]
        if c.kind in ("peer_gap", "relative_trend"):
            j = k
            codes: list[str] = []
            kinds: dict[str, str] = {}
            while j < len(items) and items[j][1].kind in ("peer_gap", "relative_trend"):
                cj = items[j][1]
                code = cj.subject.split(":", 1)[-1]
                if code not in codes:
                    codes.append(code)
                window = f".{cj.start}-{cj.end}" if cj.kind == "relative_trend" else ""
                kinds.setdefault(cj.kind, cj.kind.replace("_", "-") + window)
                j += 1
            parts.append(
                Note(
                    "C{a}-C{b} {kinds} of {codes} in turn",
                    a=n,
                    b=items[j - 1][0],
                    kinds=", ".join(kinds.values()),
                    codes=", ".join(codes),
                )
            )
            k = j
        elif c.kind == "recommendation_need":
            j = k
            while j < len(items) and items[j][1].kind == "recommendation_need":
                j += 1
            ids = ", ".join(str(x.params.get("intervention")) for _, x in items[k:j])
            parts.append(
                Note("C{a}-C{b} recommendation-need of {ids}", a=n, b=items[j - 1][0], ids=ids)
            )
            k = j
        else:
            parts.append(f"C{n} {c.kind.replace('_', '-')}")
            k += 1
    # the id pattern is one left-to-right unit (``English``): split into words, numbers and a
    # code, right-to-left text would set its pieces in reverse order ("2025.[code.]KEN.kind")
    return Note(
        "Claims (ids {pattern}): {parts}.",
        pattern=English(f"kind.{iso3}[.code].{year}"),
        parts=parts,
    )
