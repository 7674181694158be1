"""HTTP hardening of the cooperation registry (API and pages): cookie attributes, security
headers, and the route class that applies them.

Cookies. ``AICAP_COOP_SECURE_COOKIES=1`` (set it when the site is served over HTTPS, directly
or behind a TLS-terminating proxy) makes the session and sign-in cookies ``Secure`` with the
``__Host-`` prefix (``Path=/``, no ``Domain``: the browser sends them only over HTTPS, only to
this host). Without it (a local instance over plain HTTP) they are HttpOnly and
SameSite=Strict but not ``Secure``, under their plain names. A request over ``https`` sets
``Secure`` too.

Request size (every registry route, checked before authentication and before the body is
parsed): at most :data:`MAX_BODY` bytes (1 MiB), imports :data:`MAX_IMPORT_BODY`
(``AICAP_COOP_MAX_IMPORT_MB``, default 50 MiB); a larger ``Content-Length`` is refused at once
and a body sent without one is cut off once it passes the limit: 413 ``payload_too_large``.

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

from fastapi import HTTPException, Request, Response
from fastapi.routing import APIRoute
from starlette.types import Message

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

MAX_BODY = 1 << 20


def max_import_body() -> int:
    """The size limit of an import's body (``AICAP_COOP_MAX_IMPORT_MB``, default 50 MiB)."""
    try:
        mb = float(os.environ.get("AICAP_COOP_MAX_IMPORT_MB", "50"))
    except ValueError:
        mb = 50.0
    return int(max(mb, 1.0) * (1 << 20))


class BodyTooLargeError(HTTPException):
    """413: the body passes the route's limit (an ``HTTPException`` so that FastAPI's body
    parsing lets it through unchanged)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than {limit:,} bytes")
        self.limit = limit


def limit_body(request: Request, limit: int) -> Request:
    """``request`` whose body may not pass ``limit`` bytes (see the module doc)."""
    length = request.headers.get("content-length")
    if length is not None:
        if not length.strip().isdigit():
            raise HTTPException(400, "Content-Length is not a number")
        if int(length) > limit:
            raise BodyTooLargeError(limit)
    receive = request.receive
    seen = 0

    async def limited() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLargeError(limit)
        return message

    return Request(request.scope, limited)


def route_limit(path: str) -> int:
    return max_import_body() if "/import/" in path else MAX_BODY


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
            try:
                resp = await original(limit_body(request, route_limit(self.path)))
            except HTTPException as exc:
                if exc.status_code not in (400, 413):
                    raise
                resp = Response(str(exc.detail), status_code=exc.status_code)
            return add_security_headers(request, resp)

        return handler
