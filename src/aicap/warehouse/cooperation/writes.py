"""Creating, changing and deleting records (:class:`WritesMixin` of the store)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from aicap.warehouse.cooperation.base import (
    MATCH_ACTIVITY_MSG,
    StoreBase,
    _check_note,
    _conflict,
    as_dict,
)
from aicap.warehouse.cooperation.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    Principal,
)
from aicap.warehouse.cooperation.models import (
    Activity,
    Match,
    Need,
    Offer,
)
from aicap.warehouse.cooperation.schemas import (
    SCHEMAS,
    SERVER_FIELDS,
    Role,
)
from aicap.warehouse.cooperation.states import MatchState


class WritesMixin(StoreBase):
    """Create, update, delete (see :mod:`.store`)."""

    def _resolve_activity(self, s: Session, actor: Principal, clean: dict[str, Any]) -> None:
        """Flows and results may name a match: its activity is found or created."""
        match_id = clean.pop("match_id", None)
        if clean.get("activity_id") is not None:
            if match_id is not None:
                act = self._get(s, "activity", clean["activity_id"])
                assert isinstance(act, Activity)
                if act.match_id != match_id:
                    raise InvalidInputError(
                        "invalid input",
                        [{"loc": ["body", "match_id"], "msg": "not the activity's match"}],
                    )
            return
        match = self._get(s, "match", int(match_id))
        assert isinstance(match, Match)
        found = s.scalar(select(Activity).where(Activity.match_id == match.id))
        if found is None:
            found = self._activity_for_match(s, actor, match)
        clean["activity_id"] = found.id

    def _activity_for_match(self, s: Session, actor: Principal, match: Match) -> Activity:
        need = s.get(Need, match.need_id)
        offer = s.get(Offer, match.offer_id)
        assert need is not None and offer is not None
        if actor.role == Role.partner and offer.provider_org != actor.organisation:
            raise ForbiddenError("only the providing partner or an administrator records flows")
        act = Activity(
            iati_identifier=f"XM-AICAP-{match.dataset.upper()}-M{match.id}",
            source="aicap",
            match_id=match.id,
            title=f"{offer.title} - {need.title}",
            reporting_org_ref="XM-AICAP",
            reporting_org_name="aicap cooperation registry",
            provider_org=offer.provider_org,
            provider_type=offer.provider_type,
            participating_orgs=[
                {"role": "1", "name": offer.provider_org, "type": offer.provider_type}
            ],
            recipient_iso3=need.country_iso3,
            sectors=list(need.interventions or need.areas),
            modality=need.preferred_modality or (offer.modalities[0] if offer.modalities else None),
            status="2",
            dataset=match.dataset,
            created_by=actor.username,
        )
        s.add(act)
        s.flush()
        self._audit(s, actor, "create", "activity", act.id, None, as_dict(act))
        return act

    @staticmethod
    def _refuse_server_fields(entity: str, data: Mapping[str, Any]) -> None:
        sent = sorted(set(data) & SERVER_FIELDS.get(entity, frozenset()))
        if sent:
            raise InvalidInputError(
                "invalid input: " + ", ".join(sent),
                [
                    {
                        "loc": ["body", k],
                        "msg": "derived by the server (country diagnosis, country reference); "
                        "not accepted from clients",
                        "type": "extra_forbidden",
                    }
                    for k in sent
                ],
            )

    def create(
        self,
        actor: Principal,
        entity: str,
        data: Mapping[str, Any],
        *,
        match_version: int | None = None,
        derived: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Create a record. ``match_version``: for a flow or result named by its match, the
        match's version the caller read (a form); a match changed since gets 409.
        ``data`` is what the client sent: a server-derived field in it (:data:`SERVER_FIELDS`)
        is refused; ``derived`` holds those the server computed (a need's evidence, tier)."""
        model: Any = self._model(entity)
        if not actor.can_write:
            raise ForbiddenError("the public reads but cannot write; sign in")
        self._refuse_server_fields(entity, data)
        extra = {k: v for k, v in (derived or {}).items() if k in SERVER_FIELDS.get(entity, ())}
        clean = self._clean(entity, {**data, **extra})
        # A flow or result named by its match may race another writer making the match's
        # activity or moving the match to committed (PostgreSQL, READ COMMITTED): the unique
        # index on coop_activity.match_id or the match's version catches it, and the create
        # is tried again on what that writer stored; a conflict left after that is a 409.
        tries = 3 if entity in ("flow", "result") else 1
        for attempt in range(tries):
            try:
                return self._create_once(actor, entity, model, dict(clean), match_version)
            except (IntegrityError, StaleDataError) as exc:
                if attempt == tries - 1:
                    raise _conflict(exc, entity) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _create_once(
        self,
        actor: Principal,
        entity: str,
        model: Any,
        clean: dict[str, Any],
        match_version: int | None,
    ) -> dict[str, Any]:
        with self.tx() as s:
            if entity in ("flow", "result"):
                if match_version is not None and clean.get("match_id") is not None:
                    m = self._get(s, "match", int(clean["match_id"]))
                    if m.version != match_version:
                        raise ConflictError(
                            f"match {m.id} was changed by someone else: you read version "
                            f"{match_version}, it is now at version {m.version}; "
                            "reload and retry",
                            {"current_version": m.version, "your_version": match_version},
                            field="version",
                        )
                self._resolve_activity(s, actor, clean)
                parent = self._get(s, "activity", clean["activity_id"])
                clean["dataset"] = parent.dataset
            if entity == "match":
                self._require_admin(actor, "propose matches directly")
                self._check_match_refs(s, clean)
            else:
                self.authorise(s, actor, entity, clean, "create")
            obj = model(**clean, created_by=actor.username)
            s.add(obj)
            s.flush()
            after = as_dict(obj)
            self._audit(s, actor, "create", entity, obj.id, None, after)
            if entity == "flow" and clean["kind"] == "commitment":
                self._auto_commit(s, actor, int(clean["activity_id"]))
        return after

    def _auto_commit(self, s: Session, actor: Principal, activity_id: int) -> None:
        """A first commitment against an accepted match moves it to committed."""
        act = s.get(Activity, activity_id)
        if act is None or act.match_id is None:
            return
        match = s.get(Match, act.match_id)
        if match is not None and match.state == MatchState.accepted:
            before = as_dict(match)
            match.state = MatchState.committed.value
            s.flush()
            self._audit(s, actor, "transition", "match", match.id, before, as_dict(match))

    def update(
        self,
        actor: Principal,
        entity: str,
        rid: int,
        patch: Mapping[str, Any],
        expected_version: int | None,
        *,
        derived: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Change fields of a record; ``expected_version`` is the version the caller read.
        Server-derived fields are refused in ``patch``; ``derived`` replaces them (a need
        moved to another country gets that country's evidence)."""
        if expected_version is None:
            raise InvalidInputError(
                "invalid input",
                [
                    {
                        "loc": ["body", "version"],
                        "msg": "give the version you read (optimistic locking)",
                        "type": "missing",
                    }
                ],
            )
        if not actor.can_write:
            raise ForbiddenError("the public reads but cannot write; sign in")
        self._refuse_server_fields(entity, patch)
        if entity == "activity" and "match_id" in patch:
            raise InvalidInputError(
                "invalid input",
                [{"loc": ["body", "match_id"], "msg": MATCH_ACTIVITY_MSG, "type": "extra"}],
            )
        if entity == "match":
            allowed = {"note"}
            extra = sorted(set(patch) - allowed)
            if extra:
                raise InvalidInputError(
                    "invalid input",
                    [
                        {
                            "loc": ["body", k],
                            "msg": "a match's state moves by /transition; only note is editable",
                        }
                        for k in extra
                    ],
                )
        try:
            with self.tx() as s:
                obj = self._get(s, entity, rid)
                before = as_dict(obj)
                if obj.version != expected_version:
                    raise ConflictError(
                        f"{entity} {rid} was changed by someone else: you read version "
                        f"{expected_version}, it is now at version {obj.version}; reload and retry",
                        {"current_version": obj.version, "your_version": expected_version},
                        field="version",
                    )
                if entity == "match":
                    assert isinstance(obj, Match)
                    self._authorise_match(s, actor, obj, None)
                    _check_note(patch.get("note", obj.note))
                    obj.note = str(patch.get("note", obj.note))
                else:
                    self.authorise(s, actor, entity, before, "edit")
                    merged = {
                        k: v
                        for k, v in before.items()
                        if k in SCHEMAS[entity].model_fields and v is not None
                    }
                    merged.update(patch)
                    merged.update(
                        {
                            k: v
                            for k, v in (derived or {}).items()
                            if k in SERVER_FIELDS.get(entity, ())
                        }
                    )
                    for k in ("match_id",):
                        merged.pop(k, None)
                    clean = self._clean(entity, merged)
                    clean.pop("match_id", None)
                    self.authorise(s, actor, entity, clean, "edit")
                    if clean.get("dataset") != obj.dataset:
                        raise InvalidInputError(
                            "invalid input",
                            [{"loc": ["body", "dataset"], "msg": "a record's dataset is fixed"}],
                        )
                    for k, v in clean.items():
                        setattr(obj, k, v)
                s.flush()
                after = as_dict(obj)
                self._audit(s, actor, "update", entity, rid, before, after)
        except StaleDataError:
            raise self._stale(entity, rid, expected_version) from None
        return after

    def delete(self, actor: Principal, entity: str, rid: int, expected_version: int | None) -> None:
        if not actor.can_write:
            raise ForbiddenError("the public reads but cannot write; sign in")
        try:
            with self.tx() as s:
                obj = self._get(s, entity, rid)
                before = as_dict(obj)
                if expected_version is not None and obj.version != expected_version:
                    raise ConflictError(
                        f"{entity} {rid} is at version {obj.version}, not {expected_version}",
                        {"current_version": obj.version, "your_version": expected_version},
                        field="version",
                    )
                if entity == "match":
                    self._require_admin(actor, "delete matches")
                else:
                    self.authorise(s, actor, entity, before, "delete")
                s.delete(obj)
                s.flush()
                self._audit(s, actor, "delete", entity, rid, before, None)
        except IntegrityError:
            raise ConflictError(
                f"{entity} {rid} is referred to by other records; close it instead", field="id"
            ) from None
        except StaleDataError:
            raise self._stale(entity, rid, expected_version or 0) from None
