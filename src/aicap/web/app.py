"""The FastAPI app: HTML pages in six languages (``/country/KEN``, ``/fr/country/KEN``, ...),
each with its JSON twin under ``/api/`` (OpenAPI at ``/docs`` and ``/openapi.json``), one JSON
error shape for the API and HTML error pages for the rest, gzip for everything."""

from __future__ import annotations

import asyncio
import gzip
import json
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, Form, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from aicap.warehouse.cooperation.store import CoopStore
from aicap.web import (
    chart_routes,
    coop_pages,
    find_routes,
    i18n,
    monitor,
    timeline,
    views,
    voice_web,
    warm,
)
from aicap.web.data import SiteData
from aicap.web.openapi import one_error_shape
from aicap.web.pages import Page, page_data, render_page
from aicap.web.render import Renderer
from aicap.web.whatif import METHODS, WhatIfError, what_if

STATIC = Path(__file__).with_name("static")
JSON = "application/json"
HTML = "text/html; charset=utf-8"
LANG_PREFIXES = [lg for lg in i18n.LANGS if lg != "en"]
ERROR_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    422: "invalid_request",
    500: "internal_error",
    503: "unavailable",
}


YEAR = Query(description="An index year (default: the latest)")
VIEWS = ("map", "chart", "table")


class ErrorBody(BaseModel):
    status: int
    code: str
    message: str
    detail: Any = None


class ErrorResponse(BaseModel):
    """The one shape of every API error."""

    error: ErrorBody


class WhatIfRequest(BaseModel):
    weights: dict[str, float] = Field(
        description="Pillar code -> weight (0-10); each pillar weighs w / sum(w) in the index."
    )
    method: str = Field("arithmetic", description=f"One of: {', '.join(METHODS)}.")


ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorResponse, "description": "Unknown country, indicator or page."},
    422: {"model": ErrorResponse, "description": "Invalid parameters."},
}


def error_json(status: int, message: str, detail: Any = None) -> JSONResponse:
    body = {
        "error": {
            "status": status,
            "code": ERROR_CODES.get(status, "error"),
            "message": message,
            "detail": detail,
        }
    }
    return JSONResponse(body, status_code=status)


def _lang_of(path: str) -> str:
    m = re.match(r"^/(fr|es|ru|zh|ar)(/|$)", path)
    return m.group(1) if m else "en"


def create_app(site: SiteData, coop_store: CoopStore | None = None) -> FastAPI:
    """The app; ``coop_store``: the cooperation registry (default: ``AICAP_COOP_DB`` or
    ``var/cooperation.sqlite``, opened on first use)."""
    app = FastAPI(
        title="aicap: AI Capacity Observatory",
        description=(
            "The aicap AI Capacity Index of the 193 UN Member States: every HTML page has its "
            "JSON twin here. Country names come in the six UN languages. Errors share one shape: "
            '`{"error": {"status", "code", "message", "detail"}}`.'
        ),
        version="1.0",
    )
    app.add_middleware(GZipMiddleware, minimum_size=500)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    renderer = Renderer(site, static=False)
    app.state.site = site
    cache: dict[str, tuple[bytes, bytes]] = {}

    def send(request: Request | None, body: bytes, media: str, key: str | None = None) -> Response:
        """A response from bytes computed once: the gzip copy is made once too (the
        middleware leaves responses that already have a content-encoding alone)."""
        if key is not None and key in cache:
            body, gz = cache[key]
        else:
            gz = gzip.compress(body, 6)
            if key is not None:
                cache[key] = (body, gz)
        accepts = request is not None and "gzip" in request.headers.get("accept-encoding", "")
        if accepts and len(body) > 500:
            return Response(
                gz,
                media_type=media,
                headers={"Content-Encoding": "gzip", "Vary": "Accept-Encoding"},
            )
        return Response(body, media_type=media)

    def send_json(request: Request, key: str, make: Callable[[], Any]) -> Response:
        if key in cache:
            return send(request, b"", JSON, key)
        body = json.dumps(make(), ensure_ascii=False, separators=(",", ":")).encode()
        return send(request, body, JSON, key)

    def html(
        page: Page,
        lang: str,
        cache_key: str | None = None,
        request: Request | None = None,
        **kw: Any,
    ) -> Response:
        key = f"html:{lang}:{cache_key}" if cache_key else None
        if key and key in cache:
            return send(request, b"", HTML, key)
        lang_kw = kw.pop("lang_kw", None)
        text = render_page(renderer, page, lang, lang_kw=lang_kw, **kw)
        return send(request, text.encode(), HTML, key)

    def get_page(name: str, **kw: Any) -> Page:
        try:
            return page_data(site, name, **kw)
        except monitor.MonitorUnavailableError as exc:
            raise HTTPException(503, f"the warehouse holds no Monitor data: {exc}") from None
        except KeyError:
            what = kw.get("iso3") or kw.get("code") or name
            raise HTTPException(404, f"{what} not found") from None

    # -------------------------------------------------------------- errors
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Any:
        message = str(exc.detail)
        if exc.status_code == 404 and message == "Not Found":
            message = f"no page at {request.url.path}"
        return _error(request, exc.status_code, message)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Any:
        detail = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")}
            for e in exc.errors()
        ]
        return _error(request, 422, "invalid request parameters", detail)

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> Any:
        return _error(request, 500, f"internal error: {type(exc).__name__}")

    def _error(request: Request, status: int, message: str, detail: Any = None) -> Any:
        if request.url.path.startswith("/api/") or request.url.path in ("/api", "/openapi.json"):
            return error_json(status, message, detail)
        lang = _lang_of(request.url.path)
        text = renderer.render(
            "error.html",
            lang,
            {},
            status=status,
            message=message,
            lang_links={lg: "/" + ("" if lg == "en" else lg + "/") for lg in i18n.LANGS},
            api_url=None,
        )
        return HTMLResponse(text, status_code=status)

    # -------------------------------------------------------------- API
    chart_routes.mount(app, site, get_page)
    find_routes.mount(app, site, html, get_page, error_json, ERRORS)

    @app.get(
        "/api/map", tags=["api"], responses=ERRORS, summary="World map: tier and score per State"
    )
    async def api_map(request: Request, year: Annotated[int | None, YEAR] = None) -> Response:
        if year is not None:
            get_page("home", year=year)  # 404 for a year the index does not have
        return send_json(request, f"api:map:{year}", lambda: timeline.map_api(site, year))

    @app.get("/api/ranking", tags=["api"], responses=ERRORS, summary="Ranking with rank bands")
    async def api_ranking(
        request: Request,
        region: Annotated[str | None, Query(description="UN region, e.g. Africa")] = None,
        income: Annotated[str | None, Query(description="LIC, LMC, UMC or HIC")] = None,
        group: Annotated[str | None, Query(description="ldc, lldc or sids")] = None,
    ) -> Any:
        filters = views.parse_filters({"region": region, "income": income, "group": group})
        bad = views.check_filters(site, filters)
        if bad:
            return error_json(422, bad, {"filters": filters})
        key = "api:ranking:" + ",".join(f"{k}={v}" for k, v in sorted(filters.items()))
        return send_json(request, key, lambda: views.ranking(site, filters))

    @app.get("/api/ranking.csv", tags=["api"], response_class=PlainTextResponse)
    def api_ranking_csv() -> PlainTextResponse:
        text = views.ranking_csv(views.ranking(site), site.pillar_codes)
        return PlainTextResponse(text, media_type="text/csv; charset=utf-8")

    @app.get("/api/country/{iso3}.csv", tags=["api"], responses=ERRORS)
    def api_country_csv(iso3: str) -> PlainTextResponse:
        page = get_page("country", iso3=iso3.upper())
        return PlainTextResponse(
            views.country_csv(page.data),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="aicap-{iso3.upper()}.csv"'},
        )

    @app.get("/api/country/{iso3}", tags=["api"], responses=ERRORS, summary="Country profile")
    async def api_country(request: Request, iso3: str) -> Response:
        iso3 = iso3.upper()
        if f"api:country:{iso3}" not in cache:
            await asyncio.to_thread(get_page, "country", iso3=iso3)
        return send_json(
            request,
            f"api:country:{iso3}",
            lambda: voice_web.with_voice(app, views.country(site, iso3), iso3),
        )

    @app.get("/api/divide", tags=["api"], summary="The global AI divide")
    async def api_divide(request: Request) -> Response:
        return send_json(request, "api:divide", lambda: views.divide(site))

    @app.get("/api/claims", tags=["api"], summary="Every published claim (docs/claims.md)")
    async def api_claims(request: Request) -> Response:
        return send_json(request, "api:claims", lambda: views.claims(site))

    @app.get("/api/claims/{claim_id}", tags=["api"], responses=ERRORS, summary="One claim")
    async def api_claim(request: Request, claim_id: str) -> Response:
        found = views.claim(site, claim_id)
        if found is None:
            raise HTTPException(404, f"claim {claim_id[:200]!r} not found")
        return send_json(request, f"api:claim:{claim_id}", lambda: found)

    @app.get("/api/indicators", tags=["api"], summary="Indicators by pillar")
    async def api_indicators(request: Request) -> Response:
        return send_json(request, "api:indicators", lambda: views.indicators(site))

    @app.get("/api/indicator/{code}", tags=["api"], responses=ERRORS, summary="One indicator")
    async def api_indicator(
        request: Request, code: str, year: Annotated[int | None, YEAR] = None
    ) -> Response:
        page = get_page("indicator", code=code, year=year)
        return send_json(request, f"api:indicator:{code}:{year}", lambda: page.data)

    @app.get("/api/methodology", tags=["api"], summary="Methodology (from the framework YAML)")
    async def api_methodology(request: Request) -> Response:
        return send_json(request, "api:methodology", lambda: views.methodology(site))

    @app.get(
        "/api/what-if",
        tags=["api"],
        responses=ERRORS,
        summary="Published weights and methods; with w_{PILLAR} and method, the recomputed index",
        description="`?w_CONN=2&w_SKILLS=1.5&method=power_mean`: the shareable twin of the "
        "what-if page's address; pillars left out keep their published weight.",
    )
    async def api_whatif_defaults(request: Request) -> Any:
        params = dict(request.query_params)
        if not whatif_params(params):
            return views.whatif_result(site, None)
        try:
            res = await asyncio.to_thread(run_whatif, params)
        except (ValueError, WhatIfError) as exc:
            return error_json(422, whatif_message(exc), {"params": params})
        return views.whatif_result(site, res)

    @app.post("/api/what-if", tags=["api"], responses=ERRORS, summary="Recompute the index")
    async def api_whatif(req: WhatIfRequest) -> Any:
        try:
            res = await asyncio.to_thread(
                what_if, site.composite, req.weights, req.method, site.pillar_codes
            )
        except WhatIfError as exc:
            return error_json(422, str(exc), {"weights": req.weights, "method": req.method})
        return views.whatif_result(site, res)

    def whatif_params(params: dict[str, str]) -> bool:
        return any(k.startswith("w_") or k == "method" for k in params)

    def run_whatif(params: dict[str, str]) -> Any:
        """The what-if of GET or form parameters ``w_{PILLAR}`` and ``method``; a pillar left
        out keeps its published weight (``ValueError`` for a weight that is no number)."""
        published = views.whatif_defaults(site)["weights"]
        unknown = sorted(k for k in params if k.startswith("w_") and k[2:] not in published)
        if unknown:
            raise WhatIfError(f"unknown pillar(s): {', '.join(k[2:] for k in unknown)[:200]}")
        weights: dict[str, float] = {}
        for p in site.pillar_codes:
            raw = str(params.get(f"w_{p}", "")).strip().replace(",", ".")
            weights[p] = float(raw) if raw else float(published[p])
        method = params.get("method") or "arithmetic"
        return what_if(site.composite, weights, method, site.pillar_codes)

    def whatif_message(exc: Exception) -> str:
        return str(exc) if isinstance(exc, WhatIfError) else "every weight must be a number"

    async def monitor_json(request: Request, name: str, key: str, **kw: Any) -> Response:
        if key not in cache:
            page = await asyncio.to_thread(get_page, name, **kw)
            return send_json(request, key, lambda: page.data)
        return send(request, b"", JSON, key)

    monitor_errors: dict[int | str, dict[str, Any]] = {
        **ERRORS,
        503: {"model": ErrorResponse, "description": "The warehouse holds no Monitor data."},
    }

    @app.get("/api/monitor", tags=["monitor"], responses=monitor_errors, summary="Monitor")
    async def api_monitor(request: Request) -> Response:
        return await monitor_json(request, "monitor", "api:monitor")

    @app.get(
        "/api/monitor/concentration",
        tags=["monitor"],
        responses=monitor_errors,
        summary="Concentration of AI resources: HHI and CR-k with intervals, Lorenz curve",
    )
    async def api_monitor_concentration(request: Request) -> Response:
        return await monitor_json(request, "monitor_concentration", "api:monitor:concentration")

    @app.get(
        "/api/monitor/access",
        tags=["monitor"],
        responses=monitor_errors,
        summary="Member States without AI compute, cloud region or model developer",
    )
    async def api_monitor_access(request: Request) -> Response:
        return await monitor_json(request, "monitor_access", "api:monitor:access")

    @app.get(
        "/api/monitor/governance",
        tags=["monitor"],
        responses=monitor_errors,
        summary="Governance instruments per country and the rule-gap matrix",
    )
    async def api_monitor_governance(request: Request) -> Response:
        return await monitor_json(request, "monitor_governance", "api:monitor:governance")

    @app.get(
        "/api/monitor/governance/{iso3}",
        tags=["monitor"],
        responses=monitor_errors,
        summary="One Member State's instruments register and rule gaps",
    )
    async def api_monitor_country(request: Request, iso3: str) -> Response:
        iso3 = iso3.upper()
        return await monitor_json(
            request, "monitor_country", f"api:monitor:governance:{iso3}", iso3=iso3
        )

    @app.get(
        "/api/monitor/incidents",
        tags=["monitor"],
        responses=monitor_errors,
        summary="Documented AI incidents (AIID, AIAAIC) per country, with the coverage caveat",
    )
    async def api_monitor_incidents(request: Request) -> Response:
        return await monitor_json(request, "monitor_incidents", "api:monitor:incidents")

    @app.get("/api", tags=["api"], include_in_schema=False)
    def api_root() -> dict[str, Any]:
        return {
            "pages": [
                "/api/map",
                "/api/ranking",
                "/api/country/{iso3}",
                "/api/divide",
                "/api/indicators",
                "/api/indicator/{code}",
                "/api/methodology",
                "/api/what-if",
                "/api/monitor",
                "/api/monitor/concentration",
                "/api/monitor/access",
                "/api/monitor/governance",
                "/api/monitor/governance/{iso3}",
                "/api/monitor/incidents",
            ],
            "openapi": "/openapi.json",
        }

    # -------------------------------------------------------------- pages
    def add_pages(lang: str) -> None:
        pre = "" if lang == "en" else f"/{lang}"

        @app.get(pre + "/", response_class=HTMLResponse, include_in_schema=False)
        async def home(request: Request, year: int | None = None) -> Response:
            kw = {"year": str(year)} if year else {}
            return html(get_page("home", year=year), lang, f"home:{year}", request, lang_kw=kw)

        @app.get(pre + "/ranking", response_class=HTMLResponse, include_in_schema=False)
        async def ranking(
            request: Request,
            region: str | None = None,
            income: str | None = None,
            group: str | None = None,
        ) -> Response:
            filters = views.parse_filters({"region": region, "income": income, "group": group})
            bad = views.check_filters(site, filters)
            if bad:
                raise HTTPException(422, bad)
            key = "ranking:" + ",".join(f"{k}={v}" for k, v in sorted(filters.items()))
            return html(get_page("ranking", filters=filters), lang, key, request, lang_kw=filters)

        @app.get(pre + "/country/{iso3}", response_class=HTMLResponse, include_in_schema=False)
        async def country(request: Request, iso3: str) -> Any:
            if iso3 != iso3.upper():
                return RedirectResponse(f"{pre}/country/{iso3.upper()}", status_code=301)
            key = f"country:{iso3}"
            if f"html:{lang}:{key}" in cache:
                return send(request, b"", HTML, f"html:{lang}:{key}")
            page = await asyncio.to_thread(get_page, "country", iso3=iso3)
            return html(page, lang, key, request, lang_kw={"iso3": iso3})

        @app.get(pre + "/divide", response_class=HTMLResponse, include_in_schema=False)
        async def divide(request: Request) -> Response:
            return html(get_page("divide"), lang, "divide", request)

        @app.get(pre + "/indicators", response_class=HTMLResponse, include_in_schema=False)
        async def indicators(request: Request) -> Response:
            return html(get_page("indicators"), lang, "indicators", request)

        @app.get(pre + "/indicator/{code}", response_class=HTMLResponse, include_in_schema=False)
        async def indicator(
            request: Request, code: str, year: int | None = None, view: str = "chart"
        ) -> Response:
            if view not in VIEWS:
                raise HTTPException(422, f"unknown view {view[:20]!r}; one of {', '.join(VIEWS)}")
            page = get_page("indicator", code=code, year=year)
            kw = {"code": code} | ({"year": str(year)} if year else {})
            kw |= {"view": view} if view != "chart" else {}
            key = f"indicator:{code}:{year}:{view}"
            return html(page, lang, key, request, lang_kw=kw, view=view)

        @app.get(pre + "/methodology", response_class=HTMLResponse, include_in_schema=False)
        async def methodology(request: Request) -> Response:
            return html(get_page("methodology"), lang, "methodology", request)

        async def whatif_page(request: Request, params: dict[str, str]) -> Response:
            try:
                res = await asyncio.to_thread(run_whatif, params)
            except (ValueError, WhatIfError) as exc:
                page = get_page("whatif")
                text = render_page(renderer, page, lang, error=whatif_message(exc))
                return HTMLResponse(text, status_code=422)
            return html(get_page("whatif", result=res), lang, None, request)

        @app.get(pre + "/what-if", response_class=HTMLResponse, include_in_schema=False)
        async def whatif_form(request: Request) -> Response:
            params = dict(request.query_params)  # a shareable address: GET parameters
            if whatif_params(params):
                return await whatif_page(request, params)
            return html(get_page("whatif"), lang, "whatif", request)

        @app.post(pre + "/what-if", response_class=HTMLResponse, include_in_schema=False)
        async def whatif_post(request: Request, method: Annotated[str, Form()] = "") -> Any:
            form = await request.form()
            return await whatif_page(request, {k: str(v) for k, v in form.items()})

        async def monitor_page(request: Request, name: str, key: str, **kw: str) -> Response:
            full = f"html:{lang}:{key}"
            if full in cache:
                return send(request, b"", HTML, full)
            page = await asyncio.to_thread(get_page, name, **kw)
            text = await asyncio.to_thread(render_page, renderer, page, lang, lang_kw=kw)
            return send(request, text.encode(), HTML, full)

        def monitor_route(name: str) -> Callable[[Request], Awaitable[Response]]:
            async def route(request: Request) -> Response:
                return await monitor_page(request, name, name)

            return route

        for sub in ("", "/concentration", "/access", "/governance", "/incidents"):
            app.add_api_route(
                pre + "/monitor" + sub,
                monitor_route("monitor" + sub.replace("/", "_")),
                methods=["GET"],
                response_class=HTMLResponse,
                include_in_schema=False,
            )

        @app.get(
            pre + "/monitor/governance/{iso3}",
            response_class=HTMLResponse,
            include_in_schema=False,
        )
        async def monitor_country(request: Request, iso3: str) -> Any:
            if iso3 != iso3.upper():
                return RedirectResponse(f"{pre}/monitor/governance/{iso3.upper()}", status_code=301)
            return await monitor_page(
                request, "monitor_country", f"monitor_country:{iso3}", iso3=iso3
            )

    for lang in i18n.LANGS:
        add_pages(lang)
    # The registry's and the country voice's routers come after the public pages: FastAPI
    # matches routes in order, and these routers (no common prefix) would otherwise be
    # scanned route by route on every request for a public page (about 2/3 of its CPU time).
    coop_pages.mount(app, site, renderer, coop_store)  # /api/coop and /coop pages
    voice_web.mount(app, site, renderer, cache)  # /api/voice and /voice pages (issue 20)
    one_error_shape(app)

    @app.get("/en/{rest:path}", include_in_schema=False)
    def english(rest: str) -> RedirectResponse:
        return RedirectResponse("/" + rest, status_code=301)

    return app


def app_from_env() -> FastAPI:  # pragma: no cover - used by `uvicorn --factory`
    import os

    from aicap.web.data import load_site

    site = load_site(
        os.environ.get("AICAP_WAREHOUSE", "var/aicap.duckdb"),
        os.environ.get("AICAP_OUT", "var/out"),
    )
    app = create_app(site)
    if os.environ.get("AICAP_WARM_MONITOR") == "1":  # `aicap serve --workers N`
        import threading

        threading.Thread(target=warm.warm_up, args=(app, site), name="warm-up", daemon=True).start()
    return app
