"""Correction rules in the published index (issue 20, item 5).

An accepted error report records a **correction rule** in the registry (``voice_rule``:
append-only, with the report, the old value, the reason, the evidence, who decided and when).
A rule *excludes* one open-data value (country, series, year) or *corrects* it to a given
value; a later rule can *revoke* an earlier one. The warehouse is never edited: the rules are
laid over the panel the index reads, here, by ``aicap build`` (the published international
view) and by the country voice's two views alike.

* :func:`effective`: the rules in force (in id order; a ``revoke`` takes its target out; for
  one country, series and year the latest rule counts);
* :func:`apply_rules`: the panel with the rules in force applied, and per rule whether the
  warehouse held the value it names (a rule on a value the snapshot no longer holds is listed,
  not applied);
* :func:`flag_cells`: the cells the rules touched get a flag (``corrected:2024 by error report
  #3``, ``excluded:2024 by error report #3``), so that every output, the profile and the API
  say why a value is not the open data's;
* :class:`Corrections`: what ``aicap build`` reads (the registry, or a ``corrections.json`` an
  earlier build wrote, for a reproducible rebuild), records (``corrections.json``,
  ``corrections.csv``/``.parquet``, a section of ``summary.json``/``summary.md``) and hashes
  into its reuse key. With no rule at all the build is what it was, byte for byte.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from aicap.analysis.capacity_index import CapacityIndex, Inputs
    from aicap.analysis.spec import IndexSpec
    from aicap.warehouse.read import Warehouse

ACTIONS = ("exclude", "correct", "revoke")
#: the file a build writes and ``aicap build --corrections FILE`` reads back
RECORD_FILE = "corrections.json"
#: columns of ``corrections.csv`` / ``.parquet`` (one row per rule, revoked ones included)
COLUMNS = [
    "rule_id",
    "report_id",
    "iso3",
    "indicator",
    "series",
    "year",
    "action",
    "value",
    "old_value",
    "in_force",
    "applied",
    "cells_flagged",
    "score_before",
    "score_after",
    "rank_before",
    "rank_after",
    "tier_before",
    "tier_after",
    "reason",
    "evidence",
    "decided_by",
    "decided_at",
    "revokes",
    "revoked_by",
]


class CorrectionsError(ValueError):
    """A rule set that cannot be read (names the file or registry and the field)."""


def _key(r: Mapping[str, Any]) -> tuple[str, str, int]:
    return (str(r["country_iso3"]), str(r["series"]), int(r["year"]))


def effective(rules: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The rules in force, oldest first: a ``revoke`` rule takes the rule it names out of
    force (and is not itself applied); for one country, series and year the latest rule in
    force counts."""
    ordered = sorted((dict(r) for r in rules), key=lambda r: int(r["id"]))
    revoked = {int(r["revokes"]) for r in ordered if r["action"] == "revoke" and r.get("revokes")}
    latest: dict[tuple[str, str, int], dict[str, Any]] = {}
    for r in ordered:
        if r["action"] == "revoke" or int(r["id"]) in revoked:
            continue
        latest[_key(r)] = r
    return sorted(latest.values(), key=lambda r: int(r["id"]))


def apply_rules(
    raw: pd.DataFrame, rules: Iterable[Mapping[str, Any]]
) -> tuple[pd.DataFrame, dict[int, bool]]:
    """``raw`` (``iso3, year, indicator, value, ...``) with the rules in force applied (a
    copy; ``raw`` is untouched): an excluded value's row goes, a corrected one gets the rule's
    value. Returns the frame and, per rule in force, whether the panel held its value."""
    live = effective(rules)
    if not live:
        return raw, {}
    out = raw.copy()
    idx = pd.MultiIndex.from_arrays(
        [out["iso3"].astype(str), out["indicator"].astype(str), out["year"].astype("int64")]
    )
    drop = np.zeros(len(out), dtype=bool)
    applied: dict[int, bool] = {}
    for r in live:
        hit = np.asarray(idx == _key(r), dtype=bool)
        applied[int(r["id"])] = bool(hit.any())
        if r["action"] == "exclude":
            drop |= hit
        elif r["action"] == "correct":
            out.loc[hit, "value"] = float(r["value"])
    return out[~drop].reset_index(drop=True), applied


def flag_text(r: Mapping[str, Any]) -> str:
    verb = "corrected" if r["action"] == "correct" else "excluded"
    return f"{verb}:{int(r['year'])} by error report #{int(r['report_id'])}"


def flag_cells(cells: pd.DataFrame, spec: IndexSpec, rules: Iterable[Mapping[str, Any]]) -> int:
    """Add each rule in force's flag to the cells it touched (in place); returns how many.

    A corrected value touches the cells whose value (or rolling sum) reads its year; an
    excluded one the cells of the years that could have read it (within the indicator's
    carry-forward age) and now read an earlier value or none."""
    by_code = {i.code: i for i in spec.indicators}
    if not len(cells):
        return 0
    vy = cells["value_year"].astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan)
    total = 0
    for r in effective(rules):
        k = np.zeros(len(cells), dtype=bool)
        for code in cells.loc[cells["series"] == r["series"], "indicator"].unique():
            ind = by_code.get(str(code))
            if ind is None:
                continue
            span = ind.rolling_sum or 1
            y = int(r["year"])
            mine = (cells["iso3"] == r["country_iso3"]).to_numpy() & (
                cells["indicator"] == code
            ).to_numpy()
            if r["action"] == "correct":
                k |= mine & (vy >= y) & (vy - span + 1 <= y)
            else:
                year = cells["year"].to_numpy(dtype=np.int64)
                reach = (year >= y) & (year - spec.max_age(ind) - span + 1 <= y)
                k |= mine & reach & (np.isnan(vy) | (vy < y))
        if k.any():
            text = flag_text(r)
            old = cells.loc[k, "flags"].fillna("").astype(str)
            cells.loc[k, "flags"] = [f"{o}; {text}" if o else text for o in old]
            total += int(k.sum())
    return total


def _jsonable(v: Any) -> Any:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    if hasattr(v, "isoformat"):
        return v.isoformat()
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        return float(v)
    return v


RULE_FIELDS = (
    "id",
    "report_id",
    "country_iso3",
    "indicator",
    "series",
    "year",
    "action",
    "value",
    "old_value",
    "reason",
    "evidence",
    "dataset",
    "decided_by",
    "decided_at",
    "revokes",
)


def _clean(r: Mapping[str, Any], where: str) -> dict[str, Any]:
    out = {k: _jsonable(r.get(k)) for k in RULE_FIELDS}
    for k in ("id", "report_id", "country_iso3", "series", "year", "action"):
        if out[k] is None:
            raise CorrectionsError(f"{where}: rule {out['id']}: field {k!r} is missing")
    if out["action"] not in ACTIONS:
        raise CorrectionsError(
            f"{where}: rule {out['id']}: field 'action' is {out['action']!r}, not one of "
            + ", ".join(ACTIONS)
        )
    if out["action"] == "correct" and not isinstance(out["value"], int | float):
        raise CorrectionsError(f"{where}: rule {out['id']}: field 'value' (a correction) missing")
    if out["action"] == "revoke" and out["revokes"] is None:
        raise CorrectionsError(f"{where}: rule {out['id']}: field 'revokes' is missing")
    return out


@dataclass
class Corrections:
    """The correction rules a build applies (every rule of the real dataset, revoked ones
    included, so that the record shows the history), where they came from, and, once the
    index is built, what they changed."""

    rules: list[dict[str, Any]] = field(default_factory=list)
    source: str = "none"
    applied: dict[int, bool] = field(default_factory=dict)
    flagged: dict[int, int] = field(default_factory=dict)
    effects: dict[str, dict[str, Any]] = field(default_factory=dict)  # iso3 -> before/after
    _raw: pd.DataFrame | None = field(default=None, repr=False)  # the open data as published

    def __bool__(self) -> bool:
        return bool(self.rules)

    @property
    def in_force(self) -> list[dict[str, Any]]:
        return effective(self.rules)

    @property
    def digest(self) -> str:
        text = json.dumps(self.rules, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    # ------------------------------------------------------------------ reading
    @classmethod
    def from_registry(cls, url: str) -> Corrections:
        """The real dataset's rules in the registry at ``url`` (none where it does not exist:
        a build never creates it)."""
        from aicap.warehouse.cooperation.voice_store import registry_exists

        if not registry_exists(url):
            return cls(source="none (no registry)")
        from aicap.analysis.cooperate.service import default_vocabulary
        from aicap.warehouse.cooperation.store import CoopStore
        from aicap.warehouse.cooperation.voice_store import VoiceStore

        st = CoopStore.open(url, default_vocabulary())
        try:
            rules = VoiceStore(st).rules("real")
        finally:
            st.close()
        where = f"registry {url.split('///', 1)[-1] if url.startswith('sqlite') else 'database'}"
        return cls([_clean(r, where) for r in rules], source=where if rules else "none")

    @classmethod
    def from_file(cls, path: Path) -> Corrections:
        """The rules a build recorded in ``corrections.json`` (a reproducible rebuild)."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CorrectionsError(f"{path}: cannot read the correction rules: {exc}") from None
        rules = data.get("rules") if isinstance(data, dict) else None
        if not isinstance(rules, list):
            raise CorrectionsError(f"{path}: field 'rules' (a list) is missing")
        return cls([_clean(r, str(path)) for r in rules], source=f"file {path}")

    @classmethod
    def for_build(cls, choice: str, registry_url: str) -> Corrections:
        """``choice``: ``registry`` (the rules accepted error reports recorded in the
        registry at ``registry_url``), ``none`` (open data as published) or the path of a
        ``corrections.json``."""
        if choice == "none":
            return cls()
        if choice == "registry":
            return cls.from_registry(registry_url)
        return cls.from_file(Path(choice))

    def build_key(self, base: str) -> str:
        """The build's reuse key: ``base`` itself with no rule (so that a build without rules
        reuses and writes what it did before), else ``base`` with the rules' digest."""
        if not self.rules:
            return base
        return hashlib.sha256(f"{base}\ncorrections {self.digest}".encode()).hexdigest()

    # ------------------------------------------------------------------ in the build
    def read_inputs(self, wh: Warehouse, spec: IndexSpec) -> Inputs:
        """:func:`aicap.analysis.capacity_index.read_inputs` with the rules in force laid
        over the panel (the warehouse is only read)."""
        from aicap.analysis.capacity_index import MEMBER_COLUMNS, derive

        members = wh.countries("member")[MEMBER_COLUMNS].reset_index(drop=True)
        meta = wh.indicators()
        licences = dict(zip(meta["code"], meta["licence"].astype(str), strict=True))
        spec.check_licences(licences)
        raw = wh.panel(spec.input_series(), countries=list(members["iso3"]))
        fixed, self.applied = apply_rules(raw, self.rules)
        self._raw = raw
        return derive(spec, fixed, members, licences)

    def after_index(self, index: CapacityIndex, assets: Any) -> None:
        """Flag the touched cells of every year (in place) and measure, for each country a
        rule touched, its score, rank and tier in the index year without and with the rules."""
        from aicap.analysis.capacity_index import derive, score_year
        from aicap.analysis.tier_build import with_tiers

        live = self.in_force
        self.flagged = {}
        for ys in index.years.values():
            for r in live:
                n = flag_cells(ys.cells, index.spec, [r])
                self.flagged[int(r["id"])] = self.flagged.get(int(r["id"]), 0) + n
        raw = self._raw
        if raw is None or not live:
            return
        inp = index.inputs
        before = score_year(derive(index.spec, raw, inp.members, inp.licences), index.end)
        b = with_tiers(index.spec, before.results, assets, cells=before.cells).set_index("iso3")
        latest = index.latest
        a = with_tiers(index.spec, latest.results, assets, cells=latest.cells).set_index("iso3")
        for iso3 in sorted({str(r["country_iso3"]) for r in live}):
            self.effects[iso3] = {
                f"{k}_{when}": _num(frame, iso3, k)
                for when, frame in (("before", b), ("after", a))
                for k in ("score", "rank", "tier")
            }

    # ------------------------------------------------------------------ outputs
    def table(self) -> pd.DataFrame:
        revoked_by = {
            int(r["revokes"]): int(r["id"]) for r in self.rules if r["action"] == "revoke"
        }
        live = {int(r["id"]) for r in self.in_force}
        rows = []
        for r in sorted(self.rules, key=lambda r: int(r["id"])):
            rid = int(r["id"])
            eff = self.effects.get(str(r["country_iso3"]), {}) if rid in live else {}
            rows.append(
                {
                    "rule_id": rid,
                    "report_id": int(r["report_id"]),
                    "iso3": r["country_iso3"],
                    "indicator": r["indicator"],
                    "series": r["series"],
                    "year": int(r["year"]),
                    "action": r["action"],
                    "value": r["value"],
                    "old_value": r["old_value"],
                    "in_force": rid in live,
                    "applied": self.applied.get(rid, False),
                    "cells_flagged": self.flagged.get(rid, 0),
                    **{
                        f"{k}_{w}": eff.get(f"{k}_{w}")
                        for k in ("score", "rank", "tier")
                        for w in ("before", "after")
                    },
                    "reason": r["reason"],
                    "evidence": r["evidence"],
                    "decided_by": r["decided_by"],
                    "decided_at": r["decided_at"],
                    "revokes": r["revokes"],
                    "revoked_by": revoked_by.get(rid),
                }
            )
        frame = pd.DataFrame(rows, columns=COLUMNS)
        for c in ("value", "old_value"):
            frame[c] = frame[c].astype("float64")
        for c in ("score_before", "score_after"):
            frame[c] = frame[c].astype("float64")
        for c in ("rank_before", "rank_after", "tier_before", "tier_after", "revokes"):
            frame[c] = frame[c].astype("Int64")
        frame["revoked_by"] = frame["revoked_by"].astype("Int64")
        return frame

    def summary(self) -> dict[str, Any]:
        """The ``corrections`` section of ``summary.json``."""
        t = self.table()
        return {
            "source": self.source,
            "digest": self.digest,
            "rules": len(self.rules),
            "in_force": int(t["in_force"].sum()),
            "applied": [
                {
                    "rule": int(r["rule_id"]),
                    "report": int(r["report_id"]),
                    "iso3": r["iso3"],
                    "indicator": r["indicator"],
                    "year": int(r["year"]),
                    "action": r["action"],
                    "value": None if pd.isna(r["value"]) else float(r["value"]),
                    "old_value": None if pd.isna(r["old_value"]) else float(r["old_value"]),
                    "held": bool(r["applied"]),
                    "cells_flagged": int(r["cells_flagged"]),
                }
                for r in t[t["in_force"]].to_dict(orient="records")
            ],
            "effects": self.effects,
        }

    def markdown(self) -> list[str]:
        """Lines of ``summary.md``."""
        live = self.in_force
        lines = [
            f"- Correction rules from accepted error reports ({self.source}): "
            f"{len(live)} in force of {len(self.rules)} recorded (corrections.csv); the "
            "index differs from the open data as published where they apply:"
        ]
        for r in live:
            what = "excluded" if r["action"] == "exclude" else f"corrected to {r['value']:g}"
            e = self.effects.get(str(r["country_iso3"]), {})
            change = (
                f"; {r['country_iso3']} score {e.get('score_before')} -> {e.get('score_after')}"
                f", rank {e.get('rank_before')} -> {e.get('rank_after')}, tier "
                f"{e.get('tier_before')} -> {e.get('tier_after')} (all its rules together)"
                if e
                else ""
            )
            held = "" if self.applied.get(int(r["id"]), False) else " (not held: not applied)"
            lines.append(
                f"  - rule #{r['id']} (error report #{r['report_id']}): {r['country_iso3']} "
                f"{r['indicator']} {r['year']} {what}{held}{change}"
            )
        return lines

    def write(self, out: Path) -> list[str]:
        """``corrections.json`` (the rules, for ``--corrections FILE``) and the table."""
        t = self.table()
        t.to_parquet(out / "corrections.parquet", index=False)
        t.to_csv(out / "corrections.csv", index=False)
        record = {"source": self.source, "digest": self.digest, "rules": self.rules}
        (out / RECORD_FILE).write_text(
            json.dumps(record, ensure_ascii=False, indent=1, default=str), encoding="utf-8"
        )
        return ["corrections.parquet", "corrections.csv", RECORD_FILE]


def _num(frame: pd.DataFrame, iso3: str, col: str) -> Any:
    if iso3 not in frame.index or col not in frame.columns:
        return None
    v: Any = frame.at[iso3, col]
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return None
    return round(float(v), 2) if col == "score" else int(v)


def rules_for_cells(rules: Sequence[Mapping[str, Any]], iso3: str) -> list[dict[str, Any]]:
    """The rules in force for one country (for its profile)."""
    return [r for r in effective(rules) if r["country_iso3"] == iso3]
