"""Shared by the cooperation page tests: a registry on a throwaway SQLite file with one account
per role, the demonstration records, and sign-in through the HTML form."""

from __future__ import annotations

import re
from pathlib import Path

from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from aicap.analysis.cooperate.demo import load_demo
from aicap.analysis.cooperate.service import default_vocabulary
from aicap.warehouse.cooperation.store import CoopStore

PW = "correct horse battery"
#: argon2id with light parameters: the same code path, fewer seconds per sign-in in tests
FAST_HASH = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
ACCOUNTS = (
    {"username": "ken", "role": "focal_point", "country_iso3": "KEN"},
    {"username": "mwi", "role": "focal_point", "country_iso3": "MWI"},
    {"username": "acme", "role": "partner", "organisation": "Acme Cloud"},
    {"username": "uni", "role": "partner", "organisation": "Open University"},
    {"username": "reader", "role": "public"},
)


def make_store(folder: Path, demo: bool = True) -> CoopStore:
    st = CoopStore.open(
        f"sqlite:///{folder / 'coop.sqlite'}", default_vocabulary(), hasher=FAST_HASH
    )
    st.bootstrap_admin("admin", PW)
    admin = st.authenticate("admin", PW)
    for acc in ACCOUNTS:
        st.create_account(admin, {**acc, "password": PW})
    if demo:
        load_demo(st, admin)
    return st


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]*)"', html)
    assert m, "no csrf_token field on the page"
    return m.group(1)


def sign_in(client: TestClient, user: str, lang_prefix: str = "") -> str:
    """Sign ``client`` in through the HTML form; the session's CSRF token (from a form)."""
    r = client.get(f"{lang_prefix}/coop/login")
    assert r.status_code == 200, r.text
    r = client.post(
        f"{lang_prefix}/coop/login",
        data={"username": user, "password": PW, "csrf_token": csrf_of(r.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    page = client.get(f"{lang_prefix}/coop")
    return csrf_of(page.text)
