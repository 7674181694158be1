"""Routes of the country search and the comparison, in the six languages, with their JSON
twins: ``/search?q=kenya`` (one clear match goes straight to its profile; a plain GET form,
no JavaScript needed), ``/compare?c=KEN&c=NGA`` or ``?c=KEN,NGA`` (names work too), and
``/api/search?q=``, ``/api/compare?c=``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import FastAPI, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from aicap.web import find, i18n
from aicap.web.data import SiteData
from aicap.web.pages import Page

Html = Callable[..., Response]
ErrorJson = Callable[..., JSONResponse]

QUERY = Query(description="A name in any of the six UN languages or an ISO3 code", max_length=200)
COUNTRIES = Query(
    description="2-5 Member States: ISO3 codes or names, repeated or comma-separated",
)


def mount(
    app: FastAPI,
    site: SiteData,
    html: Html,
    get_page: Callable[..., Page],
    error_json: ErrorJson,
    responses: dict[int | str, dict[str, Any]],
) -> None:
    @app.get("/api/search", tags=["api"], summary="Find Member States by name or ISO code")
    def api_search(q: Annotated[str, QUERY] = "") -> dict[str, Any]:
        return find.search_view(site, q)

    @app.get("/api/compare", tags=["api"], responses=responses, summary="Compare 2-5 Member States")
    def api_compare(c: Annotated[list[str] | None, COUNTRIES] = None) -> Any:
        if not any((x or "").strip(",; ") for x in c or []):  # the empty form's twin
            return {"countries": [], "iso3": [], "note": "give 2 to 5 Member States: ?c=KEN,NGA"}
        try:
            isos = find.resolve(site, c or [])
            return find.compare(site, isos)
        except find.CompareError as exc:
            return error_json(422, str(exc), {"c": c})

    for lang in i18n.LANGS:
        _pages(app, site, html, get_page, lang)


def _pages(
    app: FastAPI, site: SiteData, html: Html, get_page: Callable[..., Page], lang: str
) -> None:
    pre = "" if lang == "en" else f"/{lang}"

    @app.get(pre + "/search", response_class=HTMLResponse, include_in_schema=False)
    def search(request: Request, q: Annotated[str, Query(max_length=200)] = "") -> Response:
        hits = find.search(site, q)
        if hits and (len(hits) == 1 or find.fold(q) in _exact(site, hits[0])):
            return RedirectResponse(f"{pre}/country/{hits[0]}", status_code=303)
        page = get_page("search", query=q)
        return html(page, lang, None if q else "search", request, lang_kw={"q": q} if q else {})

    @app.get(pre + "/compare", response_class=HTMLResponse, include_in_schema=False)
    def compare(request: Request, c: Annotated[list[str] | None, Query()] = None) -> Response:
        directory = find.directory(site)
        try:
            isos = find.resolve(site, c or [])
            if len(isos) == 1:  # "compare with other countries" from a profile: the form
                one = get_page("compare")
                return html(one, lang, None, request, prefill=isos[0], directory=directory)
            if isos:
                find.compare(site, isos)
        except find.CompareError as exc:
            resp = html(
                get_page("compare"), lang, None, request, error=str(exc), directory=directory
            )
            resp.status_code = 422
            return resp
        if c and c != [",".join(isos)]:  # one canonical, shareable address: ?c=KEN,NGA
            return RedirectResponse(f"{pre}/compare?c={','.join(isos)}", status_code=303)
        page = get_page("compare", isos=isos)
        kw = {"c": ",".join(isos)} if isos else {}
        # not cached: the pairs are too many (the country data under it are)
        return html(
            page, lang, None if isos else "compare", request, lang_kw=kw, directory=directory
        )


def _exact(site: SiteData, iso3: str) -> set[str]:
    c = site.countries[iso3]
    return {find.fold(iso3), *(find.fold(n) for n in [*c.names.values(), *c.formal.values()])}
