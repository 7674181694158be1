"""The registry's foundation (:class:`StoreBase`): engine and transactions, validation,
authorisation, reading records, the audit log; and the helpers the other parts share. The
other concerns are mixins on it (``writes``, ``matches``, ``bulk``, ``lifecycle``), put
together as :class:`~aicap.warehouse.cooperation.store.CoopStore`."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any, Self

from argon2 import PasswordHasher
from pydantic import BaseModel, ValidationError
from sqlalchemy import Engine, func, inspect, select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from aicap.warehouse.cooperation import audit_chain
from aicap.warehouse.cooperation.db import make_engine, migrate, session_factory
from aicap.warehouse.cooperation.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    Principal,
)
from aicap.warehouse.cooperation.models import (
    ENTITIES,
    Activity,
    AuditEntry,
    Match,
    Need,
    Offer,
    Versioned,
    utcnow,
)
from aicap.warehouse.cooperation.schemas import (
    DEMO_LABEL,
    MAX_TEXT,
    SCHEMAS,
    Role,
    Vocabulary,
    text_problem,
)
from aicap.warehouse.cooperation.states import MatchState

_hasher = PasswordHasher()
#: The largest id (ids are 32-bit integer columns on PostgreSQL); larger ones are no record's.
MAX_ID = 2**31 - 1

MATCH_ACTIVITY_MSG = (
    "a match's activity is made by the server on the match's first flow or result; "
    "record a commitment with match_id instead"
)

#: Who may move a match to each state (besides an administrator).
TRANSITION_ROLES: dict[MatchState, frozenset[str]] = {
    MatchState.accepted: frozenset({"need_side", "offer_side"}),
    MatchState.declined: frozenset({"need_side", "offer_side"}),
    MatchState.committed: frozenset({"offer_side"}),
    MatchState.in_progress: frozenset({"offer_side"}),
    MatchState.partially_fulfilled: frozenset({"offer_side"}),
    MatchState.fulfilled: frozenset({"offer_side", "need_side"}),
    MatchState.lapsed: frozenset(),
}


def as_dict(obj: Any) -> dict[str, Any]:
    """A record as JSON-ready data (dates as ISO strings), with the demo label."""
    out: dict[str, Any] = {}
    for col in inspect(type(obj)).columns:
        value = getattr(obj, col.key)
        if isinstance(value, datetime | date):
            value = value.isoformat()
        out[col.key] = value
    if isinstance(obj, Versioned):
        out["fictitious"] = obj.dataset == "demo"
        out["label"] = DEMO_LABEL if obj.dataset == "demo" else None
    return out


def _validation_detail(exc: ValidationError) -> list[dict[str, Any]]:
    detail = []
    for e in exc.errors():
        loc = [str(x) for x in e.get("loc", ())]
        msg = str(e.get("msg", ""))
        if not loc:  # a model-level check: its message starts with the field name(s)
            head = msg.removeprefix("Value error, ").split(":", 1)[0]
            loc = [f.strip() for f in head.split(",")]
        detail.append({"loc": ["body", *loc], "msg": msg, "type": e.get("type")})
    return detail


def _check_note(note: Any) -> None:
    """A match's note: text, no control characters, at most :data:`MAX_TEXT` characters."""
    if not isinstance(note, str):
        problem: str | None = "must be text"
    else:
        problem = text_problem(note) or (
            f"longer than {MAX_TEXT} characters" if len(note) > MAX_TEXT else None
        )
    if problem:
        raise InvalidInputError(
            f"invalid input: note {problem}", [{"loc": ["body", "note"], "msg": problem}]
        )


#: Unique columns whose violation means another writer got there first.
_UNIQUE_FIELDS = ("match_id", "username", "token_hash", "iati_identifier")


def _conflict(exc: Exception, entity: str) -> ConflictError:
    """A 409 for a write that lost a race (a unique index, a version changed under it)."""
    if isinstance(exc, StaleDataError):
        return ConflictError(
            f"the {entity} or a record it changes was changed by someone else at the same "
            "time; reload and retry",
            field="version",
        )
    text = str(getattr(exc, "orig", exc))
    field = next((f for f in _UNIQUE_FIELDS if f in text), "id")
    return ConflictError(
        f"another {entity} with the same {field} was written at the same time; reload and retry",
        field=field,
    )


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class StoreBase:
    """See the module doc. ``vocab`` comes from the intervention catalogue."""

    def __init__(
        self,
        engine: Engine,
        vocab: Vocabulary | None = None,
        hasher: PasswordHasher | None = None,
    ) -> None:
        self.engine = engine
        self.hasher = hasher or _hasher  # argon2id, the library's recommended parameters
        self.vocab = vocab or Vocabulary()
        self.sessions: sessionmaker[Session] = session_factory(engine)
        self._reader = engine.execution_options(readonly=True)

    @classmethod
    def open(
        cls,
        url: str,
        vocab: Vocabulary | None = None,
        *,
        upgrade: bool = True,
        hasher: PasswordHasher | None = None,
    ) -> Self:
        engine = make_engine(url)
        if upgrade:
            migrate(engine)
        return cls(engine, vocab, hasher)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def tx(self) -> Iterator[Session]:
        """One transaction: committed at the end, rolled back on any error."""
        with self.sessions() as s, s.begin():
            yield s

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only transaction: on SQLite it takes no write lock, so reads go on while a
        long write (an import) runs."""
        with self.sessions(bind=self._reader) as s, s.begin():
            yield s

    # ---------------------------------------------------------------- authorisation
    @staticmethod
    def _require_admin(actor: Principal, what: str) -> None:
        if actor.role != Role.administrator:
            raise ForbiddenError(f"only an administrator may {what}")

    def require_admin(self, actor: Principal, what: str) -> None:
        """Refuse (403) unless ``actor`` is an administrator (e.g. a matchmaking dry run)."""
        self._require_admin(actor, what)

    def authorise(
        self, s: Session, actor: Principal, entity: str, data: Mapping[str, Any], verb: str
    ) -> None:
        """Refuse (:class:`ForbiddenError`) unless ``actor`` may ``verb`` a record with ``data``.

        * the public reads only; an administrator does everything;
        * a country focal point: needs of its country; results of activities in its country;
        * a partner organisation: offers of its organisation; flows and results of activities
          it provides;
        * matches are proposed by an administrator (matchmaking); their states move by
          :meth:`transition`.
        """
        if actor.role == Role.public:
            raise ForbiddenError("the public reads but cannot write; sign in")
        if actor.role == Role.administrator:
            return
        if entity == "need":
            if actor.role == Role.focal_point and data.get("country_iso3") == actor.country_iso3:
                return
            raise ForbiddenError(
                f"a country focal point {verb}s only needs of its own country "
                f"({actor.country_iso3 or 'none'})"
                if actor.role == Role.focal_point
                else "only a country focal point or an administrator records needs"
            )
        if entity == "offer":
            if actor.role == Role.partner and data.get("provider_org") == actor.organisation:
                return
            raise ForbiddenError(
                f"a partner {verb}s only offers of its own organisation ({actor.organisation})"
                if actor.role == Role.partner
                else "only a partner organisation or an administrator records offers"
            )
        if entity == "activity":
            provider = data.get("provider_org")
            if data.get("match_id") is not None:  # a match's activity: the match's owner
                provider = self._match_parties(s, int(data["match_id"]))[0]
            if actor.role == Role.partner and provider == actor.organisation:
                return
            raise ForbiddenError("only the providing partner or an administrator edits an activity")
        if entity in ("flow", "result"):
            aid = int(data.get("activity_id") or 0)
            act = s.get(Activity, aid) if 0 < aid <= MAX_ID else None
            if act is None:
                raise NotFoundError(f"activity {data.get('activity_id')} not found")
            provider, recipient = act.provider_org, act.recipient_iso3
            if act.match_id is not None:  # the match decides, not what the activity says
                provider, recipient = self._match_parties(s, act.match_id)
            if actor.role == Role.partner and provider == actor.organisation:
                return
            if (
                entity == "result"
                and actor.role == Role.focal_point
                and recipient == actor.country_iso3
            ):
                return
            raise ForbiddenError(
                f"only the providing partner or an administrator records {entity}s "
                f"of activity {act.id}"
                + (" (or the recipient country's focal point)" if entity == "result" else "")
            )
        if entity == "match":
            raise ForbiddenError("matches are proposed by matchmaking (an administrator)")
        raise ForbiddenError(f"cannot {verb} {entity}")

    def _match_parties(self, s: Session, match_id: int) -> tuple[str | None, str | None]:
        """(the offer's provider organisation, the need's country) of a match."""
        match = s.get(Match, match_id)
        if match is None:
            return None, None
        offer = s.get(Offer, match.offer_id)
        need = s.get(Need, match.need_id)
        return (
            offer.provider_org if offer else None,
            need.country_iso3 if need else None,
        )

    # ---------------------------------------------------------------- validation
    def _validate(self, schema: type[BaseModel], data: Mapping[str, Any]) -> BaseModel:
        try:
            return schema.model_validate(dict(data))
        except ValidationError as exc:
            raise InvalidInputError("invalid input", _validation_detail(exc)) from None

    def _check_vocab(self, entity: str, data: Mapping[str, Any]) -> None:
        v = self.vocab
        problems: list[dict[str, Any]] = []

        def bad(field: str, value: Any, what: str) -> None:
            problems.append(
                {
                    "loc": ["body", field],
                    "msg": f"unknown {what} {value!r} (see catalogues/interventions.yaml)",
                    "type": "value_error",
                }
            )

        if entity in ("need", "offer"):
            for iid in data.get("interventions", []):
                if v.interventions and iid not in v.interventions:
                    bad("interventions", iid, "intervention id")
            for a in data.get("areas", []):
                if v.areas and a not in v.areas:
                    bad("areas", a, "area")
            mods = ([data["preferred_modality"]] if data.get("preferred_modality") else []) + list(
                data.get("modalities", [])
            )
            for m in mods:
                if v.modalities and m not in v.modalities:
                    bad("preferred_modality" if entity == "need" else "modalities", m, "modality")
        if entity == "activity" and data.get("modality"):
            m = data["modality"]
            if v.modalities and m not in v.modalities:
                bad("modality", m, "modality")
        if problems:
            raise InvalidInputError("invalid input", problems)

    def _clean(self, entity: str, data: Mapping[str, Any]) -> dict[str, Any]:
        model = self._validate(SCHEMAS[entity], data)
        clean = model.model_dump(mode="json")
        self._check_vocab(entity, clean)
        for key in ("valid_from", "valid_until", "on_date", "period_start", "period_end"):
            if clean.get(key):
                clean[key] = date.fromisoformat(clean[key])
        return clean

    # ---------------------------------------------------------------- generic CRUD
    def _model(self, entity: str) -> type[Versioned]:
        try:
            return ENTITIES[entity]
        except KeyError:
            raise NotFoundError(f"no such record type {entity!r}") from None

    def _get(self, s: Session, entity: str, rid: int) -> Versioned:
        if not isinstance(rid, int) or not 0 < rid <= MAX_ID:  # no such id, in any database
            raise NotFoundError(f"{entity} {rid} not found")
        obj = s.get(self._model(entity), rid)
        if obj is None:
            raise NotFoundError(f"{entity} {rid} not found")
        return obj

    def get(self, entity: str, rid: int) -> dict[str, Any]:
        with self.read() as s:
            return as_dict(self._get(s, entity, rid))

    def records(
        self,
        entity: str,
        *,
        dataset: str | None = None,
        filters: Mapping[str, Any] | None = None,
        limit: int = 1000,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        model = self._model(entity)
        q = select(model).order_by(model.id)
        if dataset and dataset != "all":
            q = q.where(model.dataset == dataset)
        for key, value in (filters or {}).items():
            if value is not None:
                q = q.where(getattr(model, key) == value)
        with self.read() as s:
            return [as_dict(o) for o in s.scalars(q.limit(limit).offset(offset))]

    def _check_match_refs(self, s: Session, clean: Mapping[str, Any]) -> None:
        need = self._get(s, "need", clean["need_id"])
        offer = self._get(s, "offer", clean["offer_id"])
        if need.dataset != offer.dataset or need.dataset != clean["dataset"]:
            raise InvalidInputError(
                "invalid input",
                [{"loc": ["body", "dataset"], "msg": "demonstration and real records never mix"}],
            )

    # ---------------------------------------------------------------- matches
    def _authorise_match(
        self, s: Session, actor: Principal, match: Match, target: MatchState | None
    ) -> frozenset[str]:
        """The sides ``actor`` stands on (``admin`` for an administrator), or 403."""
        if actor.role == Role.administrator:
            return frozenset({"admin"})
        if actor.role == Role.public:
            raise ForbiddenError("the public reads but cannot write; sign in")
        need = s.get(Need, match.need_id)
        offer = s.get(Offer, match.offer_id)
        sides = set()
        if need and actor.role == Role.focal_point and need.country_iso3 == actor.country_iso3:
            sides.add("need_side")
        if offer and actor.role == Role.partner and offer.provider_org == actor.organisation:
            sides.add("offer_side")
        if not sides:
            raise ForbiddenError(
                f"match {match.id} is neither your country's need nor your organisation's offer"
            )
        if target is not None and not (sides & TRANSITION_ROLES[target]):
            who = " or ".join(sorted(TRANSITION_ROLES[target])) or "an administrator"
            raise ForbiddenError(f"only {who.replace('_', ' ')} may move a match to {target.value}")
        return frozenset(sides)

    # ---------------------------------------------------------------- audit
    def _audit(
        self,
        s: Session,
        actor: Principal,
        action: str,
        entity: str,
        entity_id: int | None,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> None:
        entry = AuditEntry(
            at=utcnow(),
            actor=actor.username,
            action=action,
            entity=entity,
            entity_id=entity_id,
            before=before,
            after=after,
        )
        audit_chain.link(s, entry)
        s.add(entry)

    @staticmethod
    def _audit_query(entity: str | None, entity_id: int | None, *, count: bool = False) -> Any:
        q = select(func.count()).select_from(AuditEntry) if count else select(AuditEntry)
        if entity:
            q = q.where(AuditEntry.entity == entity)
        if entity_id is not None:
            q = q.where(AuditEntry.entity_id == entity_id)
        return q

    def audit(
        self,
        *,
        entity: str | None = None,
        entity_id: int | None = None,
        limit: int | None = None,
        offset: int = 0,
        newest_first: bool = False,
    ) -> list[dict[str, Any]]:
        """Audit entries in order (oldest first, or newest first); ``limit`` and ``offset``
        page through them (``limit=None``: all from ``offset`` on)."""
        q = self._audit_query(entity, entity_id)
        q = q.order_by(AuditEntry.id.desc() if newest_first else AuditEntry.id)
        if offset:
            q = q.offset(offset)
        if limit is not None:
            q = q.limit(limit)
        with self.read() as s:
            return [as_dict(a) for a in s.scalars(q)]

    def verify_audit(self) -> audit_chain.Verdict:
        """Walk the audit log's hash chain (see :mod:`.audit_chain`)."""
        with self.read() as s:
            return audit_chain.verify(s)

    def audit_count(self, *, entity: str | None = None, entity_id: int | None = None) -> int:
        q = self._audit_query(entity, entity_id, count=True)
        with self.read() as s:
            return int(s.scalar(q) or 0)

    def counts(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        with self.read() as s:
            for name, model in ENTITIES.items():
                rows = s.execute(select(model.dataset, func.count()).group_by(model.dataset))
                out[name] = {str(ds): int(n) for ds, n in rows}
        return out

    def _stale(self, entity: str, rid: int, expected: int) -> ConflictError:
        current = self.get(entity, rid)["version"]
        return ConflictError(
            f"{entity} {rid} was changed by someone else at the same time: you read version "
            f"{expected}, it is now at version {current}; reload and retry",
            {"current_version": current, "your_version": expected},
            field="version",
        )
