"""The cooperation registry's service layer: every read and write goes through
:class:`CoopStore`, which

* checks the input (schemas + the catalogue's :class:`~.schemas.Vocabulary`), naming the field;
* checks who may do it (:class:`Principal`; the rules are in :meth:`CoopStore.authorise`);
* refuses a stale update (optimistic locking: the caller names the version it read; the
  ``UPDATE ... WHERE version = ?`` of the ORM catches a concurrent writer) with
  :class:`ConflictError`;
* writes the change and its audit entry (who, when, what, before, after) in one transaction,
  so nothing is half-written.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import BaseModel, ValidationError
from sqlalchemy import Engine, func, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from aicap.warehouse.cooperation import audit_chain
from aicap.warehouse.cooperation.db import make_engine, migrate, session_factory
from aicap.warehouse.cooperation.lifecycle import SCOPES, AccountLifecycle
from aicap.warehouse.cooperation.models import (
    ENTITIES,
    Account,
    Activity,
    ApiToken,
    AuditEntry,
    Flow,
    Match,
    Need,
    Offer,
    Result,
    Versioned,
    utcnow,
)
from aicap.warehouse.cooperation.schemas import (
    DEMO_LABEL,
    MAX_TEXT,
    SCHEMAS,
    SERVER_FIELDS,
    AccountIn,
    MatchIn,
    Role,
    Vocabulary,
    text_problem,
)
from aicap.warehouse.cooperation.states import TRANSITIONS, MatchState, check_transition

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


class CoopError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, detail: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


class NotFoundError(CoopError):
    status = 404
    code = "not_found"


class ForbiddenError(CoopError):
    status = 403
    code = "forbidden"


class UnauthorisedError(CoopError):
    status = 401
    code = "unauthorized"


class ConflictError(CoopError):
    """A conflict (409); ``detail["field"]`` (and ``detail["loc"]``) name the field that
    conflicts: ``version`` (a stale version), ``state`` (an illegal transition), ``match_id``
    (a match's activity written at the same time), ``username`` ..."""

    status = 409
    code = "conflict"

    def __init__(self, message: str, detail: Any = None, *, field: str) -> None:
        info: dict[str, Any] = dict(detail) if isinstance(detail, Mapping) else {}
        if detail is not None and not isinstance(detail, Mapping):
            info["info"] = detail
        info["field"] = field
        info.setdefault("loc", ["body", field])
        super().__init__(message, info)
        self.field = field


class TooManyRequestsError(CoopError):
    """Too many failed sign-ins; ``retry_after`` seconds until the next try is heard."""

    status = 429
    code = "too_many_requests"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message, {"retry_after": retry_after})
        self.retry_after = retry_after


class InvalidInputError(CoopError):
    """Bad input; ``detail`` is a list of ``{"loc": [...field], "msg": ...}``."""

    status = 422
    code = "invalid_request"


@dataclass(frozen=True)
class Principal:
    """Who is acting: a signed-in account, or the anonymous public reader."""

    username: str
    role: Role
    country_iso3: str | None = None
    organisation: str | None = None
    account_id: int | None = None
    #: how it signed in: "session", "token" (an API token) or "" (a password, the CLI)
    via: str = ""
    token_id: int | None = None
    scope: str = "write"

    @property
    def can_write(self) -> bool:
        return self.role != Role.public


PUBLIC = Principal("public", Role.public)
SYSTEM = Principal("system", Role.administrator)


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


class CoopStore(AccountLifecycle):
    """The registry (see the module doc). ``vocab`` comes from the intervention catalogue."""

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
    ) -> CoopStore:
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

    # ---------------------------------------------------------------- accounts
    def create_account(self, actor: Principal, data: Mapping[str, Any]) -> dict[str, Any]:
        self._require_admin(actor, "create accounts")
        acc_in = self._validate(AccountIn, data)
        assert isinstance(acc_in, AccountIn)
        with self.tx() as s:
            if s.scalar(select(Account).where(Account.username == acc_in.username)):
                raise ConflictError(f"username {acc_in.username!r} is taken", field="username")
            acc = Account(
                username=acc_in.username,
                password_hash=self.hasher.hash(acc_in.password),
                role=acc_in.role.value,
                country_iso3=acc_in.country_iso3,
                organisation=acc_in.organisation,
            )
            s.add(acc)
            try:
                s.flush()
            except IntegrityError:
                raise ConflictError(
                    f"username {acc_in.username!r} is taken", field="username"
                ) from None
            after = self._account_public(acc)
            self._audit(s, actor, "create", "account", acc.id, None, after)
        return after

    def bootstrap_admin(self, username: str, password: str) -> dict[str, Any]:
        """Create the first administrator (only while no administrator exists)."""
        with self.tx() as s:
            if s.scalar(select(Account).where(Account.role == Role.administrator.value)):
                raise ConflictError("an administrator already exists", field="role")
        return self.create_account(
            SYSTEM, {"username": username, "password": password, "role": "administrator"}
        )

    @staticmethod
    def _account_public(acc: Account) -> dict[str, Any]:
        return {
            "id": acc.id,
            "username": acc.username,
            "role": acc.role,
            "country_iso3": acc.country_iso3,
            "organisation": acc.organisation,
            "active": acc.active,
        }

    def authenticate(self, username: str, password: str) -> Principal:
        with self.tx() as s:
            acc = s.scalar(select(Account).where(Account.username == username))
            if acc is None or not acc.active:
                self.hasher.hash(password)  # same work either way
                raise UnauthorisedError("wrong username or password")
            try:
                self.hasher.verify(acc.password_hash, password)
            except (VerificationError, InvalidHashError):
                raise UnauthorisedError("wrong username or password") from None
            if self.hasher.check_needs_rehash(acc.password_hash):
                acc.password_hash = self.hasher.hash(password)
            return self._principal(acc)

    @staticmethod
    def _principal(acc: Account) -> Principal:
        return Principal(
            acc.username, Role(acc.role), acc.country_iso3, acc.organisation, account_id=acc.id
        )

    def issue_token(
        self,
        who: Principal,
        *,
        kind: str = "api",
        label: str = "",
        lifetime: timedelta | None = None,
        scope: str = "write",
    ) -> tuple[str, str | None]:
        """A new secret token (only its SHA-256 is stored) and, for a session, its CSRF token.
        An API token always expires (``lifetime``, default 90 days); it cannot be minted with
        another API token."""
        if who.account_id is None:
            raise UnauthorisedError("sign in first")
        if who.via == "token":
            raise ForbiddenError("an API token cannot mint tokens; sign in with your password")
        if scope not in SCOPES:
            raise InvalidInputError(
                "invalid input: scope", [{"loc": ["body", "scope"], "msg": "read or write"}]
            )
        if kind == "api" and lifetime is None:
            lifetime = timedelta(days=90)
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(24) if kind == "session" else None
        expires = datetime.now(UTC) + lifetime if lifetime else None
        with self.tx() as s:
            s.add(
                ApiToken(
                    account_id=who.account_id,
                    token_hash=_hash_token(token),
                    label=label,
                    kind=kind,
                    csrf_token=csrf,
                    expires_at=expires,
                    scope=scope,
                )
            )
            self._audit(
                s, who, "issue_token", "token", None, None,
                {"kind": kind, "label": label, "scope": scope},
            )  # fmt: skip
        return token, csrf

    def principal_for_token(self, token: str, *, kind: str | None = None) -> tuple[Principal, str]:
        """The account behind a token and the token's CSRF secret ('' for API tokens)."""
        with self.read() as s:
            row = s.scalar(select(ApiToken).where(ApiToken.token_hash == _hash_token(token)))
            if row is None or row.revoked or (kind and row.kind != kind):
                raise UnauthorisedError("unknown or revoked token")
            if row.expires_at is not None:
                exp = row.expires_at
                exp = exp if exp.tzinfo else exp.replace(tzinfo=UTC)
                if exp < datetime.now(UTC):
                    raise UnauthorisedError(
                        "the session has expired; sign in again"
                        if row.kind == "session"
                        else "the API token has expired; issue a new one"
                    )
            acc = s.get(Account, row.account_id)
            if acc is None or not acc.active:
                raise UnauthorisedError("the account is disabled")
            who = replace(
                self._principal(acc),
                via="session" if row.kind == "session" else "token",
                token_id=row.id,
                scope=row.scope,
            )
            return who, row.csrf_token or ""

    def revoke_token(self, token: str) -> None:
        with self.tx() as s:
            row = s.scalar(select(ApiToken).where(ApiToken.token_hash == _hash_token(token)))
            if row is not None:
                row.revoked = True

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

    def _check_match_refs(self, s: Session, clean: Mapping[str, Any]) -> None:
        need = self._get(s, "need", clean["need_id"])
        offer = self._get(s, "offer", clean["offer_id"])
        if need.dataset != offer.dataset or need.dataset != clean["dataset"]:
            raise InvalidInputError(
                "invalid input",
                [{"loc": ["body", "dataset"], "msg": "demonstration and real records never mix"}],
            )

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

    def _stale(self, entity: str, rid: int, expected: int) -> ConflictError:
        current = self.get(entity, rid)["version"]
        return ConflictError(
            f"{entity} {rid} was changed by someone else at the same time: you read version "
            f"{expected}, it is now at version {current}; reload and retry",
            {"current_version": current, "your_version": expected},
            field="version",
        )

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
        results too. A bad row is refused naming its activity (and CSV line).
        ``progress(done, total)`` is told after each activity."""
        self._require_admin(actor, "import activities")
        counts = {"created": 0, "replaced": 0, "flows": 0, "results": 0}
        with self.tx() as s:
            for n, (data, flows, results) in enumerate(items):
                if progress is not None:
                    progress(n, len(items))
                where = f"activity {n + 1} ({data.get('iati_identifier', '?')})"
                clean = self._clean_at(where, "activity", data)
                old = s.scalar(
                    select(Activity).where(
                        Activity.iati_identifier == clean["iati_identifier"],
                        Activity.source == clean["source"],
                        Activity.dataset == clean["dataset"],
                    )
                )
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

    def counts(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        with self.read() as s:
            for name, model in ENTITIES.items():
                rows = s.execute(select(model.dataset, func.count()).group_by(model.dataset))
                out[name] = {str(ds): int(n) for ds, n in rows}
        return out
