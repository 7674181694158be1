"""The registry's errors (each with its HTTP status and code) and who is acting."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aicap.warehouse.cooperation.schemas import Role


class CoopError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, detail: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


class NotFoundError(CoopError):
    status = 404
    code = "not_found"


class ForbiddenError(CoopError):
    status = 403
    code = "forbidden"


class UnauthorisedError(CoopError):
    status = 401
    code = "unauthorized"


class ConflictError(CoopError):
    """A conflict (409); ``detail["field"]`` (and ``detail["loc"]``) name the field that
    conflicts: ``version`` (a stale version), ``state`` (an illegal transition), ``match_id``
    (a match's activity written at the same time), ``username`` ..."""

    status = 409
    code = "conflict"

    def __init__(self, message: str, detail: Any = None, *, field: str) -> None:
        info: dict[str, Any] = dict(detail) if isinstance(detail, Mapping) else {}
        if detail is not None and not isinstance(detail, Mapping):
            info["info"] = detail
        info["field"] = field
        info.setdefault("loc", ["body", field])
        super().__init__(message, info)
        self.field = field


class TooManyRequestsError(CoopError):
    """Too many failed sign-ins; ``retry_after`` seconds until the next try is heard."""

    status = 429
    code = "too_many_requests"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message, {"retry_after": retry_after})
        self.retry_after = retry_after


class InvalidInputError(CoopError):
    """Bad input; ``detail`` is a list of ``{"loc": [...field], "msg": ...}``."""

    status = 422
    code = "invalid_request"


@dataclass(frozen=True)
class Principal:
    """Who is acting: a signed-in account, or the anonymous public reader."""

    username: str
    role: Role
    country_iso3: str | None = None
    organisation: str | None = None
    account_id: int | None = None
    #: how it signed in: "session", "token" (an API token) or "" (a password, the CLI)
    via: str = ""
    token_id: int | None = None
    scope: str = "write"

    @property
    def can_write(self) -> bool:
        return self.role != Role.public


PUBLIC = Principal("public", Role.public)
SYSTEM = Principal("system", Role.administrator)
