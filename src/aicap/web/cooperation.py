"""The cooperation API under ``/api/coop``: needs, offers, matches, commitments,
disbursements, deliveries, results, activities; matchmaking proposals, accept / decline and
the other match transitions; the public accountability view; IATI 2.03 XML and CSV export and
import; accounts, session login and API tokens.

Errors have the app's one shape ``{"error": {"status", "code", "message", "detail"}}``:
401 unauthorized, 403 forbidden, 404 not_found, 409 conflict (a stale ``version`` or an
illegal transition), 422 invalid_request with ``detail`` naming each bad field.

Who is acting: ``Authorization: Bearer <API token>``, or the session cookie set by
``POST /api/coop/auth/login`` (then every POST/PATCH/DELETE must carry the session's CSRF
token in ``X-CSRF-Token`` or a ``csrf_token`` form field), or nobody: the public reads.
"""

import asyncio
import hmac
import threading
from collections.abc import Callable, Coroutine
from datetime import date, timedelta
from typing import Annotated, Any, TypeVar, cast

from fastapi import APIRouter, Body, Depends, HTTPException, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field, create_model

from aicap.analysis.cooperate.evidence import EvidenceSource, need_derived
from aicap.analysis.cooperate.service import (
    accountability,
    country_facts,
    default_vocabulary,
    run_matchmaking,
    summarise,
)
from aicap.warehouse.cooperation.db import default_url
from aicap.warehouse.cooperation.iati import IatiError, from_csv, from_iati_xml, to_csv, to_iati_xml
from aicap.warehouse.cooperation.schemas import (
    MAX_TEXT,
    AccountIn,
    ActivityIn,
    FlowIn,
    FlowKind,
    NeedIn,
    OfferIn,
    ResultIn,
    Strict,
)
from aicap.warehouse.cooperation.store import (
    PUBLIC,
    CoopError,
    CoopStore,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    Principal,
    TooManyRequestsError,
    UnauthorisedError,
)
from aicap.web.coop_http import (
    SESSION_BASE,
    add_security_headers,
    delete_cookie,
    limit_body,
    route_limit,
    session_cookie,
    set_cookie,
)
from aicap.web.coop_jobs import JobRunner, Progress
from aicap.web.coop_throttle import LoginThrottle as LoginThrottle

T = TypeVar("T")
PREFIX = "/api/coop"
#: The largest id, version or offset a request may name (ids are 32-bit integer columns on
#: PostgreSQL); larger ones get 422, never a database error.
MAX_ID = 2**31 - 1
SESSION_LIFETIME = timedelta(hours=12)
SAFE = frozenset({"GET", "HEAD", "OPTIONS"})
ERROR_CODES = {401: "unauthorized", 403: "forbidden", 404: "not_found", 409: "conflict",
               422: "invalid_request", 400: "bad_request", 429: "too_many_requests",
               413: "payload_too_large",
               500: "internal_error"}  # fmt: skip


def error_response(
    status: int, message: str, detail: Any = None, code: str | None = None
) -> JSONResponse:
    body = {
        "error": {
            "status": status,
            "code": code or ERROR_CODES.get(status, "error"),
            "message": message,
            "detail": detail,
        }
    }
    return JSONResponse(body, status_code=status)


class CoopRoute(APIRoute):
    """Turns the registry's errors and request validation errors into the one error shape,
    whichever app mounts the router."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                resp: Response = await original(limit_body(request, route_limit(self.path)))
            except HTTPException as exc:
                if exc.status_code not in (400, 413):
                    raise
                code = "payload_too_large" if exc.status_code == 413 else "bad_request"
                resp = error_response(exc.status_code, str(exc.detail), None, code)
            except CoopError as exc:
                resp = error_response(exc.status, exc.message, exc.detail, exc.code)
                if isinstance(exc, TooManyRequestsError):
                    resp.headers["Retry-After"] = str(exc.retry_after)
            except RequestValidationError as exc:
                detail = [_named(e) for e in exc.errors()]
                fields = sorted({".".join(str(x) for x in d["loc"][1:]) for d in detail})
                resp = error_response(422, "invalid input: " + ", ".join(fields), detail)
            return add_security_headers(request, resp)

        return handler


def _named(e: Any) -> dict[str, Any]:
    """A validation error whose location names its field (a model-level check's message
    starts with the field names: ``"period_end: before period_start"``)."""
    loc = [str(x) for x in e.get("loc", ())]
    msg = str(e.get("msg", ""))
    if len(loc) <= 1 and ":" in msg:
        head = msg.removeprefix("Value error, ").split(":", 1)[0]
        loc = [*loc, *(f.strip() for f in head.split(","))]
    return {"loc": loc, "msg": msg, "type": e.get("type")}


class CoopErrorBody(BaseModel):
    status: int
    code: str
    message: str
    detail: Any = None


class CoopErrorResponse(BaseModel):
    """The app's one error shape, as the cooperation API documents it (its own name, so that
    OpenAPI lists it beside the app's ``ErrorResponse`` without prefixing either)."""

    error: CoopErrorBody


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    words = {
        401: "Not signed in, or a bad token.",
        403: "Not allowed for your role, country or organisation (or CSRF token missing).",
        404: "No such record.",
        409: "Conflict: a stale version (reload and retry) or an illegal transition.",
        422: "Invalid input; detail names each field.",
        413: "The request body is too large (1 MiB; imports 50 MiB).",
        429: "Too many failed sign-ins; retry after the Retry-After header's seconds.",
    }
    return {c: {"model": CoopErrorResponse, "description": words[c]} for c in codes}


WRITE_ERRORS = _errors(401, 403, 404, 409, 413, 422)


#: A record id in a path (1 .. 2^31 - 1: larger ones are no id, 422 not 500).
Id = Annotated[int, Path(ge=1, le=MAX_ID, description="The record's id")]
OptVersion = Annotated[int | None, Query(ge=1, le=MAX_ID, description="The version you read")]


class Patch(BaseModel):
    """Fields to change, with the ``version`` you read (optimistic locking)."""

    model_config = ConfigDict(extra="allow")
    version: int = Field(ge=1, le=MAX_ID, description="The version you read; a stale one gets 409.")


class TransitionIn(Strict):
    version: int = Field(ge=1, le=MAX_ID)
    state: str = Field(max_length=24, description="accepted, declined, committed, ...")
    note: str = Field("", max_length=MAX_TEXT)


class DecisionIn(Strict):
    version: int = Field(ge=1, le=MAX_ID)
    note: str = Field("", max_length=MAX_TEXT)


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str
    password: str


class TokenIn(Strict):
    label: str = Field("", max_length=120)
    expires_in_days: int = Field(90, ge=1, le=365, description="Lifetime in days (1..365)")
    scope: str = Field("write", pattern=r"^(read|write)$", description="read or write")


class PasswordIn(Strict):
    current_password: str = Field(max_length=200)
    new_password: str = Field(max_length=200)


class ResetIn(Strict):
    new_password: str = Field(max_length=200)


Username = Annotated[str, Path(min_length=3, max_length=80, pattern=r"^[A-Za-z0-9_.@-]+$")]


class UnlockIn(Strict):
    username: str | None = Field(None, max_length=80)
    address: str | None = Field(None, max_length=64, description="A client IP address")


#: ``?background=true``: answer 202 with the job at once (see ``coop_jobs``).
Background = Annotated[bool, Query(description="true: 202 with a job to follow at /jobs/{id}")]


class ProposeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    background: bool = Field(False, description="true: 202 with a job to follow")
    dataset: str = Field("real", pattern=r"^(real|demo)$")
    on: date | None = Field(None, description="Matching date (offer validity); default today")
    save: bool = Field(True, description="False: a dry run, nothing stored")


#: URL collection -> (store entity, input schema, fixed flow kind)
COLLECTIONS: dict[str, tuple[str, type[BaseModel], str | None]] = {
    "needs": ("need", NeedIn, None),
    "offers": ("offer", OfferIn, None),
    "activities": ("activity", ActivityIn, None),
    "commitments": ("flow", FlowIn, "commitment"),
    "disbursements": ("flow", FlowIn, "disbursement"),
    "deliveries": ("flow", FlowIn, "delivery"),
    "results": ("result", ResultIn, None),
}


def _without_usernames(data: Any) -> Any:
    if isinstance(data, list):
        return [_without_usernames(x) for x in data]
    if isinstance(data, dict):
        return {k: (None if k == "created_by" else _without_usernames(v)) for k, v in data.items()}
    return data


def redact(who: Principal, data: T) -> T:
    """What ``who`` may read: the public (anonymous or a public reader's account) does not see
    who recorded a record (``created_by`` holds a username)."""
    return data if who.can_write else cast(T, _without_usernames(data))


def client_of(request: Request) -> str:
    """The client's address as the server saw it (no forwarded headers are trusted)."""
    return request.client.host if request.client else "unknown"


class StoreHolder:
    """The registry's store, opened on first use: a store, a factory, or (``None``) the
    default (``AICAP_COOP_DB`` or ``var/cooperation.sqlite``, migrated on open). The API and
    the HTML pages share one holder."""

    def __init__(self, store: CoopStore | Callable[[], CoopStore] | None = None) -> None:
        self._source = store
        self._lock = threading.Lock()
        self.throttle = LoginThrottle()
        self.jobs = JobRunner()
        self._store: CoopStore | None = store if isinstance(store, CoopStore) else None

    def __call__(self) -> CoopStore:
        if self._store is None:
            with self._lock:
                if self._store is None:
                    src = self._source
                    if src is not None and not isinstance(src, CoopStore):
                        self._store = src()
                    else:
                        self._store = CoopStore.open(default_url(), default_vocabulary())
        return self._store


def build_router(
    store: CoopStore | Callable[[], CoopStore] | None = None,
    evidence: EvidenceSource | None = None,
) -> APIRouter:
    """The router; ``store`` is a store, a factory or a :class:`StoreHolder` (default:
    ``AICAP_COOP_DB`` or ``var/cooperation.sqlite``, opened and migrated on the first request).
    ``evidence``: where a need gets its diagnosis snapshot and tier (none: needs are recorded
    without evidence and without a tier; clients never send either)."""
    router = APIRouter(prefix=PREFIX, tags=["cooperation"], route_class=CoopRoute)
    get_store = store if isinstance(store, StoreHolder) else StoreHolder(store)

    async def principal(request: Request) -> Principal:
        st = get_store()
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            who, _ = st.principal_for_token(auth[7:].strip(), kind="api")
            if who.scope != "write" and request.method not in SAFE:
                raise ForbiddenError("this API token is read-only (scope read)")
            return who
        cookie = session_cookie(request)
        if cookie:
            who, csrf = st.principal_for_token(cookie, kind="session")
            if request.method not in SAFE:
                sent = request.headers.get("x-csrf-token", "")
                ctype = request.headers.get("content-type", "")
                if not sent and ctype.startswith(
                    ("application/x-www-form-urlencoded", "multipart/form-data")
                ):
                    form = await request.form()
                    sent = str(form.get("csrf_token", ""))
                if not sent or not hmac.compare_digest(sent, csrf):
                    raise ForbiddenError(
                        "missing or wrong CSRF token (send X-CSRF-Token or csrf_token)"
                    )
            return who
        return PUBLIC

    async def as_job(
        kind: str, who: Principal, work: Callable[[Progress], dict[str, Any]], background: bool
    ) -> Response:
        """Run ``work`` on a worker thread: 202 with the job at once (``background``), or
        its result when it ends (200; its error in the one error shape)."""
        job, future = get_store.jobs.submit(kind, who.username, work)
        if background:
            return JSONResponse(
                {**job.as_dict(), "status_url": f"{PREFIX}/jobs/{job.id}"}, status_code=202
            )
        try:
            result = await asyncio.wrap_future(future)
        except CoopError:
            assert job.error is not None
            e = job.error
            return error_response(e["status"], e["message"], e["detail"], e["code"])
        return JSONResponse(result)

    Who = Annotated[Principal, Depends(principal)]
    Store = Annotated[CoopStore, Depends(get_store)]
    Dataset = Annotated[
        str, Query(pattern=r"^(real|demo|all)$", description="real, demo (fictitious) or all")
    ]

    # ------------------------------------------------------------ auth
    @router.post(
        "/auth/login",
        responses=_errors(401, 429),
        summary="Sign in: a session cookie and its CSRF token (failures slow down: 429)",
    )
    def login(body: LoginIn, request: Request, response: Response, st: Store) -> dict[str, Any]:
        who = get_store.throttle.authenticate(st, body.username, body.password, client_of(request))
        token, csrf = st.issue_token(who, kind="session", lifetime=SESSION_LIFETIME)
        set_cookie(response, request, SESSION_BASE, token, int(SESSION_LIFETIME.total_seconds()))
        return {"username": who.username, "role": who.role.value, "csrf_token": csrf}

    @router.post("/auth/logout", summary="Sign out (ends the session)")
    def logout(request: Request, response: Response, who: Who, st: Store) -> dict[str, Any]:
        cookie = session_cookie(request)
        if cookie:
            st.revoke_token(cookie)
        delete_cookie(response, SESSION_BASE)
        return {"signed_out": who.username}

    @router.post(
        "/auth/tokens",
        responses=_errors(401, 403, 422),
        summary="A new API token for the signed-in account (not with a token; it expires)",
    )
    def new_token(body: TokenIn, who: Who, st: Store) -> dict[str, Any]:
        if who.account_id is None:
            raise UnauthorisedError("sign in first")
        token, _ = st.issue_token(
            who,
            kind="api",
            label=body.label,
            lifetime=timedelta(days=body.expires_in_days),
            scope=body.scope,
        )
        return {
            "token": token,
            "label": body.label,
            "scope": body.scope,
            "expires_in_days": body.expires_in_days,
            "note": "shown once; only a hash is kept",
        }

    @router.get(
        "/auth/tokens",
        responses=_errors(401, 403, 404),
        summary="API tokens of the signed-in account (an administrator: ?username=, or all)",
    )
    def list_tokens(
        who: Who, st: Store, username: Annotated[str | None, Query(max_length=80)] = None
    ) -> list[dict[str, Any]]:
        return st.list_tokens(who, username)

    @router.delete(
        "/auth/tokens/{tid}", responses=_errors(401, 403, 404), summary="Revoke an API token"
    )
    def revoke_token(tid: Id, who: Who, st: Store) -> dict[str, Any]:
        if who.account_id is None:
            raise UnauthorisedError("sign in first")
        return st.revoke_token_id(who, tid)

    @router.post(
        "/auth/password",
        responses=_errors(401, 403, 422),
        summary="Change your password (every other session and token of the account ends)",
    )
    def change_password(body: PasswordIn, who: Who, st: Store) -> dict[str, Any]:
        n = st.change_password(
            who, body.current_password, body.new_password, keep_token_id=who.token_id
        )
        return {"username": who.username, "sessions_and_tokens_ended": n}

    @router.post(
        "/accounts/{username}/password",
        responses=WRITE_ERRORS,
        summary="Reset an account's password (admin; its sessions and tokens end)",
    )
    def reset_password(username: Username, body: ResetIn, who: Who, st: Store) -> dict[str, Any]:
        n = st.reset_password(who, username, body.new_password)
        return {"username": username, "sessions_and_tokens_ended": n}

    @router.post(
        "/accounts/{username}/disable",
        responses=WRITE_ERRORS,
        summary="Disable an account (admin; its sessions and tokens end at once)",
    )
    def disable(username: Username, who: Who, st: Store) -> dict[str, Any]:
        return st.set_active(who, username, False)

    @router.post("/accounts/{username}/enable", responses=WRITE_ERRORS, summary="Enable (admin)")
    def enable(username: Username, who: Who, st: Store) -> dict[str, Any]:
        return st.set_active(who, username, True)

    @router.post(
        "/auth/unlock",
        responses=_errors(401, 403, 422),
        summary="Lift the sign-in brake for an account and/or an address (admin)",
    )
    def unlock(body: UnlockIn, who: Who) -> dict[str, Any]:
        if who.role.value != "administrator":
            raise ForbiddenError("only an administrator lifts the sign-in brake")
        if not body.username and not body.address:
            raise InvalidInputError(
                "invalid input: username, address",
                [{"loc": ["body", "username"], "msg": "give a username, an address or both"}],
            )
        n = get_store.throttle.unlock(username=body.username, client=body.address)
        return {"username": body.username, "address": body.address, "cleared": n}

    @router.get("/auth/me", summary="Who is acting")
    def me(who: Who) -> dict[str, Any]:
        return {
            "username": who.username,
            "role": who.role.value,
            "country_iso3": who.country_iso3,
            "organisation": who.organisation,
        }

    @router.post("/accounts", responses=WRITE_ERRORS, summary="Create an account (admin)")
    def create_account(body: AccountIn, who: Who, st: Store) -> dict[str, Any]:
        return st.create_account(who, body.model_dump(mode="json"))

    # ------------------------------------------------------------ matches
    @router.get("/matches", summary="Matches (proposals and their states)")
    def list_matches(
        st: Store,
        who: Who,
        dataset: Dataset = "all",
        state: Annotated[str | None, Query(max_length=24)] = None,
        need_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
        offer_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    ) -> list[dict[str, Any]]:
        filters = {"state": state, "need_id": need_id, "offer_id": offer_id}
        return redact(who, st.records("match", dataset=dataset, filters=filters))

    @router.post(
        "/matches/propose",
        responses=WRITE_ERRORS,
        summary="Run matchmaking (admin): explainable scores, global optimal assignment",
    )
    async def propose(body: ProposeIn, who: Who, st: Store) -> Response:
        if who.role.value != "administrator":
            raise ForbiddenError("only an administrator may run matchmaking")

        def work(progress: Progress) -> dict[str, Any]:
            result, saved = run_matchmaking(
                st,
                who,
                dataset=body.dataset,
                on=body.on,
                save=body.save,
                facts=country_facts(),
                progress=progress,
            )
            return summarise(result, saved)

        return await as_job("matchmaking", who, work, body.background)

    @router.get("/matches/{mid}", responses=_errors(404), summary="One match with its terms")
    def get_match(mid: Id, st: Store, who: Who) -> dict[str, Any]:
        return redact(who, st.get("match", mid))

    @router.patch("/matches/{mid}", responses=WRITE_ERRORS, summary="Edit a match's note")
    def patch_match(mid: Id, body: Patch, who: Who, st: Store) -> dict[str, Any]:
        data = body.model_dump()
        version = data.pop("version")
        return st.update(who, "match", mid, data, version)

    @router.delete("/matches/{mid}", responses=WRITE_ERRORS, summary="Delete a match (admin)")
    def delete_match(mid: Id, who: Who, st: Store, version: OptVersion = None) -> dict[str, Any]:
        st.delete(who, "match", mid, version)
        return {"deleted": mid}

    @router.post("/matches/{mid}/accept", responses=WRITE_ERRORS, summary="Accept a proposal")
    def accept(mid: Id, body: DecisionIn, who: Who, st: Store) -> dict[str, Any]:
        return st.transition(who, mid, "accepted", body.version, body.note)

    @router.post("/matches/{mid}/decline", responses=WRITE_ERRORS, summary="Decline a match")
    def decline(mid: Id, body: DecisionIn, who: Who, st: Store) -> dict[str, Any]:
        return st.transition(who, mid, "declined", body.version, body.note)

    @router.post(
        "/matches/{mid}/transition",
        responses=WRITE_ERRORS,
        summary="Move a match along its states (illegal transitions get 409)",
    )
    def transition(mid: Id, body: TransitionIn, who: Who, st: Store) -> dict[str, Any]:
        return st.transition(who, mid, body.state, body.version, body.note)

    # ------------------------------------------------------------ generic collections
    def add_collection(name: str, entity: str, schema: type[BaseModel], kind: str | None) -> None:
        if kind is not None:  # the kind is the collection's: optional in the body
            schema = create_model(
                f"{kind.title()}In",
                __base__=FlowIn,
                kind=(FlowKind, Field(FlowKind(kind), description=f"always {kind}")),
            )

        def fix_kind(data: dict[str, Any]) -> dict[str, Any]:
            if kind is not None:
                if data.get("kind", kind) != kind:
                    raise InvalidInputError(
                        "invalid input",
                        [{"loc": ["body", "kind"], "msg": f"{name} have kind {kind}"}],
                    )
                data["kind"] = kind
            return data

        def check_kind(rec: dict[str, Any]) -> dict[str, Any]:
            if kind is not None and rec.get("kind") != kind:
                raise NotFoundError(f"{name[:-1]} {rec['id']} not found")
            return rec

        @router.get(f"/{name}", summary=f"List {name}", name=f"list_{name}")
        def list_all(
            st: Store,
            who: Who,
            dataset: Dataset = "all",
            limit: Annotated[int, Query(ge=1, le=10000)] = 1000,
            offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
        ) -> list[dict[str, Any]]:
            return redact(
                who,
                st.records(
                    entity,
                    dataset=dataset,
                    filters={"kind": kind} if kind else None,
                    limit=limit,
                    offset=offset,
                ),
            )

        @router.get(f"/{name}/{{rid}}", responses=_errors(404), name=f"get_{name}")
        def get_one(rid: Id, st: Store, who: Who) -> dict[str, Any]:
            return redact(who, check_kind(st.get(entity, rid)))

        def create_one(who: Who, st: Store, body: Annotated[schema, Body()]) -> dict[str, Any]:
            data = fix_kind(body.model_dump(mode="json"))
            derived = None
            if entity == "need" and who.can_write:
                derived = need_derived(data.get("country_iso3"), evidence, country_facts())
            return st.create(who, entity, data, derived=derived)

        router.add_api_route(
            f"/{name}",
            create_one,
            methods=["POST"],
            status_code=201,
            responses=WRITE_ERRORS,
            summary=f"Create one of the {name}",
            name=f"create_{name}",
        )

        @router.patch(f"/{name}/{{rid}}", responses=WRITE_ERRORS, name=f"patch_{name}")
        def patch_one(rid: Id, body: Patch, who: Who, st: Store) -> dict[str, Any]:
            rec = check_kind(st.get(entity, rid))
            data = body.model_dump()
            version = data.pop("version")
            if kind is not None:
                fix_kind(data)
            derived = None
            if entity == "need" and data.get("country_iso3", rec["country_iso3"]) != rec.get(
                "country_iso3"
            ):  # another country: its diagnosis, not the old one's
                derived = need_derived(data["country_iso3"], evidence, country_facts())
            return st.update(who, entity, rid, data, version, derived=derived)

        @router.delete(f"/{name}/{{rid}}", responses=WRITE_ERRORS, name=f"delete_{name}")
        def delete_one(rid: Id, who: Who, st: Store, version: OptVersion = None) -> dict[str, Any]:
            check_kind(st.get(entity, rid))
            st.delete(who, entity, rid, version)
            return {"deleted": rid}

    for name, (entity, schema, kind) in COLLECTIONS.items():
        add_collection(name, entity, schema, kind)

    # ------------------------------------------------------------ accountability, audit
    @router.get("/accountability", summary="Pledged vs disbursed vs results (public)")
    def account_view(
        st: Store,
        by: Annotated[str, Query(pattern=r"^(provider|country|modality)$")] = "provider",
        dataset: Annotated[str, Query(pattern=r"^(real|demo)$")] = "real",
    ) -> dict[str, Any]:
        return accountability(st, by=by, dataset=dataset)

    @router.get(
        "/audit",
        responses=_errors(401, 403),
        summary="The audit log (admin), a page at a time; X-Total-Count: all matching entries",
    )
    def audit(
        who: Who,
        st: Store,
        response: Response,
        entity: Annotated[str | None, Query(max_length=20)] = None,
        entity_id: Annotated[int | None, Query(ge=0, le=MAX_ID)] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 1000,
        offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
        order: Annotated[str, Query(pattern=r"^(oldest|newest)$")] = "oldest",
    ) -> list[dict[str, Any]]:
        if who.role.value != "administrator":
            raise ForbiddenError("only an administrator reads the audit log")
        response.headers["X-Total-Count"] = str(st.audit_count(entity=entity, entity_id=entity_id))
        return st.audit(
            entity=entity,
            entity_id=entity_id,
            limit=limit,
            offset=offset,
            newest_first=order == "newest",
        )

    # ------------------------------------------------------------ IATI and CSV
    def iso_maps() -> tuple[dict[str, str], dict[str, str]]:
        facts = country_facts()
        iso2 = {k: v["iso2"] for k, v in facts.items() if v.get("iso2")}
        return iso2, {v: k for k, v in iso2.items()}

    @router.get(
        "/export/iati.xml",
        response_class=Response,
        responses=_errors(404),
        summary="IATI 2.03 activity XML (validated against the schema; 404: no activities)",
    )
    def export_iati(st: Store, dataset: Dataset = "real") -> Response:
        activities = st.activities_full(dataset)
        if not activities:  # an IATI file holds at least one activity
            raise NotFoundError(
                f"no activities in the {dataset} dataset yet: an IATI file holds at least one"
            )
        try:
            xml = to_iati_xml(activities, iso_maps()[0])
        except IatiError as exc:
            raise InvalidInputError(str(exc), exc.problems) from None
        return Response(xml, media_type="application/xml")

    @router.get("/export/activities.csv", response_class=PlainTextResponse, summary="CSV")
    def export_csv(st: Store, dataset: Dataset = "real") -> PlainTextResponse:
        return PlainTextResponse(
            to_csv(st.activities_full(dataset)), media_type="text/csv; charset=utf-8"
        )

    @router.post(
        "/import/iati",
        responses=WRITE_ERRORS,
        summary="Import IATI 2.03 activity XML (admin; validated; all or nothing)",
        openapi_extra={
            "requestBody": {"content": {"application/xml": {"schema": {"type": "string"}}}}
        },
    )
    async def import_iati(
        request: Request, who: Who, st: Store, background: Background = False
    ) -> Response:
        if who.role.value != "administrator":  # before the body is read
            raise ForbiddenError("only an administrator may import activities")
        body = await request.body()

        def work(progress: Progress) -> dict[str, Any]:
            try:
                items = from_iati_xml(body, iso_maps()[1], source="iati")
            except IatiError as exc:
                raise InvalidInputError(str(exc), exc.problems) from None
            return st.upsert_activities(who, items, progress=progress)

        return await as_job("import-iati", who, work, background)

    @router.post(
        "/import/activities.csv",
        responses=WRITE_ERRORS,
        summary="Import the CSV of /export/activities.csv (admin; all or nothing)",
        openapi_extra={"requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}}},
    )
    async def import_csv(
        request: Request, who: Who, st: Store, background: Background = False
    ) -> Response:
        if who.role.value != "administrator":  # before the body is read
            raise ForbiddenError("only an administrator may import activities")
        body = await request.body()

        def work(progress: Progress) -> dict[str, Any]:
            try:
                items = from_csv(body.decode("utf-8-sig"))
            except (IatiError, UnicodeDecodeError) as exc:
                raise InvalidInputError(str(exc)) from None
            return st.upsert_activities(who, items, progress=progress)

        return await as_job("import-csv", who, work, background)

    @router.get("/jobs", responses=_errors(401, 403), summary="Background jobs (admin)")
    def list_jobs(who: Who) -> list[dict[str, Any]]:
        if who.role.value != "administrator":
            raise ForbiddenError("only an administrator reads jobs")
        return [j.as_dict() for j in get_store.jobs.all()]

    @router.get(
        "/jobs/{job_id}",
        responses=_errors(401, 403, 404),
        summary="A background job: state, progress, result or error (admin)",
    )
    def get_job(
        job_id: Annotated[str, Path(pattern=r"^[0-9a-f]{16}$")], who: Who
    ) -> dict[str, Any]:
        if who.role.value != "administrator":
            raise ForbiddenError("only an administrator reads jobs")
        job = get_store.jobs.get(job_id)
        if job is None:
            raise NotFoundError(f"job {job_id} not found (jobs live in the server's memory)")
        return job.as_dict()

    @router.get("", summary="The cooperation API's collections", include_in_schema=False)
    def root(st: Store) -> dict[str, Any]:
        return {"collections": [*sorted(COLLECTIONS), "matches"], "counts": st.counts()}

    return router


router = build_router()
