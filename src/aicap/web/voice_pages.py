"""The country voice's pages (issue 20), in the six UN languages, each with its JSON twin
under ``/api/voice``:

* ``/voice``: the index in either view (``?view=international|national``, ``&dataset=demo``
  for the FICTITIOUS demonstration), which view it is said at the top;
* ``/voice/country/{iso3}``: the review page of the country's focal point (and reviewers,
  administrators): the draft profile, the tier and its evidence, every value with its
  provenance, the national view beside the default one, the country's submissions with their
  states and reasons; forms to submit a national value with its source PDF and to write the
  right of reply (the whole profile or one finding);
* ``/voice/queue``: the reviewers' queue (submissions and error reports to decide);
* ``/voice/reports``: every error report with its status (public), and the form to report one.

Sign-in is the cooperation registry's (``/coop/login``); every POST carries the session's CSRF
token; writes go through :class:`CountryVoice` (the API's rules: a focal point acts only for
its own country). A refusal is a 403 page; bad input re-renders the page with 422 and each
message beside its field.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute

from aicap.analysis.voice.corrections import effective
from aicap.analysis.voice.service import VIEW_LABELS, CountryVoice
from aicap.warehouse.cooperation.schemas import DEMO_LABEL, Role
from aicap.warehouse.cooperation.store import CoopError, ForbiddenError, InvalidInputError
from aicap.warehouse.cooperation.voice_schemas import LANGS, MAX_DOCUMENT, MAX_REPLY
from aicap.web import i18n
from aicap.web.coop_http import MAX_BODY, add_security_headers, limit_body
from aicap.web.coop_page_base import page_kit
from aicap.web.coop_page_input import _field_errors, _lang_prefix, coop_url
from aicap.web.data import SiteData
from aicap.web.render import Renderer
from aicap.web.voice_api import MAX_UPLOAD_BODY, form_submission
from aicap.web.voice_web import country_block, may_review, review_data

STATES = {
    "submitted": i18n.N_("submitted"),
    "under_review": i18n.N_("under review"),
    "accepted": i18n.N_("accepted"),
    "not_accepted": i18n.N_("not accepted"),
    "withdrawn": i18n.N_("withdrawn"),
}


def voice_url(lang: str, path: str = "", **query: Any) -> str:
    q = {k: v for k, v in query.items() if v not in (None, "", "real")}
    return f"{_lang_prefix(lang)}/voice{path}" + (f"?{urlencode(q)}" if q else "")


class VoicePageRoute(APIRoute):
    """Security headers; a form with a source PDF may be 8 MiB."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()
        limit = MAX_UPLOAD_BODY if self.path.endswith("/submit") else MAX_BODY

        async def handler(request: Request) -> Response:
            try:
                resp = await original(limit_body(request, limit))
            except HTTPException as exc:
                if exc.status_code not in (400, 413):
                    raise
                resp = Response(str(exc.detail), status_code=exc.status_code)
            return add_security_headers(request, resp)

        return handler


def build_voice_pages(
    get_store: Callable[[], Any],
    get_voice: Callable[[], CountryVoice],
    renderer: Renderer,
    site: SiteData,
) -> APIRouter:
    kit = page_kit(get_store, renderer, site)
    router = APIRouter(include_in_schema=False, route_class=VoicePageRoute)
    for lang in i18n.LANGS:
        _add(router, kit, get_voice, renderer, site, lang)
    return router


def _add(
    router: APIRouter,
    kit: Any,
    get_voice: Callable[[], CountryVoice],
    renderer: Renderer,
    site: SiteData,
    lang: str,
) -> None:
    pre = _lang_prefix(lang)
    _ = i18n.gettext_for(lang)

    def render(
        request: Request,
        template: str,
        v: Any,
        path: str,
        *,
        status: int = 200,
        api: str | None = None,
        query: Mapping[str, Any] | None = None,
        **extra: Any,
    ) -> HTMLResponse:
        q = dict(query or {})
        text = renderer.render(
            template,
            lang,
            {},
            lang_links={lg: voice_url(lg, path, **q) for lg in i18n.LANGS},
            api_url=api,
            me=v.who,
            signed_in=v.signed_in,
            csrf=v.csrf,
            V=lambda p="", **kw: voice_url(lang, p, **kw),
            C=lambda p="", **kw: coop_url(lang, p, **kw),
            here=voice_url(lang, path, **q),
            country_name=lambda iso3: kit.country_name(iso3, lang),
            state_name=lambda s: _(STATES[s]) if s in STATES else s,
            demo_label=DEMO_LABEL,
            reply_langs=LANGS,
            max_reply=MAX_REPLY,
            max_document_mb=MAX_DOCUMENT // (1 << 20),
            **extra,
        )
        return HTMLResponse(text, status_code=status)

    def refuse(request: Request, v: Any, exc: CoopError) -> HTMLResponse:
        return kit.error_page(request, lang, v, exc)  # type: ignore[no-any-return]

    def login(request: Request) -> RedirectResponse:
        """To sign-in, then back to the page asked for (its query too)."""
        back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(coop_url(lang, "/login", next=back), status_code=303)

    # ---------------------------------------------------------------- the views
    @router.get(pre + "/voice", response_class=HTMLResponse)
    def hub(request: Request, view: str = "international", dataset: str = "real") -> Response:
        v = kit.visitor(request, kit.get_store())
        if view not in VIEW_LABELS or dataset not in ("real", "demo"):
            return refuse(
                request,
                v,
                InvalidInputError("invalid input: view, dataset", [{"loc": ["query", "view"]}]),
            )
        cv = get_voice()
        table = cv.view(view, dataset)
        other = cv.view("international", dataset) if view == "national" else None
        before = {r["iso3"]: r for r in other["countries"]} if other else {}
        return render(
            request,
            "voice_view.html",
            v,
            "",
            query={"view": view, "dataset": dataset},
            api=f"/api/voice/views/{view}" + ("?dataset=demo" if dataset == "demo" else ""),
            t=table,
            before=before,
            view=view,
            dataset=dataset,
        )

    # ---------------------------------------------------------------- review page
    def review_page(
        request: Request,
        v: Any,
        iso3: str,
        dataset: str,
        *,
        status: int = 200,
        errors: Mapping[str, list[str]] | None = None,
        problem: str | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> Response:
        cv = get_voice()
        data = review_data(site, cv, v.who, iso3)
        block = country_block(cv, iso3, dataset)
        subs = [s for s in data["submissions"] if s["dataset"] == dataset]
        inds = [
            {"code": i.code, "name": i.name, "pillar": i.pillar, "unit": cv.data.unit_of(i)}
            for i in cv.data.spec.indicators
        ]
        return render(
            request,
            "voice_review.html",
            v,
            f"/country/{iso3}",
            status=status,
            query={"dataset": dataset},
            api=f"/api/voice/review/{iso3}",
            r=data,
            block=block,
            subs=subs,
            indicators=inds,
            year=cv.data.end,
            iso3=iso3,
            dataset=dataset,
            errors=dict(errors or {}),
            problem=problem,
            values=dict(values or {}),
            may_write=v.who.role == Role.administrator
            or (v.who.role == Role.focal_point and v.who.country_iso3 == iso3),
        )

    def gate(request: Request, iso3: str) -> tuple[Any, Response | None]:
        v = kit.visitor(request, kit.get_store())
        if not v.signed_in:
            return v, login(request)
        if iso3 not in site.countries:
            return v, refuse(request, v, _not_found(iso3))
        if not may_review(v.who, iso3):
            return v, refuse(
                request,
                v,
                ForbiddenError(
                    "the review page is for the country's own focal point, reviewers and "
                    "administrators"
                ),
            )
        return v, None

    @router.get(pre + "/voice/country/{iso3}", response_class=HTMLResponse)
    def review(request: Request, iso3: str, dataset: str = "real") -> Response:
        iso3 = iso3.upper()
        v, stop = gate(request, iso3)
        if stop is not None:
            return stop
        return review_page(request, v, iso3, "demo" if dataset == "demo" else "real")

    async def posted(request: Request, v: Any) -> Any:
        form = await request.form()
        kit.check_csrf(v, form)
        return form

    @router.post(pre + "/voice/country/{iso3}/submit", response_class=HTMLResponse)
    async def submit(request: Request, iso3: str) -> Response:
        iso3 = iso3.upper()
        v, stop = gate(request, iso3)
        if stop is not None:
            return stop
        fields: dict[str, str] = {}
        dataset = "real"
        try:
            form = await posted(request, v)
            names = ("indicator", "year", "value", "unit", "source_title", "source_body")
            for k in (*names, "source_url", "method_note", "dataset"):
                fields[k] = str(form.get(k) or "").strip()
            dataset = "demo" if fields.get("dataset") == "demo" else "real"
            fields["dataset"] = dataset
            upload = form.get("document")
            document = None
            if upload is not None and not isinstance(upload, str) and upload.filename:
                content = await upload.read(MAX_DOCUMENT + 1)
                document = (upload.filename, content)
            data = form_submission(country_iso3=iso3, **fields)
            get_voice().submit(v.who, data, document)
        except InvalidInputError as exc:
            return review_page(
                request, v, iso3, dataset, status=422, errors=_field_errors(exc), values=fields
            )
        except CoopError as exc:
            return refuse(request, v, exc)
        return RedirectResponse(
            voice_url(lang, f"/country/{iso3}", dataset=dataset) + "#submissions", status_code=303
        )

    @router.post(pre + "/voice/country/{iso3}/reply", response_class=HTMLResponse)
    async def reply(request: Request, iso3: str) -> Response:
        iso3 = iso3.upper()
        v, stop = gate(request, iso3)
        if stop is not None:
            return stop
        dataset = "real"
        fields: dict[str, str] = {}
        try:
            form = await posted(request, v)
            fields = {k: str(form.get(k) or "") for k in ("lang", "finding", "text", "dataset")}
            dataset = "demo" if fields.get("dataset") == "demo" else "real"
            get_voice().reply(v.who, {**fields, "country_iso3": iso3, "dataset": dataset})
        except InvalidInputError as exc:
            return review_page(
                request,
                v,
                iso3,
                dataset,
                status=422,
                errors={f"reply_{k}": m for k, m in _field_errors(exc).items()},
                values={f"reply_{k}": x for k, x in fields.items()},
            )
        except CoopError as exc:
            return refuse(request, v, exc)
        return RedirectResponse(
            voice_url(lang, f"/country/{iso3}", dataset=dataset) + "#reply", status_code=303
        )

    # ---------------------------------------------------------------- reviewers' queue
    @router.get(pre + "/voice/queue", response_class=HTMLResponse)
    def queue(request: Request) -> Response:
        v = kit.visitor(request, kit.get_store())
        if not v.signed_in:
            return login(request)
        if v.who.role not in (Role.reviewer, Role.administrator):
            return refuse(request, v, ForbiddenError("only a reviewer or an administrator reviews"))
        cv = get_voice()
        open_states = ("submitted", "under_review")
        subs = [s for s in cv.store.submissions(v.who) if s["state"] in open_states]
        reps = [r for r in cv.store.reports() if r["state"] in open_states]
        return render(
            request, "voice_queue.html", v, "/queue", api="/api/voice/submissions", subs=subs,
            reps=reps,
        )  # fmt: skip

    @router.post(pre + "/voice/{kind}/{rid}/review", response_class=HTMLResponse)
    async def decide(request: Request, kind: str, rid: int) -> Response:
        v = kit.visitor(request, kit.get_store())
        if kind not in ("submission", "report") or not 0 < rid < 2**31:
            return refuse(request, v, _not_found(f"{kind} {rid}"))
        try:
            form = await posted(request, v)
            data: dict[str, Any] = {
                "version": str(form.get("version") or "0"),
                "state": str(form.get("state") or ""),
                "reason": str(form.get("reason") or ""),
            }
            cv = get_voice()
            if kind == "submission":
                cv.review(v.who, rid, data)
            else:
                action = str(form.get("action") or "")
                if action:
                    data["action"] = action
                if str(form.get("value") or "").strip():
                    data["value"] = str(form.get("value")).strip()
                cv.decide_report(v.who, rid, data)
        except CoopError as exc:
            return refuse(request, v, exc)
        return RedirectResponse(voice_url(lang, "/queue"), status_code=303)

    # ---------------------------------------------------------------- error reports
    def reports_page(
        request: Request,
        v: Any,
        *,
        status: int = 200,
        errors: Mapping[str, list[str]] | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> Response:
        cv = get_voice()
        return render(
            request,
            "voice_reports.html",
            v,
            "/reports",
            status=status,
            api="/api/voice/reports",
            reps=cv.store.reports(dataset="all"),
            # the rules in force (revoked and superseded ones are in the API's list)
            rules=effective(cv.store.rules("real")) + effective(cv.store.rules("demo")),
            indicators=[{"code": i.code, "name": i.name} for i in cv.data.spec.indicators],
            countries=sorted(
                ((c.iso3, c.name(lang)) for c in site.countries.values()), key=lambda x: x[1]
            ),
            errors=dict(errors or {}),
            values=dict(values or {}),
        )

    @router.get(pre + "/voice/reports", response_class=HTMLResponse)
    def reports(request: Request) -> Response:
        return reports_page(request, kit.visitor(request, kit.get_store()))

    @router.post(pre + "/voice/reports", response_class=HTMLResponse)
    async def report(request: Request) -> Response:
        v = kit.visitor(request, kit.get_store())
        if not v.signed_in:
            return login(request)
        fields: dict[str, str] = {}
        try:
            form = await posted(request, v)
            keys = ("country_iso3", "indicator", "year", "why", "evidence", "proposed_value")
            fields = {k: str(form.get(k) or "").strip() for k in keys}
            data: dict[str, Any] = {k: x for k, x in fields.items() if x != ""}
            get_voice().report(v.who, data)
        except InvalidInputError as exc:
            return reports_page(request, v, status=422, errors=_field_errors(exc), values=fields)
        except CoopError as exc:
            return refuse(request, v, exc)
        return RedirectResponse(voice_url(lang, "/reports"), status_code=303)


def _not_found(what: str) -> CoopError:
    from aicap.warehouse.cooperation.store import NotFoundError

    return NotFoundError(f"{what} not found")
