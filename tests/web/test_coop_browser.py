"""The cooperation registry as a person uses it, in real headless Chromium (Debian's
``chromium`` with Playwright, JavaScript off: the forms must not need it): the public registry,
sign-in, the need form filled in and submitted, the need's page with its evidence snapshot, in
English and Arabic (right to left). Screenshots go to ``$AICAP_SCREENSHOTS`` (default: a
temporary folder)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_helpers import MARKS, chromium_browser, serve, shot_dir  # noqa: F401 (fixtures)
from coop_web_helpers import PW, make_store
from web_helpers import site_for

from aicap.warehouse.cooperation.store import CoopStore
from aicap.web.app import create_app

pytestmark = MARKS


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CoopStore]:
    st = make_store(tmp_path_factory.mktemp("coop-browser"))
    yield st
    st.close()


@pytest.fixture(scope="module")
def base_url(full_warehouse: Path, store: CoopStore) -> Iterator[str]:
    with serve(create_app(site_for(full_warehouse), store)) as url:
        yield url


def test_public_registry_en_and_ar(browser: Any, base_url: str, shots: Path) -> None:
    ctx = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    page.goto(base_url + "/coop")
    assert page.locator("h1").inner_text() == "Cooperation registry"
    assert page.locator("#t-needs tbody tr").count() == 4
    assert page.locator("#t-needs .fict").count() == 4  # every demo row is labelled
    assert page.locator(".note.demo").is_visible()
    page.screenshot(path=str(shots / "coop-registry.png"), full_page=True)
    page.goto(base_url + "/ar/coop")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("h1").inner_text() == "سجل التعاون"
    h1 = page.locator("h1").bounding_box()
    assert h1 and h1["x"] + h1["width"] > 1280 / 2  # starts at the right
    page.screenshot(path=str(shots / "coop-registry-ar.png"), full_page=True)
    ctx.close()


def _sign_in(page: Any, base_url: str, prefix: str = "") -> None:
    page.goto(base_url + prefix + "/coop/needs/new")
    assert "/coop/login" in page.url  # sent to sign in first, then back
    page.fill("#f-username", "ken")
    page.fill("#f-password", PW)
    page.locator("form.record button[type=submit]").click()
    page.wait_for_url("**/coop/needs/new")


def test_sign_in_and_record_a_need(
    browser: Any, base_url: str, shots: Path, store: CoopStore
) -> None:
    ctx = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    _sign_in(page, base_url)
    assert page.locator("#f-country").input_value() == "KEN"
    page.fill("#f-title", "AI skills for the civil service")
    page.check('input[name="interventions"][value="SKILL-02"]')
    page.select_option("#f-priority", "3")
    page.check('input[name="beneficiary_groups"][value="women_and_girls"]')
    page.fill("#f-budget", "a lot")  # wrong first: the error comes back beside the field
    page.select_option("#f-modality", "south_south")
    page.fill("#f-languages", "en, sw")
    page.screenshot(path=str(shots / "coop-need-form.png"), full_page=True)
    page.locator("form.record button[type=submit]").click()
    err = page.locator("#err-budget_gap_usd")
    assert err.is_visible()
    assert page.locator("#f-budget").get_attribute("aria-describedby") == "err-budget_gap_usd"
    assert page.locator("#f-title").input_value() == "AI skills for the civil service"
    assert page.locator('input[name="interventions"][value="SKILL-02"]').is_checked()
    # the message sits next to its field
    fb, eb = page.locator("#f-budget").bounding_box(), err.bounding_box()
    assert fb and eb and 0 <= eb["y"] - fb["y"] < 80
    page.locator("#f-budget").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "coop-need-form-422.png"))
    page.fill("#f-budget", "250000")
    page.locator("form.record button[type=submit]").click()
    page.wait_for_url("**/coop/need/*")
    assert page.locator("h1").inner_text() == "AI skills for the civil service"
    assert page.locator("#t-ev-pillars").is_visible()
    page.screenshot(path=str(shots / "coop-need.png"), full_page=True)
    nid = int(page.url.rsplit("/", 1)[1])
    rec = store.get("need", nid)
    assert rec["budget_gap_usd"] == 250000 and rec["evidence"]["available"] is True
    ctx.close()


def test_need_form_arabic(browser: Any, base_url: str, shots: Path) -> None:
    ctx = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    _sign_in(page, base_url, "/ar")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("h1").inner_text() == "تسجيل احتياج"
    label = page.locator('label[for="f-title"]').bounding_box()
    field = page.locator("#f-title").bounding_box()
    assert label and field and label["x"] > field["x"]  # the label sits right of its field
    page.screenshot(path=str(shots / "coop-need-form-ar.png"), full_page=True)
    page.fill("#f-title", "مهارات الذكاء الاصطناعي")
    page.check('input[name="areas"][value="skills"]')
    page.locator("form.record button[type=submit]").click()
    page.wait_for_url("**/ar/coop/need/*")
    assert page.locator("h1").inner_text() == "مهارات الذكاء الاصطناعي"
    page.screenshot(path=str(shots / "coop-need-ar.png"), full_page=True)
    ctx.close()


def _login(page: Any, base_url: str, user: str, target: str) -> None:
    """Sign in as ``user`` from the sign-in page; land back on ``target``."""
    page.goto(base_url + "/coop/login?next=" + target)
    page.fill("#f-username", user)
    page.fill("#f-password", PW)
    page.locator("form.record button[type=submit]").click()
    page.wait_for_url("**" + target)


def test_admin_runs_matching_and_partner_records_a_disbursement(
    browser: Any, base_url: str, shots: Path, store: CoopStore
) -> None:
    ken, acme = store.authenticate("ken", PW), store.authenticate("acme", PW)
    need = store.create(
        ken,
        "need",
        {"country_iso3": "KEN", "title": "Data scientists for the health ministry",
         "interventions": ["SKILL-02"], "budget_gap_usd": 200_000, "priority": 3,
         "preferred_modality": "south_south", "languages": ["en"]},
        derived={"evidence": {"n": 1}},
    )  # fmt: skip
    offer = store.create(
        acme,
        "offer",
        {"provider_org": "Acme Cloud", "provider_type": "private_company",
         "pledge_type": "training", "title": "Applied AI fellowships",
         "interventions": ["SKILL-02"], "capacity_amount": 600_000, "capacity_unit": "USD",
         "modalities": ["south_south"], "languages": ["en"]},
    )  # fmt: skip
    # the administrator runs matchmaking from its page
    ctx = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    _login(page, base_url, "admin", "/coop/matching")
    assert page.locator("#f-dataset").input_value() == "real"
    assert page.locator('input[name="save"]').is_checked()
    page.locator("#matching-form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#t-proposals").is_visible()
    row = page.locator("#t-proposals tr.proposal", has_text=need["title"])
    assert row.count() == 1
    assert row.locator("td.term").count() == 5  # every score term, value x weight
    page.screenshot(path=str(shots / "coop-matching.png"), full_page=True)
    match = next(
        m
        for m in store.records("match", dataset="real")
        if m["need_id"] == need["id"] and m["state"] == "proposed"
    )
    assert match["offer_id"] == offer["id"]
    # the same page in Arabic, a dry run
    page.goto(base_url + "/ar/coop/matching")
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.locator('input[name="save"]').uncheck()
    page.locator("#matching-form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#t-proposals").is_visible()
    assert store.get("match", match["id"])["state"] == "proposed", "a dry run stores nothing"
    page.screenshot(path=str(shots / "coop-matching-ar.png"), full_page=True)
    ctx.close()

    # the country accepts (through the API here), then the partner accepts, commits and
    # records a disbursement on the match page
    m = store.get("match", match["id"])
    store.transition(ken, match["id"], "accepted", m["version"])
    ctx = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    target = f"/coop/match/{match['id']}"
    _login(page, base_url, "acme", target)
    page.locator("form.decide button.ok").click()
    page.wait_for_url("**" + target)
    assert store.get("match", match["id"])["state"] == "accepted"
    assert page.locator("#f-kind").input_value() == "commitment"
    page.fill("#f-amount", "200000")
    page.fill("#f-on-date", "2026-01-10")
    page.fill("#f-description", "Grant agreement signed")
    page.locator("#flow-form button[type=submit]").click()
    page.wait_for_url("**" + target + "#flows")
    assert store.get("match", match["id"])["state"] == "committed"
    page.select_option("#f-kind", "disbursement")
    page.fill("#f-amount", "80 000")  # a space between thousands is accepted
    page.fill("#f-on-date", "2026-03-15")
    page.fill("#f-description", "First tranche")
    page.locator("#flow-form button[type=submit]").click()
    page.wait_for_url("**#flows")
    flows = page.locator("#t-flows tbody tr")
    assert flows.count() == 2
    assert "First tranche" in flows.nth(1).inner_text()  # by date
    act = store.activity_of_match(match["id"])
    assert act is not None
    assert [(f["kind"], f["amount"]) for f in act["flows"]] == [
        ("commitment", 200_000),
        ("disbursement", 80_000),
    ]
    page.screenshot(path=str(shots / "coop-match-flows.png"), full_page=True)
    page.goto(base_url + "/ar" + target)
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("#t-flows tbody tr").count() == 2
    page.screenshot(path=str(shots / "coop-match-flows-ar.png"), full_page=True)
    ctx.close()
