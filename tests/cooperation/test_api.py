"""The cooperation API and store against SQLite and a throwaway PostgreSQL server: CRUD, 422
naming fields, roles (each forbidden action refused), CSRF, optimistic locking under 20
concurrent clients, the match transition table, the append-only audit log, IATI and CSV."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from coop_helpers import NEED, OFFER, PW, World, setup_match
from fastapi.testclient import TestClient
from sqlalchemy import text

from aicap.analysis.cooperate.service import default_vocabulary
from aicap.warehouse.cooperation.db import current_revision, head_revision
from aicap.warehouse.cooperation.iati import from_iati_xml, validate
from aicap.warehouse.cooperation.states import TRANSITIONS, MatchState
from aicap.warehouse.cooperation.store import SYSTEM, CoopStore


def test_migrations_at_head_and_crud_roundtrip(store: CoopStore) -> None:
    assert current_revision(store.engine) == head_revision() == "0007"
    w = World(store)
    r = w.ken.post("/api/coop/needs", json=NEED)
    assert r.status_code == 201, r.text
    need = r.json()
    assert need["version"] == 1 and need["fictitious"] is False and need["created_by"] == "ken"
    assert w.anon.get(f"/api/coop/needs/{need['id']}").json()["title"] == NEED["title"]
    r = w.ken.patch(f"/api/coop/needs/{need['id']}", json={"version": 1, "priority": 3})
    assert r.status_code == 200 and r.json()["version"] == 2 and r.json()["priority"] == 3
    assert [n["id"] for n in w.anon.get("/api/coop/needs").json()] == [need["id"]]
    r = w.ken.delete(f"/api/coop/needs/{need['id']}", params={"version": 2})
    assert r.status_code == 200
    assert w.anon.get(f"/api/coop/needs/{need['id']}").status_code == 404


def test_bad_input_gets_422_naming_the_field(store: CoopStore) -> None:
    w = World(store)
    cases = [
        ({**NEED, "country_iso3": "Kenya"}, "country_iso3"),
        ({**NEED, "priority": 9}, "priority"),
        ({**NEED, "interventions": ["NOPE-99"]}, "interventions"),
        ({**NEED, "preferred_modality": "sideways"}, "preferred_modality"),
        ({**NEED, "budget_gap_usd": -5}, "budget_gap_usd"),
        ({**NEED, "colour": "red"}, "colour"),
        ({**NEED, "interventions": [], "areas": []}, "interventions"),
    ]
    for body, field in cases:
        r = w.ken.post("/api/coop/needs", json=body)
        assert r.status_code == 422, (field, r.text)
        err = r.json()["error"]
        assert err["code"] == "invalid_request"
        assert any(field in [str(x) for x in d["loc"]] for d in err["detail"]), (field, err)
    r = w.acme.post("/api/coop/offers", json={**OFFER, "capacity_unit": "bananas"})
    assert r.status_code == 422 and "capacity_unit" in r.json()["error"]["message"]
    assert store.records("need") == []  # nothing half-written


def test_each_forbidden_action_is_refused(store: CoopStore) -> None:
    w = World(store)
    need = w.ken.post("/api/coop/needs", json=NEED).json()
    offer = w.acme.post("/api/coop/offers", json=OFFER).json()
    refused = [
        (w.anon.post("/api/coop/needs", json=NEED), 403),  # the public cannot write
        (w.reader.post("/api/coop/needs", json=NEED), 403),
        (w.reader.post("/api/coop/offers", json=OFFER), 403),
        (w.mwi.post("/api/coop/needs", json=NEED), 403),  # another country's need
        (w.mwi.patch(f"/api/coop/needs/{need['id']}", json={"version": 1, "priority": 1}), 403),
        (w.mwi.delete(f"/api/coop/needs/{need['id']}"), 403),
        (
            w.ken.patch(
                f"/api/coop/needs/{need['id']}", json={"version": 1, "country_iso3": "MWI"}
            ),
            403,
        ),  # moving its need to another country
        (w.acme.post("/api/coop/needs", json=NEED), 403),  # a partner records no needs
        (w.uni.post("/api/coop/offers", json=OFFER), 403),  # another organisation's offer
        (
            w.uni.patch(f"/api/coop/offers/{offer['id']}", json={"version": 1, "title": "x" * 5}),
            403,
        ),
        (w.ken.post("/api/coop/offers", json=OFFER), 403),  # a focal point records no offers
        (w.ken.post("/api/coop/matches/propose", json={}), 403),
        (
            w.acme.post(
                "/api/coop/accounts",
                json={"username": "evil", "password": PW, "role": "administrator"},
            ),
            403,
        ),
        (w.ken.get("/api/coop/audit"), 403),
        (w.anon.post("/api/coop/import/iati", content=b"<x/>"), 403),
    ]
    for r, status in refused:
        assert r.status_code == status, r.text
        assert r.json()["error"]["code"] == "forbidden"
    bad = TestClient(w.app, headers={"Authorization": "Bearer nonsense"})
    r = bad.get("/api/coop/auth/me")
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
    assert store.get("need", need["id"])["version"] == 1
    assert len(store.records("offer")) == 1


def test_match_sides_and_transition_roles(store: CoopStore) -> None:
    w = World(store)
    m = setup_match(w)
    mid = m["id"]
    assert {t["term"] for t in m["terms"]} == {
        "fit",
        "capacity",
        "modality",
        "language",
        "priority",
    }
    # neither side
    r = w.mwi.post(f"/api/coop/matches/{mid}/accept", json={"version": m["version"]})
    assert r.status_code == 403
    r = w.uni.post(f"/api/coop/matches/{mid}/accept", json={"version": m["version"]})
    assert r.status_code == 403
    # the need's side may accept, not commit; the match is accepted once both sides accept
    r = w.ken.post(f"/api/coop/matches/{mid}/accept", json={"version": m["version"]})
    assert r.status_code == 200 and r.json()["state"] == "proposed" and r.json()["need_accepted"]
    r = w.acme.post(f"/api/coop/matches/{mid}/accept", json={"version": r.json()["version"]})
    assert r.status_code == 200 and r.json()["state"] == "accepted"
    v = r.json()["version"]
    r = w.ken.post(f"/api/coop/matches/{mid}/transition", json={"version": v, "state": "committed"})
    assert r.status_code == 403
    # a commitment by the provider moves the match to committed
    r = w.acme.post(
        "/api/coop/commitments",
        json={"match_id": mid, "amount": 1_000_000, "on_date": "2026-02-01", "kind": "commitment"},
    )
    assert r.status_code == 201, r.text
    assert store.get("match", mid)["state"] == "committed"
    r = w.uni.post(
        "/api/coop/disbursements", json={"match_id": mid, "amount": 5, "on_date": "2026-03-01"}
    )
    assert r.status_code == 403
    act_id = r_act = store.records("activity")[0]["id"]
    assert r_act
    r = w.acme.post(
        "/api/coop/disbursements",
        json={"activity_id": act_id, "amount": 400_000, "on_date": "2026-03-01"},
    )
    assert r.status_code == 201, r.text
    r = w.acme.post(
        "/api/coop/deliveries",
        json={
            "activity_id": act_id,
            "amount": 20_000,
            "unit": "GPU-hours",
            "on_date": "2026-03-05",
        },
    )
    assert r.status_code == 201, r.text
    r = w.ken.post(
        "/api/coop/results",
        json={
            "activity_id": act_id,
            "indicator": "Researchers with GPU access",
            "baseline_year": 2025,
            "baseline": 10,
            "target": 200,
            "actual": 120,
            "period_start": "2026-01-01",
            "period_end": "2026-12-31",
        },
    )
    assert r.status_code == 201, r.text
    r = w.mwi.post(
        "/api/coop/results",
        json={
            "activity_id": act_id,
            "indicator": "x" * 5,
            "period_start": "2026-01-01",
            "period_end": "2026-12-31",
        },
    )
    assert r.status_code == 403
    acc = w.anon.get("/api/coop/accountability", params={"by": "provider"}).json()
    row = next(x for x in acc["rows"] if x["provider"] == "Acme Cloud")
    assert row["pledged_usd"] == 1_500_000
    assert row["committed_usd"] == 1_000_000 and row["disbursed_usd"] == 400_000
    assert row["delivered"] == {"GPU-hours": 20_000} and row["results"] == 1
    by_country = w.anon.get("/api/coop/accountability", params={"by": "country"}).json()
    assert [r["country"] for r in by_country["rows"]] == ["KEN"]
    by_mod = w.anon.get("/api/coop/accountability", params={"by": "modality"}).json()
    assert by_mod["rows"][0]["modality"] == "south_south"


def test_transition_table_is_enforced(store: CoopStore) -> None:
    w = World(store)
    m = setup_match(w)
    mid, v = m["id"], m["version"]
    path = ["accepted", "committed", "in_progress", "partially_fulfilled", "fulfilled"]
    for target in path:
        for illegal in sorted(set(MatchState) - TRANSITIONS[MatchState(m["state"])]):
            r = w.admin.post(
                f"/api/coop/matches/{mid}/transition", json={"version": v, "state": illegal}
            )
            assert r.status_code == 409, (m["state"], illegal, r.text)
            assert "cannot become" in r.json()["error"]["message"]
        r = w.admin.post(
            f"/api/coop/matches/{mid}/transition", json={"version": v, "state": target}
        )
        assert r.status_code == 200, r.text
        m, v = r.json(), r.json()["version"]
    assert m["state"] == "fulfilled"
    r = w.admin.post(f"/api/coop/matches/{mid}/transition", json={"version": v, "state": "lapsed"})
    assert r.status_code == 409  # final
    r = w.admin.patch(f"/api/coop/matches/{mid}", json={"version": v, "state": "proposed"})
    assert r.status_code == 422  # the state moves only by transitions


def test_stale_version_gets_a_clear_409(store: CoopStore) -> None:
    w = World(store)
    need = w.ken.post("/api/coop/needs", json=NEED).json()
    assert w.ken.patch(
        f"/api/coop/needs/{need['id']}", json={"version": 1, "priority": 1}
    ).is_success
    r = w.ken.patch(f"/api/coop/needs/{need['id']}", json={"version": 1, "priority": 2})
    assert r.status_code == 409
    err = r.json()["error"]
    assert err["code"] == "conflict" and err["detail"]["current_version"] == 2
    assert "reload and retry" in err["message"]
    r = w.ken.patch(f"/api/coop/needs/{need['id']}", json={"priority": 2})
    assert r.status_code == 422 and "version" in r.json()["error"]["message"]


def test_twenty_concurrent_clients_end_consistent(store: CoopStore) -> None:
    w = World(store)
    m = setup_match(w)
    mid = m["id"]

    def once(i: int) -> int:
        r = w.admin.patch(
            f"/api/coop/matches/{mid}", json={"version": m["version"], "note": f"client {i}"}
        )
        return r.status_code

    with ThreadPoolExecutor(20) as pool:
        codes = list(pool.map(once, range(20)))
    assert sorted(set(codes)) == [200, 409] or codes.count(200) == 1
    assert codes.count(200) == 1 and codes.count(409) == 19
    after = store.get("match", mid)
    assert after["version"] == m["version"] + 1

    def retrying(i: int) -> int:
        tries = 0
        while True:
            tries += 1
            cur = w.admin.get(f"/api/coop/matches/{mid}").json()
            note = cur["note"] + f"|{i}"
            r = w.admin.patch(
                f"/api/coop/matches/{mid}", json={"version": cur["version"], "note": note}
            )
            if r.status_code == 200:
                return tries
            assert r.status_code == 409, r.text

    with ThreadPoolExecutor(20) as pool:
        list(pool.map(retrying, range(20)))
    final = store.get("match", mid)
    assert final["version"] == after["version"] + 20
    assert sorted(int(x) for x in final["note"].split("|")[1:]) == list(range(20))  # none lost
    updates = [a for a in store.audit(entity="match", entity_id=mid) if a["action"] == "update"]
    assert len(updates) == 21


def test_audit_log_records_every_change_and_is_append_only(store: CoopStore) -> None:
    w = World(store)
    need = w.ken.post("/api/coop/needs", json=NEED).json()
    w.ken.patch(f"/api/coop/needs/{need['id']}", json={"version": 1, "priority": 1})
    entries = w.admin.get("/api/coop/audit", params={"entity": "need"}).json()
    assert [e["action"] for e in entries] == ["create", "update"]
    upd = entries[1]
    assert upd["actor"] == "ken" and upd["before"]["priority"] == 4
    assert upd["after"]["priority"] == 1 and upd["at"]
    for sql in ("UPDATE coop_audit SET actor = 'x'", "DELETE FROM coop_audit"):
        with pytest.raises(Exception, match="append-only"), store.engine.begin() as c:
            c.execute(text(sql))
    assert len(store.audit()) >= 2


def test_session_login_needs_csrf_on_writes(store: CoopStore) -> None:
    w = World(store)
    c = TestClient(w.app)
    r = c.post("/api/coop/auth/login", json={"username": "ken", "password": PW})
    csrf = r.json()["csrf_token"]
    r = c.post("/api/coop/needs", json=NEED)
    assert r.status_code == 403 and "CSRF" in r.json()["error"]["message"]
    r = c.post("/api/coop/needs", json=NEED, headers={"X-CSRF-Token": "wrong"})
    assert r.status_code == 403
    r = c.post("/api/coop/needs", json=NEED, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 201
    assert c.get("/api/coop/auth/me").json()["role"] == "focal_point"
    bad = TestClient(w.app).post(
        "/api/coop/auth/login", json={"username": "ken", "password": "wrong pass"}
    )
    assert bad.status_code == 401
    hashed = store.engine.connect().execute(text("SELECT password_hash FROM coop_account")).all()
    assert all(h[0].startswith("$argon2id$") for h in hashed)


def test_iati_and_csv_export_import_roundtrip(store: CoopStore, tmp_path: Path) -> None:
    w = World(store)
    m = setup_match(w)
    w.ken.post(f"/api/coop/matches/{m['id']}/accept", json={"version": m["version"]})
    w.acme.post(
        "/api/coop/commitments",
        json={"match_id": m["id"], "amount": 900_000, "on_date": "2026-02-01"},
    )
    act = store.records("activity")[0]
    w.acme.post(
        "/api/coop/disbursements",
        json={"activity_id": act["id"], "amount": 300_000, "on_date": "2026-04-01"},
    )
    w.acme.post(
        "/api/coop/results",
        json={
            "activity_id": act["id"],
            "indicator": "Public servants trained",
            "baseline": 0,
            "baseline_year": 2025,
            "target": 500,
            "actual": 220,
            "period_start": "2026-01-01",
            "period_end": "2026-12-31",
        },
    )
    r = w.anon.get("/api/coop/export/iati.xml")
    assert r.status_code == 200
    root = validate(r.content)  # valid IATI 2.03
    a = root.find("iati-activity")
    assert a is not None and a.find("recipient-country").get("code") == "KE"  # type: ignore[union-attr]
    assert [t.get("code") for t in a.iter("transaction-type")] == ["2", "3"]
    assert a.find("result/indicator/period/actual").get("value") == "220"  # type: ignore[union-attr]
    xml = r.content
    # imported back into the same store: the same iati-identifier is the same activity, kept
    # as it is and never counted twice (issue 25: committed 900k must not become 1.8M)
    committed = sum(
        f["amount"] for a in store.activities_full("real") for f in a["flows"]
        if f["kind"] == "commitment"
    )  # fmt: skip
    r = w.admin.post("/api/coop/import/iati", content=xml)
    assert r.status_code == 200, r.text
    assert r.json() == {"created": 0, "replaced": 0, "kept": 1, "flows": 0, "results": 0}
    assert len(store.activities_full("real")) == 1
    again = sum(
        f["amount"] for a in store.activities_full("real") for f in a["flows"]
        if f["kind"] == "commitment"
    )  # fmt: skip
    assert again == committed == 900_000
    # into an empty store (another source): all fields come back
    other = CoopStore.open(f"sqlite:///{tmp_path / 'other.sqlite'}", default_vocabulary())
    counts = other.upsert_activities(SYSTEM, from_iati_xml(xml, {"KE": "KEN"}))
    assert counts == {"created": 1, "replaced": 0, "kept": 0, "flows": 2, "results": 1}
    assert other.upsert_activities(SYSTEM, from_iati_xml(xml, {"KE": "KEN"}))["replaced"] == 1
    imported = other.activities_full("real")
    assert len(imported) == 1 and imported[0]["source"] == "iati"
    first = imported[0]
    assert first["recipient_iso3"] == "KEN" and first["provider_org"] == "Acme Cloud"
    assert sorted(f["kind"] for f in first["flows"]) == ["commitment", "disbursement"]
    res = first["results"][0]
    assert (res["baseline"], res["target"], res["actual"]) == (0, 500, 220)
    other.close()
    # an invalid file is refused with the schema's message, nothing written
    before = len(store.records("activity"))
    bad = b'<iati-activities version="2.03"><iati-activity/></iati-activities>'
    r = w.admin.post("/api/coop/import/iati", content=bad)
    assert r.status_code == 422 and "line" in str(r.json()["error"]["detail"])
    assert len(store.records("activity")) == before
    # CSV
    csv_text = w.anon.get("/api/coop/export/activities.csv").text
    assert csv_text.splitlines()[0].startswith("record,dataset,fictitious")
    assert "flow,real,false" in csv_text and "result,real,false" in csv_text
    r = w.admin.post("/api/coop/import/activities.csv", content=csv_text.encode())
    assert r.status_code == 200, r.text
    assert r.json() == {"created": 0, "replaced": 1, "kept": 0, "flows": 2, "results": 1}
    kept = next(a for a in store.activities_full("real") if a["source"] == "aicap")
    assert kept["match_id"] == m["id"] and kept["title"]  # what the CSV lacks is kept
    broken = csv_text.replace("2026-04-01", "not-a-date", 1)
    r = w.admin.post("/api/coop/import/activities.csv", content=broken.encode())
    assert r.status_code == 422 and "line" in r.json()["error"]["message"]
