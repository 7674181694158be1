"""The sign-in brake (security review F6): failures slow down the address and the (account,
address) pair with exponential backoff; many addresses slow an account down except where its
owner signed in before; nobody can lock the owner out; an administrator lifts the brake."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient

from aicap.analysis.cooperate.service import default_vocabulary
from aicap.warehouse.cooperation.store import CoopStore, TooManyRequestsError
from aicap.web.coop_throttle import LoginThrottle
from aicap.web.cooperation import StoreHolder, build_router

PW = "correct horse battery"
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def blocked(th: LoginThrottle, user: str, client: str) -> int:
    """Retry-After seconds (0: heard now)."""
    try:
        th.check(user, client)
    except TooManyRequestsError as exc:
        return exc.retry_after
    return 0


def test_pair_backoff_doubles_and_the_owner_elsewhere_is_heard() -> None:
    clock = Clock()
    th = LoginThrottle(clock=clock)
    for _ in range(5):
        th.failed("admin", "10.0.0.66")
    assert blocked(th, "admin", "10.0.0.66") == 60  # base delay after the fifth failure
    assert blocked(th, "Admin", "10.0.0.66") == 60  # usernames compare case-insensitively
    assert blocked(th, "admin", "10.0.0.1") == 0  # the owner elsewhere: not locked out
    assert blocked(th, "someone", "10.0.0.66") == 0  # another account from there: heard
    clock.t += 60
    th.failed("admin", "10.0.0.66")
    assert blocked(th, "admin", "10.0.0.66") == 120  # doubles
    clock.t += 120
    th.failed("admin", "10.0.0.66")
    assert blocked(th, "admin", "10.0.0.66") == 240
    for _ in range(10):
        th.failed("admin", "10.0.0.66")
    assert blocked(th, "admin", "10.0.0.66") == 900  # at most 15 minutes
    clock.t += 15 * 60 + 1  # the window slides: every failure has left it
    assert blocked(th, "admin", "10.0.0.66") == 0
    th.failed("ken", "10.0.0.7")
    th.succeeded("ken", "10.0.0.7")  # a success clears its pair
    assert th._fails.get(("pair", "ken", "10.0.0.7")) is None


def test_one_address_guessing_many_accounts_is_slowed() -> None:
    th = LoginThrottle(clock=Clock())
    for i in range(20):
        th.failed(f"user{i}", "198.51.100.9")
    assert blocked(th, "fresh", "198.51.100.9") == 60
    assert blocked(th, "fresh", "198.51.100.10") == 0


def test_many_addresses_slow_an_account_but_not_its_owner() -> None:
    clock = Clock()
    th = LoginThrottle(clock=clock)
    th.succeeded("admin", "10.0.0.1")  # the owner's usual address
    for i in range(50):
        th.failed("admin", f"203.0.113.{i}")
    assert blocked(th, "admin", "203.0.113.200") == 60  # a new address waits
    assert blocked(th, "admin", "10.0.0.1") == 0  # the owner's address does not
    assert th.unlock(username="admin") >= 51
    assert blocked(th, "admin", "203.0.113.200") == 0


@pytest.fixture
def app(tmp_path: Path) -> Iterator[FastAPI]:
    st = CoopStore.open(f"sqlite:///{tmp_path / 'c.sqlite'}", default_vocabulary(), hasher=FAST)
    st.bootstrap_admin("admin", PW)
    st.create_account(
        st.authenticate("admin", PW), {"username": "bob", "password": PW, "role": "public"}
    )
    holder = StoreHolder(st)
    app = FastAPI()
    app.include_router(build_router(holder))
    app.state.store = st
    app.state.throttle = holder.throttle
    yield app
    st.close()


def test_api_nobody_locks_out_the_administrator(app: FastAPI) -> None:
    evil = TestClient(app, client=("203.0.113.5", 1234))
    for _ in range(5):
        r = evil.post("/api/coop/auth/login", json={"username": "admin", "password": "nope"})
        assert r.status_code == 401
    r = evil.post("/api/coop/auth/login", json={"username": "admin", "password": PW})
    assert r.status_code == 429 and r.headers["retry-after"] == "60"
    err = r.json()["error"]
    assert err["code"] == "too_many_requests" and err["detail"]["retry_after"] == 60
    owner = TestClient(app, client=("192.0.2.1", 1))  # before the fix: 429 here too
    r = owner.post("/api/coop/auth/login", json={"username": "admin", "password": PW})
    assert r.status_code == 200, r.text
    csrf = {"X-CSRF-Token": r.json()["csrf_token"]}
    # the administrator lifts the brake of the address; others may not
    bob = TestClient(app, client=("192.0.2.2", 1))
    b = bob.post("/api/coop/auth/login", json={"username": "bob", "password": PW}).json()
    r = bob.post(
        "/api/coop/auth/unlock",
        json={"address": "203.0.113.5"},
        headers={"X-CSRF-Token": b["csrf_token"]},
    )
    assert r.status_code == 403
    r = owner.post("/api/coop/auth/unlock", json={}, headers=csrf)
    assert r.status_code == 422
    r = owner.post(
        "/api/coop/auth/unlock", json={"username": "admin", "address": "203.0.113.5"}, headers=csrf
    )
    assert r.status_code == 200 and r.json()["cleared"] == 3
    r = evil.post("/api/coop/auth/login", json={"username": "admin", "password": "nope"})
    assert r.status_code == 401  # heard again
    spec = TestClient(app).get("/openapi.json").json()
    assert "429" in spec["paths"]["/api/coop/auth/login"]["post"]["responses"]


def test_the_public_sees_no_usernames(app: FastAPI) -> None:
    st: CoopStore = app.state.store
    admin = st.authenticate("admin", PW)
    need = st.create(admin, "need", {"country_iso3": "KEN", "title": "Skills", "areas": ["skills"]})
    assert need["created_by"] == "admin"
    anon = TestClient(app)
    assert anon.get(f"/api/coop/needs/{need['id']}").json()["created_by"] is None
    assert [n["created_by"] for n in anon.get("/api/coop/needs").json()] == [None]
    bob = TestClient(app)
    bob.post("/api/coop/auth/login", json={"username": "bob", "password": PW})
    assert bob.get(f"/api/coop/needs/{need['id']}").json()["created_by"] is None  # public role
    me = TestClient(app)
    me.post("/api/coop/auth/login", json={"username": "admin", "password": PW})
    assert me.get(f"/api/coop/needs/{need['id']}").json()["created_by"] == "admin"
