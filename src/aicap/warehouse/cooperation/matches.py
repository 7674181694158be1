"""Matches: transitions (both sides accept), matchmaking's proposals, who stands on which
side, what a match has recorded (:class:`MatchesMixin` of the store)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from aicap.warehouse.cooperation.base import TRANSITION_ROLES, StoreBase, _check_note, as_dict
from aicap.warehouse.cooperation.errors import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    Principal,
)
from aicap.warehouse.cooperation.models import (
    Activity,
    Flow,
    Match,
    Need,
    Offer,
    Result,
)
from aicap.warehouse.cooperation.schemas import (
    MatchIn,
    Role,
)
from aicap.warehouse.cooperation.states import TRANSITIONS, MatchState, check_transition


class MatchesMixin(StoreBase):
    """See the module doc."""

    def transition(
        self,
        actor: Principal,
        match_id: int,
        target: str,
        expected_version: int | None,
        note: str = "",
    ) -> dict[str, Any]:
        _check_note(note)
        try:
            with self.tx() as s:
                match = self._get(s, "match", match_id)
                assert isinstance(match, Match)
                before = as_dict(match)
                if expected_version is not None and match.version != expected_version:
                    raise ConflictError(
                        f"match {match_id} was changed by someone else: you read version "
                        f"{expected_version}, it is now at version {match.version}; "
                        "reload and retry",
                        {"current_version": match.version, "your_version": expected_version},
                        field="version",
                    )
                try:
                    tgt = check_transition(match.state, target)
                except ValueError as exc:
                    raise ConflictError(
                        str(exc), {"state": match.state, "requested": target}, field="state"
                    ) from None
                sides = self._authorise_match(s, actor, match, tgt)
                if tgt == MatchState.accepted:
                    self._accept(match, sides)
                else:
                    match.state = tgt.value
                if note:
                    match.note = (match.note + "\n" if match.note else "") + note
                s.flush()
                after = as_dict(match)
                self._audit(s, actor, "transition", "match", match_id, before, after)
        except StaleDataError:
            raise self._stale("match", match_id, expected_version or 0) from None
        return after

    @staticmethod
    def _accept(match: Match, sides: frozenset[str]) -> None:
        """Record the acceptance of ``sides``; the match is ``accepted`` once the need's side
        and the offer's side have both accepted (an administrator accepts for both)."""
        if "admin" in sides:
            match.need_accepted = match.offer_accepted = True
        else:
            already = ("need_side" in sides and match.need_accepted) or (
                "offer_side" in sides and match.offer_accepted
            )
            if already:
                raise ConflictError(
                    f"match {match.id}: your side has already accepted; it becomes accepted "
                    "when the other side accepts too",
                    {"state": match.state, "requested": "accepted"},
                    field="state",
                )
            if "need_side" in sides:
                match.need_accepted = True
            if "offer_side" in sides:
                match.offer_accepted = True
        if match.need_accepted and match.offer_accepted:
            match.state = MatchState.accepted.value

    def save_proposals(
        self,
        actor: Principal,
        proposals: Sequence[Mapping[str, Any]],
        *,
        run_id: str,
        dataset: str,
        after_run: str | None = None,
    ) -> list[dict[str, Any]]:
        """Store matchmaking's proposals in one transaction; earlier still-proposed matches of
        the same dataset lapse (they are superseded), accepted and later ones stay.
        ``after_run``: the latest run the caller saw ('' for none); if another run was stored
        since, nothing is stored (409), so two administrators do not lapse each other's
        proposals unknowingly."""
        self._require_admin(actor, "run matchmaking")
        out = []
        try:
            with self.tx() as s:
                if after_run is not None:
                    latest = self._last_run(s, dataset) or ""
                    if latest != after_run:
                        raise ConflictError(
                            f"matchmaking was run again since you loaded the page (run {latest}); "
                            "reload and retry",
                            {"current_run": latest, "your_run": after_run},
                            field="after_run",
                        )
                old = s.scalars(
                    select(Match).where(
                        Match.state == MatchState.proposed.value, Match.dataset == dataset
                    )
                ).all()
                for m in old:
                    before = as_dict(m)
                    m.state = MatchState.lapsed.value
                    m.note = (m.note + "\n" if m.note else "") + f"superseded by run {run_id}"
                    s.flush()
                    self._audit(s, actor, "transition", "match", m.id, before, as_dict(m))
                for p in proposals:
                    mi = self._validate(MatchIn, {**p, "dataset": dataset})
                    clean = mi.model_dump(mode="json")
                    self._check_match_refs(s, clean)
                    obj = Match(**clean, run_id=run_id, created_by=actor.username)
                    s.add(obj)
                    s.flush()
                    after = as_dict(obj)
                    self._audit(s, actor, "create", "match", obj.id, None, after)
                    out.append(after)
        except StaleDataError:  # a proposal accepted while it was being lapsed
            raise ConflictError(
                "a proposal of this dataset changed while matchmaking ran; run it again",
                field="after_run",
            ) from None
        return out

    @staticmethod
    def _last_run(s: Session, dataset: str) -> str | None:
        return s.scalar(
            select(Match.run_id)
            .where(Match.dataset == dataset, Match.run_id.is_not(None))
            .order_by(Match.id.desc())
            .limit(1)
        )

    def last_run(self, dataset: str) -> str | None:
        """The id of the latest stored matchmaking run of ``dataset`` (None: never run)."""
        with self.read() as s:
            return self._last_run(s, dataset)

    def match_sides(self, actor: Principal, match_id: int) -> frozenset[str]:
        """Which sides of a match ``actor`` stands on: ``need_side`` (the need's focal point),
        ``offer_side`` (the offer's partner), ``admin``; empty for anyone else."""
        if actor.role == Role.administrator:
            return frozenset({"admin"})
        with self.read() as s:
            match = self._get(s, "match", match_id)
            assert isinstance(match, Match)
            need = s.get(Need, match.need_id)
            offer = s.get(Offer, match.offer_id)
            sides = set()
            if need and actor.role == Role.focal_point and need.country_iso3 == actor.country_iso3:
                sides.add("need_side")
            if offer and actor.role == Role.partner and offer.provider_org == actor.organisation:
                sides.add("offer_side")
            return frozenset(sides)

    def allowed_targets(self, actor: Principal, match_id: int) -> list[str]:
        """The states ``actor`` may move a match to now (the transition table and
        :data:`TRANSITION_ROLES`); what :meth:`transition` would accept."""
        sides = self.match_sides(actor, match_id)
        if not sides:
            return []
        match = self.get("match", match_id)
        state = MatchState(match["state"])
        nxt = TRANSITIONS.get(state, frozenset())
        done = {s for s, f in (("need_side", "need_accepted"), ("offer_side", "offer_accepted"))
                if match.get(f)}  # fmt: skip
        return [
            t.value
            for t in MatchState
            if t in nxt
            and ("admin" in sides or sides & TRANSITION_ROLES[t])
            and not (t == MatchState.accepted and "admin" not in sides and sides <= done)
        ]

    def may_edit(self, actor: Principal, entity: str, rid: int) -> bool:
        """Whether ``actor`` may edit the record (the same rule as :meth:`update`)."""
        if not actor.can_write:
            return False
        with self.read() as s:
            before = as_dict(self._get(s, entity, rid))
            try:
                self.authorise(s, actor, entity, before, "edit")
            except (ForbiddenError, NotFoundError):
                return False
            return True

    def activity_of_match(self, match_id: int) -> dict[str, Any] | None:
        """The match's activity with its flows and results (None before the first record)."""
        with self.read() as s:
            act = s.scalar(
                select(Activity).where(Activity.match_id == match_id).order_by(Activity.id)
            )
            if act is None:
                return None
            d = as_dict(act)
            d["flows"] = [
                as_dict(f)
                for f in s.scalars(
                    select(Flow).where(Flow.activity_id == act.id).order_by(Flow.on_date, Flow.id)
                )
            ]
            d["results"] = [
                as_dict(r)
                for r in s.scalars(
                    select(Result).where(Result.activity_id == act.id).order_by(Result.id)
                )
            ]
            return d

    def active_commitments(self, dataset: str) -> dict[tuple[int, int], str]:
        """(need id, offer id) -> state, for matches past proposal and not ended."""
        live = {
            MatchState.accepted,
            MatchState.committed,
            MatchState.in_progress,
            MatchState.partially_fulfilled,
            MatchState.fulfilled,
        }
        with self.read() as s:
            rows = s.scalars(select(Match).where(Match.dataset == dataset)).all()
            return {(m.need_id, m.offer_id): m.state for m in rows if m.state in live}

    def allocated(self, dataset: str) -> dict[int, float]:
        """Offer id -> capacity already taken by accepted or later matches."""
        taken: dict[int, float] = {}
        with self.read() as s:
            rows = s.scalars(
                select(Match).where(
                    Match.dataset == dataset,
                    Match.state.notin_(
                        [
                            MatchState.proposed.value,
                            MatchState.declined.value,
                            MatchState.lapsed.value,
                        ]
                    ),
                )
            ).all()
            for m in rows:
                taken[m.offer_id] = taken.get(m.offer_id, 0.0) + m.allocated_amount
        return taken
