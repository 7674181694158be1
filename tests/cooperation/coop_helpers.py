"""Helpers for the cooperation tests: a throwaway PostgreSQL server and store factories."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient

from aicap.analysis.cooperate.evidence import EvidenceSource
from aicap.warehouse.cooperation.store import CoopStore
from aicap.web.cooperation import build_router

PG_ROOT = Path("/usr/lib/postgresql")


def pg_bindir() -> Path | None:
    """Debian's PostgreSQL binaries (``/usr/lib/postgresql/<ver>/bin``) or those on PATH."""
    found = sorted(
        (p for p in PG_ROOT.glob("*/bin") if p.parent.name.isdigit()),
        key=lambda p: int(p.parent.name),
        reverse=True,
    )
    for d in found:
        if (d / "initdb").exists() and (d / "pg_ctl").exists():
            return d
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """Start PostgreSQL in a temporary folder (initdb + pg_ctl on a free localhost port, as the
    ``postgres`` user when running as root) and yield a SQLAlchemy URL; stop and delete it after.
    """
    bindir = pg_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL binaries absent (scripts/setup.sh installs Debian's postgresql)")
    root = Path(tempfile.mkdtemp(prefix="aicap-pg-"))
    data = root / "data"
    sock = root / "sock"
    sock.mkdir()
    prefix: list[str] = []
    user = "postgres"
    if os.geteuid() == 0:
        shutil.chown(root, user="postgres")
        shutil.chown(sock, user="postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    else:
        import getpass

        user = getpass.getuser()
    port = _free_port()
    env = {**os.environ, "LC_ALL": "C.UTF-8"}
    subprocess.run(
        [*prefix, str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", user, "-E", "UTF8"],
        check=True,
        capture_output=True,
        env=env,
    )
    opts = f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=80"
    subprocess.run(
        [
            *prefix,
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            opts,
            "-w",
            "-t",
            "60",
            "-l",
            str(root / "log"),
            "start",
        ],
        check=True,
        capture_output=True,
        env=env,
    )
    try:
        subprocess.run(
            [
                *prefix,
                str(bindir / "createdb"),
                "-h",
                str(sock),
                "-p",
                str(port),
                "-U",
                user,
                "aicap",
            ],
            check=True,
            capture_output=True,
            env=env,
        )
        yield f"postgresql+psycopg://{user}@127.0.0.1:{port}/aicap"
    finally:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
            capture_output=True,
            env=env,
        )
        time.sleep(0.1)
        shutil.rmtree(root, ignore_errors=True)


PW = "correct horse battery"
FAST_HASH = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


#: The tiers the stand-in diagnosis gives (a country not listed has no diagnosis).
TIERS = {"KEN": 1, "MWI": 0, "TCD": 0}


class FixedEvidence(EvidenceSource):
    """A diagnosis with known tiers, without a warehouse."""

    def snapshot(self, iso3: str) -> dict[str, Any]:
        iso3 = iso3.upper()
        self.computed += 1
        if iso3 not in TIERS:
            return {"available": False, "iso3": iso3, "reason": "not in the test diagnosis"}
        return {"available": True, "iso3": iso3, "tier": TIERS[iso3], "source": "test diagnosis"}


class World:
    """A client per role on one store."""

    def __init__(self, store: CoopStore) -> None:
        self.store = store
        app = FastAPI()
        app.include_router(build_router(store, FixedEvidence()))
        self.app = app
        store.bootstrap_admin("admin", PW)
        self.anon = TestClient(app)
        self.admin = self.client("admin")
        for body in (
            {"username": "ken", "role": "focal_point", "country_iso3": "KEN"},
            {"username": "mwi", "role": "focal_point", "country_iso3": "MWI"},
            {"username": "acme", "role": "partner", "organisation": "Acme Cloud"},
            {"username": "uni", "role": "partner", "organisation": "Open University"},
            {"username": "reader", "role": "public"},
        ):
            r = self.admin.post("/api/coop/accounts", json={**body, "password": PW})
            assert r.status_code == 200, r.text
        self.ken, self.mwi = self.client("ken"), self.client("mwi")
        self.acme, self.uni = self.client("acme"), self.client("uni")
        self.reader = self.client("reader")

    def client(self, user: str) -> TestClient:
        c = TestClient(self.app)
        r = c.post("/api/coop/auth/login", json={"username": user, "password": PW})
        assert r.status_code == 200, r.text
        r = c.post(
            "/api/coop/auth/tokens",
            json={"label": "t"},
            headers={"X-CSRF-Token": r.json()["csrf_token"]},
        )
        assert r.status_code == 200, r.text
        token = r.json()["token"]
        c.cookies.clear()
        c.headers["Authorization"] = f"Bearer {token}"
        return c


NEED = {
    "country_iso3": "KEN",
    "title": "Shared GPU access for the national AI centre",
    "interventions": ["COMP-01", "SKILL-02"],
    "priority": 4,
    "beneficiary_groups": ["youth", "women_and_girls"],
    "budget_gap_usd": 2_000_000,
    "demand": {"GPU-hours": 50_000},
    "preferred_modality": "south_south",
    "languages": ["en", "sw"],
}
OFFER = {
    "provider_org": "Acme Cloud",
    "provider_type": "private_company",
    "pledge_type": "compute",
    "title": "Cloud credits for public-interest AI",
    "interventions": ["COMP-01"],
    "areas": ["compute"],
    "eligible_tiers": [0, 1, 2],
    "capacity_amount": 1_500_000,
    "capacity_unit": "USD",
    "modalities": ["south_south", "north_south"],
    "languages": ["en"],
    "conditions": {"licence": "open", "lock_in": "none", "data_localisation": "in-country"},
    "valid_from": "2025-01-01",
    "valid_until": "2030-12-31",
}


def setup_match(w: World) -> dict[str, Any]:
    assert w.ken.post("/api/coop/needs", json=NEED).status_code == 201
    assert w.acme.post("/api/coop/offers", json=OFFER).status_code == 201
    r = w.admin.post("/api/coop/matches/propose", json={"on": "2026-01-01"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["proposals"], body
    return w.admin.get(f"/api/coop/matches/{body['proposals'][0]['match_id']}").json()


def accept_both(w: World, m: dict[str, Any]) -> dict[str, Any]:
    """Both sides accept the match (the need's focal point, then the offer's partner)."""
    r = w.ken.post(f"/api/coop/matches/{m['id']}/accept", json={"version": m["version"]})
    assert r.status_code == 200 and r.json()["state"] == "proposed", r.text
    r = w.acme.post(f"/api/coop/matches/{m['id']}/accept", json={"version": r.json()["version"]})
    assert r.status_code == 200 and r.json()["state"] == "accepted", r.text
    return dict(r.json())


def new_database(base: str) -> str:
    """A fresh empty database on the server of ``base``; its URL."""
    from sqlalchemy import create_engine, text

    name = "t" + uuid.uuid4().hex[:10]
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return base.rsplit("/", 1)[0] + "/" + name
