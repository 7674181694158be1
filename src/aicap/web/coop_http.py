"""HTTP hardening of the cooperation registry (API and pages): cookie attributes, security
headers, and the route class that applies them.

Cookies. ``AICAP_COOP_SECURE_COOKIES=1`` (set it when the site is served over HTTPS, directly
or behind a TLS-terminating proxy) makes the session and sign-in cookies ``Secure`` with the
``__Host-`` prefix (``Path=/``, no ``Domain``: the browser sends them only over HTTPS, only to
this host). Without it (a local instance over plain HTTP) they are HttpOnly and
SameSite=Strict but not ``Secure``, under their plain names. A request over ``https`` sets
``Secure`` too.

Headers (every registry response): ``Content-Security-Policy`` (only this origin's styles and
images, no scripts, no framing, forms post only here), ``X-Content-Type-Options: nosniff``,
``X-Frame-Options: DENY``, ``Referrer-Policy: same-origin``; a response to a signed-in request
(a session cookie or a bearer token) also gets ``Cache-Control: no-store``; with secure cookies
on, ``Strict-Transport-Security``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

SESSION_BASE = "aicap_coop_session"
LOGIN_BASE = "aicap_coop_login_csrf"
HOST_PREFIX = "__Host-"

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
HSTS = "max-age=31536000"


def secure_cookies() -> bool:
    """Whether the deployment says it is served over HTTPS (``AICAP_COOP_SECURE_COOKIES``)."""
    return os.environ.get("AICAP_COOP_SECURE_COOKIES", "").strip().lower() in {
        "1",
        "true",
        "yes",
        "on",
    }


def cookie_name(base: str) -> str:
    """The cookie's name: ``__Host-`` + ``base`` with secure cookies on, else ``base``."""
    return HOST_PREFIX + base if secure_cookies() else base


def session_cookie(request: Request) -> str | None:
    """The session cookie's value (under the name the current setting uses)."""
    return request.cookies.get(cookie_name(SESSION_BASE))


def set_cookie(response: Response, request: Request, base: str, value: str, max_age: int) -> None:
    secure = secure_cookies() or request.url.scheme == "https"
    response.set_cookie(
        cookie_name(base),
        value,
        max_age=max_age,
        path="/",
        secure=secure,
        httponly=True,
        samesite="strict",
    )


def delete_cookie(response: Response, base: str) -> None:
    response.delete_cookie(
        cookie_name(base), path="/", secure=secure_cookies(), httponly=True, samesite="strict"
    )


def signed_in_request(request: Request) -> bool:
    auth = request.headers.get("authorization", "")
    return bool(session_cookie(request)) or auth.lower().startswith("bearer ")


def add_security_headers(request: Request, response: Response) -> Response:
    for key, value in HEADERS.items():
        response.headers.setdefault(key, value)
    if signed_in_request(request) or "set-cookie" in response.headers:
        response.headers["Cache-Control"] = "no-store"
    if secure_cookies():
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


class SecureRoute(APIRoute):
    """A route whose responses carry the security headers."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            return add_security_headers(request, await original(request))

        return handler
