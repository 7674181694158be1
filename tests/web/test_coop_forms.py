"""The cooperation chain from the web pages alone, driven in process through the real app:
edit, close, withdraw and reopen needs and offers; move a match through its states; record
commitments, disbursements, deliveries and results against it; run matchmaking from a page
(administrators); the sign-in throttle. For every form: success, 403 for each forbidden role,
CSRF missing or wrong, 422 naming the field (input kept), 409 on a stale version."""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import count
from typing import Any

import pytest
from coop_web_helpers import PW, csrf_of, make_store, sign_in
from fastapi import FastAPI
from fastapi.testclient import TestClient

from aicap.warehouse.cooperation.store import CoopStore, Principal
from aicap.web.app import create_app
from aicap.web.data import SiteData

pytestmark = pytest.mark.slow
_n = count(1)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CoopStore]:
    st = make_store(tmp_path_factory.mktemp("coop-forms"))
    yield st
    st.close()


@pytest.fixture(scope="module")
def app(site: SiteData, store: CoopStore) -> FastAPI:
    return create_app(site, store)


_sessions: dict[str, tuple[TestClient, str]] = {}


def signed(app: FastAPI, user: str) -> tuple[TestClient, str]:
    """One signed-in client per user for the module (sign-in costs an argon2 hash)."""
    if user not in _sessions:
        c = TestClient(app)
        _sessions[user] = (c, sign_in(c, user))
    return _sessions[user]


def post(c: TestClient, path: str, data: dict[str, Any], csrf: str | None) -> Any:
    body = dict(data)
    if csrf is not None:
        body["csrf_token"] = csrf
    return c.post(path, data=body, follow_redirects=False)


def field_error(html: str, field: str) -> str:
    """The message shown beside ``field`` (the element its input's aria-describedby names)."""
    fid = field.replace(":", "-")
    m = re.search(rf'<span class="field-error" id="err-{re.escape(fid)}">(.*?)</span>', html)
    assert m, f"no error shown beside {field}"
    return re.sub(r"<[^>]+>", "", m.group(1))


def who(store: CoopStore, user: str) -> Principal:
    return store.authenticate(user, PW)


def new_need(store: CoopStore, **extra: Any) -> dict[str, Any]:
    data = {
        "country_iso3": "KEN",
        "title": f"Need {next(_n)} for compute",
        "interventions": ["COMP-01"],
        "budget_gap_usd": 300_000,
        "priority": 3,
        **extra,
    }
    return store.create(who(store, "ken"), "need", data, derived={"evidence": {"note": "test"}})


def new_offer(store: CoopStore, **extra: Any) -> dict[str, Any]:
    data = {
        "provider_org": "Acme Cloud",
        "provider_type": "private_company",
        "pledge_type": "financial",
        "title": f"Offer {next(_n)} of grants",
        "interventions": ["COMP-01"],
        "capacity_amount": 1_000_000,
        "capacity_unit": "USD",
        "conditions": {"licence": "open", "audit": "yearly"},
        **extra,
    }
    return store.create(who(store, "acme"), "offer", data)


def new_match(store: CoopStore, state: str = "accepted") -> dict[str, Any]:
    """A real match between a need of KEN and an offer of Acme Cloud, moved to ``state``."""
    admin = who(store, "admin")
    need, offer = new_need(store), new_offer(store)
    m = store.create(
        admin,
        "match",
        {"need_id": need["id"], "offer_id": offer["id"], "score": 0.8,
         "allocated_amount": 300_000, "allocated_unit": "USD"},
    )  # fmt: skip
    path = {"proposed": [], "accepted": ["accepted"], "committed": ["accepted", "committed"]}
    for s in path[state]:
        m = store.transition(admin, m["id"], s, m["version"])
    return m


NEED_EDIT: dict[str, Any] = {
    "country_iso3": "KEN",
    "title": "Compute for the national AI centre, phase 2",
    "interventions": ["COMP-01", "SKILL-02"],
    "areas": [],
    "priority": "4",
    "beneficiary_groups": ["youth"],
    "budget_gap_usd": "450000",
    "preferred_modality": "south_south",
    "languages": "en, sw",
    "status": "open",
}
OFFER_EDIT: dict[str, Any] = {
    "provider_org": "Acme Cloud",
    "provider_type": "private_company",
    "pledge_type": "compute",
    "title": "Cloud credits, second round",
    "interventions": ["COMP-01"],
    "eligible_countries": "KEN",
    "capacity_amount": "2000000",
    "capacity_unit": "USD",
    "modalities": ["south_south"],
    "languages": "en",
    "conditions:licence": "open",
    "valid_from": "2025-01-01",
    "valid_until": "2030-12-31",
    "status": "open",
}


# ------------------------------------------------------------------------------ edit a need
def test_edit_need_form_success(app: FastAPI, store: CoopStore) -> None:
    need = new_need(store)
    c, csrf = signed(app, "ken")
    page = c.get(f"/coop/need/{need['id']}").text
    assert f'href="/coop/need/{need["id"]}/edit"' in page  # the focal point sees "Edit"
    r = c.get(f"/coop/need/{need['id']}/edit")
    assert r.status_code == 200
    assert f'name="version" value="{need["version"]}"' in r.text
    assert f'value="{need["title"]}"' in r.text and 'value="COMP-01" checked' in r.text
    r = post(c, f"/coop/need/{need['id']}/edit", {**NEED_EDIT, "version": need["version"]}, csrf)
    assert r.status_code == 303 and r.headers["location"] == f"/coop/need/{need['id']}"
    rec = store.get("need", need["id"])
    assert rec["title"] == NEED_EDIT["title"] and rec["priority"] == 4
    assert rec["interventions"] == ["COMP-01", "SKILL-02"] and rec["budget_gap_usd"] == 450_000
    assert rec["version"] == need["version"] + 1
    assert rec["evidence"] == {"note": "test"}, "evidence is kept"
    assert store.audit(entity="need", entity_id=need["id"])[-1]["actor"] == "ken"
    # an administrator may edit any need
    a, acsrf = signed(app, "admin")
    r = post(a, f"/fr/coop/need/{need['id']}/edit", {**NEED_EDIT, "version": rec["version"],
             "title": "Edited by the administrator"}, acsrf)  # fmt: skip
    assert r.status_code == 303 and r.headers["location"] == f"/fr/coop/need/{need['id']}"


def test_edit_need_forbidden(app: FastAPI, store: CoopStore) -> None:
    need = new_need(store)
    body = {**NEED_EDIT, "version": need["version"]}
    anon = TestClient(app)
    r = anon.get(f"/coop/need/{need['id']}/edit", follow_redirects=False)
    assert r.status_code == 303 and "/coop/login" in r.headers["location"]
    assert post(anon, f"/coop/need/{need['id']}/edit", body, None).status_code == 403
    for user in ("mwi", "acme", "reader"):
        c, csrf = signed(app, user)
        assert c.get(f"/coop/need/{need['id']}/edit").status_code == 403, user
        assert (
            'href="/coop/need/' + str(need["id"]) + '/edit"'
            not in c.get(f"/coop/need/{need['id']}").text
        )
        r = post(c, f"/coop/need/{need['id']}/edit", body, csrf)
        assert r.status_code == 403, user
    # the focal point cannot move its need to another country
    c, csrf = signed(app, "ken")
    r = post(c, f"/coop/need/{need['id']}/edit", {**body, "country_iso3": "MWI"}, csrf)
    assert r.status_code == 403 and "own country" in r.text
    assert store.get("need", need["id"])["version"] == need["version"]


def test_edit_need_csrf(app: FastAPI, store: CoopStore) -> None:
    need = new_need(store)
    c, _csrf = signed(app, "ken")
    body = {**NEED_EDIT, "version": need["version"]}
    assert post(c, f"/coop/need/{need['id']}/edit", body, None).status_code == 403
    assert post(c, f"/coop/need/{need['id']}/edit", body, "forged").status_code == 403
    assert store.get("need", need["id"])["version"] == need["version"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"budget_gap_usd": "a lot"}, "budget_gap_usd"),
        ({"title": "x"}, "title"),
        ({"interventions": ["NOPE-1"]}, "interventions"),
        ({"status": "finished"}, "status"),
        ({"priority": "7"}, "priority"),
        ({"version": "abc"}, "version"),
    ],
)
def test_edit_need_422(app: FastAPI, store: CoopStore, change: dict[str, Any], field: str) -> None:
    need = new_need(store)
    c, csrf = signed(app, "ken")
    body = {**NEED_EDIT, "version": need["version"], **change}
    r = post(c, f"/coop/need/{need['id']}/edit", body, csrf)
    assert r.status_code == 422, r.text[:400]
    assert field_error(r.text, field)
    if "title" not in change:
        assert f'value="{NEED_EDIT["title"]}"' in r.text  # what was typed is kept
    assert store.get("need", need["id"])["version"] == need["version"]


def test_edit_need_stale_version_409(app: FastAPI, store: CoopStore) -> None:
    need = new_need(store)
    c, csrf = signed(app, "ken")
    form = c.get(f"/coop/need/{need['id']}/edit").text
    version = re.search(r'name="version" value="(\d+)"', form)
    assert version
    # someone else saves first
    store.update(who(store, "admin"), "need", need["id"], {"priority": 1}, need["version"])
    body = {**NEED_EDIT, "version": version.group(1), "title": "My late change"}
    r = post(c, f"/coop/need/{need['id']}/edit", body, csrf)
    assert r.status_code == 409
    assert "Someone else changed this record" in r.text and 'value="My late change"' in r.text
    rec = store.get("need", need["id"])
    assert rec["priority"] == 1 and rec["title"] == need["title"]


# ------------------------------------------------------------------------------ edit an offer
def test_edit_offer_success_keeps_other_conditions(app: FastAPI, store: CoopStore) -> None:
    offer = new_offer(store)
    c, csrf = signed(app, "acme")
    r = c.get(f"/coop/offer/{offer['id']}/edit")
    assert r.status_code == 200 and 'value="1000000"' in r.text
    r = post(c, f"/coop/offer/{offer['id']}/edit", {**OFFER_EDIT, "version": "1"}, csrf)
    assert r.status_code == 303, r.text[:400]
    rec = store.get("offer", offer["id"])
    assert rec["title"] == "Cloud credits, second round" and rec["pledge_type"] == "compute"
    assert rec["capacity_amount"] == 2_000_000 and rec["eligible_countries"] == ["KEN"]
    assert rec["conditions"] == {"licence": "open", "audit": "yearly"}


def test_edit_offer_forbidden_csrf_422_409(app: FastAPI, store: CoopStore) -> None:
    offer = new_offer(store)
    body = {**OFFER_EDIT, "version": "1"}
    assert post(TestClient(app), f"/coop/offer/{offer['id']}/edit", body, None).status_code == 403
    for user in ("uni", "ken", "reader"):
        c, csrf = signed(app, user)
        assert c.get(f"/coop/offer/{offer['id']}/edit").status_code == 403, user
        assert post(c, f"/coop/offer/{offer['id']}/edit", body, csrf).status_code == 403, user
    c, csrf = signed(app, "acme")
    # a partner cannot hand its offer to another organisation
    r = post(c, f"/coop/offer/{offer['id']}/edit", {**body, "provider_org": "Open University"},
             csrf)  # fmt: skip
    assert r.status_code == 403
    assert post(c, f"/coop/offer/{offer['id']}/edit", body, None).status_code == 403
    assert post(c, f"/coop/offer/{offer['id']}/edit", body, "forged").status_code == 403
    r = post(c, f"/coop/offer/{offer['id']}/edit", {**body, "capacity_amount": "0"}, csrf)
    assert r.status_code == 422 and field_error(r.text, "capacity_amount")
    assert 'value="Cloud credits, second round"' in r.text
    r = post(c, f"/coop/offer/{offer['id']}/edit",
             {**body, "valid_from": "2031-01-01", "valid_until": "2030-01-01"}, csrf)  # fmt: skip
    assert r.status_code == 422 and field_error(r.text, "valid_until")
    assert store.get("offer", offer["id"])["version"] == offer["version"]
    store.update(who(store, "acme"), "offer", offer["id"], {"title": "Changed first"}, 1)
    r = post(c, f"/coop/offer/{offer['id']}/edit", body, csrf)
    assert r.status_code == 409 and store.get("offer", offer["id"])["title"] == "Changed first"


# ------------------------------------------------------------------------------ close, withdraw
def test_close_withdraw_reopen(app: FastAPI, store: CoopStore) -> None:
    need, offer = new_need(store), new_offer(store)
    c, csrf = signed(app, "ken")
    page = c.get(f"/coop/need/{need['id']}").text
    assert f'action="/coop/need/{need["id"]}/status"' in page
    r = post(c, f"/coop/need/{need['id']}/status", {"status": "closed", "version": "1"}, csrf)
    assert r.status_code == 303 and store.get("need", need["id"])["status"] == "closed"
    page = c.get(f"/coop/need/{need['id']}").text
    assert 'name="status" value="open"' in page  # now it can be reopened
    r = post(c, f"/coop/need/{need['id']}/status", {"status": "open", "version": "2"}, csrf)
    assert r.status_code == 303 and store.get("need", need["id"])["status"] == "open"
    p, pcsrf = signed(app, "acme")
    r = post(p, f"/coop/offer/{offer['id']}/status", {"status": "withdrawn", "version": "1"},
             pcsrf)  # fmt: skip
    assert r.status_code == 303 and store.get("offer", offer["id"])["status"] == "withdrawn"
    # a withdrawn offer is no longer pledged in the accountability view
    acc = TestClient(app).get("/api/coop/accountability?by=provider").json()
    acme = next(row for row in acc["rows"] if row["provider"] == "Acme Cloud")
    open_usd = sum(
        o["capacity_amount"]
        for o in store.records("offer", dataset="real")
        if o["provider_org"] == "Acme Cloud"
        and o["status"] != "withdrawn"
        and o["capacity_unit"] == "USD"
    )
    assert acme["pledged_usd"] == pytest.approx(open_usd)


def test_status_forms_refused(app: FastAPI, store: CoopStore) -> None:
    need, offer = new_need(store), new_offer(store)
    closing = {"status": "closed", "version": "1"}
    assert (
        post(TestClient(app), f"/coop/need/{need['id']}/status", closing, None).status_code == 403
    )
    for user in ("mwi", "acme", "reader"):
        c, csrf = signed(app, user)
        assert post(c, f"/coop/need/{need['id']}/status", closing, csrf).status_code == 403
    for user in ("uni", "ken", "reader"):
        c, csrf = signed(app, user)
        assert post(c, f"/coop/offer/{offer['id']}/status", closing, csrf).status_code == 403
    c, csrf = signed(app, "ken")
    assert post(c, f"/coop/need/{need['id']}/status", closing, None).status_code == 403
    assert post(c, f"/coop/need/{need['id']}/status", closing, "forged").status_code == 403
    r = post(c, f"/coop/need/{need['id']}/status", {**closing, "status": "gone"}, csrf)
    assert r.status_code == 422 and "status" in r.text
    r = post(c, f"/coop/need/{need['id']}/status", {**closing, "version": "x"}, csrf)
    assert r.status_code == 422 and "version" in r.text
    r = post(c, f"/coop/need/{need['id']}/status", {**closing, "version": "5"}, csrf)
    assert r.status_code == 409
    assert store.get("need", need["id"])["version"] == 1
    assert store.get("offer", offer["id"])["version"] == 1


# ------------------------------------------------------------------------------ match states
def test_move_a_match_through_its_states(app: FastAPI, store: CoopStore) -> None:
    m = new_match(store, "committed")
    mid = m["id"]
    p, pcsrf = signed(app, "acme")
    page = p.get(f"/coop/match/{mid}").text
    assert 'id="move-form"' in page and '<option value="in_progress">' in page
    assert '<option value="lapsed">' not in page  # only an administrator lapses
    for state in ("in_progress", "partially_fulfilled", "fulfilled"):
        v = store.get("match", mid)["version"]
        r = post(p, f"/coop/match/{mid}/transition", {"state": state, "version": v,
                 "note": f"now {state}"}, pcsrf)  # fmt: skip
        assert r.status_code == 303, r.text[:300]
        assert store.get("match", mid)["state"] == state
    assert "now partially_fulfilled" in store.get("match", mid)["note"]
    assert 'id="move-form"' not in p.get(f"/coop/match/{mid}").text  # final
    # an administrator lapses a match
    m2 = new_match(store, "committed")
    a, acsrf = signed(app, "admin")
    assert '<option value="lapsed">' in a.get(f"/coop/match/{m2['id']}").text
    r = post(a, f"/ar/coop/match/{m2['id']}/transition", {"state": "lapsed",
             "version": m2["version"]}, acsrf)  # fmt: skip
    assert r.status_code == 303 and store.get("match", m2["id"])["state"] == "lapsed"


def test_move_refused(app: FastAPI, store: CoopStore) -> None:
    m = new_match(store, "committed")
    mid, body = m["id"], {"state": "in_progress", "version": m["version"]}
    assert post(TestClient(app), f"/coop/match/{mid}/transition", body, None).status_code == 403
    # the need's focal point does not report progress; strangers do nothing
    for user in ("ken", "mwi", "uni", "reader"):
        c, csrf = signed(app, user)
        assert post(c, f"/coop/match/{mid}/transition", body, csrf).status_code == 403, user
    p, pcsrf = signed(app, "acme")
    assert post(p, f"/coop/match/{mid}/transition", body, None).status_code == 403
    assert post(p, f"/coop/match/{mid}/transition", body, "forged").status_code == 403
    r = post(p, f"/coop/match/{mid}/transition", {**body, "version": "x"}, pcsrf)
    assert r.status_code == 422 and "version" in r.text
    r = post(p, f"/coop/match/{mid}/transition", {**body, "state": ""}, pcsrf)
    assert r.status_code == 422 and "state" in r.text
    r = post(p, f"/coop/match/{mid}/transition", {**body, "version": m["version"] - 1}, pcsrf)
    assert r.status_code == 409  # stale
    r = post(p, f"/coop/match/{mid}/transition", {**body, "state": "fulfilled"}, pcsrf)
    assert r.status_code == 409  # committed -> fulfilled skips a state
    assert store.get("match", mid)["version"] == m["version"]


# ------------------------------------------------------------------------------ flows
FLOW = {"kind": "disbursement", "amount": "120000", "unit": "USD", "on_date": "2026-03-01",
        "description": "first tranche"}  # fmt: skip


def test_record_flows_on_the_match_page(app: FastAPI, store: CoopStore) -> None:
    m = new_match(store, "accepted")
    mid = m["id"]
    p, pcsrf = signed(app, "acme")
    page = p.get(f"/coop/match/{mid}").text
    assert 'id="flow-form"' in page and 'id="result-form"' in page
    assert '<option value="commitment" selected>' in page  # an accepted match: commit first
    before = TestClient(app).get("/api/coop/accountability?by=country").json()["totals"]
    commit = {**FLOW, "kind": "commitment", "amount": "300000", "description": "grant letter"}
    r = post(p, f"/coop/match/{mid}/flow", {**commit, "version": m["version"]}, pcsrf)
    assert r.status_code == 303 and r.headers["location"] == f"/coop/match/{mid}#flows"
    after = store.get("match", mid)
    assert after["state"] == "committed", "the first commitment commits the match"
    r = post(p, f"/coop/match/{mid}/flow", {**FLOW, "version": after["version"]}, pcsrf)
    assert r.status_code == 303
    deliver = {**FLOW, "kind": "delivery", "amount": "5000", "unit": "GPU-hours",
               "description": "GPU-hours on the cloud"}  # fmt: skip
    r = post(p, f"/coop/match/{mid}/flow", {**deliver, "version": after["version"]}, pcsrf)
    assert r.status_code == 303
    act = store.activity_of_match(mid)
    assert act is not None
    assert [(f["kind"], f["amount"], f["unit"]) for f in act["flows"]] == [
        ("commitment", 300_000, "USD"),
        ("disbursement", 120_000, "USD"),
        ("delivery", 5000, "GPU-hours"),
    ]
    assert all(f["created_by"] == "acme" for f in act["flows"])
    page = TestClient(app).get(f"/coop/match/{mid}").text  # public: shown, no forms
    assert 'id="t-flows"' in page and "first tranche" in page and "GPU-hours on the cloud" in page
    assert "300,000" in page and "120,000" in page and "40 %" in page
    assert 'id="flow-form"' not in page
    # the accountability view counts them
    totals = TestClient(app).get("/api/coop/accountability?by=country").json()["totals"]
    assert totals["committed_usd"] == pytest.approx(before["committed_usd"] + 300_000)
    assert totals["disbursed_usd"] == pytest.approx(before["disbursed_usd"] + 120_000)
    acc_page = TestClient(app).get("/coop/accountability?by=country").text
    assert f"{totals['disbursed_usd']:,.0f}" in acc_page
    # the IATI export carries them
    xml = TestClient(app).get("/api/coop/export/iati.xml").text
    assert f"XM-AICAP-REAL-M{mid}" in xml


def test_flow_form_refused(app: FastAPI, store: CoopStore) -> None:
    m = new_match(store, "committed")
    mid = m["id"]
    body = {**FLOW, "version": m["version"]}
    assert post(TestClient(app), f"/coop/match/{mid}/flow", body, None).status_code == 403
    for user in ("ken", "mwi", "uni", "reader"):
        c, csrf = signed(app, user)
        r = post(c, f"/coop/match/{mid}/flow", body, csrf)
        assert r.status_code == 403, user
        if user == "ken":  # the need's side sees the match page with the reason
            assert "only the providing partner" in r.text
    p, _pcsrf = signed(app, "acme")
    assert post(p, f"/coop/match/{mid}/flow", body, None).status_code == 403
    assert post(p, f"/coop/match/{mid}/flow", body, "forged").status_code == 403
    assert store.activity_of_match(mid) is None, "nothing half-written"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": "lots"}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"on_date": ""}, "on_date"),
        ({"on_date": "31/02/2026"}, "on_date"),
        ({"kind": "gift"}, "kind"),
        ({"unit": "GPU-hours"}, "unit"),  # a disbursement is in USD
        ({"version": "v1"}, "version"),
        ({"amount": "inf"}, "amount"),  # security review F4
        ({"amount": "nan"}, "amount"),
        ({"amount": "1e28"}, "amount"),
    ],
)
def test_flow_form_422(app: FastAPI, store: CoopStore, change: dict[str, Any], field: str) -> None:
    m = new_match(store, "committed")
    p, pcsrf = signed(app, "acme")
    r = post(p, f"/coop/match/{m['id']}/flow", {**FLOW, "version": m["version"], **change}, pcsrf)
    assert r.status_code == 422, r.text[:400]
    assert field_error(r.text, field)
    assert 'value="first tranche"' in r.text
    assert store.activity_of_match(m["id"]) is None


def test_flow_form_stale_409(app: FastAPI, store: CoopStore) -> None:
    m = new_match(store, "committed")
    p, pcsrf = signed(app, "acme")
    page = p.get(f"/coop/match/{m['id']}").text
    assert f'name="version" value="{m["version"]}"' in page
    store.transition(who(store, "admin"), m["id"], "lapsed", m["version"])  # meanwhile
    r = post(p, f"/coop/match/{m['id']}/flow", {**FLOW, "version": m["version"]}, pcsrf)
    assert r.status_code == 409 and "changed since you loaded the page" in r.text
    assert store.activity_of_match(m["id"]) is None


# ------------------------------------------------------------------------------ results
RESULT = {"indicator": "Civil servants trained in AI", "result_type": "1", "measure": "1",
          "baseline_year": "2025", "baseline": "0", "target": "500", "actual": "180",
          "period_start": "2026-01-01", "period_end": "2026-12-31"}  # fmt: skip


def test_record_results(app: FastAPI, store: CoopStore) -> None:
    m = new_match(store, "committed")
    mid = m["id"]
    for user in ("acme", "ken"):  # the partner and the recipient country's focal point
        c, csrf = signed(app, user)
        body = {**RESULT, "indicator": f"{RESULT['indicator']} ({user})", "version": m["version"]}
        r = post(c, f"/coop/match/{mid}/result", body, csrf)
        assert r.status_code == 303 and r.headers["location"].endswith("#results"), r.text[:300]
    act = store.activity_of_match(mid)
    assert act is not None and len(act["results"]) == 2
    res = act["results"][0]
    assert (res["baseline_year"], res["baseline"], res["target"], res["actual"]) == (
        2025, 0, 500, 180)  # fmt: skip
    assert res["period_start"] == "2026-01-01" and res["result_type"] == "1"
    page = TestClient(app).get(f"/es/coop/match/{mid}").text
    assert 'id="t-results"' in page and "Civil servants trained in AI (ken)" in page
    assert "Producto" in page  # IATI result type 1, translated
    acc = TestClient(app).get("/api/coop/accountability?by=provider").json()
    acme = next(row for row in acc["rows"] if row["provider"] == "Acme Cloud")
    assert acme["results"] >= 2 and acme["results_with_actual"] >= 2


def test_result_form_refused_422_409(app: FastAPI, store: CoopStore) -> None:
    m = new_match(store, "committed")
    mid = m["id"]
    body = {**RESULT, "version": m["version"]}
    assert post(TestClient(app), f"/coop/match/{mid}/result", body, None).status_code == 403
    for user in ("mwi", "uni", "reader"):
        c, csrf = signed(app, user)
        assert post(c, f"/coop/match/{mid}/result", body, csrf).status_code == 403, user
    c, csrf = signed(app, "ken")
    assert post(c, f"/coop/match/{mid}/result", body, None).status_code == 403
    assert post(c, f"/coop/match/{mid}/result", body, csrf + "x").status_code == 403
    for change, field in [
        ({"period_end": "2025-01-01"}, "period_end"),
        ({"indicator": "x"}, "indicator"),
        ({"baseline_year": "1800"}, "baseline_year"),
        ({"target": "many"}, "target"),
        ({"measure": "9"}, "measure"),
    ]:
        r = post(c, f"/coop/match/{mid}/result", {**body, **change}, csrf)
        assert r.status_code == 422, (change, r.text[:300])
        assert field_error(r.text, field)
        if "indicator" not in change:
            assert 'value="Civil servants trained in AI"' in r.text
    store.update(who(store, "admin"), "match", mid, {"note": "checked"}, m["version"])
    r = post(c, f"/coop/match/{mid}/result", body, csrf)
    assert r.status_code == 409
    assert store.activity_of_match(mid) is None


# ------------------------------------------------------------------------------ matchmaking
def test_matching_page_admin_only(app: FastAPI, store: CoopStore) -> None:
    r = TestClient(app).get("/coop/matching", follow_redirects=False)
    assert r.status_code == 303 and "/coop/login" in r.headers["location"]
    assert post(TestClient(app), "/coop/matching", {"dataset": "real"}, None).status_code == 403
    for user in ("ken", "acme", "reader"):
        c, csrf = signed(app, user)
        assert c.get("/coop/matching").status_code == 403
        assert 'href="/coop/matching"' not in c.get("/coop").text
        before = len(store.records("match", dataset="all"))
        # neither a stored run nor a dry run
        for save in ("1", ""):
            r = post(c, "/coop/matching", {"dataset": "real", "save": save}, csrf)
            assert r.status_code == 403, user
        assert len(store.records("match", dataset="all")) == before
    a, _acsrf = signed(app, "admin")
    assert 'href="/coop/matching"' in a.get("/coop").text
    assert post(a, "/coop/matching", {"dataset": "real", "save": "1"}, None).status_code == 403
    assert post(a, "/coop/matching", {"dataset": "real"}, "forged").status_code == 403


def test_matching_dry_run_and_stored_run(app: FastAPI, store: CoopStore) -> None:
    new_need(store, title="Skills for data scientists", interventions=["SKILL-02"])
    new_offer(store, title="Only for Malawi", eligible_countries=["MWI"])  # excluded for KEN
    a, acsrf = signed(app, "admin")
    page = a.get("/coop/matching")
    assert page.status_code == 200 and 'id="matching-form"' in page.text
    last = re.search(r'name="after_run:real" value="([^"]*)"', page.text)
    assert last is not None
    before = len(store.records("match", dataset="real"))
    r = post(a, "/coop/matching", {"dataset": "real", "after_run:real": last.group(1)}, acsrf)
    assert r.status_code == 200 and "Dry run: nothing was stored." in r.text
    assert len(store.records("match", dataset="real")) == before
    rows = re.findall(r'<tr class="proposal', r.text)
    assert rows, "proposals are listed"
    # every score term is shown, with value x weight and why
    for term in ("fit of areas and interventions", "capacity", "modality", "language",
                 "priority (LDC, tier 0)"):  # fmt: skip
        assert f'<th scope="col">{term}</th>' in r.text
    assert r.text.count("<li><strong>") == 5 * len(rows)
    assert "×" in r.text and 'id="t-excluded"' in r.text
    # stored: the proposals become matches, linked from the page
    r = post(a, "/coop/matching", {"dataset": "real", "save": "1",
             "after_run:real": last.group(1)}, acsrf)  # fmt: skip
    assert r.status_code == 200 and "Stored as run" in r.text
    after = store.records("match", dataset="real")
    run_id = store.last_run("real")
    assert run_id and run_id in r.text
    stored = [m for m in after if m["run_id"] == run_id]
    assert stored and len(stored) == len(re.findall(r'<tr class="proposal', r.text))
    for m in stored:
        assert f'href="/coop/match/{m["id"]}"' in r.text
    # the page's JSON twin is the API's proposal call
    assert 'href="/api/coop/matches/propose"' in r.text or "/api/coop/matches/propose" in r.text


def test_matching_422_and_stale_409(app: FastAPI, store: CoopStore) -> None:
    a, acsrf = signed(app, "admin")
    r = post(a, "/coop/matching", {"dataset": "fake", "save": "1"}, acsrf)
    assert r.status_code == 422 and field_error(r.text, "dataset")
    r = post(a, "/coop/matching", {"dataset": "real", "on": "next week"}, acsrf)
    assert r.status_code == 422 and field_error(r.text, "on")
    assert 'value="next week"' in r.text
    # the page was loaded, then someone else stored a run: 409, nothing stored
    page = a.get("/coop/matching").text
    seen = re.search(r'name="after_run:real" value="([^"]*)"', page)
    assert seen is not None
    from aicap.analysis.cooperate.service import run_matchmaking

    run_matchmaking(store, who(store, "admin"), dataset="real")
    n = len(store.records("match", dataset="real"))
    r = post(a, "/coop/matching", {"dataset": "real", "save": "1",
             "after_run:real": seen.group(1)}, acsrf)  # fmt: skip
    assert r.status_code == 409 and "run by someone else" in r.text
    assert len(store.records("match", dataset="real")) == n
    # the re-rendered form carries the new run: sending it again works
    fresh = re.search(r'name="after_run:real" value="([^"]*)"', r.text)
    assert fresh is not None and fresh.group(1) == store.last_run("real")


# ------------------------------------------------------------------------------ throttle
def test_sign_in_throttle_form_and_api(app: FastAPI, store: CoopStore) -> None:
    store.create_account(
        who(store, "admin"), {"username": "guessme", "password": PW, "role": "public"}
    )
    c = TestClient(app, client=("203.0.113.7", 5000))
    token = csrf_of(c.get("/coop/login").text)
    wrong = {"username": "guessme", "password": "wrong", "csrf_token": token}
    for _ in range(5):
        r = c.post("/coop/login", data=wrong, follow_redirects=False)
        assert r.status_code == 401
    r = c.post("/coop/login", data={**wrong, "password": PW}, follow_redirects=False)
    assert r.status_code == 429, "blocked even with the right password"
    assert 0 < int(r.headers["retry-after"]) <= 15 * 60
    assert "Too many failed sign-ins" in r.text and 'value="guessme"' in r.text
    assert int(r.headers["retry-after"]) == 60  # backoff: one minute after the fifth failure
    # the same account from another client: heard (nobody locks its owner out, F6)
    api = TestClient(app, client=("198.51.100.9", 5000))
    r = api.post("/api/coop/auth/login", json={"username": "guessme", "password": PW})
    assert r.status_code == 200
    # another account from the blocked client: heard until that address has failed 20 times
    r = c.post("/coop/login", data={**wrong, "username": "reader", "password": PW},
               follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    # French form: translated message
    fr = TestClient(app, client=("203.0.113.7", 5001))
    t = csrf_of(fr.get("/fr/coop/login").text)
    r = fr.post("/fr/coop/login", data={**wrong, "csrf_token": t}, follow_redirects=False)
    assert r.status_code == 429 and "Trop de tentatives" in r.text
