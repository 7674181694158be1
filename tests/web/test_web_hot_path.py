"""The public pages' hot path: what keeps a cached page cheap to serve (issue 23 item 5).

A public page's response is computed once and cached; what remains per request is routing and
middleware. Two things made that cost 1.1 ms of CPU per request (5x the cached response
itself): the registry's and the country voice's routers (no common prefix) came first and were
scanned route by route for every public page, and a ``BaseHTTPMiddleware`` ran each request in
its own task. These tests hold the fixes in place."""

from __future__ import annotations

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from aicap.web.app import create_app
from aicap.web.data import SiteData
from aicap.web.voice_web import VIEW_HEADER

HOT = ("/api/country/{iso3}", "/country/{iso3}", "/api/ranking", "/fr/country/{iso3}")


def test_public_routes_are_matched_before_the_registry_routers(site: SiteData) -> None:
    app = create_app(site)
    routes = app.router.routes
    position = {r.path: i for i, r in enumerate(routes) if isinstance(r, APIRoute)}
    # everything that is neither a plain route nor a mount is an included router
    included = [
        i
        for i, r in enumerate(routes)
        if not isinstance(r, APIRoute) and not hasattr(r, "path") and not hasattr(r, "app")
    ]
    assert included, "the registry and voice routers are expected to be included routers"
    for path in HOT:
        assert position[path] < min(included), path
    # and the registry's own routes still answer
    client = TestClient(app)
    assert client.get("/api/coop/offers").status_code in (200, 404)
    assert client.get("/coop").status_code in (200, 303, 307)


def test_every_api_response_says_which_view(site: SiteData) -> None:
    client = TestClient(create_app(site))
    r = client.get("/api/country/KEN")
    assert r.status_code == 200
    assert r.headers[VIEW_HEADER] == "international"
    r = client.get("/api/ranking")
    assert r.headers[VIEW_HEADER] == "international"
    # a page that is not an API response carries no view header
    assert VIEW_HEADER not in client.get("/country/KEN").headers
    # gzip still applies on top (the header middleware wraps, it does not buffer)
    r = client.get("/api/country/KEN", headers={"accept-encoding": "gzip"})
    assert r.headers.get("content-encoding") == "gzip"
    assert r.headers[VIEW_HEADER] == "international"
