"""The cooperation API under ``/api/coop``: needs, offers, matches, commitments,
disbursements, deliveries, results, activities; matchmaking proposals, accept / decline and
the other match transitions; the public accountability view; IATI 2.03 XML and CSV export and
import; accounts, session login and API tokens.

Errors have the app's one shape ``{"error": {"status", "code", "message", "detail"}}``:
401 unauthorized, 403 forbidden, 404 not_found, 409 conflict (a stale ``version`` or an
illegal transition), 422 invalid_request with ``detail`` naming each bad field.

Who is acting: ``Authorization: Bearer <API token>``, or the session cookie set by
``POST /api/coop/auth/login`` (then every POST/PATCH/DELETE must carry the session's CSRF
token in ``X-CSRF-Token`` or a ``csrf_token`` form field), or nobody: the public reads.
"""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends

from aicap.analysis.cooperate.evidence import EvidenceSource
from aicap.warehouse.cooperation.store import (
    CoopStore,
)
from aicap.web.coop_api_auth import add_auth_routes
from aicap.web.coop_api_base import (
    COLLECTIONS,
    ERROR_CODES,
    MAX_ID,
    PREFIX,
    SAFE,
    SESSION_LIFETIME,
    WRITE_ERRORS,
    Background,
    CoopApi,
    CoopErrorBody,
    CoopErrorResponse,
    CoopRoute,
    Dataset,
    DecisionIn,
    Id,
    LoginIn,
    OptVersion,
    PasswordIn,
    Patch,
    ProposeIn,
    ResetIn,
    StoreHolder,
    TokenIn,
    TransitionIn,
    UnlockIn,
    Username,
    client_of,
    error_response,
    redact,
)
from aicap.web.coop_api_io import add_io_routes
from aicap.web.coop_api_matches import add_match_routes
from aicap.web.coop_api_records import add_record_routes
from aicap.web.coop_throttle import LoginThrottle as LoginThrottle

#: Re-exported: other modules import these names from here.
__all__ = [
    "COLLECTIONS",
    "ERROR_CODES",
    "MAX_ID",
    "PREFIX",
    "SAFE",
    "SESSION_LIFETIME",
    "WRITE_ERRORS",
    "Background",
    "CoopApi",
    "CoopErrorBody",
    "CoopErrorResponse",
    "CoopRoute",
    "Dataset",
    "DecisionIn",
    "Id",
    "LoginIn",
    "LoginThrottle",
    "OptVersion",
    "PasswordIn",
    "Patch",
    "ProposeIn",
    "ResetIn",
    "StoreHolder",
    "TokenIn",
    "TransitionIn",
    "UnlockIn",
    "Username",
    "build_router",
    "client_of",
    "error_response",
    "redact",
    "router",
]


def build_router(
    store: CoopStore | Callable[[], CoopStore] | None = None,
    evidence: EvidenceSource | None = None,
) -> APIRouter:
    """The router; ``store`` is a store, a factory or a :class:`StoreHolder` (default:
    ``AICAP_COOP_DB`` or ``var/cooperation.sqlite``, opened and migrated on the first request).
    ``evidence``: where a need gets its diagnosis snapshot and tier (none: needs are recorded
    without evidence and without a tier; clients never send either)."""
    router = APIRouter(prefix=PREFIX, tags=["cooperation"], route_class=CoopRoute)
    get_store = store if isinstance(store, StoreHolder) else StoreHolder(store)
    api = CoopApi(router, get_store, evidence)
    Store = Annotated[CoopStore, Depends(get_store)]
    add_auth_routes(api)
    add_match_routes(api)
    add_record_routes(api)
    add_io_routes(api)

    @router.get("", summary="The cooperation API's collections", include_in_schema=False)
    def root(st: Store) -> dict[str, Any]:
        return {"collections": [*sorted(COLLECTIONS), "matches"], "counts": st.counts()}

    return router


router = build_router()
