"""HTML pages of the cooperation registry (issue 9), in the six UN languages, each with its
JSON twin under ``/api/coop``:

* ``/coop``: needs, offers and matches with their states (``?dataset=all|real|demo``);
* ``/coop/need/{id}`` (with its evidence snapshot and its matches), ``/coop/offer/{id}``,
  ``/coop/match/{id}`` (every score term, accept and decline forms);
* ``/coop/accountability?by=provider|country|modality&dataset=real|demo``: pledged vs
  disbursed vs results;
* ``/coop/login`` and ``/coop/logout`` (a session cookie, the same as ``POST
  /api/coop/auth/login``; 5 failed sign-ins of an account or a client in 15 minutes: 429),
  ``/coop/needs/new`` and ``/coop/offers/new`` (forms);
* ``/coop/need/{id}/edit``, ``/coop/offer/{id}/edit`` and ``.../status`` (edit, close,
  withdraw, reopen; each form carries the record's ``version``: a stale one gets 409);
* on ``/coop/match/{id}``: accept / decline, the other moves of the match's life
  (``/transition``), and commitments, disbursements, deliveries (``/flow``) and results
  (``/result``) recorded against it, shown there with their totals;
* ``/coop/matching`` (administrators): run matchmaking (or a dry run) and see every proposal
  with every score term.

Forms are plain HTML (no JavaScript needed). Every POST carries a CSRF token: the session's
(the one the API checks) once signed in; before sign-in a random token in a cookie and the
form (double submit). Writes go through :class:`CoopStore`, so the roles are the API's
(focal point: its country's needs; partner: its organisation's offers; the public: no
writes); a refusal is a 403 page, bad input re-renders the form with 422 and each message
beside its field, with what the user typed kept.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from aicap.analysis.catalogue import Modality
from aicap.analysis.cooperate.evidence import EvidenceSource, need_derived
from aicap.analysis.cooperate.match import WEIGHTS
from aicap.analysis.cooperate.service import accountability, country_facts, run_matchmaking
from aicap.warehouse.cooperation.schemas import (
    BeneficiaryGroup,
    CapacityUnit,
    FlowKind,
    PledgeType,
    ProviderType,
    Role,
)
from aicap.warehouse.cooperation.store import (
    PUBLIC,
    ConflictError,
    CoopError,
    CoopStore,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    TooManyRequestsError,
    UnauthorisedError,
    _validation_detail,
)
from aicap.web import i18n
from aicap.web.coop_http import (
    LOGIN_BASE,
    SESSION_BASE,
    SecureRoute,
    cookie_name,
    delete_cookie,
    session_cookie,
    set_cookie,
)
from aicap.web.coop_page_input import (
    BENEFICIARIES,
    BY,
    CONDITION_KEYS,
    DATASET_NAMES,
    DATASETS,
    DECISIONS,
    FLOW_KINDS,
    MEASURES,
    MODALITIES,
    PLEDGE_TYPES,
    PRIORITIES,
    PROVIDER_TYPES,
    RECORD_STATUS,
    RECORDABLE,
    RESULT_TYPES,
    ROLES,
    STATES,
    TERMS,
    UNITS,
    Visitor,
    _field_errors,
    _lang_prefix,
    _safe_next,
    _sum_flows,
    _version,
    coop_url,
    flow_input,
    form_values,
    need_input,
    offer_input,
    record_values,
    result_input,
)
from aicap.web.coop_throttle import LoginThrottle
from aicap.web.cooperation import (
    PREFIX,
    SESSION_LIFETIME,
    ProposeIn,
    StoreHolder,
    build_router,
    client_of,
)
from aicap.web.data import SiteData
from aicap.web.render import Renderer


def mount(
    app: FastAPI,
    site: SiteData,
    renderer: Renderer,
    store: CoopStore | Callable[[], CoopStore] | None = None,
    evidence: EvidenceSource | None = None,
) -> StoreHolder:
    """Mount the cooperation API (``/api/coop``) and its pages on ``app``; both share one
    store and one evidence source (the site's diagnosis, cached per country)."""
    holder = store if isinstance(store, StoreHolder) else StoreHolder(store)
    ev = evidence if evidence is not None else EvidenceSource(site.diagnosis_data)
    app.include_router(build_router(holder, ev))
    app.include_router(build_pages(holder, renderer, site, ev, holder.throttle))
    app.state.coop_store = holder
    app.state.coop_evidence = ev
    return holder


def build_pages(
    get_store: Callable[[], CoopStore],
    renderer: Renderer,
    site: SiteData,
    evidence: EvidenceSource | None = None,
    throttle: LoginThrottle | None = None,
) -> APIRouter:
    router = APIRouter(include_in_schema=False, route_class=SecureRoute)
    brake = throttle or getattr(get_store, "throttle", None) or LoginThrottle()
    catalogue = site.catalogue
    areas = [
        {
            "id": a.id,
            "name": a.name,
            "interventions": [{"id": i.id, "title": i.title} for i in catalogue if i.area == a.id],
        }
        for a in catalogue.areas.values()
    ]
    titles = {i.id: i.title for i in catalogue}
    area_names = {a.id: a.name for a in catalogue.areas.values()}

    def country_name(iso3: str | None, lang: str) -> str:
        if not iso3:
            return ""
        c = site.countries.get(iso3)
        return c.name(lang) if c is not None else iso3

    def visitor(request: Request, st: CoopStore) -> Visitor:
        cookie = session_cookie(request)
        if cookie:
            try:
                who, csrf = st.principal_for_token(cookie, kind="session")
            except UnauthorisedError:
                return Visitor(PUBLIC)
            return Visitor(who, csrf, True)
        return Visitor(PUBLIC)

    def check_csrf(v: Visitor, form: FormData) -> None:
        """A signed-in visitor's POST must carry the session's CSRF token."""
        if not v.signed_in:
            return
        sent = str(form.get("csrf_token", ""))
        if not sent or not hmac.compare_digest(sent, v.csrf):
            raise ForbiddenError("missing or wrong CSRF token: reload the form and try again")

    def render(
        request: Request,
        lang: str,
        template: str,
        v: Visitor,
        path: str,
        *,
        status: int = 200,
        api: str | None = None,
        query: Mapping[str, Any] | None = None,
        **extra: Any,
    ) -> HTMLResponse:
        q = dict(query or {})
        _ = i18n.gettext_for(lang)

        def label(table: Mapping[Any, str]) -> Callable[[Any], str]:
            def f(code: Any) -> str:
                msg = table.get(code)
                return _(msg) if msg else str(code if code is not None else "")

            return f

        lang_links = {lg: coop_url(lg, path, **q) for lg in i18n.LANGS}
        text = renderer.render(
            template,
            lang,
            extra.pop("d", {}),
            lang_links=lang_links,
            api_url=api,
            me=v.who,
            signed_in=v.signed_in,
            csrf=v.csrf,
            C=lambda p="", **kw: coop_url(lang, p, **kw),
            here=coop_url(lang, path, **q),
            country_name=lambda iso3: country_name(iso3, lang),
            provider_type_name=label(PROVIDER_TYPES),
            pledge_type_name=label(PLEDGE_TYPES),
            unit_name=label(UNITS),
            beneficiary_name=label(BENEFICIARIES),
            modality_name=label(MODALITIES),
            state_name=label(STATES),
            role_name=label(ROLES),
            priority_name=label(PRIORITIES),
            record_status_name=label(RECORD_STATUS),
            term_name=label(TERMS),
            by_name=label(BY),
            dataset_name=label(DATASET_NAMES),
            flow_kind_name=label(FLOW_KINDS),
            result_type_name=label(RESULT_TYPES),
            measure_name=label(MEASURES),
            intervention_title=lambda iid: titles.get(iid, ""),
            area_name=lambda aid: area_names.get(aid, aid),
            **extra,
        )
        return HTMLResponse(text, status_code=status)

    def error_page(request: Request, lang: str, v: Visitor, exc: CoopError) -> HTMLResponse:
        message = exc.message
        if isinstance(exc, InvalidInputError):
            fields = _field_errors(exc)
            message = "; ".join(f"{k}: {', '.join(m)}" for k, m in fields.items()) or message
        text = renderer.render(
            "error.html",
            lang,
            {},
            status=exc.status,
            message=message,
            lang_links={lg: coop_url(lg) for lg in i18n.LANGS},
            api_url=None,
        )
        resp = HTMLResponse(text, status_code=exc.status)
        if isinstance(exc, TooManyRequestsError):
            resp.headers["Retry-After"] = str(exc.retry_after)
        return resp

    def redirect(url: str) -> RedirectResponse:
        return RedirectResponse(url, status_code=303)

    def allowed_moves(st: CoopStore, v: Visitor, match: Mapping[str, Any]) -> list[str]:
        """The decisions this visitor may take on ``match`` (accept, decline)."""
        if not v.signed_in or v.who.role == Role.public:
            return []
        return [t for t in st.allowed_targets(v.who, match["id"]) if t in DECISIONS]

    def form_context(lang: str) -> dict[str, Any]:
        members = sorted(site.countries.values(), key=lambda c: c.name(lang))
        return {
            "countries": [(c.iso3, c.name(lang)) for c in members],
            "areas": areas,
            "provider_types": [p.value for p in ProviderType],
            "pledge_types": [p.value for p in PledgeType],
            "units": [u.value for u in CapacityUnit],
            "beneficiaries": [b.value for b in BeneficiaryGroup],
            "modalities": [m.value for m in Modality],
            "priorities": [1, 2, 3, 4],
        }

    def add(lang: str) -> None:
        pre = _lang_prefix(lang)

        @router.get(pre + "/coop", response_class=HTMLResponse)
        def registry(request: Request, dataset: str = "all") -> Response:
            st = get_store()
            v = visitor(request, st)
            ds = dataset if dataset in DATASETS else "all"
            needs = st.records("need", dataset=ds)
            offers = st.records("offer", dataset=ds)
            matches = st.records("match", dataset=ds)
            need_by = {n["id"]: n for n in needs}
            offer_by = {o["id"]: o for o in offers}
            d = {
                "dataset": ds,
                "needs": needs,
                "offers": offers,
                "matches": matches,
                "need_by": need_by,
                "offer_by": offer_by,
                "any_demo": any(r["fictitious"] for r in [*needs, *offers, *matches]),
                "counts": st.counts(),
            }
            return render(
                request,
                lang,
                "coop_registry.html",
                v,
                "",
                d=d,
                query={"dataset": ds if ds != "all" else ""},
                api=f"{PREFIX}/needs?dataset={ds}",
                apis={
                    "needs": f"{PREFIX}/needs?dataset={ds}",
                    "offers": f"{PREFIX}/offers?dataset={ds}",
                    "matches": f"{PREFIX}/matches?dataset={ds}",
                },
            )

        def record_page(request: Request, kind: str, rid: int) -> Response:
            """A need's or an offer's page: the record, its matches and their counterparts
            (offers for a need, needs for an offer), the moves the visitor may make."""
            other = "offer" if kind == "need" else "need"
            st = get_store()
            v = visitor(request, st)
            try:
                rec = st.get(kind, rid)
            except NotFoundError as exc:
                return error_page(request, lang, v, exc)
            matches = st.records("match", filters={f"{kind}_id": rid})
            return render(
                request,
                lang,
                f"coop_{kind}.html",
                v,
                f"/{kind}/{rid}",
                d={
                    kind: rec,
                    "matches": matches,
                    f"{other}s": {
                        m[f"{other}_id"]: st.get(other, m[f"{other}_id"]) for m in matches
                    },
                    "moves": {m["id"]: allowed_moves(st, v, m) for m in matches},
                    "can_edit": v.signed_in and st.may_edit(v.who, kind, rid),
                },
                api=f"{PREFIX}/{kind}s/{rid}",
            )

        @router.get(pre + "/coop/need/{rid}", response_class=HTMLResponse)
        def need_page(request: Request, rid: int) -> Response:
            return record_page(request, "need", rid)

        @router.get(pre + "/coop/offer/{rid}", response_class=HTMLResponse)
        def offer_page(request: Request, rid: int) -> Response:
            return record_page(request, "offer", rid)

        def match_view(
            request: Request,
            st: CoopStore,
            v: Visitor,
            rid: int,
            *,
            status: int = 200,
            which: str = "",
            values: Mapping[str, Any] | None = None,
            errors: Mapping[str, Sequence[str]] | None = None,
            problem: str | None = None,
        ) -> Response:
            try:
                match = st.get("match", rid)
            except NotFoundError as exc:
                return error_page(request, lang, v, exc)
            targets = st.allowed_targets(v.who, rid) if v.signed_in else []
            sides = st.match_sides(v.who, rid) if v.signed_in else frozenset()
            activity = st.activity_of_match(rid)
            recordable = match["state"] in RECORDABLE
            d = {
                "match": match,
                "need": st.get("need", match["need_id"]),
                "offer": st.get("offer", match["offer_id"]),
                "moves": [t for t in targets if t in DECISIONS],
                "transitions": [t for t in targets if t not in DECISIONS],
                "activity": activity,
                "sums": _sum_flows(activity),
                "can_flow": recordable and bool(sides & {"admin", "offer_side"}),
                "can_result": recordable and bool(sides),
                "flow_kinds": [k.value for k in FlowKind],
                "units": [u.value for u in CapacityUnit],
                "result_types": list(RESULT_TYPES),
                "measures": list(MEASURES),
                "today": date.today().isoformat(),
            }
            return render(
                request,
                lang,
                "coop_match.html",
                v,
                f"/match/{rid}",
                status=status,
                d=d,
                which=which,
                values=dict(values or {}),
                errors=dict(errors or {}),
                problem=problem,
                api=f"{PREFIX}/matches/{rid}",
            )

        @router.get(pre + "/coop/match/{rid}", response_class=HTMLResponse)
        def match_page(request: Request, rid: int) -> Response:
            st = get_store()
            return match_view(request, st, visitor(request, st), rid)

        def record_on_match(kind: str) -> Callable[[Request, int], Any]:
            """POST a flow or a result against a match; the form carries the match's version
            (a match changed since the page was read gets 409)."""

            async def post(request: Request, rid: int) -> Response:
                st = get_store()
                v = visitor(request, st)
                form = await request.form()
                values = form_values(form)
                values.pop("csrf_token", None)
                try:
                    check_csrf(v, form)
                except CoopError as exc:
                    return error_page(request, lang, v, exc)
                if not v.signed_in:
                    return error_page(
                        request, lang, v, ForbiddenError("the public reads but cannot write")
                    )
                _ = i18n.gettext_for(lang)
                try:
                    version = _version(form)
                    data = flow_input(form, rid) if kind == "flow" else result_input(form, rid)
                    st.create(v.who, kind, data, match_version=version)
                except InvalidInputError as exc:
                    return match_view(
                        request, st, v, rid, status=422, which=kind, values=values,
                        errors=_field_errors(exc),
                        problem=_("Please correct the fields marked below."),
                    )  # fmt: skip
                except (ForbiddenError, ConflictError) as exc:
                    msg = exc.message
                    if isinstance(exc, ConflictError):
                        msg = _("This match was changed since you loaded the page.") + " " + msg
                    return match_view(
                        request, st, v, rid, status=exc.status, which=kind, values=values,
                        problem=msg,
                    )  # fmt: skip
                except CoopError as exc:
                    return error_page(request, lang, v, exc)
                return redirect(coop_url(lang, f"/match/{rid}") + f"#{kind}s")

            return post

        for kind in ("flow", "result"):
            router.add_api_route(
                pre + f"/coop/match/{{rid}}/{kind}",
                record_on_match(kind),
                methods=["POST"],
                response_class=HTMLResponse,
            )

        @router.post(pre + "/coop/match/{rid}/transition", response_class=HTMLResponse)
        async def move(request: Request, rid: int) -> Response:
            form = await request.form()
            return await decide(request, rid, str(form.get("state", "")).strip(), form)

        async def decide(
            request: Request, rid: int, state: str, form: FormData | None = None
        ) -> Response:
            st = get_store()
            v = visitor(request, st)
            form = form if form is not None else await request.form()
            try:
                check_csrf(v, form)
                version = _version(form)
                if not state:
                    raise InvalidInputError(
                        "invalid input: state",
                        [{"loc": ["body", "state"], "msg": "choose the state to move to"}],
                    )
                st.transition(v.who, rid, state, version, str(form.get("note", "")).strip())
            except CoopError as exc:
                return error_page(request, lang, v, exc)
            back = _safe_next(str(form.get("next", ""))) or coop_url(lang, f"/match/{rid}")
            return redirect(back)

        @router.post(pre + "/coop/match/{rid}/accept", response_class=HTMLResponse)
        async def accept(request: Request, rid: int) -> Response:
            return await decide(request, rid, "accepted")

        @router.post(pre + "/coop/match/{rid}/decline", response_class=HTMLResponse)
        async def decline(request: Request, rid: int) -> Response:
            return await decide(request, rid, "declined")

        @router.get(pre + "/coop/accountability", response_class=HTMLResponse)
        def account_page(request: Request, by: str = "provider", dataset: str = "real") -> Response:
            st = get_store()
            v = visitor(request, st)
            by = by if by in BY else "provider"
            ds = dataset if dataset in ("real", "demo") else "real"
            d = accountability(st, by=by, dataset=ds)
            counts = st.counts()
            d["demo_available"] = bool(counts["offer"].get("demo"))
            d["activities_total"] = counts["activity"].get(ds, 0)
            return render(
                request,
                lang,
                "coop_accountability.html",
                v,
                "/accountability",
                d=d,
                query={"by": by, "dataset": ds},
                api=f"{PREFIX}/accountability?by={by}&dataset={ds}",
            )

        # ---------------------------------------------------------------- matchmaking
        def matching_view(
            request: Request,
            st: CoopStore,
            v: Visitor,
            *,
            status: int = 200,
            values: Mapping[str, Any] | None = None,
            errors: Mapping[str, Sequence[str]] | None = None,
            problem: str | None = None,
            run: Mapping[str, Any] | None = None,
        ) -> Response:
            open_counts = {
                ds: {
                    kind: sum(1 for r in st.records(kind, dataset=ds) if r["status"] == "open")
                    for kind in ("need", "offer")
                }
                for ds in ("real", "demo")
            }
            d = {
                "last_run": {ds: st.last_run(ds) or "" for ds in ("real", "demo")},
                "open": open_counts,
                "weights": WEIGHTS,
                "terms": list(WEIGHTS),
                "run": run,
            }
            return render(
                request,
                lang,
                "coop_matching.html",
                v,
                "/matching",
                status=status,
                d=d,
                values=dict(values or {"dataset": "real", "save": "1"}),
                errors=dict(errors or {}),
                problem=problem,
                api=f"{PREFIX}/matches/propose",
            )

        @router.get(pre + "/coop/matching", response_class=HTMLResponse)
        def matching_page(request: Request) -> Response:
            st = get_store()
            v = visitor(request, st)
            if not v.signed_in:
                return redirect(coop_url(lang, "/login", next=coop_url(lang, "/matching")))
            if v.who.role != Role.administrator:
                return error_page(
                    request, lang, v, ForbiddenError("only an administrator may run matchmaking")
                )
            return matching_view(request, st, v)

        @router.post(pre + "/coop/matching", response_class=HTMLResponse)
        async def matching_post(request: Request) -> Response:
            st = get_store()
            v = visitor(request, st)
            form = await request.form()
            values = form_values(form)
            values.pop("csrf_token", None)
            _ = i18n.gettext_for(lang)
            try:
                check_csrf(v, form)
                st.require_admin(v.who, "run matchmaking")
            except CoopError as exc:
                return error_page(request, lang, v, exc)
            try:
                body = ProposeIn.model_validate(
                    {
                        "dataset": str(form.get("dataset", "")).strip(),
                        "on": str(form.get("on", "")).strip() or None,
                        "save": bool(form.get("save")),
                    }
                )
            except ValidationError as exc:
                return matching_view(
                    request, st, v, status=422, values=values,
                    errors=_field_errors(InvalidInputError("", _validation_detail(exc))),
                    problem=_("Please correct the fields marked below."),
                )  # fmt: skip
            seen = str(form.get(f"after_run:{body.dataset}", ""))
            try:
                result, saved = await run_in_threadpool(  # never on the event loop (F9)
                    run_matchmaking,
                    st,
                    v.who,
                    dataset=body.dataset,
                    on=body.on,
                    save=body.save,
                    facts=country_facts(),
                    after_run=seen if body.save else None,
                )
            except ConflictError as exc:
                problem = _("Matchmaking was run by someone else since you loaded this page.")
                return matching_view(
                    request, st, v, status=409, values=values, problem=f"{problem} {exc.message}"
                )
            except CoopError as exc:
                return error_page(request, lang, v, exc)
            ids = {(m["need_id"], m["offer_id"]): m["id"] for m in saved}
            needs = {n["id"]: n for n in st.records("need", dataset=body.dataset)}
            offers = {o["id"]: o for o in st.records("offer", dataset=body.dataset)}
            proposals = [
                {
                    **c.as_proposal(),
                    "match_id": ids.get((c.need_id, c.offer_id)),
                    "need": needs.get(c.need_id),
                    "offer": offers.get(c.offer_id),
                }
                for c in result.chosen
            ]
            run = {
                "dataset": body.dataset,
                "on": (body.on or date.today()).isoformat(),
                "saved": body.save,
                "run_id": saved[0]["run_id"] if saved else None,
                "method": result.method,
                "objective": result.objective,
                "candidates": len(result.candidates),
                "proposals": proposals,
                "excluded": [
                    {**e, "need": needs.get(e["need_id"]), "offer": offers.get(e["offer_id"])}
                    for e in result.excluded
                ],
            }
            return matching_view(request, st, v, values=values, run=run)

        # ---------------------------------------------------------------- sign in / out
        def login_form(
            request: Request,
            v: Visitor,
            *,
            status: int = 200,
            error: str | None = None,
            username: str = "",
            nxt: str = "",
        ) -> Response:
            token = request.cookies.get(cookie_name(LOGIN_BASE)) or secrets.token_urlsafe(24)
            resp = render(
                request,
                lang,
                "coop_login.html",
                v,
                "/login",
                status=status,
                login_csrf=token,
                error=error,
                username=username,
                next=nxt,
                api=f"{PREFIX}/auth/me",
            )
            set_cookie(resp, request, LOGIN_BASE, token, 3600)
            return resp

        @router.get(pre + "/coop/login", response_class=HTMLResponse)
        def login_page(request: Request, next: str = "") -> Response:
            st = get_store()
            return login_form(request, visitor(request, st), nxt=_safe_next(next) or "")

        @router.post(pre + "/coop/login", response_class=HTMLResponse)
        async def login_post(request: Request) -> Response:
            st = get_store()
            v = visitor(request, st)
            form = await request.form()
            username = str(form.get("username", "")).strip()
            nxt = _safe_next(str(form.get("next", ""))) or ""
            sent = str(form.get("csrf_token", ""))
            cookie = request.cookies.get(cookie_name(LOGIN_BASE), "")
            if not sent or not cookie or not hmac.compare_digest(sent, cookie):
                return error_page(
                    request,
                    lang,
                    v,
                    ForbiddenError("missing or wrong CSRF token: reload the form and try again"),
                )
            _ = i18n.gettext_for(lang)
            try:
                who = brake.authenticate(
                    st, username, str(form.get("password", "")), client_of(request)
                )
            except UnauthorisedError:
                return login_form(
                    request,
                    v,
                    status=401,
                    error=_("Wrong username or password."),
                    username=username,
                    nxt=nxt,
                )
            except TooManyRequestsError as exc:
                minutes = max(1, -(-exc.retry_after // 60))
                resp = login_form(
                    request,
                    v,
                    status=429,
                    error=_("Too many failed sign-ins. Try again in %(minutes)d minutes.")
                    % {"minutes": minutes},
                    username=username,
                    nxt=nxt,
                )
                resp.headers["Retry-After"] = str(exc.retry_after)
                return resp
            token, _csrf = st.issue_token(who, kind="session", lifetime=SESSION_LIFETIME)
            resp = redirect(nxt or coop_url(lang))
            set_cookie(resp, request, SESSION_BASE, token, int(SESSION_LIFETIME.total_seconds()))
            delete_cookie(resp, LOGIN_BASE)
            return resp

        @router.post(pre + "/coop/logout", response_class=HTMLResponse)
        async def logout_post(request: Request) -> Response:
            st = get_store()
            v = visitor(request, st)
            form = await request.form()
            try:
                check_csrf(v, form)
            except CoopError as exc:
                return error_page(request, lang, v, exc)
            cookie = session_cookie(request)
            if cookie:
                st.revoke_token(cookie)
            resp = redirect(coop_url(lang))
            delete_cookie(resp, SESSION_BASE)
            return resp

        # ---------------------------------------------------------------- record forms
        def record_form(
            request: Request,
            v: Visitor,
            kind: str,
            values: Mapping[str, Any],
            *,
            status: int = 200,
            errors: Mapping[str, Sequence[str]] | None = None,
            problem: str | None = None,
            record: Mapping[str, Any] | None = None,
        ) -> Response:
            path = f"/{kind}/{record['id']}/edit" if record else f"/{kind}s/new"
            return render(
                request,
                lang,
                f"coop_{kind}_form.html",
                v,
                path,
                status=status,
                d=form_context(lang),
                values=values,
                errors=dict(errors or {}),
                problem=problem,
                record=record,
                form_action=coop_url(lang, path),
                statuses=list(RECORD_STATUS),
                api=f"{PREFIX}/{kind}s/{record['id']}" if record else f"{PREFIX}/{kind}s",
            )

        def may_open_form(request: Request, v: Visitor, kind: str) -> Response | None:
            if not v.signed_in:
                return redirect(coop_url(lang, "/login", next=coop_url(lang, f"/{kind}s/new")))
            who = v.who
            if who.role == Role.public or (
                who.role != Role.administrator
                and who.role != (Role.focal_point if kind == "need" else Role.partner)
            ):
                what = (
                    "only a country focal point or an administrator records needs"
                    if kind == "need"
                    else "only a partner organisation or an administrator records offers"
                )
                return error_page(request, lang, v, ForbiddenError(what))
            return None

        def defaults(v: Visitor, kind: str) -> dict[str, Any]:
            if kind == "need":
                return {"country_iso3": v.who.country_iso3 or "", "priority": "2"}
            return {"provider_org": v.who.organisation or ""}

        def new_form(kind: str) -> Callable[[Request], Response]:
            def page(request: Request) -> Response:
                st = get_store()
                v = visitor(request, st)
                refused = may_open_form(request, v, kind)
                if refused is not None:
                    return refused
                return record_form(request, v, kind, defaults(v, kind))

            return page

        def post_form(kind: str) -> Callable[[Request], Any]:
            async def post(request: Request) -> Response:
                st = get_store()
                v = visitor(request, st)
                form = await request.form()
                values = form_values(form)
                values.pop("csrf_token", None)
                try:
                    check_csrf(v, form)
                except CoopError as exc:
                    return error_page(request, lang, v, exc)
                data = need_input(form) if kind == "need" else offer_input(form)
                try:
                    derived = None
                    if kind == "need" and v.who.can_write:
                        derived = need_derived(data["country_iso3"], evidence, country_facts())
                    rec = st.create(v.who, kind, data, derived=derived)
                except InvalidInputError as exc:
                    _ = i18n.gettext_for(lang)
                    return record_form(
                        request,
                        v,
                        kind,
                        values,
                        status=422,
                        errors=_field_errors(exc),
                        problem=_("Please correct the fields marked below."),
                    )
                except ForbiddenError as exc:
                    if not v.signed_in:
                        return error_page(request, lang, v, exc)
                    return record_form(request, v, kind, values, status=403, problem=exc.message)
                except CoopError as exc:
                    return error_page(request, lang, v, exc)
                return redirect(coop_url(lang, f"/{kind}/{rec['id']}"))

            return post

        # ---------------------------------------------------------------- edit, close
        def edit_form(kind: str) -> Callable[[Request, int], Response]:
            def page(request: Request, rid: int) -> Response:
                st = get_store()
                v = visitor(request, st)
                if not v.signed_in:
                    here = coop_url(lang, f"/{kind}/{rid}/edit")
                    return redirect(coop_url(lang, "/login", next=here))
                try:
                    rec = st.get(kind, rid)
                except NotFoundError as exc:
                    return error_page(request, lang, v, exc)
                if not st.may_edit(v.who, kind, rid):
                    what = (
                        "only the country's focal point or an administrator edits this need"
                        if kind == "need"
                        else "only the offer's partner organisation or an administrator edits it"
                    )
                    return error_page(request, lang, v, ForbiddenError(what))
                return record_form(request, v, kind, record_values(kind, rec), record=rec)

            return page

        def edit_post(kind: str) -> Callable[[Request, int], Any]:
            async def post(request: Request, rid: int) -> Response:
                st = get_store()
                v = visitor(request, st)
                form = await request.form()
                values = form_values(form)
                values.pop("csrf_token", None)
                try:
                    check_csrf(v, form)
                    rec = st.get(kind, rid)
                except CoopError as exc:
                    return error_page(request, lang, v, exc)
                if not v.signed_in:
                    return error_page(
                        request, lang, v, ForbiddenError("the public reads but cannot write")
                    )
                _ = i18n.gettext_for(lang)
                data = need_input(form) if kind == "need" else offer_input(form)
                data["status"] = str(form.get("status", "")).strip() or rec["status"]
                if kind == "offer":  # conditions the form does not show are kept
                    kept = {
                        k: c
                        for k, c in (rec.get("conditions") or {}).items()
                        if k not in (*CONDITION_KEYS, "other")
                    }
                    data["conditions"] = {**kept, **data["conditions"]}
                derived = None
                if kind == "need" and data["country_iso3"] != rec["country_iso3"]:
                    derived = need_derived(data["country_iso3"], evidence, country_facts())
                try:
                    version = _version(form)
                    st.update(v.who, kind, rid, data, version, derived=derived)
                except InvalidInputError as exc:
                    return record_form(
                        request, v, kind, values, status=422, errors=_field_errors(exc),
                        problem=_("Please correct the fields marked below."), record=rec,
                    )  # fmt: skip
                except ForbiddenError as exc:
                    return record_form(
                        request, v, kind, values, status=403, problem=exc.message, record=rec
                    )
                except ConflictError as exc:
                    problem = (
                        _(
                            "Someone else changed this record since you opened the form: "
                            "nothing was saved. Reload the form to see their version."
                        )
                        + " "
                        + exc.message
                    )
                    return record_form(
                        request, v, kind, values, status=409, problem=problem, record=rec
                    )
                except CoopError as exc:
                    return error_page(request, lang, v, exc)
                return redirect(coop_url(lang, f"/{kind}/{rid}"))

            return post

        def status_post(kind: str) -> Callable[[Request, int], Any]:
            """Close, withdraw or reopen a need or an offer (the form carries its version)."""

            async def post(request: Request, rid: int) -> Response:
                st = get_store()
                v = visitor(request, st)
                form = await request.form()
                try:
                    check_csrf(v, form)
                    version = _version(form)
                    status = str(form.get("status", "")).strip()
                    st.update(v.who, kind, rid, {"status": status}, version)
                except CoopError as exc:
                    return error_page(request, lang, v, exc)
                return redirect(coop_url(lang, f"/{kind}/{rid}"))

            return post

        for kind in ("need", "offer"):
            router.add_api_route(
                pre + f"/coop/{kind}/{{rid}}/edit",
                edit_form(kind),
                methods=["GET"],
                response_class=HTMLResponse,
            )
            router.add_api_route(
                pre + f"/coop/{kind}/{{rid}}/edit",
                edit_post(kind),
                methods=["POST"],
                response_class=HTMLResponse,
            )
            router.add_api_route(
                pre + f"/coop/{kind}/{{rid}}/status",
                status_post(kind),
                methods=["POST"],
                response_class=HTMLResponse,
            )
            router.add_api_route(
                pre + f"/coop/{kind}s/new",
                new_form(kind),
                methods=["GET"],
                response_class=HTMLResponse,
            )
            router.add_api_route(
                pre + f"/coop/{kind}s/new",
                post_form(kind),
                methods=["POST"],
                response_class=HTMLResponse,
            )

    for lang in i18n.LANGS:
        add(lang)
    return router
