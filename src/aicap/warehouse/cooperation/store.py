"""The cooperation registry's service layer: every read and write goes through
:class:`CoopStore`, which

* checks the input (schemas + the catalogue's :class:`~.schemas.Vocabulary`), naming the field;
* checks who may do it (:class:`Principal`; the rules are in :meth:`CoopStore.authorise`);
* refuses a stale update (optimistic locking: the caller names the version it read; the
  ``UPDATE ... WHERE version = ?`` of the ORM catches a concurrent writer) with
  :class:`ConflictError`;
* writes the change and its audit entry (who, when, what, before, after) in one transaction,
  so nothing is half-written.

The parts: :mod:`.base` (transactions, validation, authorisation, reads, audit log),
:mod:`.writes` (create, update, delete), :mod:`.matches` (transitions, proposals),
:mod:`.bulk` (imports), :mod:`.lifecycle` (accounts, sign-in, tokens); errors and
:class:`Principal` in :mod:`.errors`. Everything is importable from here as before.
"""

from __future__ import annotations

from aicap.warehouse.cooperation.base import (
    MATCH_ACTIVITY_MSG,
    MAX_ID,
    TRANSITION_ROLES,
    StoreBase,
    _validation_detail,
    as_dict,
)
from aicap.warehouse.cooperation.bulk import BulkMixin
from aicap.warehouse.cooperation.errors import (
    PUBLIC,
    SYSTEM,
    ConflictError,
    CoopError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    Principal,
    TooManyRequestsError,
    UnauthorisedError,
)
from aicap.warehouse.cooperation.lifecycle import AccountLifecycle
from aicap.warehouse.cooperation.matches import MatchesMixin
from aicap.warehouse.cooperation.writes import WritesMixin

__all__ = [
    "MATCH_ACTIVITY_MSG",
    "MAX_ID",
    "PUBLIC",
    "SYSTEM",
    "TRANSITION_ROLES",
    "ConflictError",
    "CoopError",
    "CoopStore",
    "ForbiddenError",
    "InvalidInputError",
    "NotFoundError",
    "Principal",
    "StoreBase",
    "TooManyRequestsError",
    "UnauthorisedError",
    "_validation_detail",
    "as_dict",
]


class CoopStore(AccountLifecycle, WritesMixin, MatchesMixin, BulkMixin):
    """The registry (see the module doc). ``vocab`` comes from the intervention catalogue."""
