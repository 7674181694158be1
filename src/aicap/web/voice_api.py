"""The country voice API under ``/api/voice`` (issue 20), on the cooperation registry's
accounts, sessions, tokens, CSRF and audit log (same sign-in: ``POST /api/coop/auth/login``
or a bearer token).

* ``GET /indicators``: the framework's indicators, the unit a national value is given in, the
  years the index reads;
* ``POST /submissions`` (JSON, a source URL) or ``POST /submissions/upload`` (a form with the
  source PDF, at most 8 MiB, checked by its first bytes): a national value (focal point of the
  country); ``GET /submissions``, ``GET /submissions/{id}``, ``POST /submissions/{id}/review``
  (reviewer or administrator: ``under_review``, ``accepted``, ``not_accepted`` with a reason;
  the focal point: ``withdrawn``); ``GET /documents/{id}`` (the PDF);
* ``GET /views/{international|national}``: the index in either view; ``GET /country/{iso3}``:
  both views, the change each accepted submission makes, provenance, replies;
  ``GET /review/{iso3}``: the draft profile for the country's focal point;
* ``POST /replies`` / ``DELETE /replies/{id}`` / ``GET /replies``: the right of reply;
* ``POST /reports``, ``GET /reports``, ``POST /reports/{id}/review``, ``GET /rules``,
  ``POST /rules/{id}/revoke``: error reports on the open data, the correction rules accepted
  reports record (``aicap build`` applies those in force) and their revocation by a later rule.

``?dataset=demo`` everywhere: the FICTITIOUS demonstration records, never mixed with real ones.
Errors have the app's one shape; 422 names the field.
"""

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import (
    APIRouter,
    Depends,
    File,
    Form,
    HTTPException,
    Query,
    Request,
    Response,
    UploadFile,
)
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from aicap.analysis.voice.corrections import effective
from aicap.analysis.voice.service import CountryVoice
from aicap.warehouse.cooperation.store import CoopError, Principal, TooManyRequestsError
from aicap.warehouse.cooperation.voice_schemas import MAX_DOCUMENT
from aicap.web.coop_api_base import (
    WRITE_ERRORS,
    CoopApi,
    Id,
    StoreHolder,
    _errors,
    _named,
    error_response,
    redact,
)
from aicap.web.coop_http import MAX_BODY, add_security_headers, limit_body

PREFIX = "/api/voice"
#: An upload's body: the document and the form around it.
MAX_UPLOAD_BODY = MAX_DOCUMENT + (256 << 10)
DatasetQ = Annotated[str, Query(pattern=r"^(real|demo)$", description="real or demo (fictitious)")]
Iso3 = Annotated[str, Query(pattern=r"^[A-Z]{3}$")]


class VoiceRoute(APIRoute):
    """The cooperation API's error shape and security headers; uploads may be 8 MiB."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()
        limit = MAX_UPLOAD_BODY if self.path.endswith("/upload") else MAX_BODY

        async def handler(request: Request) -> Response:
            try:
                resp: Response = await original(limit_body(request, limit))
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


def build_voice_router(holder: StoreHolder, get_voice: Callable[[], CountryVoice]) -> APIRouter:
    router = APIRouter(prefix=PREFIX, tags=["country voice"], route_class=VoiceRoute)
    api = CoopApi(router, holder, None)
    Who = Annotated[Principal, Depends(api.principal)]
    Voice = Annotated[CountryVoice, Depends(get_voice)]

    @router.get("/indicators", summary="Indicators a national value may be given for")
    def indicators(cv: Voice) -> dict[str, Any]:
        d = cv.data
        return {
            "year": d.end,
            "indicators": [
                {
                    "code": i.code,
                    "name": i.name,
                    "pillar": i.pillar,
                    "series": i.series,
                    "unit": d.unit_of(i),
                    "index_unit": i.unit,
                    "per_capita": i.per_capita is not None,
                    "years": [d.first_year(i), d.end],
                }
                for i in d.spec.indicators
            ],
        }

    # ------------------------------------------------------------ submissions
    @router.post(
        "/submissions",
        status_code=201,
        responses=WRITE_ERRORS,
        summary="Submit a national value (the country's focal point)",
    )
    def submit(body: dict[str, Any], who: Who, cv: Voice) -> dict[str, Any]:
        return cv.submit(who, body)

    @router.post(
        "/submissions/upload",
        status_code=201,
        responses=WRITE_ERRORS,
        summary="Submit a national value with its source document (PDF, at most 8 MiB)",
    )
    async def submit_upload(
        who: Who,
        cv: Voice,
        country_iso3: Annotated[str, Form()],
        indicator: Annotated[str, Form()],
        year: Annotated[str, Form()],
        value: Annotated[str, Form()],
        unit: Annotated[str, Form()],
        source_title: Annotated[str, Form()],
        source_body: Annotated[str, Form()],
        document: Annotated[UploadFile, File()],
        source_url: Annotated[str, Form()] = "",
        method_note: Annotated[str, Form()] = "",
        dataset: Annotated[str, Form()] = "real",
    ) -> dict[str, Any]:
        content = await document.read(MAX_DOCUMENT + 1)
        data = form_submission(
            country_iso3=country_iso3, indicator=indicator, year=year, value=value, unit=unit,
            source_title=source_title, source_body=source_body, source_url=source_url,
            method_note=method_note, dataset=dataset,
        )  # fmt: skip
        return cv.submit(who, data, (document.filename or "source.pdf", content))

    @router.get("/submissions", summary="Submissions you may see (the public: accepted ones)")
    def submissions(
        who: Who,
        cv: Voice,
        country: Iso3 | None = None,
        state: Annotated[str | None, Query(max_length=16)] = None,
        dataset: Annotated[str, Query(pattern=r"^(real|demo|all)$")] = "all",
    ) -> list[dict[str, Any]]:
        rows = cv.store.submissions(who, country=country, state=state, dataset=dataset)
        return redact(who, rows)

    @router.get("/submissions/{sid}", responses=_errors(404), summary="One submission")
    def submission(sid: Id, who: Who, cv: Voice) -> dict[str, Any]:
        return redact(who, cv.store.submission(who, sid))

    @router.post(
        "/submissions/{sid}/review",
        responses=WRITE_ERRORS,
        summary="Move a submission: under_review, accepted, not_accepted (reason), withdrawn",
    )
    def review(sid: Id, body: dict[str, Any], who: Who, cv: Voice) -> dict[str, Any]:
        return cv.review(who, sid, body)

    @router.get("/documents/{did}", responses=_errors(404), summary="A source document (PDF)")
    def document(did: Id, who: Who, cv: Voice) -> Response:
        meta, content = cv.store.document(who, did)
        return Response(
            content,
            media_type="application/pdf",
            headers={
                "Content-Disposition": f'inline; filename="source-{did}.pdf"',
                "X-SHA256": str(meta["sha256"]),
            },
        )

    # ------------------------------------------------------------ views
    @router.get(
        "/views/{view}",
        responses=_errors(422),
        summary="The index in one view: international (default) or national",
    )
    def view(view: str, cv: Voice, dataset: DatasetQ = "real") -> dict[str, Any]:
        return cv.view(view, dataset)

    @router.get("/country/{iso3}", responses=_errors(404), summary="A country in both views")
    def country(iso3: str, cv: Voice, dataset: DatasetQ = "real") -> dict[str, Any]:
        iso3 = iso3.upper()
        if iso3 not in set(cv.data.members["iso3"]):
            raise HTTPException(404, f"{iso3} not found")
        out = cv.country(iso3, dataset)
        return out

    # ------------------------------------------------------------ replies
    @router.post("/replies", responses=WRITE_ERRORS, summary="Write the right of reply")
    def reply(body: dict[str, Any], who: Who, cv: Voice) -> dict[str, Any]:
        return cv.reply(who, body)

    @router.delete("/replies/{rid}", responses=WRITE_ERRORS, summary="Withdraw a reply")
    def withdraw_reply(rid: Id, who: Who, cv: Voice) -> dict[str, Any]:
        return cv.withdraw_reply(who, rid)

    @router.get("/replies", summary="Published replies (the countries' own words)")
    def replies(
        who: Who, cv: Voice, country: Iso3 | None = None, dataset: DatasetQ = "real"
    ) -> list[dict[str, Any]]:
        return redact(who, cv.store.replies(country, dataset))

    # ------------------------------------------------------------ error reports
    @router.post(
        "/reports", status_code=201, responses=WRITE_ERRORS, summary="Report a suspected error"
    )
    def report(body: dict[str, Any], who: Who, cv: Voice) -> dict[str, Any]:
        return cv.report(who, body)

    @router.get("/reports", summary="Every error report with its status (public)")
    def reports(
        who: Who,
        cv: Voice,
        country: Iso3 | None = None,
        state: Annotated[str | None, Query(max_length=16)] = None,
        dataset: Annotated[str, Query(pattern=r"^(real|demo|all)$")] = "all",
    ) -> list[dict[str, Any]]:
        return redact(who, cv.store.reports(country=country, state=state, dataset=dataset))

    @router.post(
        "/reports/{rid}/review",
        responses=WRITE_ERRORS,
        summary="Decide a report (accepting records an exclude or correct rule)",
    )
    def decide(rid: Id, body: dict[str, Any], who: Who, cv: Voice) -> dict[str, Any]:
        return cv.decide_report(who, rid, body)

    @router.get("/rules", summary="Correction rules recorded by accepted error reports")
    def rules(cv: Voice, dataset: DatasetQ = "real") -> list[dict[str, Any]]:
        rows = cv.store.rules(dataset)
        live = {int(r["id"]) for r in effective(rows)}
        return [r | {"in_force": int(r["id"]) in live} for r in rows]

    @router.post(
        "/rules/{rule_id}/revoke",
        responses=WRITE_ERRORS,
        summary="Take a correction rule out of force by a later rule (reviewers only)",
    )
    def revoke(rule_id: Id, body: dict[str, Any], who: Who, cv: Voice) -> dict[str, Any]:
        return cv.revoke_rule(who, rule_id, str(body.get("reason") or ""))

    return router


def form_submission(**fields: str) -> dict[str, Any]:
    """A submission from form fields (text): numbers parsed where they are numbers, empty
    optional fields dropped; the schema then names any bad field."""
    data: dict[str, Any] = {k: v for k, v in fields.items() if v != "" or k not in _OPTIONAL}
    for key, kind in (("year", int), ("value", float)):
        raw = str(data.get(key, "")).strip().replace(",", "")
        try:
            data[key] = kind(raw)
        except ValueError:
            data[key] = raw  # the schema says what is wrong with it
    return data


_OPTIONAL = frozenset({"source_url", "method_note"})
