"""Evidence snapshots: what the country diagnosis said when a need was recorded.

Every need gets :meth:`EvidenceSource.snapshot` of its country (:func:`need_derived`; a
client never sends evidence, a tier or LDC status: the server derives them): the
aicap tier and composite score, the binding constraint, the bottleneck pillars and indicators
(values in natural units, their year, the peer median and the gap to it, the publisher and
licence), the data year and the build the numbers come from (index title, version, origin).
Snapshots are computed from :func:`aicap.analysis.diagnose.pillar_gaps` and
:func:`~aicap.analysis.diagnose.indicator_gaps` (a few tens of milliseconds) and cached per
country, so recording many needs costs one computation per country.

When there is no diagnosis for the country (not a Member State in the warehouse, no score,
no warehouse at all) the snapshot says so: ``{"available": false, "reason": ...}``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from aicap.analysis.capacity_data import CapacityData, nan_to_none
from aicap.analysis.diagnose import indicator_gaps, pillar_gaps

#: Bump when the snapshot's fields change (stored with every snapshot).
SNAPSHOT_SCHEMA = 1
MAX_INDICATORS = 8


def _num(v: Any, nd: int = 4) -> Any:
    """Stored at 4 decimals, so that a page rounding to 1 decimal never rounds twice
    (41.547 stored as 41.55 showed as 41.6)."""
    v = nan_to_none(v)
    if v is None:
        return None
    if isinstance(v, bool):
        return v
    if isinstance(v, int):
        return v
    try:
        return round(float(v), nd)
    except (TypeError, ValueError):
        return v


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def build_info(data: CapacityData | None) -> dict[str, Any]:
    if data is None:
        return {"index_title": None, "index_version": None, "origin": None, "data_year": None}
    return {
        "index_title": data.index_title,
        "index_version": data.index_version,
        "origin": data.origin,
        "data_year": int(data.year),
    }


def unavailable(iso3: str, reason: str, data: CapacityData | None = None) -> dict[str, Any]:
    """The snapshot recorded when no diagnosis exists for ``iso3``."""
    return {
        "available": False,
        "schema": SNAPSHOT_SCHEMA,
        "source": "aicap diagnosis",
        "iso3": iso3,
        "taken_at": _now(),
        "reason": reason,
        "build": build_info(data),
    }


def snapshot(
    data: CapacityData, iso3: str, *, max_indicators: int = MAX_INDICATORS
) -> dict[str, Any]:
    """The evidence snapshot of ``iso3`` from ``data`` (see the module doc)."""
    iso3 = iso3.upper()
    try:
        info = data.country(iso3)
    except KeyError:
        return unavailable(iso3, f"{iso3} is not a UN Member State in the warehouse", data)
    sc = data.scores()
    if iso3 not in sc.index:
        return unavailable(iso3, f"no index score for {iso3} in {data.year}", data)
    row = {str(k): v for k, v in sc.loc[iso3].to_dict().items()}
    pillars = pillar_gaps(data, iso3)
    inds = indicator_gaps(data, iso3)
    meta = data.indicator_meta()
    tier = nan_to_none(row.get("tier"))
    tier_i = int(float(tier)) if tier is not None else None
    bott_p = pillars[(pillars["status"] == "bottleneck") | pillars["binding"]].sort_values(
        "gap_peer"
    )
    bott_i = inds[inds["status"] == "bottleneck"].sort_values("gap_peer").head(max_indicators)
    binding = pillars[pillars["binding"]]
    return {
        "available": True,
        "schema": SNAPSHOT_SCHEMA,
        "source": "aicap diagnosis",
        "iso3": iso3,
        "country": str(info.get("name") or iso3),
        "taken_at": _now(),
        "data_year": int(data.year),
        "status": str(row.get("status") or "unknown"),
        "tier": tier_i,
        # the tier as stated (aicap.analysis.tier_statement), else the rule's label
        "tier_label": (
            nan_to_none(row.get("tier_label")) or data.tiers.get(tier_i)
            if tier_i is not None
            else None
        ),
        "score": _num(row.get("score"), 4),
        "rank": nan_to_none(row.get("rank")),
        "n_scored": nan_to_none(row.get("n_scored")),
        "binding_constraint": str(binding["pillar"].iloc[0]) if len(binding) else None,
        "bottleneck_pillars": [
            {
                "pillar": str(r["pillar"]),
                "name": str(r["name"]),
                "score": _num(r["score"], 4),
                "peer_median": _num(r["peer_median"], 4),
                "gap_peer": _num(r["gap_peer"], 4),
                "frontier": _num(r["frontier"], 4),
                "binding": bool(r["binding"]),
            }
            for r in bott_p.to_dict(orient="records")
        ],
        "bottleneck_indicators": [
            {
                "indicator": str(r["indicator"]),
                "name": str(r["name"]),
                "pillar": str(r["pillar"]),
                "series": str(r["series"]),
                "unit": str(r["unit"]),
                "value": _num(r["value"]),
                "value_year": nan_to_none(r["value_year"]),
                "peer_median_value": _num(r["peer_median_value"]),
                "gap_peer_value": _num(r["gap_peer_value"]),
                "gap_peer": _num(r["gap_peer"], 4),
                "publisher": _meta(meta, str(r["indicator"]), "publisher"),
                "licence": _meta(meta, str(r["indicator"]), "licence"),
            }
            for r in bott_i.to_dict(orient="records")
        ],
        "build": build_info(data),
    }


def _meta(meta: pd.DataFrame, code: str, col: str) -> str | None:
    if code not in meta.index or col not in meta.columns:
        return None
    v = meta.loc[code, col]
    return str(v) if isinstance(v, str) and v else None


class EvidenceSource:
    """Snapshots per country, cached (thread-safe). ``data``: the diagnosis data, or a
    function returning it (``None``: no warehouse, every snapshot says so)."""

    def __init__(
        self, data: CapacityData | Callable[[], CapacityData | None] | None = None
    ) -> None:
        self._data = data
        self._lock = threading.Lock()
        self._cache: dict[str, dict[str, Any]] = {}
        self.computed = 0  # how many snapshots were computed (not served from the cache)

    def data(self) -> CapacityData | None:
        d = self._data
        if d is None or isinstance(d, CapacityData):
            return d
        return d()

    def snapshot(self, iso3: str) -> dict[str, Any]:
        iso3 = iso3.upper()
        got = self._cache.get(iso3)
        if got is not None:
            return dict(got)
        with self._lock:
            got = self._cache.get(iso3)
            if got is None:
                data: CapacityData | None = None
                try:
                    data = self.data()
                    got = (
                        snapshot(data, iso3)
                        if data is not None
                        else unavailable(iso3, "no warehouse diagnosis is loaded")
                    )
                except Exception as exc:  # a diagnosis that fails must not block the need
                    got = unavailable(
                        iso3, f"the diagnosis failed: {type(exc).__name__}: {exc}", data
                    )
                self._cache[iso3] = got
                self.computed += 1
        return dict(got)

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()


def need_derived(
    iso3: Any,
    source: EvidenceSource | None,
    facts: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """The fields of a need that the server derives, never the client: ``evidence`` (the
    diagnosis snapshot of ``iso3``; none without a source), ``tier`` (the tier that snapshot
    states; ``None`` when there is no diagnosis) and ``ldc`` (from the country reference
    ``facts``; ``None`` when it is absent). A malformed ``iso3`` gives nothing: the schema
    names the bad country."""
    if not isinstance(iso3, str) or len(iso3) != 3:
        return {}
    out: dict[str, Any] = {"tier": None, "ldc": None}
    if source is not None:
        snap = source.snapshot(iso3)
        out["evidence"] = snap
        tier = snap.get("tier") if snap.get("available") else None
        out["tier"] = int(tier) if isinstance(tier, int | float) else None
    if facts:
        ldc = facts.get(iso3.upper(), {}).get("ldc")
        out["ldc"] = bool(ldc) if ldc is not None else None
    return out
