"""The country voice's demonstration flow as people use it, in real headless Chromium
(JavaScript off: the forms must not need it), in English and Arabic: the focal point for
Chile signs in, submits a FICTITIOUS national value with a source PDF (a wrong unit first:
the error comes back beside its field), a reviewer takes it under review and accepts it, the
focal point publishes a statement in English and in Arabic; the view with national data
shows the changed score, rank and tier with the submission's provenance; the profile shows
both views and the statement in both languages, labelled FICTITIOUS; the briefing's annex
reads the statement. Screenshots go to ``$AICAP_SCREENSHOTS`` (default: a temporary folder).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_helpers import MARKS, chromium_browser, serve, shot_dir  # noqa: F401 (fixtures)
from coop_web_helpers import FAST_HASH, PW
from web_helpers import site_for

from aicap.analysis.cooperate.service import default_vocabulary
from aicap.analysis.voice.demo import REPLIES, SUBMISSION, demo_pdf
from aicap.analysis.voice.service import published_replies
from aicap.warehouse.cooperation.store import CoopStore
from aicap.web.app import create_app

pytestmark = MARKS


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CoopStore]:
    folder = tmp_path_factory.mktemp("voice-browser")
    st = CoopStore.open(
        f"sqlite:///{folder / 'coop.sqlite'}", default_vocabulary(), hasher=FAST_HASH
    )
    st.bootstrap_admin("admin", PW)
    admin = st.authenticate("admin", PW)
    st.create_account(
        admin, {"username": "chl", "role": "focal_point", "country_iso3": "CHL", "password": PW}
    )
    st.create_account(admin, {"username": "rev", "role": "reviewer", "password": PW})
    yield st
    st.close()


@pytest.fixture(scope="module")
def base_url(full_warehouse: Path, store: CoopStore) -> Iterator[str]:
    with serve(create_app(site_for(full_warehouse), store)) as url:
        yield url


@pytest.fixture(scope="module")
def other_url(full_warehouse: Path, store: CoopStore) -> Iterator[str]:
    """A second server process's twin: its own app, page cache and store (engine,
    connections) on the same registry file, as ``aicap serve --workers 2`` runs."""
    twin = CoopStore.open(str(store.engine.url), default_vocabulary(), hasher=FAST_HASH)
    app = create_app(site_for(full_warehouse), twin)
    with serve(app) as url:
        yield url
    twin.close()


def _sign_in(browser: Any, base_url: str, user: str, target: str) -> Any:
    ctx = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 1000})
    page = ctx.new_page()
    page.goto(base_url + target)
    if "/coop/login" not in page.url:  # a public page: sign in from its link
        page.locator(".coop-bar a", has_text="Sign in").click()
    assert "/coop/login" in page.url  # sent to sign in first, then back
    page.fill("#f-username", user)
    page.fill("#f-password", PW)
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_url("**" + target.split("?")[0] + "*")
    return page


def test_demo_flow_en_and_ar(
    browser: Any, base_url: str, other_url: str, shots: Path, store: CoopStore, tmp_path: Path
) -> None:
    pdf = tmp_path / "census-2025-fictitious.pdf"
    pdf.write_bytes(demo_pdf())
    # the other process serves (and caches) Chile's profile before anything is submitted
    twin = browser.new_context(java_script_enabled=False).new_page()
    twin.goto(other_url + "/country/CHL")
    assert twin.locator("#demo-voice").count() == 0
    # --- the focal point submits a national value with its source PDF
    page = _sign_in(browser, base_url, "chl", "/voice/country/CHL?dataset=demo")
    assert page.locator(".note.demo").is_visible()  # FICTITIOUS demonstration, labelled
    # the draft profile in the API: its own country's, never another's
    r = page.request.get(base_url + "/api/voice/review/CHL")
    assert r.status == 200 and r.json()["draft"] is True and len(r.json()["values"]) >= 20
    assert page.request.get(base_url + "/api/voice/review/KEN").status == 403
    assert page.locator("#t-values tbody tr").count() >= 20  # every value with provenance
    assert page.locator("#t-conditions").is_visible()  # the tier's evidence
    form = page.locator("form[action$='/submit']")
    form.locator("#f-indicator").select_option(SUBMISSION["indicator"])
    form.locator("#f-year").fill(str(SUBMISSION["year"]))
    form.locator("#f-value").fill("2000")
    form.locator("#f-unit").fill("GPUs")  # wrong unit first
    form.locator("#f-title").fill(SUBMISSION["source_title"])
    form.locator("#f-body").fill(SUBMISSION["source_body"])
    form.locator("#f-doc").set_input_files(str(pdf))
    form.locator("#f-method").fill(SUBMISSION["method_note"])
    form.locator("button[type=submit]").click()
    err = page.locator("#err-unit")
    assert err.is_visible() and "H100-equivalents" in err.inner_text()
    assert page.locator("#f-value").input_value() == "2000"  # what was typed is kept
    page.locator("#f-unit").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "voice-submit-422.png"))
    page.locator("#f-unit").fill("H100-equivalents")
    page.locator("#f-doc").set_input_files(str(pdf))
    page.locator("form[action$='/submit'] button[type=submit]").click()
    page.wait_for_url("**/voice/country/CHL?dataset=demo#submissions")
    row = page.locator("#t-submissions tbody tr")
    assert row.count() == 1 and "submitted" in row.inner_text()
    page.screenshot(path=str(shots / "voice-review-en.png"), full_page=True)
    # --- the reviewer takes it under review and accepts it
    rev = _sign_in(browser, base_url, "rev", "/voice/queue")
    assert rev.locator("#q-submissions tbody tr").count() == 1
    assert rev.locator("#q-submissions a", has_text="PDF").count() == 1
    rev.locator("#q-submissions button[type=submit]").click()
    rev.wait_for_url("**/voice/queue")
    rev.locator("#q-submissions select[name=state]").select_option("accepted")
    rev.locator("#q-submissions input[name=reason]").fill("Census method checked")
    rev.screenshot(path=str(shots / "voice-queue.png"), full_page=True)
    rev.locator("#q-submissions button[type=submit]").click()
    rev.wait_for_url("**/voice/queue")
    assert rev.locator("#q-submissions").count() == 0  # nothing left to review
    # --- the focal point's statement, in English, then in Arabic on the Arabic page
    for prefix, lang in (("", "en"), ("/ar", "ar")):
        page.goto(base_url + prefix + "/voice/country/CHL?dataset=demo")
        page.locator("#f-rlang").select_option(lang)
        page.locator("#f-rtext").fill(REPLIES[lang])
        page.locator("form[action$='/reply'] button[type=submit]").click()
        page.wait_for_url("**/voice/country/CHL?dataset=demo#reply")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("#t-national").is_visible()  # the review page shows both views
    page.screenshot(path=str(shots / "voice-review-ar.png"), full_page=True)
    # --- the view with national data: Chile's score, rank and tier changed, with provenance
    pub = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 1000})
    view = pub.new_page()
    view.goto(base_url + "/voice?view=national&dataset=demo")
    assert "With accepted national data" in view.locator("#which-view").inner_text()
    assert "FICTITIOUS" in view.locator("#which-view").inner_text()
    changed = view.locator("#t-view tr.changed", has_text="Chile")
    assert changed.count() == 1
    view.screenshot(path=str(shots / "voice-national-view.png"), full_page=True)
    # --- the profile, in English and Arabic: both views, the statement, labelled
    for prefix, lang in (("", "en"), ("/ar", "ar")):
        view.goto(base_url + prefix + "/country/CHL")
        demo = view.locator("#demo-voice")
        assert demo.locator(".note.demo").is_visible()
        cells = [c.inner_text() for c in demo.locator("#t-national-demo tbody tr").all()]
        assert len(cells) == 2
        intl, nat = (c.split("\t") for c in cells)
        assert intl[-1].strip() == "2" and nat[-1].strip() == "3"  # tier 2 -> 3
        each = demo.locator("#t-each-demo tbody tr")
        assert "census of AI compute" in each.inner_text()  # provenance of the change
        assert demo.locator("#t-each-demo a", has_text="PDF").count() == 1
        for lg in ("en", "ar"):
            q = demo.locator(f"#reply-{lg}-demo")
            assert q.get_attribute("lang") == lg
            # (an Arabic page isolates left-to-right runs with LRI/PDI: invisible, not text)
            assert q.inner_text().replace("\u2066", "").replace("\u2069", "").strip() == REPLIES[lg]
        assert view.locator("#reply-ar-demo").get_attribute("dir") == "rtl"
        demo.scroll_into_view_if_needed()
        view.screenshot(path=str(shots / f"voice-profile-{lang}.png"), full_page=True)
        view.locator("#country-voice").screenshot(path=str(shots / f"voice-block-{lang}.png"))
    # the other process's cached page follows the changes made through this one
    time.sleep(1.1)  # its look at the registry's change feed: at most once a second
    # (its first view with national data reads the warehouse and computes both views)
    twin.goto(other_url + "/country/CHL", timeout=180_000)
    assert twin.locator("#demo-voice #t-national-demo").count() == 1
    reply_ar = twin.locator("#reply-ar-demo").inner_text()
    assert reply_ar.replace("\u2066", "").replace("\u2069", "").strip() == REPLIES["ar"]
    # the country JSON carries the same, and says which view it is
    resp = view.request.get(base_url + "/api/country/CHL")
    assert resp.headers["x-aicap-view"] == "international"
    body = resp.json()["country_voice"]
    assert body["view"] == "international" and body["demo"]["fictitious"] is True
    assert body["demo"]["national"]["change"]["tier"] == 1
    pub.close()
    # --- the briefing's annex reads the statement (both languages)
    url = str(store.engine.url)
    got = published_replies(url, "demo")
    assert sorted(r["lang"] for r in got["CHL"]) == ["ar", "en"]
    assert published_replies(url, "real") == {}


def test_error_report_and_review_api(
    browser: Any, base_url: str, shots: Path, store: CoopStore
) -> None:
    """Anyone signed in reports an error; the list is public; an accepted report records a
    correction rule; the review API is the country's, the reviewers' and administrators'."""
    admin = store.authenticate("admin", PW)
    store.create_account(admin, {"username": "reader", "role": "public", "password": PW})
    page = _sign_in(browser, base_url, "reader", "/voice/reports")
    page.locator("#f-country").select_option("KEN")
    page.locator("#f-indicator").select_option("internet_use")
    page.locator("#f-year").fill("1990")  # outside the years the index reads: 422
    page.locator("#f-why").fill("The 2022 value repeats the 2021 survey's figure.")
    page.locator("main form button[type=submit]").last.click()
    assert page.locator("#err-year").is_visible()
    page.locator("#f-year").fill("2022")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_url("**/voice/reports")
    assert page.locator(".field-error").count() == 0
    assert "submitted" in page.locator("#t-reports tbody tr").first.inner_text()
    # the reviewer accepts it with an exclusion: a rule, listed with its report
    rev = _sign_in(browser, base_url, "rev", "/voice/queue")
    rev.locator("#q-reports button[type=submit]").click()
    rev.wait_for_url("**/voice/queue")
    rev.locator("#q-reports select[name=state]").select_option("accepted")
    rev.locator("#q-reports select[name=action]").select_option("exclude")
    rev.locator("#q-reports input[name=reason]").fill("Confirmed with the regulator.")
    rev.locator("#q-reports button[type=submit]").click()
    rev.wait_for_url("**/voice/queue")
    anon = browser.new_context(java_script_enabled=False).new_page()
    anon.goto(base_url + "/ar/voice/reports")
    assert anon.locator("#t-rules tbody tr").count() == 1
    anon.screenshot(path=str(shots / "voice-reports-ar.png"), full_page=True)
    # the profile lists the rule with its report (this site was built before the rule:
    # the next `aicap build` applies it), and so does the country's JSON
    for prefix in ("", "/ar"):
        anon.goto(base_url + prefix + "/country/KEN", timeout=180_000)  # a first profile
        row = anon.locator("#t-corrections tbody tr")
        assert row.count() == 1 and "internet_use" in row.inner_text()
        anon.locator("#country-voice").screenshot(
            path=str(shots / f"voice-corrections{prefix.replace('/', '-')}.png")
        )
    got = anon.request.get(base_url + "/api/country/KEN").json()["country_voice"]
    (rule,) = got["corrections"]
    assert (rule["action"], rule["year"], rule["in_force"]) == ("exclude", 2022, True)
    assert rule["published_cells"] == 0 and rule["reason"] == "Confirmed with the regulator."
    # the review API: the country's focal point yes, another country's or the public no
    assert anon.request.get(base_url + "/api/voice/review/CHL").status == 401
    r = rev.request.get(base_url + "/api/voice/review/CHL")
    assert r.status == 200 and r.json()["draft"] is True
    assert len(r.json()["values"]) >= 20 and r.json()["tier_detail"]["conditions"]
    assert page.request.get(base_url + "/api/voice/review/CHL").status == 403  # reader
    assert page.goto(base_url + "/voice/country/KEN").status == 403


def test_voice_pages_in_six_languages(browser: Any, base_url: str) -> None:
    from aicap.web import i18n

    page = browser.new_context(java_script_enabled=False).new_page()
    for lang in i18n.LANGS:
        pre = "" if lang == "en" else f"/{lang}"
        for path in ("/voice", "/voice/reports", "/voice?view=national"):
            resp = page.goto(base_url + pre + path)
            assert resp is not None and resp.status == 200, (lang, path)
            assert page.locator("html").get_attribute("lang") == lang
            assert page.locator("#which-view, #t-reports").count() >= 1
            assert page.locator("#index-view").count() == 1  # the footer says which view
