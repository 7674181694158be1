"""The index's two public views (issue 20).

* **international** (the default, comparable view): open international data only, with the
  correction rules that accepted error reports recorded (an excluded value is dropped, a
  corrected one replaced; each keeps its rule as provenance);
* **national** ("with national data"): the same, plus every accepted national submission put
  in for its country, series and year (``source = national submission #id``).

Neither view edits the warehouse: each is computed from the warehouse's panel with the rules
and submissions laid over it (:func:`overlay`), then derived, screened and scored exactly as
``aicap build`` does for the index year (:func:`score_view`; the year never moves), tiers with
the same rule. :func:`differences` gives, per accepted submission, the change it alone makes
to its country's score, rank and tier. Pure: no I/O.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from aicap.analysis.capacity_index import derive, score_year
from aicap.analysis.tier_build import with_tiers
from aicap.analysis.voice.corrections import effective
from aicap.analysis.voice.data import VoiceData

VIEWS = ("international", "national")
RESULT_COLUMNS = ["iso3", "status", "score", "rank", "tier", "missing_pillars"]


def overlay(
    raw: pd.DataFrame,
    submissions: Iterable[Mapping[str, Any]] = (),
    rules: Iterable[Mapping[str, Any]] = (),
) -> pd.DataFrame:
    """``raw`` (``iso3, year, indicator, value, ..., source``) with the correction ``rules``
    applied (exclude: the row goes; correct: its value is replaced) and then the accepted
    ``submissions`` put in (replacing the international value of the same country, series and
    year in this frame only, or adding a row). A ``provenance`` column says where each value
    came from."""
    out = raw.copy()
    if "provenance" not in out.columns:
        out["provenance"] = "international open data"
    key = ["iso3", "indicator", "year"]
    idx = out.set_index(key).index
    drop = np.zeros(len(out), dtype=bool)
    for r in effective(rules):  # revoked rules and superseded ones are out of force
        hit = idx == (r["country_iso3"], r["series"], int(r["year"]))
        if r["action"] == "exclude":
            drop |= hit
        else:
            out.loc[hit, "value"] = float(r["value"])
            out.loc[hit, "provenance"] = f"correction rule #{r['id']} (report #{r['report_id']})"
    out = out[~drop]
    rows = []
    for s in submissions:
        rows.append(
            {
                "iso3": s["country_iso3"],
                "year": int(s["year"]),
                "indicator": s["series"],
                "value": float(s["value"]),
                "unit": s.get("unit", ""),
                "flags": "",
                "source": "national submission",
                "provenance": f"national submission #{s['id']}",
            }
        )
    if rows:
        new = pd.DataFrame(rows).drop_duplicates(subset=key, keep="last")
        mask = out.set_index(key).index.isin(new.set_index(key).index)
        out = pd.concat([out[~mask], new], ignore_index=True)
    return out.reset_index(drop=True)


def score_view(vd: VoiceData, raw: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The index year's results (one row per Member State: status, score, rank, tier, pillar
    scores) and cells computed from ``raw``."""
    inputs = derive(vd.spec, raw, vd.members, vd.licences)
    ys = score_year(inputs, vd.end)
    res = with_tiers(vd.spec, ys.results, vd.assets, cells=ys.cells)
    return res.set_index("iso3"), ys.cells


def _row(res: pd.DataFrame, iso3: str) -> dict[str, Any]:
    if iso3 not in res.index:
        return {"status": None, "score": None, "rank": None, "tier": None}
    r = res.loc[iso3]

    def num(v: Any, nd: int | None = 2) -> Any:
        if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
            return None
        return round(float(v), nd) if nd is not None else int(v)

    return {
        "status": str(r["status"]),
        "score": num(r["score"]),
        "rank": num(r["rank"], None),
        "tier": num(r.get("tier"), None),
        # a range ("0-3") where a tier condition was not assessed; tier is its lower end
        "tier_range": None if pd.isna(r.get("tier_range")) else str(r.get("tier_range")),
        "missing_pillars": [p for p in str(r.get("missing_pillars") or "").split(",") if p],
    }


def change(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """Score, rank and tier before and after, and the differences (None where unknown)."""

    def diff(a: Any, b: Any) -> Any:
        return None if a is None or b is None else round(b - a, 2)

    return {
        "before": dict(before),
        "after": dict(after),
        "score": diff(before.get("score"), after.get("score")),
        "rank": diff(before.get("rank"), after.get("rank")),
        "tier": diff(before.get("tier"), after.get("tier")),
        "enters_index": before.get("status") != "scored" and after.get("status") == "scored",
    }


@dataclass
class Views:
    """Both views over one :class:`VoiceData`, computed on demand and cached by the exact
    set of rules and submissions they rest on."""

    data: VoiceData
    cache: dict[tuple[Any, ...], tuple[pd.DataFrame, pd.DataFrame]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @staticmethod
    def _key(subs: Sequence[Mapping[str, Any]], rules: Sequence[Mapping[str, Any]]) -> Any:
        return (
            tuple(sorted((int(s["id"]), int(s.get("version", 1))) for s in subs)),
            tuple(sorted(int(r["id"]) for r in rules)),
        )

    def results(
        self, subs: Sequence[Mapping[str, Any]], rules: Sequence[Mapping[str, Any]]
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        key = self._key(subs, rules)
        with self.lock:
            hit = self.cache.get(key)
            if hit is None:
                hit = score_view(self.data, overlay(self.data.raw, subs, rules))
                if len(self.cache) > 64:
                    self.cache.clear()
                self.cache[key] = hit
        return hit

    def view(
        self,
        name: str,
        subs: Sequence[Mapping[str, Any]],
        rules: Sequence[Mapping[str, Any]],
    ) -> pd.DataFrame:
        """``international`` or ``national`` results (index iso3)."""
        return self.results(subs if name == "national" else [], rules)[0]

    def country(
        self,
        iso3: str,
        subs: Sequence[Mapping[str, Any]],
        rules: Sequence[Mapping[str, Any]],
    ) -> dict[str, Any]:
        """``iso3`` in both views, and the change each of its accepted submissions makes on
        its own (the international view plus that submission only)."""
        intl = self.view("international", subs, rules)
        nat = self.view("national", subs, rules)
        base = _row(intl, iso3)
        mine = [s for s in subs if s["country_iso3"] == iso3]
        each = []
        cells = self.results(subs, rules)[1]
        own = cells[cells["iso3"] == iso3].set_index("indicator")
        for s in mine:
            alone = _row(self.results([s], rules)[0], iso3)
            cell = own.loc[s["indicator"]] if s["indicator"] in own.index else None
            vy = None if cell is None else cell["value_year"]
            used = vy is not None and vy is not pd.NA and int(vy) == int(s["year"])
            each.append(
                {
                    "submission": s["id"],
                    "indicator": s["indicator"],
                    # whether the national view uses the value (a later value, or the
                    # plausibility screen dropping it, would leave it unused)
                    "used": bool(used),
                    "cell_flags": "" if cell is None else str(cell["flags"]),
                    **change(base, alone),
                }
            )
        return {
            "iso3": iso3,
            "year": self.data.end,
            "international": base,
            "national": _row(nat, iso3),
            "change": change(base, _row(nat, iso3)),
            "each": each,
            "n_submissions": len(mine),
            "n_scored": {
                "international": int((intl["status"] == "scored").sum()),
                "national": int((nat["status"] == "scored").sum()),
            },
        }
