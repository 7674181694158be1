"""Imports: activities with their flows and results, all or nothing; exports' reads
(:class:`BulkMixin` of the store)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import select

from aicap.warehouse.cooperation.base import StoreBase, as_dict
from aicap.warehouse.cooperation.errors import (
    InvalidInputError,
    Principal,
)
from aicap.warehouse.cooperation.models import (
    ENTITIES,
    Activity,
    Flow,
    Result,
)


class BulkMixin(StoreBase):
    """See the module doc."""

    # ---------------------------------------------------------------- bulk (imports)
    def upsert_activities(
        self,
        actor: Principal,
        items: Sequence[
            tuple[Mapping[str, Any], Sequence[Mapping[str, Any]], Sequence[Mapping[str, Any]]]
        ],
        progress: Callable[[int, int], None] | None = None,
    ) -> dict[str, int]:
        """Import activities with their flows and results in one transaction (all or nothing);
        an activity with the same identifier, source and dataset is replaced, its flows and
        results too. The iati-identifier names one activity: one already held in the dataset
        under another source (the registry's own, exported then imported again; the same
        activity from the Datastore and from a file) is kept as it is and counted as ``kept``,
        never added a second time (its money would count twice). A bad row is refused naming
        its activity (and CSV line). ``progress(done, total)`` is told after each activity."""
        self._require_admin(actor, "import activities")
        counts = {"created": 0, "replaced": 0, "kept": 0, "flows": 0, "results": 0}
        with self.tx() as s:
            for n, (data, flows, results) in enumerate(items):
                if progress is not None:
                    progress(n, len(items))
                where = f"activity {n + 1} ({data.get('iati_identifier', '?')})"
                clean = self._clean_at(where, "activity", data)
                held = list(
                    s.scalars(
                        select(Activity).where(
                            Activity.iati_identifier == clean["iati_identifier"],
                            Activity.dataset == clean["dataset"],
                        )
                    )
                )
                old = next((a for a in held if a.source == clean["source"]), None)
                if old is None and held:  # the same activity, held under another source
                    counts["kept"] += 1
                    continue
                if old is not None:
                    before = as_dict(old)
                    kids: list[Flow | Result] = [
                        *s.scalars(select(Flow).where(Flow.activity_id == old.id)),
                        *s.scalars(select(Result).where(Result.activity_id == old.id)),
                    ]
                    for kid in kids:
                        name = type(kid).__name__.lower()
                        self._audit(s, actor, "delete", name, kid.id, as_dict(kid), None)
                        s.delete(kid)
                    for k, v in clean.items():
                        if k in data and v not in (None, "", []):  # keep what the file lacks
                            setattr(old, k, v)
                    act = old
                    s.flush()
                    self._audit(s, actor, "update", "activity", act.id, before, as_dict(act))
                    counts["replaced"] += 1
                else:
                    act = Activity(**clean, created_by=actor.username)
                    s.add(act)
                    s.flush()
                    self._audit(s, actor, "create", "activity", act.id, None, as_dict(act))
                    counts["created"] += 1
                for entity, rows in (("flow", flows), ("result", results)):
                    for row in rows:
                        row = dict(row)
                        line = row.pop("_line", None)
                        at = where + (f", line {line}" if line else "")
                        c = self._clean_at(
                            at, entity, {**row, "activity_id": act.id, "dataset": act.dataset}
                        )
                        c.pop("match_id", None)
                        cls: Any = ENTITIES[entity]
                        obj = cls(**c, created_by=actor.username)
                        s.add(obj)
                        s.flush()
                        self._audit(s, actor, "create", entity, obj.id, None, as_dict(obj))
                        counts[entity + "s"] += 1
        if progress is not None:
            progress(len(items), len(items))
        return counts

    def _clean_at(self, where: str, entity: str, data: Mapping[str, Any]) -> dict[str, Any]:
        try:
            return self._clean(entity, data)
        except InvalidInputError as exc:
            detail = [{**d, "loc": [where, *d["loc"][1:]]} for d in exc.detail or []]
            raise InvalidInputError(f"{where}: invalid {entity}", detail) from None

    def activities_full(self, dataset: str | None = None) -> list[dict[str, Any]]:
        """Activities with their flows and results (for exports)."""
        with self.read() as s:
            q = select(Activity).order_by(Activity.id)
            if dataset and dataset != "all":
                q = q.where(Activity.dataset == dataset)
            out = []
            for act in s.scalars(q):
                d = as_dict(act)
                d["flows"] = [
                    as_dict(f)
                    for f in s.scalars(
                        select(Flow).where(Flow.activity_id == act.id).order_by(Flow.id)
                    )
                ]
                d["results"] = [
                    as_dict(r)
                    for r in s.scalars(
                        select(Result).where(Result.activity_id == act.id).order_by(Result.id)
                    )
                ]
                out.append(d)
            return out
