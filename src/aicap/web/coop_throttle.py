"""The sign-in brake: slows password guessing without letting anyone lock the owner out.

Failed sign-ins are counted (within a sliding ``window``, 15 minutes) under three keys:

* the client address (``client_limit`` = 20): one address guessing many accounts;
* the account *from that address* (``pair_limit`` = 5): guessing one account from one place;
* the account from anywhere (``account_limit`` = 50): many addresses guessing one account.
  Addresses from which the account signed in successfully (remembered for ``trusted_for``,
  30 days) are not held back by this count, so a distributed attack on an account slows the
  attackers, not its owner.

Past its limit a key is held back with exponential backoff: ``base_delay`` (60 s) after the
last failure, doubling with each further failure, at most ``max_delay`` (15 minutes); sign-in
is refused with 429 and ``Retry-After`` without checking the password. A successful sign-in
clears its (account, address) count. An administrator can lift the brake for an account or an
address (``POST /api/coop/auth/unlock``). Kept in memory, per process: it is a brake, not a
distributed rate limiter (a deployment with several processes also limits at its proxy).
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import timedelta

from aicap.warehouse.cooperation.store import (
    CoopStore,
    Principal,
    TooManyRequestsError,
    UnauthorisedError,
)

Key = tuple[str, ...]


class LoginThrottle:
    """See the module doc."""

    def __init__(
        self,
        *,
        pair_limit: int = 5,
        client_limit: int = 20,
        account_limit: int = 50,
        window: timedelta = timedelta(minutes=15),
        base_delay: timedelta = timedelta(minutes=1),
        max_delay: timedelta = timedelta(minutes=15),
        trusted_for: timedelta = timedelta(days=30),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = {"pair": pair_limit, "client": client_limit, "account": account_limit}
        self.window = window.total_seconds()
        self.base = base_delay.total_seconds()
        self.max = max_delay.total_seconds()
        self.trusted_for = trusted_for.total_seconds()
        self.clock = clock
        self._fails: dict[Key, deque[float]] = {}
        self._trusted: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _norm(username: str) -> str:
        return username.strip().lower()

    def _keys(self, username: str, client: str) -> list[Key]:
        client = client or "unknown"
        keys: list[Key] = [("client", client)]
        user = self._norm(username)
        if user:
            keys += [("pair", user, client), ("account", user)]
        return keys

    def _recent(self, key: Key, now: float) -> deque[float]:
        q = self._fails.get(key)
        if q is None:
            return deque()
        while q and q[0] <= now - self.window:
            q.popleft()
        if not q:
            del self._fails[key]
        return q

    def _trusted_from(self, user: str, client: str, now: float) -> bool:
        at = self._trusted.get((user, client))
        return at is not None and now - at < self.trusted_for

    def wait(self, username: str, client: str) -> float:
        """Seconds until a sign-in of ``username`` from ``client`` is heard (0: now)."""
        now = self.clock()
        wait = 0.0
        with self._lock:
            for key in self._keys(username, client):
                if key[0] == "account" and self._trusted_from(key[1], client, now):
                    continue
                q = self._recent(key, now)
                over = len(q) - self.limits[key[0]]
                if over >= 0:
                    delay = min(self.max, self.base * 2.0 ** min(over, 30))
                    wait = max(wait, q[-1] + delay - now)
        return max(0.0, wait)

    def check(self, username: str, client: str) -> None:
        """Raise :class:`TooManyRequestsError` while the brake holds this sign-in back."""
        wait = self.wait(username, client)
        if wait > 0:
            raise TooManyRequestsError(
                f"too many failed sign-ins; try again in {math.ceil(wait / 60)} minute(s)",
                max(1, math.ceil(wait)),
            )

    def failed(self, username: str, client: str) -> None:
        now = self.clock()
        with self._lock:
            for key in self._keys(username, client):
                self._recent(key, now)
                self._fails.setdefault(key, deque()).append(now)
            if len(self._fails) > 50_000:  # drop what has left the window
                for key in list(self._fails):
                    self._recent(key, now)

    def succeeded(self, username: str, client: str) -> None:
        user = self._norm(username)
        with self._lock:
            self._fails.pop(("pair", user, client or "unknown"), None)
            self._trusted[(user, client or "unknown")] = self.clock()

    def unlock(self, *, username: str | None = None, client: str | None = None) -> int:
        """Lift the brake for an account (everywhere) and/or an address; the keys cleared."""
        user = self._norm(username) if username else None
        with self._lock:
            gone = [
                k
                for k in self._fails
                if (user is not None and k[0] in ("pair", "account") and k[1] == user)
                or (client is not None and k[0] == "client" and k[1] == client)
                or (client is not None and k[0] == "pair" and k[2] == client)
            ]
            for k in gone:
                del self._fails[k]
        return len(gone)

    def authenticate(self, st: CoopStore, username: str, password: str, client: str) -> Principal:
        """``st.authenticate`` behind the brake."""
        self.check(username, client)
        try:
            who = st.authenticate(username, password)
        except UnauthorisedError:
            self.failed(username, client)
            raise
        self.succeeded(username, client)
        return who
