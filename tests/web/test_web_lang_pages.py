"""The web pages render generated text in the page's language (issue 19, item 5): findings,
claims, recommendations and their reasons, tier evidence, peer groups and country names come
from the catalogues through :class:`aicap.analysis.localise.Localiser`; a generated sentence
with no catalogue entry fails here."""

from __future__ import annotations

import html as _html
import re

import pytest
from fastapi.testclient import TestClient

from aicap.analysis.localise import LRI, PDI, Localiser
from aicap.web import page_lang
from aicap.web.app import create_app
from aicap.web.data import SiteData

LANGS = ["fr", "es", "ru", "zh", "ar"]
#: an LDC (Haiti), a SIDS with a tier range (Tuvalu), a high-income country (Germany), Kenya
PAGES = [
    "/country/HTI",
    "/country/TUV",
    "/country/DEU",
    "/country/KEN",
    "/compare?c=KEN,VNM,PHL",
    "/divide",
    "/monitor",
]
#: English wordings of generated sentences: none may be left on a translated page
ENGLISH = [
    "(needs >=",
    "(needs <=",
    "points of ",
    "Tier 1: AI",
    "below the median of",
    "above the median of",
    "at par with the median",
    "no clear change against",
    "host no ",
    "covered by GIRAI 2026 have",
    "the gap between high-income",
    "serves the binding constraint",
    "below the peer median on",
    "can start now",
    "lower-middle-income countries",
    "Electricity access and reliable power",
    "not met",
    "(the)",
]
ARTICLE = re.compile(r"\((?:the|le|la|l'|les|el|los|las)\)")


@pytest.fixture(scope="module")
def client(site: SiteData) -> TestClient:
    return TestClient(create_app(site))


def _text(page: str) -> str:
    """The visible text of a page's main part (scripts and markup dropped)."""
    body = page.split("<main", 1)[-1]
    body = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", body, flags=re.S)
    text = _html.unescape(re.sub(r"<[^>]+>", " ", body))
    return " ".join(text.replace(LRI, "").replace(PDI, "").split())


# ---------------------------------------------------------------------------- synthetic
def _loc() -> Localiser:
    return Localiser("fr", {"Kenya": "Kenya", "Atlantis (the)": "Atlantide"})


def test_a_known_sentence_is_translated_and_an_unknown_one_is_kept_and_recorded() -> None:
    loc = _loc()
    p = page_lang._Page(loc)
    known = (
        "Break in 2022: the index's ingredients change (enters: AI diffusion); yearly scores "
        "before and after it are not compared, only constant-composition scores are."
    )
    got = p.sentence(known)
    assert got.startswith("Rupture en 2022") and "Diffusion de l'IA" in got
    assert got not in p.english and loc.unmatched() == []
    unknown = "A sentence no catalogue holds, with 12.5 points."
    assert p.sentence(unknown) == unknown
    assert unknown in p.english and loc.unmatched() == [unknown]


def test_records_keep_their_names_and_translate_their_wording() -> None:
    loc = _loc()
    p = page_lang._Page(loc)
    got = p.record("2,338 km (needs <= 3000 km): Oracle me-x-1 (Somewhere, XYZ)")
    assert got.startswith("2\u202f338 km (maximum 3000 km)") and "Oracle me-x-1" in got
    assert loc.unmatched() == []  # a region's name is a record, not a generated sentence


def test_names_drop_the_unterm_article_and_marks_follow_translation() -> None:
    assert page_lang.display_name({"en": "Bahamas (the)", "fr": "Bahamas (les)"}, "fr") == "Bahamas"
    assert page_lang.display_name({"en": "Bolivia (Plurinational State of)"}, "es") == (
        "Bolivia (Plurinational State of)"
    )
    en = page_lang.english_marker({page_lang.ENGLISH: {"kept"}})
    assert en("kept") == ' lang="en"' and en("traduit") == ""


def test_only_arabic_pages_are_isolated() -> None:
    html = "<p>-1.7 و 120–127</p>"
    assert page_lang.finish(html, "fr") == html
    assert page_lang.finish(html, "ar") == f"<p>{LRI}-1.7{PDI} و {LRI}120–127{PDI}</p>"


def test_latin_names_stay_whole_in_arabic() -> None:
    out = page_lang.finish(
        '<a lang="es">Español</a><td>قائمة: Oracle me-x-1 (Saudi Arabia West (Jeddah), SAU)؛ '
        "(حتى 35)</td>",
        "ar",
    )
    assert f"{LRI}Español{PDI}" in out
    assert f"{LRI}Oracle me-x-1 (Saudi Arabia West (Jeddah), SAU){PDI}؛" in out
    assert f"(حتى {LRI}35{PDI})" in out  # an Arabic parenthesis stays outside the run


def test_the_json_twin_stays_english(site: SiteData) -> None:
    data = {"claims": [{"text": "A sentence no catalogue holds."}]}
    out = page_lang.localise(site, "monitor", data, "zh")
    assert data == {"claims": [{"text": "A sentence no catalogue holds."}]}
    assert out is not data and page_lang.ENGLISH in out


# ---------------------------------------------------------------------------- snapshot
@pytest.mark.parametrize("lang", LANGS)
def test_every_generated_sentence_on_the_pages_has_a_catalogue_entry(
    client: TestClient, site: SiteData, lang: str
) -> None:
    loc = page_lang.localiser_for(site, lang)
    for path in PAGES:
        before = set(loc.unmatched())
        res = client.get(f"/{lang}{path}")
        assert res.status_code == 200, path
        new = sorted(set(loc.unmatched()) - before)
        assert new == [], f"{lang}{path}: no catalogue entry for {new}"
        text = _text(res.text)
        left = [w for w in ENGLISH if w in text]
        assert left == [], f"{lang}{path}: English generated wording left: {left}"
        assert not ARTICLE.search(text), f"{lang}{path}: {ARTICLE.search(text)}"


def test_kenya_in_french_reads_french(client: TestClient) -> None:
    text = _text(client.get("/fr/country/KEN").text)
    assert "Kenya (le)" not in text and "Viet Nam (le)" not in text
    assert "pays à revenu intermédiaire de la tranche inférieure (49)" in text  # a peer group
    assert "connectivité et accès à l'énergie 72,3 (minimum 20)" in text  # tier evidence
    assert "Accès à l'électricité et alimentation fiable" in text  # the first recommendation
    assert "Le plus en retard sur ses pairs" in text  # the summary's first thing to know


def test_english_pages_drop_the_article_too(client: TestClient) -> None:
    text = _text(client.get("/country/KEN").text)
    assert "Viet Nam (the)" not in text and "Viet Nam" in text
    assert "Philippines (the)" not in text
    assert "<title>Kenya" in client.get("/country/KEN").text
    for path in ("/monitor/concentration", "/monitor", "/country/USA", "/ranking"):
        assert not ARTICLE.search(_text(client.get(path).text)), path  # claims included
    assert "United States of America" in client.get("/search?q=united").text


def test_arabic_numbers_are_isolated(client: TestClient) -> None:
    page = client.get("/ar/country/KEN").text
    assert 'dir="rtl"' in page
    assert f"{LRI}-1.7{PDI}" in page  # a negative gap in a claim, minus sign kept in front
    assert f'<bdi dir="ltr">{LRI}' not in page  # what is already isolated is left alone
