"""The cooperation registry's HTML pages and forms, driven in process through the real app
(FastAPI's TestClient): public pages in six languages with their JSON twins, sign-in and
sign-out, the need and offer forms, accept / decline; every forbidden action refused (403),
CSRF missing or wrong refused, bad input re-rendered with 422 and the field named; evidence
snapshots from the diagnosis; OpenAPI without the ErrorResponse name clash."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from coop_web_helpers import PW, csrf_of, make_store, sign_in
from fastapi import FastAPI
from fastapi.testclient import TestClient

from aicap.analysis.cooperate.service import run_matchmaking
from aicap.warehouse.cooperation.store import CoopStore
from aicap.web import i18n
from aicap.web.app import create_app
from aicap.web.data import SiteData

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CoopStore]:
    st = make_store(tmp_path_factory.mktemp("coop"))
    yield st
    st.close()


@pytest.fixture(scope="module")
def app(site: SiteData, store: CoopStore) -> FastAPI:
    return create_app(site, store)


@pytest.fixture
def anon(app: FastAPI) -> TestClient:
    return TestClient(app)


def signed(app: FastAPI, user: str) -> tuple[TestClient, str]:
    c = TestClient(app)
    return c, sign_in(c, user)


NEED_FORM: dict[str, Any] = {
    "country_iso3": "KEN",
    "title": "Public-sector AI skills programme",
    "interventions": ["SKILL-02", "COMP-01"],
    "areas": ["skills"],
    "priority": "3",
    "beneficiary_groups": ["women_and_girls", "youth"],
    "budget_gap_usd": "250000",
    "demand:GPU-hours": "1000",
    "preferred_modality": "south_south",
    "languages": "en, sw",
}
OFFER_FORM: dict[str, Any] = {
    "provider_org": "Acme Cloud",
    "provider_type": "private_company",
    "pledge_type": "compute",
    "title": "Cloud credits for public-interest AI",
    "interventions": ["COMP-01"],
    "areas": ["compute"],
    "eligible_countries": "KEN, MWI",
    "eligible_tiers": ["0", "1", "2"],
    "capacity_amount": "1500000",
    "capacity_unit": "USD",
    "modalities": ["south_south"],
    "languages": "en",
    "conditions:licence": "open",
    "conditions:lock_in": "none",
    "conditions:data_localisation": "in-country",
    "valid_from": "2025-01-01",
    "valid_until": "2030-12-31",
}


def post(c: TestClient, path: str, data: dict[str, Any], csrf: str | None) -> Any:
    body = dict(data)
    if csrf is not None:
        body["csrf_token"] = csrf
    return c.post(path, data=body, follow_redirects=False)


def field_error(html: str, field: str) -> str:
    """The message shown beside ``field`` (the element the input's aria-describedby names)."""
    fid = field.replace(":", "-")
    m = re.search(rf'<span class="field-error" id="err-{re.escape(fid)}">(.*?)</span>', html)
    assert m, f"no error shown beside {field}"
    assert f'aria-describedby="err-{fid}"' in html or field in ("interventions", "areas")
    return re.sub(r"<[^>]+>", "", m.group(1))


def count(store: CoopStore, entity: str) -> int:
    return len(store.records(entity, dataset="all"))


# ------------------------------------------------------------------------------ public pages
def test_registry_page_public_with_twins_and_demo_label(anon: TestClient, store: CoopStore) -> None:
    r = anon.get("/coop")
    assert r.status_code == 200
    html = r.text
    for ds_link in ("/api/coop/needs?dataset=all", "/api/coop/offers?dataset=all"):
        assert f'href="{ds_link}"' in html
    assert 'href="/api/coop/matches?dataset=all"' in html
    needs = anon.get("/api/coop/needs?dataset=all").json()
    assert needs and html.count('href="/coop/need/') >= len(needs)
    for n in needs:
        assert n["title"] in html
    # the demonstration records are labelled on every row and explained once
    demo_rows = html.count('class="demo"')
    assert demo_rows >= len([n for n in needs if n["fictitious"]]) + 4
    assert "FICTITIOUS" in html and "demonstration data, not real" in html
    assert "(fictitious)" in html  # the organisation names
    # states of the matches are shown
    matches = anon.get("/api/coop/matches").json()
    assert matches and all(m["state"] in html for m in matches if m["state"] == "proposed")
    # the real view has no demonstration record and no demo note
    real = anon.get("/coop?dataset=real").text
    assert 'class="demo"' not in real and "FICTITIOUS" not in real


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_registry_in_six_languages(anon: TestClient, lang: str) -> None:
    pre = "" if lang == "en" else f"/{lang}"
    r = anon.get(f"{pre}/coop")
    assert r.status_code == 200
    title = i18n.translations(lang).gettext("Cooperation registry")
    assert f"<h1>{title}</h1>" in r.text
    assert f'<html lang="{lang}" dir="{"rtl" if lang == "ar" else "ltr"}">' in r.text
    fict = i18n.translations(lang).gettext("FICTITIOUS")
    assert fict in r.text
    # the main navigation leads here (live app only; the static export has no registry)
    nav = r.text.split('<nav aria-label="', 1)[1].split("</nav>", 1)[0]
    assert f'href="{pre}/coop"' in nav
    # the language switcher keeps the page
    assert 'href="/fr/coop"' in r.text and 'href="/ar/coop"' in r.text


def test_need_offer_match_pages_and_twins(anon: TestClient, store: CoopStore) -> None:
    need = store.records("need", dataset="demo")[0]
    r = anon.get(f"/coop/need/{need['id']}")
    assert r.status_code == 200 and need["title"] in r.text
    assert f'href="/api/coop/needs/{need["id"]}"' in r.text
    assert "FICTITIOUS" in r.text
    offer = store.records("offer", dataset="demo")[0]
    r = anon.get(f"/ar/coop/offer/{offer['id']}")
    assert r.status_code == 200 and 'dir="rtl"' in r.text
    assert f'href="/api/coop/offers/{offer["id"]}"' in r.text
    match = store.records("match", dataset="demo")[0]
    r = anon.get(f"/coop/match/{match['id']}")
    assert r.status_code == 200
    assert f'href="/api/coop/matches/{match["id"]}"' in r.text
    for t in match["terms"]:  # every score term is shown with why
        assert t["why"].replace("'", "&#39;") in r.text
    assert anon.get("/coop/need/999999").status_code == 404
    assert anon.get("/fr/coop/match/999999").status_code == 404


@pytest.mark.parametrize("by", ["provider", "country", "modality"])
def test_accountability_page(anon: TestClient, by: str) -> None:
    r = anon.get(f"/coop/accountability?by={by}&dataset=demo")
    assert r.status_code == 200
    twin = f"/api/coop/accountability?by={by}&amp;dataset=demo"
    assert twin in r.text
    data = anon.get(f"/api/coop/accountability?by={by}&dataset=demo").json()
    assert data["rows"] and "FICTITIOUS" in r.text
    assert r.text.count("<tr>") >= len(data["rows"]) + 1  # header, rows, total
    pledged = data["totals"]["pledged_usd"]
    assert f"{pledged:,.0f}" in r.text
    # the real view says nothing is recorded yet and points to the demonstration
    real = anon.get(f"/es/coop/accountability?by={by}").text
    assert i18n.translations("es").gettext("Nothing recorded yet.") in real


# ------------------------------------------------------------------------------ sign in / out
def test_login_csrf_wrong_password_and_logout(app: FastAPI) -> None:
    c = TestClient(app)
    form = c.get("/coop/login")
    token = csrf_of(form.text)
    body = {"username": "ken", "password": PW}
    # no token, a wrong token: refused
    assert c.post("/coop/login", data=body, follow_redirects=False).status_code == 403
    r = c.post("/coop/login", data={**body, "csrf_token": "forged"}, follow_redirects=False)
    assert r.status_code == 403
    # another browser's token (no login cookie here): refused
    other = TestClient(app)
    r = other.post("/coop/login", data={**body, "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 403
    # wrong password: 401, the form again with the username kept
    r = c.post(
        "/coop/login",
        data={"username": "ken", "password": "nope", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 401 and 'value="ken"' in r.text and "Wrong username" in r.text
    r = c.post("/coop/login", data={**body, "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/coop"
    assert "httponly" in r.headers["set-cookie"].lower()
    assert "samesite=strict" in r.headers["set-cookie"].lower()
    assert c.get("/api/coop/auth/me").json()["username"] == "ken"
    page = c.get("/coop").text
    assert "Signed in as" in page and ">ken<" in page
    session_csrf = csrf_of(page)
    # sign-out needs the session's CSRF token
    assert c.post("/coop/logout", follow_redirects=False).status_code == 403
    r = c.post("/coop/logout", data={"csrf_token": "forged"}, follow_redirects=False)
    assert r.status_code == 403
    assert c.get("/api/coop/auth/me").json()["username"] == "ken"
    r = c.post("/coop/logout", data={"csrf_token": session_csrf}, follow_redirects=False)
    assert r.status_code == 303
    assert c.get("/api/coop/auth/me").json()["role"] == "public"


def test_login_next_stays_on_this_site(app: FastAPI) -> None:
    c = TestClient(app)
    r = c.get("/coop/login?next=https://evil.example/")
    assert 'name="next" value=""' in r.text
    r = c.post(
        "/coop/login",
        data={
            "username": "ken",
            "password": PW,
            "csrf_token": csrf_of(r.text),
            "next": "//evil.example/x",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/coop"


# ------------------------------------------------------------------------------ need form
def test_need_form_success_with_evidence(app: FastAPI, store: CoopStore, site: SiteData) -> None:
    c, csrf = signed(app, "ken")
    r = c.get("/coop/needs/new")
    assert r.status_code == 200
    assert '<option value="KEN" selected>' in r.text  # the focal point's country
    assert 'value="SKILL-02"' in r.text and 'value="skills"' in r.text  # the catalogue
    before = count(store, "need")
    r = post(c, "/coop/needs/new", NEED_FORM, csrf)
    assert r.status_code == 303, r.text
    nid = int(r.headers["location"].rsplit("/", 1)[1])
    rec = store.get("need", nid)
    assert count(store, "need") == before + 1
    assert rec["country_iso3"] == "KEN" and rec["priority"] == 3
    assert rec["interventions"] == ["SKILL-02", "COMP-01"] and rec["areas"] == ["skills"]
    assert rec["beneficiary_groups"] == ["women_and_girls", "youth"]
    assert rec["budget_gap_usd"] == 250000 and rec["demand"] == {"GPU-hours": 1000}
    assert rec["preferred_modality"] == "south_south" and rec["languages"] == ["en", "sw"]
    assert rec["created_by"] == "ken" and rec["dataset"] == "real"
    ev = rec["evidence"]
    row = site.results.loc["KEN"]
    assert ev["available"] is True and ev["iso3"] == "KEN"
    assert ev["data_year"] == site.year
    assert ev["tier"] == (int(row["tier"]) if row["tier"] == row["tier"] else None)
    assert ev["score"] == pytest.approx(float(row["score"]), abs=0.01)
    assert ev["build"]["index_title"] and ev["build"]["origin"]
    assert ev["binding_constraint"] in site.pillar_codes
    for ind in ev["bottleneck_indicators"]:
        assert ind["value"] is not None and ind["gap_peer_value"] is not None
    # the need's page shows the snapshot
    page = c.get(f"/coop/need/{nid}").text
    assert "Evidence from the diagnosis" in page and "t-ev-pillars" in page
    assert f"{float(row['score']):.1f}" in page


def test_need_form_forbidden_actions(app: FastAPI, store: CoopStore) -> None:
    before = count(store, "need")
    # anonymous: the form sends to sign-in; a POST is refused
    anon = TestClient(app)
    r = anon.get("/coop/needs/new", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/coop/login?next=")
    assert post(anon, "/coop/needs/new", NEED_FORM, None).status_code == 403
    # a public reader and a partner cannot record needs
    for user in ("reader", "acme"):
        c, csrf = signed(app, user)
        assert c.get("/coop/needs/new").status_code == 403
        assert post(c, "/coop/needs/new", NEED_FORM, csrf).status_code == 403
    # a focal point records only its own country's needs: refused, input kept
    c, csrf = signed(app, "mwi")
    r = post(c, "/coop/needs/new", NEED_FORM, csrf)
    assert r.status_code == 403 and "only needs of its own country" in r.text
    assert NEED_FORM["title"] in r.text
    assert count(store, "need") == before


def test_need_form_csrf_missing_or_wrong(app: FastAPI, store: CoopStore) -> None:
    before = count(store, "need")
    c, csrf = signed(app, "ken")
    assert post(c, "/coop/needs/new", NEED_FORM, None).status_code == 403
    assert post(c, "/coop/needs/new", NEED_FORM, "x" + csrf).status_code == 403
    # another session's token does not do
    _, other = signed(app, "ken")
    assert post(c, "/coop/needs/new", NEED_FORM, other).status_code == 403
    assert count(store, "need") == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"budget_gap_usd": "a lot"}, "budget_gap_usd"),
        ({"budget_gap_usd": "-5"}, "budget_gap_usd"),
        ({"title": "x"}, "title"),
        ({"country_iso3": ""}, "country_iso3"),
        ({"interventions": [], "areas": []}, "interventions"),
        ({"interventions": ["NOPE-99"]}, "interventions"),
        ({"preferred_modality": "by_pigeon"}, "preferred_modality"),
        ({"priority": "9"}, "priority"),
        ({"beneficiary_groups": ["martians"]}, "beneficiary_groups"),
        ({"demand:GPU-hours": "-1"}, "demand:GPU-hours"),
        ({"languages": "english"}, "languages"),
    ],
)
def test_need_form_422_names_the_field_and_keeps_input(
    app: FastAPI, store: CoopStore, change: dict[str, Any], field: str
) -> None:
    before = count(store, "need")
    c, csrf = signed(app, "ken")
    r = post(c, "/coop/needs/new", {**NEED_FORM, **change}, csrf)
    assert r.status_code == 422, r.text[:500]
    assert field_error(r.text, field)
    assert "Please correct the fields marked below." in r.text
    html = r.text
    # what the user typed is still there
    if "title" not in change:
        assert f'value="{NEED_FORM["title"]}"' in html
    if "budget_gap_usd" not in change:
        assert 'value="250000"' in html
    else:
        assert f'value="{change["budget_gap_usd"]}"' in html
    if "interventions" not in change:
        assert 'value="SKILL-02" checked' in html
    if "beneficiary_groups" not in change:
        assert 'value="women_and_girls" checked' in html
    assert count(store, "need") == before


def test_need_form_422_in_french_keeps_the_language(app: FastAPI) -> None:
    c, csrf = signed(app, "ken")
    r = post(c, "/fr/coop/needs/new", {**NEED_FORM, "budget_gap_usd": "beaucoup"}, csrf)
    assert r.status_code == 422
    assert "Veuillez corriger les champs signalés ci-dessous." in r.text
    assert field_error(r.text, "budget_gap_usd")
    r = post(c, "/fr/coop/needs/new", NEED_FORM, csrf)
    assert r.status_code == 303 and r.headers["location"].startswith("/fr/coop/need/")


# ------------------------------------------------------------------------------ offer form
def test_offer_form_success(app: FastAPI, store: CoopStore) -> None:
    c, csrf = signed(app, "acme")
    r = c.get("/coop/offers/new")
    assert r.status_code == 200 and 'value="Acme Cloud"' in r.text
    r = post(c, "/coop/offers/new", OFFER_FORM, csrf)
    assert r.status_code == 303, r.text
    oid = int(r.headers["location"].rsplit("/", 1)[1])
    rec = store.get("offer", oid)
    assert rec["provider_org"] == "Acme Cloud" and rec["pledge_type"] == "compute"
    assert rec["eligible_countries"] == ["KEN", "MWI"] and rec["eligible_tiers"] == [0, 1, 2]
    assert rec["capacity_amount"] == 1_500_000 and rec["capacity_unit"] == "USD"
    assert rec["modalities"] == ["south_south"]
    assert rec["conditions"] == {
        "licence": "open",
        "lock_in": "none",
        "data_localisation": "in-country",
    }
    assert rec["valid_from"] == "2025-01-01" and rec["valid_until"] == "2030-12-31"
    page = c.get(f"/coop/offer/{oid}").text
    assert "Cloud credits for public-interest AI" in page and "in-country" in page


def test_offer_form_forbidden_actions(app: FastAPI, store: CoopStore) -> None:
    before = count(store, "offer")
    anon = TestClient(app)
    assert post(anon, "/coop/offers/new", OFFER_FORM, None).status_code == 403
    for user in ("reader", "ken"):
        c, csrf = signed(app, user)
        assert c.get("/coop/offers/new").status_code == 403
        assert post(c, "/coop/offers/new", OFFER_FORM, csrf).status_code == 403
    # a partner records only its own organisation's offers
    c, csrf = signed(app, "uni")
    r = post(c, "/coop/offers/new", OFFER_FORM, csrf)
    assert r.status_code == 403 and "only offers of its own organisation" in r.text
    assert count(store, "offer") == before


def test_offer_form_csrf_missing_or_wrong(app: FastAPI, store: CoopStore) -> None:
    before = count(store, "offer")
    c, csrf = signed(app, "acme")
    assert post(c, "/coop/offers/new", OFFER_FORM, None).status_code == 403
    assert post(c, "/coop/offers/new", OFFER_FORM, csrf[:-1]).status_code == 403
    assert count(store, "offer") == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"capacity_amount": ""}, "capacity_amount"),
        ({"capacity_amount": "0"}, "capacity_amount"),
        ({"capacity_unit": "bananas"}, "capacity_unit"),
        ({"provider_type": ""}, "provider_type"),
        ({"pledge_type": "gift"}, "pledge_type"),
        ({"eligible_countries": "Kenya"}, "eligible_countries"),
        ({"eligible_tiers": ["7"]}, "eligible_tiers"),
        ({"modalities": ["by_pigeon"]}, "modalities"),
        ({"valid_from": "2030-01-01", "valid_until": "2029-01-01"}, "valid_until"),
        ({"valid_until": "tomorrow"}, "valid_until"),
    ],
)
def test_offer_form_422_names_the_field(
    app: FastAPI, store: CoopStore, change: dict[str, Any], field: str
) -> None:
    before = count(store, "offer")
    c, csrf = signed(app, "acme")
    r = post(c, "/coop/offers/new", {**OFFER_FORM, **change}, csrf)
    assert r.status_code == 422, r.text[:500]
    assert field_error(r.text, field)
    assert 'value="Cloud credits for public-interest AI"' in r.text
    assert 'value="in-country"' in r.text
    assert count(store, "offer") == before


# ------------------------------------------------------------------------------ accept / decline
@pytest.fixture(scope="module")
def match(store: CoopStore) -> dict[str, Any]:
    """A real need of KEN and an offer of Acme Cloud, matched."""
    admin = store.authenticate("admin", PW)
    ken = store.authenticate("ken", PW)
    acme = store.authenticate("acme", PW)
    store.create(
        ken,
        "need",
        {"country_iso3": "KEN", "title": "Compute for the AI centre", "interventions": ["COMP-01"],
         "budget_gap_usd": 300_000, "priority": 4},
        derived={"evidence": {"note": "supplied by the server"}},
    )  # fmt: skip
    store.create(
        acme,
        "offer",
        {"provider_org": "Acme Cloud", "provider_type": "private_company",
         "pledge_type": "financial", "title": "Compute grants", "interventions": ["COMP-01"],
         "capacity_amount": 5_000_000, "capacity_unit": "USD"},
    )  # fmt: skip
    _, saved = run_matchmaking(store, admin, dataset="real")
    assert saved
    return saved[0]


def test_accept_and_decline_forms(app: FastAPI, store: CoopStore, match: dict[str, Any]) -> None:
    mid = match["id"]
    need = store.get("need", match["need_id"])
    focal = {"KEN": "ken", "MWI": "mwi"}.get(need["country_iso3"])
    assert focal, need
    # the focal point sees the decision forms on the match page
    c, csrf = signed(app, focal)
    page = c.get(f"/coop/match/{mid}").text
    assert f'action="/coop/match/{mid}/accept"' in page
    assert f'name="version" value="{match["version"]}"' in page
    # strangers see none
    anon_page = TestClient(app).get(f"/coop/match/{mid}").text
    assert f'action="/coop/match/{mid}/accept"' not in anon_page
    form = {"version": str(match["version"]), "note": "we accept"}
    # forbidden: anonymous, the public reader, another country's focal point, another partner
    assert post(TestClient(app), f"/coop/match/{mid}/accept", form, None).status_code == 403
    for user in ("reader", "mwi" if focal == "ken" else "ken", "uni"):
        other, ocsrf = signed(app, user)
        r = post(other, f"/coop/match/{mid}/accept", form, ocsrf)
        assert r.status_code == 403, (user, r.text[:300])
    # CSRF missing or wrong
    assert post(c, f"/coop/match/{mid}/accept", form, None).status_code == 403
    assert post(c, f"/coop/match/{mid}/accept", form, "forged").status_code == 403
    # a version that is not a number: 422 naming it; a stale version: 409
    r = post(c, f"/coop/match/{mid}/accept", {**form, "version": "abc"}, csrf)
    assert r.status_code == 422 and "version" in r.text
    r = post(c, f"/coop/match/{mid}/accept", {**form, "version": "99"}, csrf)
    assert r.status_code == 409
    assert store.get("match", mid)["state"] == "proposed"
    # accepted by the need's side, back on the page it came from; not yet by the offer's side
    r = post(c, f"/coop/match/{mid}/accept", {**form, "next": f"/coop/need/{need['id']}"}, csrf)
    assert r.status_code == 303 and r.headers["location"] == f"/coop/need/{need['id']}"
    half = store.get("match", mid)
    assert half["state"] == "proposed" and half["need_accepted"] and "we accept" in half["note"]
    page = c.get(f"/coop/match/{mid}").text
    assert 'id="acceptance"' in page and f'action="/coop/match/{mid}/accept"' not in page
    r = post(c, f"/coop/match/{mid}/accept", {"version": str(half["version"])}, csrf)
    assert r.status_code == 409  # its side has accepted already
    # the partner accepts too: accepted
    p, pcsrf = signed(app, "acme")
    r = post(p, f"/coop/match/{mid}/accept", {"version": str(half["version"])}, pcsrf)
    assert r.status_code == 303
    after = store.get("match", mid)
    assert after["state"] == "accepted"
    page = c.get(f"/coop/need/{need['id']}").text
    assert "accepted" in page
    # the partner declines (accepted -> declined is allowed for the offer side)
    r = post(p, f"/coop/match/{mid}/decline", {"version": str(after["version"])}, pcsrf)
    assert r.status_code == 303
    assert store.get("match", mid)["state"] == "declined"
    # a final state cannot move: 409
    r = post(p, f"/coop/match/{mid}/accept", {"version": str(after["version"] + 1)}, pcsrf)
    assert r.status_code == 409
    # the need page shows the evidence the server recorded as it came
    assert "supplied by the server" in c.get(f"/coop/need/{need['id']}").text


# ------------------------------------------------------------------------------ evidence
def test_api_need_gets_a_cached_snapshot(app: FastAPI, site: SiteData) -> None:
    c = TestClient(app)
    login = c.post("/api/coop/auth/login", json={"username": "mwi", "password": PW}).json()
    h = {"X-CSRF-Token": login["csrf_token"]}
    body = {"country_iso3": "MWI", "title": "Data centre power", "areas": ["compute"]}
    r = c.post("/api/coop/needs", json=body, headers=h)
    assert r.status_code == 201, r.text
    ev = r.json()["evidence"]
    assert ev["available"] is True and ev["iso3"] == "MWI"
    assert ev["data_year"] == site.year
    source = app.state.coop_evidence
    computed = source.computed
    t0 = time.perf_counter()
    r2 = c.post("/api/coop/needs", json={**body, "title": "Second need"}, headers=h)
    assert r2.status_code == 201
    assert time.perf_counter() - t0 < 2.0
    assert source.computed == computed, "the second need of a country uses the cache"
    assert r2.json()["evidence"]["score"] == ev["score"]
    # evidence and a tier supplied by the client are refused (security review F3)
    for forged in ({"evidence": {"mine": 1}}, {"tier": 0}, {"ldc": True}):
        r3 = c.post("/api/coop/needs", json={**body, **forged}, headers=h)
        assert r3.status_code == 422 and next(iter(forged)) in r3.json()["error"]["message"]
    assert r.json()["tier"] == ev["tier"]  # the tier is the diagnosis's


def test_need_without_a_diagnosis_records_that(app: FastAPI) -> None:
    c = TestClient(app)
    login = c.post("/api/coop/auth/login", json={"username": "admin", "password": PW}).json()
    body = {"country_iso3": "XKX", "title": "Not a Member State", "areas": ["skills"]}
    r = c.post("/api/coop/needs", json=body, headers={"X-CSRF-Token": login["csrf_token"]})
    assert r.status_code == 201, r.text
    ev = r.json()["evidence"]
    assert ev["available"] is False and "XKX" in ev["reason"]
    page = c.get(f"/coop/need/{r.json()['id']}").text
    assert "No evidence was available from the diagnosis" in page


# ------------------------------------------------------------------------------ OpenAPI
def test_openapi_error_models_have_unique_names(anon: TestClient) -> None:
    spec = anon.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    assert "ErrorResponse" in schemas and "CoopErrorResponse" in schemas
    assert "ErrorBody" in schemas and "CoopErrorBody" in schemas
    assert not [k for k in schemas if "__" in k], "no module-prefixed (clashing) names"
    ref = spec["paths"]["/api/country/{iso3}"]["get"]["responses"]["404"]
    assert ref["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorResponse")
    coop = spec["paths"]["/api/coop/needs"]["post"]["responses"]["403"]
    assert coop["content"]["application/json"]["schema"]["$ref"].endswith("/CoopErrorResponse")
    assert not [p for p in spec["paths"] if p.startswith(("/coop", "/fr/coop"))], "pages stay out"


# ------------------------------------------------------------------------------ security (issue 21)
def test_pages_carry_security_headers(app: FastAPI) -> None:
    """F15: CSP without scripts, nosniff, no framing, a referrer policy; no-store once signed in."""
    anon = TestClient(app).get("/coop")
    c, _csrf = signed(app, "ken")
    mine = c.get("/coop")
    for r, private in ((anon, False), (mine, True)):
        assert r.status_code == 200
        h = r.headers
        assert "frame-ancestors 'none'" in h["content-security-policy"]
        assert "style-src 'self'" in h["content-security-policy"]
        assert h["x-content-type-options"] == "nosniff" and h["referrer-policy"] == "same-origin"
        assert (h.get("cache-control") == "no-store") is private
    assert 'style="' not in mine.text  # nothing the policy would block on the registry's pages
