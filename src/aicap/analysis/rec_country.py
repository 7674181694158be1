"""What the recommender reads about the country itself: the assets it has (from the asset
table of :mod:`aicap.analysis.assets`, with derived ones) and its eligibility for an
intervention (the catalogue's ``eligible`` data, its tier, income group and LDC/LLDC/SIDS
membership)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from aicap.analysis.catalogue import ABSENT, NOT_ASSESSED, PRESENT, Intervention
from aicap.analysis.diagnose import Diagnosis

#: derived assets: yes when any of the parts is yes, no when all are no, else not assessed
DERIVED_ASSETS = {"compute_access": ("gpu_clusters", "cloud_region")}
_STATE = {"yes": PRESENT, "no": ABSENT, "unknown": NOT_ASSESSED, "measured": PRESENT}


@dataclass(frozen=True)
class AssetState:
    """What the warehouse says about one asset of one country."""

    asset: str
    state: str  # present, absent, not assessed
    year: int | None = None
    detail: str = ""
    source: str = ""
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "asset": self.asset,
            "state": self.state,
            "year": self.year,
            "detail": self.detail,
            "source": self.source,
            "note": self.note,
        }


def asset_states(assets: pd.DataFrame, iso3: str) -> dict[str, AssetState]:
    """The country's assets from the long asset table (:func:`country_assets`), with the
    derived ones (:data:`DERIVED_ASSETS`); an empty table gives no states (not assessed)."""
    out: dict[str, AssetState] = {}
    if assets is None or not len(assets):
        return out
    sub = assets[assets["iso3"] == iso3]
    for a, st, yr, det, src, note in zip(
        sub["asset"],
        sub["state"],
        sub["year"],
        sub["detail"],
        sub["source"],
        sub["note"],
        strict=True,
    ):
        year = int(yr) if yr is not None and not pd.isna(yr) else None
        out[str(a)] = AssetState(
            str(a),
            _STATE.get(str(st), NOT_ASSESSED),
            year,
            str(det or ""),
            str(src or ""),
            str(note or ""),
        )
    for name, parts in DERIVED_ASSETS.items():
        got = [out[p] for p in parts if p in out]
        if not got:
            continue
        have = [g for g in got if g.state == PRESENT]
        if have:
            out[name] = AssetState(name, PRESENT, have[0].year, have[0].detail, have[0].source)
        elif len(got) == len(parts) and all(g.state == ABSENT for g in got):
            out[name] = AssetState(
                name,
                ABSENT,
                got[0].year,
                "neither a GPU cluster nor a cloud region",
                "; ".join(g.source for g in got),
            )
        else:
            out[name] = AssetState(name, NOT_ASSESSED)
    return out


@dataclass(frozen=True)
class Country:
    """What eligibility reads about the diagnosed country."""

    tier: int
    income_group: str | None
    groups: frozenset[str]

    @classmethod
    def of(cls, diag: Diagnosis) -> Country:
        inc = next(
            (g.key.split(":", 1)[1] for g in diag.peers if g.key.startswith("income:")), None
        )
        groups = frozenset(g.key for g in diag.peers if g.key in ("LDC", "LLDC", "SIDS"))
        return cls(diag.tier if diag.tier is not None else 0, inc, groups)


def eligibility(it: Intervention, c: Country) -> str | None:
    """None when ``c`` may be offered ``it``, else the reason it may not."""
    if it.min_tier > c.tier:
        return f"needs tier {it.min_tier} (the country is in tier {c.tier})"
    e = it.eligible
    if e is None:
        return None
    if e.tiers is not None and c.tier not in e.tiers:
        return f"for tier {', '.join(str(t) for t in e.tiers)} only: {e.reason}"
    if e.income_groups is not None and c.income_group not in e.income_groups:
        return f"for {', '.join(e.income_groups)} only: {e.reason}"
    if e.groups is not None and not c.groups.intersection(e.groups):
        return f"for {', '.join(e.groups)} only: {e.reason}"
    return None
