"""The cooperation API's accounts: session login and logout, API tokens, passwords,
account creation, disabling and unlocking."""

from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, Query, Request, Response

from aicap.warehouse.cooperation.schemas import (
    AccountIn,
)
from aicap.warehouse.cooperation.store import (
    CoopStore,
    ForbiddenError,
    InvalidInputError,
    Principal,
    UnauthorisedError,
)
from aicap.web.coop_api_base import (
    SESSION_LIFETIME,
    WRITE_ERRORS,
    CoopApi,
    Id,
    LoginIn,
    PasswordIn,
    ResetIn,
    TokenIn,
    UnlockIn,
    Username,
    _errors,
    client_of,
)
from aicap.web.coop_http import (
    SESSION_BASE,
    delete_cookie,
    session_cookie,
    set_cookie,
)
from aicap.web.coop_throttle import LoginThrottle as LoginThrottle


def add_auth_routes(api: CoopApi) -> None:
    router, get_store = api.router, api.get_store
    Who = Annotated[Principal, Depends(api.principal)]
    Store = Annotated[CoopStore, Depends(get_store)]

    # ------------------------------------------------------------ auth
    @router.post(
        "/auth/login",
        responses=_errors(401, 429),
        summary="Sign in: a session cookie and its CSRF token (failures slow down: 429)",
    )
    def login(body: LoginIn, request: Request, response: Response, st: Store) -> dict[str, Any]:
        who = get_store.throttle.authenticate(st, body.username, body.password, client_of(request))
        token, csrf = st.issue_token(who, kind="session", lifetime=SESSION_LIFETIME)
        set_cookie(response, request, SESSION_BASE, token, int(SESSION_LIFETIME.total_seconds()))
        return {"username": who.username, "role": who.role.value, "csrf_token": csrf}

    @router.post("/auth/logout", summary="Sign out (ends the session)")
    def logout(request: Request, response: Response, who: Who, st: Store) -> dict[str, Any]:
        cookie = session_cookie(request)
        if cookie:
            st.revoke_token(cookie)
        delete_cookie(response, SESSION_BASE)
        return {"signed_out": who.username}

    @router.post(
        "/auth/tokens",
        responses=_errors(401, 403, 422),
        summary="A new API token for the signed-in account (not with a token; it expires)",
    )
    def new_token(body: TokenIn, who: Who, st: Store) -> dict[str, Any]:
        if who.account_id is None:
            raise UnauthorisedError("sign in first")
        token, _ = st.issue_token(
            who,
            kind="api",
            label=body.label,
            lifetime=timedelta(days=body.expires_in_days),
            scope=body.scope,
        )
        return {
            "token": token,
            "label": body.label,
            "scope": body.scope,
            "expires_in_days": body.expires_in_days,
            "note": "shown once; only a hash is kept",
        }

    @router.get(
        "/auth/tokens",
        responses=_errors(401, 403, 404),
        summary="API tokens of the signed-in account (an administrator: ?username=, or all)",
    )
    def list_tokens(
        who: Who, st: Store, username: Annotated[str | None, Query(max_length=80)] = None
    ) -> list[dict[str, Any]]:
        return st.list_tokens(who, username)

    @router.delete(
        "/auth/tokens/{tid}", responses=_errors(401, 403, 404), summary="Revoke an API token"
    )
    def revoke_token(tid: Id, who: Who, st: Store) -> dict[str, Any]:
        if who.account_id is None:
            raise UnauthorisedError("sign in first")
        return st.revoke_token_id(who, tid)

    @router.post(
        "/auth/password",
        responses=_errors(401, 403, 422),
        summary="Change your password (every other session and token of the account ends)",
    )
    def change_password(body: PasswordIn, who: Who, st: Store) -> dict[str, Any]:
        n = st.change_password(
            who, body.current_password, body.new_password, keep_token_id=who.token_id
        )
        return {"username": who.username, "sessions_and_tokens_ended": n}

    @router.post(
        "/accounts/{username}/password",
        responses=WRITE_ERRORS,
        summary="Reset an account's password (admin; its sessions and tokens end)",
    )
    def reset_password(username: Username, body: ResetIn, who: Who, st: Store) -> dict[str, Any]:
        n = st.reset_password(who, username, body.new_password)
        return {"username": username, "sessions_and_tokens_ended": n}

    @router.post(
        "/accounts/{username}/disable",
        responses=WRITE_ERRORS,
        summary="Disable an account (admin; its sessions and tokens end at once)",
    )
    def disable(username: Username, who: Who, st: Store) -> dict[str, Any]:
        return st.set_active(who, username, False)

    @router.post("/accounts/{username}/enable", responses=WRITE_ERRORS, summary="Enable (admin)")
    def enable(username: Username, who: Who, st: Store) -> dict[str, Any]:
        return st.set_active(who, username, True)

    @router.post(
        "/auth/unlock",
        responses=_errors(401, 403, 422),
        summary="Lift the sign-in brake for an account and/or an address (admin)",
    )
    def unlock(body: UnlockIn, who: Who) -> dict[str, Any]:
        if who.role.value != "administrator":
            raise ForbiddenError("only an administrator lifts the sign-in brake")
        if not body.username and not body.address:
            raise InvalidInputError(
                "invalid input: username, address",
                [{"loc": ["body", "username"], "msg": "give a username, an address or both"}],
            )
        n = get_store.throttle.unlock(username=body.username, client=body.address)
        return {"username": body.username, "address": body.address, "cleared": n}

    @router.get("/auth/me", summary="Who is acting")
    def me(who: Who) -> dict[str, Any]:
        return {
            "username": who.username,
            "role": who.role.value,
            "country_iso3": who.country_iso3,
            "organisation": who.organisation,
        }

    @router.post("/accounts", responses=WRITE_ERRORS, summary="Create an account (admin)")
    def create_account(body: AccountIn, who: Who, st: Store) -> dict[str, Any]:
        return st.create_account(who, body.model_dump(mode="json"))
