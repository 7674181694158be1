"""The sign-in throttle: 5 failed sign-ins of one account or one client within 15 minutes,
then 429 with Retry-After (API login); the window slides; success clears the account."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient

from aicap.analysis.cooperate.service import default_vocabulary
from aicap.warehouse.cooperation.store import CoopStore, TooManyRequestsError
from aicap.web.cooperation import LoginThrottle, StoreHolder, build_router

PW = "correct horse battery"
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_limit_window_and_retry_after() -> None:
    clock = Clock()
    th = LoginThrottle(limit=5, window=timedelta(minutes=15), clock=clock)
    for _ in range(5):
        th.check("ken", "10.0.0.1")
        th.failed("ken", "10.0.0.1")
        clock.t += 60  # one a minute
    with pytest.raises(TooManyRequestsError) as exc:
        th.check("ken", "10.0.0.2")  # the account is blocked from anywhere
    # the first failure (t=1000) leaves the window at t=1900; now t=1300
    assert exc.value.retry_after == 600 and exc.value.status == 429
    with pytest.raises(TooManyRequestsError):
        th.check("someone", "10.0.0.1")  # the client is blocked for any account
    th.check("someone", "10.0.0.2")  # another account elsewhere is not
    clock.t = 1900.0  # the oldest failure has left the window: 4 remain
    th.check("ken", "10.0.0.2")
    th.failed("ken", "10.0.0.2")
    with pytest.raises(TooManyRequestsError):
        th.check("Ken", "10.0.0.9")  # usernames compare case-insensitively
    th.succeeded("ken")
    th.check("ken", "10.0.0.9")


@pytest.fixture
def app(tmp_path: Path) -> Iterator[FastAPI]:
    st = CoopStore.open(f"sqlite:///{tmp_path / 'c.sqlite'}", default_vocabulary(), hasher=FAST)
    st.bootstrap_admin("admin", PW)
    holder = StoreHolder(st)
    app = FastAPI()
    app.include_router(build_router(holder))
    app.state.store = st
    yield app
    st.close()


def test_api_login_429_with_retry_after(app: FastAPI) -> None:
    c = TestClient(app, client=("203.0.113.5", 1234))
    for _ in range(5):
        r = c.post("/api/coop/auth/login", json={"username": "admin", "password": "nope"})
        assert r.status_code == 401
    r = c.post("/api/coop/auth/login", json={"username": "admin", "password": PW})
    assert r.status_code == 429
    assert 880 <= int(r.headers["retry-after"]) <= 900
    err = r.json()["error"]
    assert err["code"] == "too_many_requests" and err["detail"]["retry_after"] > 0
    # a successful sign-in clears the account's count (not the client's): 4 failures, a
    # success, 4 more failures from elsewhere are all heard (without clearing: 429 at the 6th)
    st = app.state.store
    st.create_account(st.authenticate("admin", PW), {"username": "bob", "password": PW,
                                                      "role": "public"})  # fmt: skip
    for n, pw in enumerate(["no"] * 4 + [PW] + ["no"] * 4):
        cl = TestClient(app, client=(f"192.0.2.{n}", 1))
        r = cl.post("/api/coop/auth/login", json={"username": "bob", "password": pw})
        assert r.status_code == (200 if pw == PW else 401), n
    spec = TestClient(app).get("/openapi.json").json()
    assert "429" in spec["paths"]["/api/coop/auth/login"]["post"]["responses"]
