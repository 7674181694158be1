"""The cooperation registry's sign-in and sign-out pages (a session cookie; failed
sign-ins throttled)."""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from aicap.warehouse.cooperation.store import (
    CoopError,
    ForbiddenError,
    TooManyRequestsError,
    UnauthorisedError,
)
from aicap.web import i18n
from aicap.web.coop_http import (
    LOGIN_BASE,
    SESSION_BASE,
    cookie_name,
    delete_cookie,
    session_cookie,
    set_cookie,
)
from aicap.web.coop_page_base import CoopPages
from aicap.web.coop_page_input import (
    Visitor,
    _lang_prefix,
    _safe_next,
    coop_url,
)
from aicap.web.cooperation import (
    PREFIX,
    SESSION_LIFETIME,
    client_of,
)


def add_auth_pages(p: CoopPages, lang: str) -> None:
    router = p.router
    get_store = p.get_store
    brake = p.brake
    visitor = p.visitor
    check_csrf = p.check_csrf
    render = p.render
    error_page = p.error_page
    redirect = p.redirect
    pre = _lang_prefix(lang)

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
