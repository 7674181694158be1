"""Imports and matchmaking as background jobs (security review F9): the site answers while a
large import runs; the job reports its progress and its result or error."""

from __future__ import annotations

import re
import time
from typing import Any

from coop_helpers import World, setup_match
from fastapi.testclient import TestClient

from aicap.warehouse.cooperation.store import CoopStore


def big_iati(w: World, n: int) -> bytes:
    """An IATI file of ``n`` activities (copies of one exported activity, new identifiers)."""
    m = setup_match(w)
    w.admin.post(
        "/api/coop/commitments",
        json={"match_id": m["id"], "amount": 1000, "on_date": "2026-02-01"},
    )
    xml = w.anon.get("/api/coop/export/iati.xml").text
    head, rest = xml.split("<iati-activity ", 1)
    one = "<iati-activity " + rest.rsplit("</iati-activities>", 1)[0]
    ident = re.search(r"<iati-identifier>(.*?)</iati-identifier>", one)
    assert ident is not None
    copies = [one.replace(ident.group(1), f"XM-BULK-{i:05d}") for i in range(n)]
    return (head + "".join(copies) + "</iati-activities>\n").encode()


def wait(c: TestClient, url: str, timeout: float = 120) -> dict[str, Any]:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        job: dict[str, Any] = c.get(url).json()
        if job["state"] in ("done", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job at {url} did not finish")


def test_f9_the_site_answers_while_a_large_import_runs(store: CoopStore) -> None:
    w = World(store)
    blob = big_iati(w, 1500)
    r = w.admin.post("/api/coop/import/iati", params={"background": "true"}, content=blob)
    assert r.status_code == 202, r.text
    url = r.json()["status_url"]
    answered, latencies = 0, []
    while w.admin.get(url).json()["state"] in ("queued", "running"):
        t0 = time.perf_counter()
        assert w.anon.get("/api/coop/needs").status_code == 200
        assert w.ken.get("/api/coop/auth/me").status_code == 200  # signed in: reads too
        latencies.append(time.perf_counter() - t0)
        answered += 1
    job = wait(w.admin, url)
    assert job["state"] == "done", job
    assert job["result"]["created"] == 1500 and job["progress"] == {"done": 1500, "total": 1500}
    assert answered >= 1 and max(latencies) < 5.0, latencies  # before: frozen for the import
    assert w.reader.get(url).status_code == 403
    assert w.admin.get("/api/coop/jobs").json()[0]["id"] == job["id"]
    assert w.admin.get("/api/coop/jobs/0123456789abcdef").status_code == 404


def test_f9_job_errors_and_background_matchmaking(store: CoopStore) -> None:
    w = World(store)
    r = w.admin.post("/api/coop/import/iati", params={"background": "true"}, content=b"<x")
    assert r.status_code == 202
    job = wait(w.admin, r.json()["status_url"])
    assert job["state"] == "failed" and job["error"]["status"] == 422
    assert "not well-formed" in job["error"]["message"]
    r = w.admin.post("/api/coop/import/iati", content=b"<x")  # waiting: the error itself
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request"
    setup_match(w)
    r = w.admin.post("/api/coop/matches/propose", json={"background": True, "save": False})
    assert r.status_code == 202
    job = wait(w.admin, r.json()["status_url"])
    assert job["state"] == "done" and job["progress"] == {"done": 3, "total": 3}
    assert "proposals" in job["result"]
