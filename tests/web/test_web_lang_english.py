"""No English left on the French, Spanish, Russian, Chinese and Arabic pages (issue 19, item 5)
except what must stay English: quotations of UN texts (the library holds them in English),
proper names (publishers, data sets, validation indices), records quoted as written and codes.

The catalogue's texts (intervention descriptions, providers, modalities, cost bands, lead times)
and the framework's prose (methodology page, divide note) are translated in the gettext domain
``report``; the unit tests below fail when a catalogue entry or a framework sentence lacks a
translation in any of the five languages, or when a translation changes a quotation."""

from __future__ import annotations

import html as _html
import re

import pytest
import yaml
from fastapi.testclient import TestClient

from aicap.analysis.catalogue import (
    COST_BANDS,
    LEAD_TIMES,
    MODALITY_WORDS,
    CatalogueModel,
    default_catalogue_path,
)
from aicap.analysis.localise import LRI, PDI, Localiser
from aicap.analysis.spec import IndexSpec, default_framework_path
from aicap.web import page_indicator, page_lang, page_method
from aicap.web.app import create_app
from aicap.web.data import SiteData

LANGS = ["fr", "es", "ru", "zh", "ar"]
PAGES = [
    "/country/KEN",
    "/country/HTI",
    "/country/TUV",
    "/country/DEU",
    "/country/FJI",
    "/methodology",
    "/divide",
    "/indicators",
    "/monitor",
    "/monitor/concentration",
    "/monitor/access",
    "/monitor/incidents",
    "/indicator/compute_capacity",
    "/indicator/notable_models",
    "/indicator/income",
    "/indicator/government_effectiveness",
    "/indicator/internet_use",
]
QUOTE = re.compile(r'"([^"]+)"')
#: an element the page marks as English: its tag, its attributes and its text
MARKED = re.compile(r'<(\w+)\b([^>]*)\slang="en"([^>]*)>(.*?)</\1>', re.S)
#: machine flags and codes ("carried:2022; zero:not_listed", "CONN-01")
CODES = re.compile(r"^[a-z_]+:[\w<>:+]+(?:[;,] [a-z_]+:[\w<>:+]+)*$|^[A-Z0-9][A-Z0-9\-/.#_ ]*$")


def _catalogue() -> CatalogueModel:
    data = yaml.safe_load(default_catalogue_path().read_text("utf-8"))
    return CatalogueModel.model_validate(data)


def _catalogue_texts() -> list[str]:
    cat = _catalogue()
    out: list[str] = []
    for it in cat.interventions:
        out += [it.title, " ".join(it.description.split()), *it.providers]
        out += [f"{it.cost_band.value} ({COST_BANDS[it.cost_band.value]})"]
        out += [f"{it.lead_time.value} ({LEAD_TIMES[it.lead_time.value]})"]
    out += list(MODALITY_WORDS.values()) + [a.name for a in cat.areas]
    out.append(" ".join(cat.cost_estimate.basis.split()))
    return list(dict.fromkeys(out))


# ---------------------------------------------------------------------------- catalogue data
@pytest.mark.parametrize("lang", LANGS)
def test_every_catalogue_text_has_a_translation(lang: str) -> None:
    loc = Localiser(lang)
    texts = _catalogue_texts()
    assert len(texts) > 150  # 51 descriptions, their titles, ~60 providers, labels
    missing = [t for t in texts if loc.lookup(t) is None]
    assert missing == [], f"{lang}: no translation for {missing[:5]}"


@pytest.mark.parametrize("lang", LANGS)
def test_quotations_inside_catalogue_texts_stay_as_the_library_holds_them(lang: str) -> None:
    loc = Localiser(lang)
    for it in _catalogue().interventions:
        en = " ".join(it.description.split())
        got = loc.lookup(en) or ""
        assert QUOTE.findall(got) == QUOTE.findall(en), (lang, it.id, got)
        assert got != en and got.strip()


def test_a_catalogue_text_without_translation_is_caught() -> None:
    loc = Localiser("fr")
    assert loc.lookup("A description no catalogue holds.") is None
    p = page_lang._Page(loc)
    assert p.text("A description no catalogue holds.") in p.english


# ---------------------------------------------------------------------------- framework prose
def _framework_texts() -> list[str]:
    spec = IndexSpec.load(default_framework_path())
    t = [spec.description, spec.window.rationale, spec.series.rationale, spec.tiers.rule]
    t += [spec.tiers.source_note, *spec.excluded_sources.values()]
    t += [g.rationale for g in spec.groups]
    t += [p.rationale for p in spec.pillars] + [p.a79966 for p in spec.pillars]
    t += [x.description for x in spec.tiers.tiers]
    t += [c.reason for c in spec.tiers.conditions] + [c.coverage for c in spec.tiers.conditions]
    t += [i.method_break.note for i in spec.indicators if i.method_break and i.method_break.note]
    return [" ".join(x.split()) for x in t if x]


@pytest.mark.parametrize("lang", LANGS)
def test_every_framework_sentence_has_a_translation(lang: str) -> None:
    loc = Localiser(lang)
    p = page_lang._Page(loc)
    texts = _framework_texts()
    got = [page_method.prose(p, t) if len(t) > 80 else p.text(t) for t in texts]
    assert loc.unmatched() == [], f"{lang}: {loc.unmatched()[:3]}"
    assert not p.english
    assert all(g != t for g, t in zip(got, texts, strict=True))
    for g, t in zip(got, texts, strict=True):  # quotations of UN texts ("not met" is a label)
        quotes = [q for q in QUOTE.findall(t) if len(q) > 8]
        assert [q for q in QUOTE.findall(g) if len(q) > 8] == quotes, (lang, t)


def test_framework_numbers_take_the_locale_form() -> None:
    text = next(t for t in _framework_texts() if "3,000 km" in t)
    fr = page_method.prose(page_lang._Page(Localiser("fr")), text)
    assert "3\u202f000 km" in fr and "4\u202f500 km" in fr and "1,5 fois" in fr
    es = page_method.prose(page_lang._Page(Localiser("es")), text)
    assert "3000 km" in es and "1,5 veces" in es  # CLDR: Spanish groups from five digits


def test_prose_with_an_unknown_sentence_stays_english_and_is_recorded() -> None:
    loc = Localiser("ru")
    p = page_lang._Page(loc)
    text = "Fixed goalposts make a score comparable across years. A new sentence nobody wrote."
    assert page_method.prose(p, text) == text and text in p.english
    assert loc.unmatched() == ["A new sentence nobody wrote."]


# ---------------------------------------------------------------------------- indicator pages
def _indicator_texts() -> list[dict[str, object]]:
    """Each indicator's page text as the site holds it (:mod:`aicap.web.data`)."""
    spec = IndexSpec.load(default_framework_path())
    return [
        {
            "code": i.code,
            "name": i.name,
            "unit": i.unit,
            "concept": i.concept,
            "rationale": " ".join(i.rationale.split()),
            "caveats": " ".join(i.caveats.split()) if i.caveats else None,
            "goalposts_basis": i.goalposts.basis,
            "goalposts_note": i.goalposts.note,
        }
        for i in spec.indicators
    ]


@pytest.mark.parametrize("lang", LANGS)
def test_every_indicator_text_has_a_translation(lang: str) -> None:
    loc = Localiser(lang)
    p = page_lang._Page(loc)
    rows = _indicator_texts()
    assert len(rows) == 25
    for en in rows:
        got = dict(en)
        page_indicator.indicator(p, got)
        for key in (*page_indicator.TEXTS, "goalposts_note"):
            if en[key]:
                assert got[key] != en[key] and str(got[key]).strip(), (lang, en["code"], key)
                # quotations of A/79/966 and codes stay as written
                assert QUOTE.findall(str(got[key])) == QUOTE.findall(str(en[key])) or (
                    en["code"] == "notable_models" and key == "goalposts_note"
                ), (lang, en["code"], key, got[key])
                assert re.findall(r"`[^`]+`", str(got[key])) == re.findall(r"`[^`]+`", str(en[key]))
        assert got["goalposts_text"] and str(en["goalposts_note"]) not in str(got["goalposts_text"])
    assert loc.unmatched() == [], f"{lang}: {loc.unmatched()[:3]}"
    assert not p.english, f"{lang}: {sorted(p.english)[:3]}"


def test_indicator_notes_take_the_locale_form() -> None:
    def note(lang: str, code: str) -> str:
        d = next(dict(r) for r in _indicator_texts() if r["code"] == code)
        page_indicator.indicator(page_lang._Page(Localiser(lang)), d)
        return str(d["goalposts_text"])

    assert "(43,0)" in note("fr", "fixed_broadband") and "（43.0）" in note("zh", "fixed_broadband")
    assert "de 0 à 1\u202f000 équivalents H100" in note("fr", "compute_capacity")
    assert "de 0 a 1000 equivalentes" in note("es", "compute_capacity")  # CLDR: from five digits
    assert "от 0 до 1\u00a0000 эквивалентов" in note("ru", "compute_capacity")
    assert "de -2,5 à 2,5" in note("fr", "rule_of_law")
    assert "(3,25 %)" in note("fr", "rd_expenditure")
    assert "de 100 a 75.000 dólares PPA de 2017" in note("es", "income")
    zh = note("zh", "income")
    assert zh.startswith("（公布的界限：") and "100至75,000个" in zh
    # the tier's name, a quotation of A/79/966, is shown as one (in English)
    assert '"AI developers"' in note("ru", "notable_models")


def test_an_indicator_note_without_translation_stays_english_and_is_marked() -> None:
    loc = Localiser("fr")
    p = page_lang._Page(loc)
    d = {"goalposts_basis": "natural", "goalposts_note": "a note nobody translated"}
    page_indicator.indicator(p, d)
    assert d["goalposts_text"] == "(bornes naturelles\u00a0: a note nobody translated)"
    assert d["goalposts_text"] in p.english and loc.unmatched() == ["a note nobody translated"]


# ---------------------------------------------------------------------------- divide note
def test_the_composition_note_is_rebuilt_in_the_language() -> None:
    comp = {
        "start": 2018,
        "end": 2025,
        "eligible": ["A", "B", "C"],
        "excluded": {
            "C": "not available in every year of the window for any country",
            "D": "method break in 2019: Values before 2018 are not comparable with values "
            "from 2018 on.",
        },
        "median_held": 1234,
        "note": "the comparison starts in 2018: over 2015-2025 fewer than 50% of the "
        "countries keep a comparable score",
    }
    names = {"C": "Statistical capacity", "D": "AI diffusion"}
    loc = Localiser("fr")
    got = page_method.composition(page_lang._Page(loc), comp, names)
    assert got is not None and loc.unmatched() == []
    assert got.startswith("composition constante 2018-2025")
    assert "(médiane : 1\u202f234 sur 2 utilisables)" in got
    assert "Capacité statistique (aucun pays n'en dispose" in got
    assert "rupture méthodologique en 2019\u00a0: Les valeurs antérieures à 2018" in got
    assert "moins de 50 % des pays" in got
    zh = page_method.composition(page_lang._Page(Localiser("zh")), comp, names)
    assert zh is not None and "（比较从2018年开始" in zh and "1,234" in zh


# ---------------------------------------------------------------------------- the pages
@pytest.fixture(scope="module")
def client(site: SiteData) -> TestClient:
    return TestClient(create_app(site))


def _allowed(site: SiteData, client: TestClient) -> set[str]:
    """Texts that stay English by right: proper names (publishers, data sets, validation
    indices, compute holders), the records the tier evidence quotes (laws, cloud regions), the
    competition authorities' thresholds as they wrote them, the language's own name in the
    switcher."""
    names: set[str] = {"English"}
    for i in site.indicators:
        for key in ("publisher", "source_title"):
            if i.get(key):
                names.add(str(i[key]))
        names.add(f"{i.get('publisher')} {i.get('source_title')}")  # the methodology's sources
        for sep in (", ", " , "):  # a profile's source note: publisher (linked or not), licence
            names.add(f"{i.get('publisher')}{sep}{i.get('licence')}")
    names |= {f"{v.name} ({v.year})" for v in site.spec.validation_targets}
    for path in PAGES:
        if path.startswith("/country/"):
            twin = client.get(f"/api{path}").json()
            for c in (twin.get("tier_detail") or {}).get("conditions") or []:
                names |= {str(c.get("detail") or ""), str(c.get("source") or "")}
    conc = client.get("/api/monitor/concentration").json()  # the thresholds' sources, actors
    names |= {str(conc.get("threshold_source")), str(conc.get("threshold_source_ec"))}
    for rows in (conc.get("top_compute") or {}).values():
        names |= {str(r["actor"]) for r in rows if r.get("actor") != "(unattributed)"}
    return {" ".join(n.split()) for n in names if n}


def _english_blocks(page: str, allowed: set[str]) -> list[str]:
    out = []
    for m in MARKED.finditer(page):
        tag, inner = m.group(1), m.group(4)
        if tag in ("q", "cite"):  # a quotation of a UN text: English by design
            continue
        if 'rel="external"' in m.group(2) + m.group(3):  # a record's title (incidents, sources)
            continue
        text = _html.unescape(re.sub(r"<[^>]+>", " ", inner)).replace(LRI, "").replace(PDI, "")
        text = " ".join(text.split())
        if not text or CODES.match(text) or text in allowed:
            continue
        if text.startswith("A/79/966 (report), "):  # the tier rule's quotations of A/79/966
            continue
        out.append(text[:120])
    return out


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
def test_no_english_block_is_left_on_the_pages(
    client: TestClient, site: SiteData, lang: str
) -> None:
    allowed = _allowed(site, client)
    loc = page_lang.localiser_for(site, lang)
    for path in PAGES:
        before = set(loc.unmatched())
        res = client.get(f"/{lang}{path}")
        assert res.status_code == 200, path
        left = _english_blocks(res.text, allowed)
        assert left == [], f"{lang}{path}: English left on the page: {left[:5]}"
        assert sorted(set(loc.unmatched()) - before) == [], f"{lang}{path}"


def test_french_profile_reads_french(client: TestClient) -> None:
    page = _html.unescape(client.get("/fr/country/KEN").text)
    assert "L'extension du réseau électrique et des mini-réseaux renouvelables" in page
    assert "Banque mondiale" in page and "banques régionales de développement" in page
    quote = "unreliable connectivity, limited compute power and unstable energy"
    assert f'<q lang="en" class="inline">{quote}</q>' in page  # a quotation stays English
    assert "très élevé (plus de 100 millions de dollars)" in page
    en = client.get("/country/KEN").text
    assert "Grid extension and off-grid renewable mini-grids" in en  # the English page unchanged


def test_indicator_page_reads_in_the_language(client: TestClient) -> None:
    page = _html.unescape(client.get("/es/indicator/compute_capacity").text)
    assert "El cómputo alojado es el fundamento" in page
    assert '<q lang="en" class="inline">compute</q>' in page  # A/79/966's word stays English
    assert '<code dir="ltr">zero:not_listed</code>' in page
    assert "(criterio normativo: de 0 a 1000 equivalentes de H100" in page
    ar = client.get("/ar/indicator/rule_of_law").text
    assert "\u2066-2.5\u2069" in ar  # a negative goalpost isolated left to right
    en = _html.unescape(client.get("/indicator/compute_capacity").text)
    assert "(policy: 0 to 1,000 H100-equivalents" in en
    assert 'Hosted compute is A/79/966\'s <q lang="en" class="inline">compute</q>' in en


def test_profile_monitor_distances_and_colons_take_the_locale_form(client: TestClient) -> None:
    twin = client.get("/api/country/HTI").json()
    near = [str(v) for k, v in (twin["monitor"]["access"] or {}).items() if "km)" in str(v)]
    assert near and all(re.search(r"\(\d{1,3}(,\d{3})+ km\)", v) for v in near[:1]), near
    es = _html.unescape(client.get("/es/country/HTI").text)
    assert not re.search(r"\(\d{1,3},\d{3} km\)", es)  # never "(3,552 km)" in Spanish
    fr = _html.unescape(client.get("/fr/country/HTI").text)
    assert re.search(r"\(\d{1,3}\u202f\d{3} km\)", fr)
    zh = client.get("/zh/country/KEN").text
    assert re.search(r"（FIN-\d\d）：", zh) and not re.search(r"\(FIN-\d\d\): ", zh)
    assert re.search(r"\(FIN-\d\d\): ", client.get("/country/KEN").text)
