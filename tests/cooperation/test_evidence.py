"""Evidence snapshots (aicap.analysis.cooperate.evidence) without a warehouse: no diagnosis is
recorded as such, a failing diagnosis never blocks a need, snapshots are cached per country,
evidence a client sends is refused; and the API attaches them through ``build_router``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient

from aicap.analysis.capacity_data import CapacityData
from aicap.analysis.cooperate.evidence import EvidenceSource, need_derived, unavailable
from aicap.analysis.cooperate.service import default_vocabulary
from aicap.warehouse.cooperation.store import CoopStore
from aicap.web.cooperation import build_router

PW = "correct horse battery"


def test_no_warehouse_records_no_evidence() -> None:
    src = EvidenceSource(None)
    snap = src.snapshot("ken")
    assert snap["available"] is False and snap["iso3"] == "KEN"
    assert "no warehouse" in snap["reason"] and snap["taken_at"]
    assert snap["build"]["index_version"] is None


def test_a_failing_diagnosis_is_recorded_not_raised_and_cached() -> None:
    calls: list[int] = []

    def broken() -> CapacityData | None:
        calls.append(1)
        raise RuntimeError("warehouse unreadable")

    src = EvidenceSource(broken)
    first = src.snapshot("MWI")
    assert first["available"] is False and "warehouse unreadable" in first["reason"]
    again = src.snapshot("MWI")
    assert again == first and len(calls) == 1 and src.computed == 1
    again["reason"] = "changed by a caller"
    assert src.snapshot("MWI")["reason"] != "changed by a caller"  # callers get copies
    src.clear()
    src.snapshot("MWI")
    assert len(calls) == 2


def test_need_derived_is_the_servers() -> None:
    src = EvidenceSource(None)
    got = need_derived("KEN", src, {"KEN": {"ldc": False}})
    assert got["evidence"]["available"] is False and got["tier"] is None
    assert got["ldc"] is False
    assert need_derived("KEN", None) == {"tier": None, "ldc": None}
    assert need_derived(7, src) == {}  # the schema names the bad country
    assert unavailable("KEN", "why")["reason"] == "why"


def test_the_api_attaches_a_snapshot(tmp_path: Path) -> None:
    store = CoopStore.open(
        f"sqlite:///{tmp_path / 'c.sqlite'}",
        default_vocabulary(),
        hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
    )
    store.bootstrap_admin("admin", PW)
    app = FastAPI()
    app.include_router(build_router(store, EvidenceSource(None)))
    c = TestClient(app)
    csrf = c.post("/api/coop/auth/login", json={"username": "admin", "password": PW}).json()
    h = {"X-CSRF-Token": csrf["csrf_token"]}
    body: dict[str, Any] = {"country_iso3": "KEN", "title": "Skills", "areas": ["skills"]}
    r = c.post("/api/coop/needs", json=body, headers=h)
    assert r.status_code == 201, r.text
    assert r.json()["evidence"]["available"] is False
    r = c.post("/api/coop/needs", json={**body, "evidence": {"from": "client"}}, headers=h)
    assert r.status_code == 422 and "evidence" in r.json()["error"]["message"]
    # the public is refused before any snapshot is taken
    assert TestClient(app).post("/api/coop/needs", json=body).status_code == 403
    store.close()
