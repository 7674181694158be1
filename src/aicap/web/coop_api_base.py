"""The cooperation API's shared parts: the one error shape and its route class, the
request models, path and query types, redaction, the store holder, and :class:`CoopApi`
(the router with who is acting and the background-job runner) that the route modules
add their routes to."""

import asyncio
import hmac
import threading
from collections.abc import Callable, Coroutine
from datetime import date, timedelta
from typing import Annotated, Any, TypeVar, cast

from fastapi import APIRouter, HTTPException, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field

from aicap.analysis.cooperate.evidence import EvidenceSource
from aicap.analysis.cooperate.service import (
    default_vocabulary,
)
from aicap.warehouse.cooperation.db import default_url
from aicap.warehouse.cooperation.schemas import (
    MAX_TEXT,
    ActivityIn,
    FlowIn,
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
    Principal,
    TooManyRequestsError,
)
from aicap.web.coop_http import (
    add_security_headers,
    limit_body,
    route_limit,
    session_cookie,
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


Dataset = Annotated[
    str, Query(pattern=r"^(real|demo|all)$", description="real, demo (fictitious) or all")
]


class CoopApi:
    """The router being built and what its routes share: the store, the evidence source,
    who is acting (:meth:`principal`) and the background-job runner (:meth:`as_job`)."""

    def __init__(
        self, router: APIRouter, get_store: StoreHolder, evidence: EvidenceSource | None
    ) -> None:
        self.router = router
        self.get_store = get_store
        self.evidence = evidence

    async def principal(self, request: Request) -> Principal:
        st = self.get_store()
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
        self,
        kind: str,
        who: Principal,
        work: Callable[[Progress], dict[str, Any]],
        background: bool,
    ) -> Response:
        """Run ``work`` on a worker thread: 202 with the job at once (``background``), or
        its result when it ends (200; its error in the one error shape)."""
        job, future = self.get_store.jobs.submit(kind, who.username, work)
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
