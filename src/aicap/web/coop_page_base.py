"""What the cooperation registry's pages share (:class:`CoopPages`): the router, the store,
the renderer, who is visiting, the CSRF check, rendering a page or an error page, redirects,
the decisions a visitor may take, and the record forms' choices. The page modules
(``coop_page_browse``, ``coop_page_matches``, ``coop_page_auth``, ``coop_page_forms``) add their
routes with it."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.datastructures import FormData

from aicap.analysis.catalogue import Modality
from aicap.analysis.cooperate.evidence import EvidenceSource
from aicap.warehouse.cooperation.schemas import (
    BeneficiaryGroup,
    CapacityUnit,
    PledgeType,
    ProviderType,
    Role,
)
from aicap.warehouse.cooperation.store import (
    PUBLIC,
    CoopError,
    CoopStore,
    ForbiddenError,
    InvalidInputError,
    TooManyRequestsError,
    UnauthorisedError,
)
from aicap.web import i18n
from aicap.web.coop_http import (
    SecureRoute,
    session_cookie,
)
from aicap.web.coop_page_input import (
    BENEFICIARIES,
    BY,
    DATASET_NAMES,
    DECISIONS,
    FLOW_KINDS,
    MEASURES,
    MODALITIES,
    PLEDGE_TYPES,
    PRIORITIES,
    PROVIDER_TYPES,
    RECORD_STATUS,
    RESULT_TYPES,
    ROLES,
    STATES,
    TERMS,
    UNITS,
    Visitor,
    _field_errors,
    coop_url,
)
from aicap.web.coop_throttle import LoginThrottle
from aicap.web.data import SiteData
from aicap.web.render import Renderer


@dataclass(frozen=True)
class CoopPages:
    """The pages' router being built and the helpers their routes share."""

    router: APIRouter
    get_store: Callable[[], CoopStore]
    renderer: Renderer
    site: SiteData
    evidence: EvidenceSource | None
    brake: LoginThrottle
    country_name: Callable[[str | None, str], str]
    visitor: Callable[[Request, CoopStore], Visitor]
    check_csrf: Callable[[Visitor, FormData], None]
    render: Callable[..., HTMLResponse]
    error_page: Callable[[Request, str, Visitor, CoopError], HTMLResponse]
    redirect: Callable[[str], RedirectResponse]
    allowed_moves: Callable[[CoopStore, Visitor, Mapping[str, Any]], list[str]]
    form_context: Callable[[str], dict[str, Any]]


def page_kit(
    get_store: Callable[[], CoopStore],
    renderer: Renderer,
    site: SiteData,
    evidence: EvidenceSource | None = None,
    throttle: LoginThrottle | None = None,
) -> CoopPages:
    """The router (its routes hidden from OpenAPI, with the security headers) and the
    helpers the page modules share."""
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

    return CoopPages(
        router=router,
        get_store=get_store,
        renderer=renderer,
        site=site,
        evidence=evidence,
        brake=brake,
        country_name=country_name,
        visitor=visitor,
        check_csrf=check_csrf,
        render=render,
        error_page=error_page,
        redirect=redirect,
        allowed_moves=allowed_moves,
        form_context=form_context,
    )
