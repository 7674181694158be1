"""Accounts, sign-in and the token and account lifecycle of the cooperation registry
(security review F8): API tokens
expire (90 days by default, at most a year), carry a scope (``read`` or ``write``), can be
listed and revoked; passwords can be changed (all other sessions and tokens end) or reset by an
administrator; accounts can be disabled (their sessions and tokens end at once) and enabled.
Mixed into :class:`~aicap.warehouse.cooperation.store.CoopStore`."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from aicap.warehouse.cooperation.base import StoreBase, _hash_token
from aicap.warehouse.cooperation.errors import (
    SYSTEM,
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    Principal,
    UnauthorisedError,
)
from aicap.warehouse.cooperation.models import (
    Account,
    ApiToken,
)
from aicap.warehouse.cooperation.schemas import (
    AccountIn,
    Role,
    password_problem,
)

DEFAULT_TOKEN_DAYS = 90
MAX_TOKEN_DAYS = 365
SCOPES = ("read", "write")


def token_lifetime(days: int | None) -> timedelta:
    """An API token's lifetime: ``days`` (1..365; default 90)."""
    d = DEFAULT_TOKEN_DAYS if days is None else int(days)
    if not 1 <= d <= MAX_TOKEN_DAYS:
        raise ValueError(f"expires_in_days: between 1 and {MAX_TOKEN_DAYS}")
    return timedelta(days=d)


def _token_public(t: ApiToken) -> dict[str, Any]:
    exp = t.expires_at
    if exp is not None and exp.tzinfo is None:
        exp = exp.replace(tzinfo=UTC)
    return {
        "id": t.id,
        "account_id": t.account_id,
        "label": t.label,
        "kind": t.kind,
        "scope": t.scope,
        "created_at": t.created_at.isoformat() if t.created_at else None,
        "expires_at": exp.isoformat() if exp else None,
        "expired": bool(exp and exp < datetime.now(UTC)),
        "revoked": t.revoked,
    }


class AccountLifecycle(StoreBase):
    """Accounts, sign-in, tokens (see the module doc)."""

    @staticmethod
    def _errors() -> Any:
        from aicap.warehouse.cooperation import errors

        return errors

    # ---------------------------------------------------------------- accounts
    def create_account(self, actor: Principal, data: Mapping[str, Any]) -> dict[str, Any]:
        self._require_admin(actor, "create accounts")
        acc_in = self._validate(AccountIn, data)
        assert isinstance(acc_in, AccountIn)
        with self.tx() as s:
            if s.scalar(select(Account).where(Account.username == acc_in.username)):
                raise ConflictError(f"username {acc_in.username!r} is taken", field="username")
            acc = Account(
                username=acc_in.username,
                password_hash=self.hasher.hash(acc_in.password),
                role=acc_in.role.value,
                country_iso3=acc_in.country_iso3,
                organisation=acc_in.organisation,
            )
            s.add(acc)
            try:
                s.flush()
            except IntegrityError:
                raise ConflictError(
                    f"username {acc_in.username!r} is taken", field="username"
                ) from None
            after = self._account_public(acc)
            self._audit(s, actor, "create", "account", acc.id, None, after)
        return after

    def bootstrap_admin(self, username: str, password: str) -> dict[str, Any]:
        """Create the first administrator (only while no administrator exists)."""
        with self.tx() as s:
            if s.scalar(select(Account).where(Account.role == Role.administrator.value)):
                raise ConflictError("an administrator already exists", field="role")
        return self.create_account(
            SYSTEM, {"username": username, "password": password, "role": "administrator"}
        )

    @staticmethod
    def _account_public(acc: Account) -> dict[str, Any]:
        return {
            "id": acc.id,
            "username": acc.username,
            "role": acc.role,
            "country_iso3": acc.country_iso3,
            "organisation": acc.organisation,
            "active": acc.active,
        }

    def authenticate(self, username: str, password: str) -> Principal:
        with self.tx() as s:
            acc = s.scalar(select(Account).where(Account.username == username))
            if acc is None or not acc.active:
                self.hasher.hash(password)  # same work either way
                raise UnauthorisedError("wrong username or password")
            try:
                self.hasher.verify(acc.password_hash, password)
            except (VerificationError, InvalidHashError):
                raise UnauthorisedError("wrong username or password") from None
            if self.hasher.check_needs_rehash(acc.password_hash):
                acc.password_hash = self.hasher.hash(password)
            return self._principal(acc)

    @staticmethod
    def _principal(acc: Account) -> Principal:
        return Principal(
            acc.username, Role(acc.role), acc.country_iso3, acc.organisation, account_id=acc.id
        )

    def issue_token(
        self,
        who: Principal,
        *,
        kind: str = "api",
        label: str = "",
        lifetime: timedelta | None = None,
        scope: str = "write",
    ) -> tuple[str, str | None]:
        """A new secret token (only its SHA-256 is stored) and, for a session, its CSRF token.
        An API token always expires (``lifetime``, default 90 days); it cannot be minted with
        another API token."""
        if who.account_id is None:
            raise UnauthorisedError("sign in first")
        if who.via == "token":
            raise ForbiddenError("an API token cannot mint tokens; sign in with your password")
        if scope not in SCOPES:
            raise InvalidInputError(
                "invalid input: scope", [{"loc": ["body", "scope"], "msg": "read or write"}]
            )
        if kind == "api" and lifetime is None:
            lifetime = timedelta(days=90)
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(24) if kind == "session" else None
        expires = datetime.now(UTC) + lifetime if lifetime else None
        with self.tx() as s:
            s.add(
                ApiToken(
                    account_id=who.account_id,
                    token_hash=_hash_token(token),
                    label=label,
                    kind=kind,
                    csrf_token=csrf,
                    expires_at=expires,
                    scope=scope,
                )
            )
            self._audit(
                s, who, "issue_token", "token", None, None,
                {"kind": kind, "label": label, "scope": scope},
            )  # fmt: skip
        return token, csrf

    def principal_for_token(self, token: str, *, kind: str | None = None) -> tuple[Principal, str]:
        """The account behind a token and the token's CSRF secret ('' for API tokens)."""
        with self.read() as s:
            row = s.scalar(select(ApiToken).where(ApiToken.token_hash == _hash_token(token)))
            if row is None or row.revoked or (kind and row.kind != kind):
                raise UnauthorisedError("unknown or revoked token")
            if row.expires_at is not None:
                exp = row.expires_at
                exp = exp if exp.tzinfo else exp.replace(tzinfo=UTC)
                if exp < datetime.now(UTC):
                    raise UnauthorisedError(
                        "the session has expired; sign in again"
                        if row.kind == "session"
                        else "the API token has expired; issue a new one"
                    )
            acc = s.get(Account, row.account_id)
            if acc is None or not acc.active:
                raise UnauthorisedError("the account is disabled")
            who = replace(
                self._principal(acc),
                via="session" if row.kind == "session" else "token",
                token_id=row.id,
                scope=row.scope,
            )
            return who, row.csrf_token or ""

    def revoke_token(self, token: str) -> None:
        with self.tx() as s:
            row = s.scalar(select(ApiToken).where(ApiToken.token_hash == _hash_token(token)))
            if row is not None:
                row.revoked = True

    def _account(self, s: Session, username: str) -> Account:
        acc = s.scalar(select(Account).where(Account.username == username))
        if acc is None:
            raise self._errors().NotFoundError(f"account {username!r} not found")
        return acc

    def _check_new_password(self, password: str, username: str) -> None:
        problem = password_problem(password, username)
        if problem:
            raise self._errors().InvalidInputError(
                f"invalid input: password {problem}",
                [{"loc": ["body", "new_password"], "msg": problem}],
            )

    # -------------------------------------------------------------- tokens
    def list_tokens(self, actor: Principal, username: str | None = None) -> list[dict[str, Any]]:
        """API tokens of ``actor`` (an administrator: of ``username``, or of everyone)."""
        err = self._errors()
        if actor.account_id is None and actor.role != Role.administrator:
            raise err.UnauthorisedError("sign in first")
        with self.tx() as s:
            q = select(ApiToken).where(ApiToken.kind == "api").order_by(ApiToken.id)
            if actor.role != Role.administrator:
                if username not in (None, actor.username):
                    raise err.ForbiddenError("only an administrator lists others' tokens")
                q = q.where(ApiToken.account_id == actor.account_id)
            elif username:
                q = q.where(ApiToken.account_id == self._account(s, username).id)
            return [_token_public(t) for t in s.scalars(q)]

    def revoke_token_id(self, actor: Principal, token_id: int) -> dict[str, Any]:
        """Revoke one API token: one's own, or any (an administrator)."""
        err = self._errors()
        with self.tx() as s:
            row = s.get(ApiToken, token_id) if 0 < token_id <= 2**31 - 1 else None
            mine = row is not None and row.account_id == actor.account_id
            if row is None or row.kind != "api" or not (mine or actor.role == Role.administrator):
                raise err.NotFoundError(f"token {token_id} not found")
            row.revoked = True
            after = _token_public(row)
            self._audit(s, actor, "revoke_token", "token", row.id, None, after)
            return after

    # -------------------------------------------------------------- passwords, accounts
    def change_password(
        self, actor: Principal, current: str, new: str, *, keep_token_id: int | None = None
    ) -> int:
        """``actor`` changes its own password (the current one is checked); every other
        session and token of the account ends. The number ended."""
        err = self._errors()
        if actor.account_id is None:
            raise err.UnauthorisedError("sign in first")
        with self.tx() as s:
            acc = s.get(Account, actor.account_id)
            assert acc is not None
            try:
                self.hasher.verify(acc.password_hash, current)
            except (VerificationError, InvalidHashError):
                raise err.ForbiddenError("the current password is wrong") from None
            self._check_new_password(new, acc.username)
            acc.password_hash = self.hasher.hash(new)
            n = self._end_tokens(s, acc.id, keep=keep_token_id)
            self._audit(s, actor, "password", "account", acc.id, None, {"tokens_ended": n})
            return n

    def reset_password(self, actor: Principal, username: str, new: str) -> int:
        """An administrator sets ``username``'s password; its sessions and tokens end."""
        err = self._errors()
        if actor.role != Role.administrator:
            raise err.ForbiddenError("only an administrator resets passwords")
        self._check_new_password(new, username)
        with self.tx() as s:
            acc = self._account(s, username)
            acc.password_hash = self.hasher.hash(new)
            n = self._end_tokens(s, acc.id)
            self._audit(s, actor, "password", "account", acc.id, None, {"tokens_ended": n})
            return n

    def set_active(self, actor: Principal, username: str, active: bool) -> dict[str, Any]:
        """Disable (its sessions and tokens end) or enable an account (an administrator)."""
        err = self._errors()
        if actor.role != Role.administrator:
            raise err.ForbiddenError("only an administrator disables or enables accounts")
        if not active and username == actor.username:
            raise err.ConflictError("an administrator cannot disable itself", field="username")
        with self.tx() as s:
            acc = self._account(s, username)
            before = {"active": acc.active}
            acc.active = active
            n = 0 if active else self._end_tokens(s, acc.id)
            after: Mapping[str, Any] = {"active": active, "tokens_ended": n}
            self._audit(s, actor, "enable" if active else "disable", "account", acc.id, before,
                        dict(after))  # fmt: skip
            return {"username": username, **after}

    @staticmethod
    def _end_tokens(s: Session, account_id: int, keep: int | None = None) -> int:
        q = update(ApiToken).where(ApiToken.account_id == account_id, ApiToken.revoked.is_(False))
        if keep is not None:
            q = q.where(ApiToken.id != keep)
        return int(s.execute(q.values(revoked=True)).rowcount or 0)  # type: ignore[attr-defined]
