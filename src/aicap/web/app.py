"""The FastAPI app: HTML pages in six languages (``/country/KEN``, ``/fr/country/KEN``, ...),
each with its JSON twin under ``/api/`` (OpenAPI at ``/docs`` and ``/openapi.json``), one JSON
error shape for the API and HTML error pages for the rest, gzip for everything."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, Form, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from aicap.web import i18n, views
from aicap.web.data import SiteData
from aicap.web.pages import Page, page_data, render_page
from aicap.web.render import Renderer
from aicap.web.whatif import METHODS, WhatIfError, what_if

STATIC = Path(__file__).with_name("static")
LANG_PREFIXES = [lg for lg in i18n.LANGS if lg != "en"]
ERROR_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    422: "invalid_request",
    500: "internal_error",
}


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


def create_app(site: SiteData) -> FastAPI:
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
    html_cache: dict[tuple[str, str], str] = {}

    def html(page: Page, lang: str, cache_key: str | None = None, **kw: Any) -> HTMLResponse:
        key = (lang, cache_key) if cache_key else None
        if key and key in html_cache:
            return HTMLResponse(html_cache[key])
        lang_kw = kw.pop("lang_kw", None)
        text = render_page(renderer, page, lang, lang_kw=lang_kw, **kw)
        if key:
            html_cache[key] = text
        return HTMLResponse(text)

    def get_page(name: str, **kw: Any) -> Page:
        try:
            return page_data(site, name, **kw)
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
    @app.get("/api/map", tags=["api"], summary="World map: tier and score per Member State")
    def api_map() -> dict[str, Any]:
        return views.map_api(site)

    @app.get("/api/ranking", tags=["api"], responses=ERRORS, summary="Ranking with rank bands")
    def api_ranking(
        region: Annotated[str | None, Query(description="UN region, e.g. Africa")] = None,
        income: Annotated[str | None, Query(description="LIC, LMC, UMC or HIC")] = None,
        group: Annotated[str | None, Query(description="ldc, lldc or sids")] = None,
    ) -> Any:
        filters = views.parse_filters({"region": region, "income": income, "group": group})
        bad = views.check_filters(site, filters)
        if bad:
            return error_json(422, bad, {"filters": filters})
        return views.ranking(site, filters)

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
    def api_country(iso3: str) -> dict[str, Any]:
        return get_page("country", iso3=iso3.upper()).data

    @app.get("/api/divide", tags=["api"], summary="The global AI divide")
    def api_divide() -> dict[str, Any]:
        return views.divide(site)

    @app.get("/api/indicators", tags=["api"], summary="Indicators by pillar")
    def api_indicators() -> dict[str, Any]:
        return views.indicators(site)

    @app.get("/api/indicator/{code}", tags=["api"], responses=ERRORS, summary="One indicator")
    def api_indicator(code: str) -> dict[str, Any]:
        return get_page("indicator", code=code).data

    @app.get("/api/methodology", tags=["api"], summary="Methodology (from the framework YAML)")
    def api_methodology() -> dict[str, Any]:
        return views.methodology(site)

    @app.get("/api/what-if", tags=["api"], summary="Published weights and methods")
    def api_whatif_defaults() -> dict[str, Any]:
        return views.whatif_result(site, None)

    @app.post("/api/what-if", tags=["api"], responses=ERRORS, summary="Recompute the index")
    async def api_whatif(req: WhatIfRequest) -> Any:
        try:
            res = await asyncio.to_thread(
                what_if, site.composite, req.weights, req.method, site.pillar_codes
            )
        except WhatIfError as exc:
            return error_json(422, str(exc), {"weights": req.weights, "method": req.method})
        return views.whatif_result(site, res)

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
            ],
            "openapi": "/openapi.json",
        }

    # -------------------------------------------------------------- pages
    def add_pages(lang: str) -> None:
        pre = "" if lang == "en" else f"/{lang}"

        @app.get(pre + "/", response_class=HTMLResponse, include_in_schema=False)
        def home() -> HTMLResponse:
            return html(get_page("home"), lang, "home")

        @app.get(pre + "/ranking", response_class=HTMLResponse, include_in_schema=False)
        def ranking(
            region: str | None = None, income: str | None = None, group: str | None = None
        ) -> HTMLResponse:
            filters = views.parse_filters({"region": region, "income": income, "group": group})
            bad = views.check_filters(site, filters)
            if bad:
                raise HTTPException(422, bad)
            key = "ranking:" + ",".join(f"{k}={v}" for k, v in sorted(filters.items()))
            return html(get_page("ranking", filters=filters), lang, key, lang_kw=filters)

        @app.get(pre + "/country/{iso3}", response_class=HTMLResponse, include_in_schema=False)
        def country(iso3: str) -> Any:
            if iso3 != iso3.upper():
                return RedirectResponse(f"{pre}/country/{iso3.upper()}", status_code=301)
            page = get_page("country", iso3=iso3)
            return html(page, lang, f"country:{iso3}", lang_kw={"iso3": iso3})

        @app.get(pre + "/divide", response_class=HTMLResponse, include_in_schema=False)
        def divide() -> HTMLResponse:
            return html(get_page("divide"), lang, "divide")

        @app.get(pre + "/indicators", response_class=HTMLResponse, include_in_schema=False)
        def indicators() -> HTMLResponse:
            return html(get_page("indicators"), lang, "indicators")

        @app.get(pre + "/indicator/{code}", response_class=HTMLResponse, include_in_schema=False)
        def indicator(code: str) -> HTMLResponse:
            page = get_page("indicator", code=code)
            return html(page, lang, f"indicator:{code}", lang_kw={"code": code})

        @app.get(pre + "/methodology", response_class=HTMLResponse, include_in_schema=False)
        def methodology() -> HTMLResponse:
            return html(get_page("methodology"), lang, "methodology")

        @app.get(pre + "/what-if", response_class=HTMLResponse, include_in_schema=False)
        def whatif_form() -> HTMLResponse:
            return html(get_page("whatif"), lang, "whatif")

        @app.post(pre + "/what-if", response_class=HTMLResponse, include_in_schema=False)
        async def whatif_post(request: Request, method: Annotated[str, Form()] = "") -> Any:
            form = await request.form()
            weights: dict[str, float] = {}
            try:
                for p in site.pillar_codes:
                    weights[p] = float(str(form.get(f"w_{p}", "")).replace(",", "."))
                res = await asyncio.to_thread(
                    what_if, site.composite, weights, method, site.pillar_codes
                )
            except (ValueError, WhatIfError) as exc:
                page = get_page("whatif")
                msg = str(exc) if isinstance(exc, WhatIfError) else "every weight must be a number"
                return HTMLResponse(render_page(renderer, page, lang, error=msg), status_code=422)
            return html(get_page("whatif", result=res), lang)

    for lang in i18n.LANGS:
        add_pages(lang)

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
    return create_app(site)
