"""The country voice on the web app (issue 20): :func:`mount` adds the ``/api/voice`` API, the
``/voice`` pages, the review API (``GET /api/voice/review/{iso3}``: the draft profile for the
country's focal point, reviewers and administrators), the ``X-Aicap-View`` header on every
API response (which view it is: ``international`` unless the national view was asked for),
the country page's block (``voice_of`` in the templates: the country's own replies and, where
national submissions were accepted, the national view beside the default one) and the country
JSON's ``country_voice`` field. Pages and JSON the app caches are dropped from its cache when
a submission, report or reply of their country changes."""

import threading
from collections.abc import Callable, MutableMapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aicap.analysis.voice.data import VoiceData
from aicap.analysis.voice.service import VIEW_LABELS, CountryVoice
from aicap.warehouse.cooperation.db import default_url
from aicap.warehouse.cooperation.schemas import DEMO_LABEL, Role
from aicap.warehouse.cooperation.store import ForbiddenError, Principal, UnauthorisedError
from aicap.warehouse.cooperation.voice_store import registry_exists
from aicap.warehouse.read import Warehouse
from aicap.web import views as site_views
from aicap.web.coop_api_base import CoopApi, StoreHolder, _errors
from aicap.web.data import SiteData
from aicap.web.render import Renderer
from aicap.web.voice_api import PREFIX, VoiceRoute, build_voice_router

VIEW_HEADER = "X-Aicap-View"


def registry_in_use(holder: StoreHolder) -> bool:
    """Whether the registry is open or exists (a profile page never creates it)."""
    return getattr(holder, "_store", None) is not None or registry_exists(default_url())


def voice_for(app: FastAPI) -> CountryVoice | None:
    cv = getattr(app.state, "country_voice", None)
    return cv if isinstance(cv, CountryVoice) else None


def may_review(who: Principal, iso3: str) -> bool:
    """The country's focal point, a reviewer or an administrator."""
    if who.role in (Role.administrator, Role.reviewer):
        return True
    return who.role == Role.focal_point and who.country_iso3 == iso3


def country_block(
    cv: CountryVoice | None, iso3: str, dataset: str = "real", *, with_demo: bool = True
) -> dict[str, Any]:
    """What the country page and JSON show: the view they are (international), the country's
    own replies, and the national view with each accepted submission's change (computed only
    where the country has accepted submissions or correction rules). Where the FICTITIOUS
    demonstration has records for the country, ``demo`` holds the same for them, labelled."""
    out: dict[str, Any] = {
        "view": "international",
        "view_label": VIEW_LABELS["international"],
        "national_view": f"{PREFIX}/country/{iso3}",
        "dataset": dataset,
        "fictitious": dataset == "demo",
        "replies": [],
        "national": None,
    }
    if cv is None:
        return out
    try:
        out["replies"] = [
            {k: r[k] for k in ("id", "lang", "finding", "text", "updated_at", "fictitious")}
            | {"by": "the country's own statement"}
            for r in cv.store.replies(iso3, dataset)
        ]
        subs, rules = cv.inputs_for(dataset)
        if any(s["country_iso3"] == iso3 for s in subs) or any(
            r["country_iso3"] == iso3 for r in rules
        ):
            out["national"] = cv.country(iso3, dataset)
        if with_demo and dataset == "real":
            demo = country_block(cv, iso3, "demo", with_demo=False)
            if demo["replies"] or demo["national"]:
                out["demo"] = demo | {"label": DEMO_LABEL}
    except Exception as exc:  # the registry is optional: the profile stands without it
        out["unavailable"] = f"country voice unavailable: {type(exc).__name__}"
    return out


def mount(
    app: FastAPI,
    site: SiteData,
    renderer: Renderer,
    cache: MutableMapping[str, Any] | None = None,
    voice: CountryVoice | None = None,
) -> Callable[[], CountryVoice]:
    """Mount everything (see the module doc) on ``app``, after the cooperation registry (its
    store holder is shared: one set of accounts, sessions and audit log). Returns the
    service's getter (the service opens the warehouse's inputs on first use)."""
    holder: StoreHolder = app.state.coop_store
    lock = threading.Lock()
    made: list[CountryVoice] = [voice] if voice is not None else []

    def get_voice() -> CountryVoice:
        if not made:
            with lock:
                if not made:
                    cv = CountryVoice(holder(), lambda: VoiceData.load(Warehouse(site.warehouse)))
                    cv.on_change.append(forget)
                    made.append(cv)
        return made[0]

    def forget(iso3: str) -> None:
        if cache is not None:
            for k in [k for k in cache if k.endswith(f"country:{iso3}")]:
                cache.pop(k, None)
        # compute the country's views now, off the request, so that its page (rendered in
        # the server's event loop) finds them cached
        threading.Thread(target=warm, args=(iso3,), daemon=True).start()

    def warm(iso3: str) -> None:
        try:
            cv = get_voice()
            for dataset in ("real", "demo"):
                country_block(cv, iso3, dataset, with_demo=False)
        except Exception:  # a warm-up only: the page computes what is missing
            return

    if voice is not None:
        voice.on_change.append(forget)

    app.state.country_voice_factory = get_voice
    app.include_router(build_voice_router(holder, get_voice))
    app.include_router(review_router(holder, get_voice, site))
    from aicap.web.voice_pages import build_voice_pages

    app.include_router(build_voice_pages(holder, get_voice, renderer, site))

    def voice_of(iso3: str) -> dict[str, Any]:
        if not registry_in_use(holder):  # no registry yet: nothing to show, nothing created
            return country_block(None, iso3)
        try:
            cv = get_voice()
        except Exception:
            return country_block(None, iso3)
        return country_block(cv, iso3)

    for env in renderer.envs.values():
        env.globals["voice_of"] = voice_of

    app.add_middleware(ViewHeader)
    return get_voice


class ViewHeader:
    """Pure ASGI middleware: every API response says which view it is computed from.
    (Starlette's ``BaseHTTPMiddleware`` runs each request in a task with its own streams, which
    cost more than the cached response itself.)"""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not path.startswith("/api/"):
            await self.app(scope, receive, send)
            return
        national = path.startswith(f"{PREFIX}/views/national") or path.startswith(
            f"{PREFIX}/country/"
        )
        value = "international+national" if national else "international"

        async def send_with_view(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[VIEW_HEADER] = value
            await send(message)

        await self.app(scope, receive, send_with_view)


def with_voice(app: FastAPI, data: dict[str, Any], iso3: str) -> dict[str, Any]:
    """The country JSON with its ``country_voice`` block."""
    get = getattr(app.state, "country_voice_factory", None)
    cv = None
    holder = getattr(app.state, "coop_store", None)
    if get is not None and holder is not None and registry_in_use(holder):
        try:
            cv = get()
        except Exception:
            cv = None
    return {**data, "country_voice": country_block(cv, iso3)}


def review_router(
    holder: StoreHolder, get_voice: Callable[[], CountryVoice], site: SiteData
) -> APIRouter:
    router = APIRouter(prefix=PREFIX, tags=["country voice"], route_class=VoiceRoute)
    api = CoopApi(router, holder, None)
    Who = Annotated[Principal, Depends(api.principal)]

    @router.get(
        "/review/{iso3}",
        responses=_errors(401, 403, 404),
        summary="The draft profile for review: every value with provenance, the tier evidence",
    )
    def review(iso3: str, who: Who) -> dict[str, Any]:
        iso3 = iso3.upper()
        if who.role == Role.public and who.account_id is None:
            raise UnauthorisedError("sign in as the country's focal point or a reviewer")
        if not may_review(who, iso3):
            raise ForbiddenError(
                "the review page is for the country's own focal point, reviewers and administrators"
            )
        return review_data(site, get_voice(), who, iso3)

    return router


def review_data(site: SiteData, cv: CountryVoice, who: Principal, iso3: str) -> dict[str, Any]:
    """The draft profile: summary, tier and its evidence, every value with its provenance; the
    country's submissions (with their states and reasons), replies and the national view."""
    if iso3 not in site.countries:
        raise HTTPException(404, f"{iso3} not found")
    prof = site_views.country(site, iso3)
    keep = ("iso3", "names", "year", "status", "score", "rank", "rank_band", "score_band")
    return {
        "draft": True,
        "view": "international",
        **{k: prof.get(k) for k in keep},
        "tier": prof.get("tier"),
        "tier_range": prof.get("tier_range"),
        "tier_detail": prof.get("tier_detail"),
        "pillars": prof.get("pillars"),
        "missing_pillars": prof.get("missing_pillars"),
        "values": prof.get("data"),
        "submissions": cv.store.submissions(who, country=iso3),
        "reports": cv.store.reports(country=iso3),
        "country_voice": country_block(cv, iso3),
    }
