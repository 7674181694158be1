"""Generated text in the six UN languages (aicap.analysis.localise, aicap.report.lang)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from aicap.analysis.localise import LANGS, Localiser, catalogue_ids, prose_name
from aicap.analysis.localise_profile import localise_profile, make_localiser
from aicap.report.lang import LRI, PDI, first_sentence, isolate_ltr

OTHER = [x for x in LANGS if x != "en"]


def test_prose_name_drops_only_the_article() -> None:
    assert prose_name("United States of America (the)") == "United States of America"
    assert prose_name("Kenya (le)") == "Kenya"
    assert prose_name("Afghanistan (l')") == "Afghanistan"
    assert prose_name("Bolivia (Plurinational State of)") == "Bolivia (Plurinational State of)"


def test_numbers_follow_the_locale_and_round_as_the_english_text() -> None:
    assert Localiser("en").num(41.55, 1) == f"{41.55:.1f}"  # no second rounding
    assert Localiser("fr").num(-1234.5, 1) == "-1\u202f234,5"
    assert Localiser("es").num(1234.5, 1) == "1234,5"
    assert Localiser("es").num(12345.0, 0) == "12.345"
    assert Localiser("ru").num(0.5, 2, sign=True) == "+0,50"
    assert Localiser("zh").num(-0.04, 1, sign=True) == "0.0"


def test_a_generated_sentence_is_read_back_and_refilled() -> None:
    names = {"INFRA": "infrastructure numérique et de calcul"}
    loc = Localiser("fr", names)
    got = loc.sentence(
        "tier 2 needs +29.4 points of INFRA (to 35): no single indicator can close the gap alone"
    )
    assert got == (
        "le niveau 2 requiert +29,4 points en infrastructure numérique et de calcul "
        "(jusqu'à 35) : aucun indicateur ne peut à lui seul combler l'écart"
    )
    assert not loc.unmatched()
    # a sentence no wording matches stays in English and is reported, never guessed
    assert loc.sentence("an unknown generated sentence") == "an unknown generated sentence"
    assert loc.unmatched() == ["an unknown generated sentence"]


def test_every_catalogue_entry_is_translated_with_its_placeholders() -> None:
    import re

    ph = re.compile(r"%\((\w+)\)s|\{(\w+)(?::[^{}]*)?\}")
    ids = catalogue_ids()
    assert len(ids) > 200
    for lang in OTHER:
        loc = Localiser(lang)
        for mid in ids:
            got = loc.lookup(mid)
            assert got, f"{lang}: no translation of {mid!r}"
            assert sorted(ph.findall(got)) == sorted(ph.findall(mid)), (lang, mid, got)


def test_rtl_isolation_keeps_signs_ranges_and_codes_together() -> None:
    html = "<p>الباقي -1.7 في 120-127 (% of GDP) CONN-02.</p><svg><text>-1</text></svg>"
    out = isolate_ltr(html)
    assert f"{LRI}-1.7{PDI}" in out
    assert f"{LRI}120-127{PDI}" in out
    assert f"{LRI}CONN-02{PDI}." in out  # the full stop stays outside
    assert "<svg><text>-1</text></svg>" in out


def test_quotations_stop_at_a_sentence_boundary() -> None:
    assert first_sentence("Calls upon States to act. Further text.") == "Calls upon States to act."
    assert first_sentence("An excerpt cut by the library in the midd") == ""
    assert first_sentence("A first sentence that is long. Short.", limit=10) == ""
    assert first_sentence("Recalls resolution 78/265. Notes.") == "Recalls resolution 78/265."


def _profiles(
    codes: list[str], warehouse: Path, index_dir: Path
) -> tuple[object, dict[str, dict[str, object]]]:
    """Profiles from the snapshot's warehouse and index outputs, built in the test session
    (so a clean clone runs these tests too)."""
    from aicap.analysis.profile import build_profile
    from aicap.cli.report_cmd import _catalogue, _load

    data = _load(warehouse, index_dir)
    cat = _catalogue(None, None, data)
    return data, {c: build_profile(data, c, cat) for c in codes}


def test_generated_sentences_of_profiles_have_a_catalogue_entry_in_every_language(
    full_warehouse: Path, built_outputs: Path
) -> None:
    """Fails when a generated sentence (reason, tier evidence, label) has no wording."""
    from aicap.warehouse.read import Warehouse

    codes = ["KEN", "AFG", "FJI", "BOL", "USA", "NPL", "TUV", "CHN", "BRA", "IND"]
    _, profs = _profiles(codes, full_warehouse, built_outputs)
    countries = Warehouse(full_warehouse).countries()
    shown = ("tier_assignment", "binding_constraint", "recommendation_need", "expected_residual")
    for lang in OTHER:
        loc = make_localiser(countries, lang)
        for p in profs.values():
            localise_profile(p, loc)
            for c in p.get("claims") or []:  # type: ignore[attr-defined]
                if c["kind"] in shown:  # the claim sentences the profile page prints
                    loc.sentence(c["text"])
        assert loc.unmatched() == [], lang


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_one_profile_per_language_on_one_page_in_its_script(
    tmp_path: Path, full_warehouse: Path, built_outputs: Path
) -> None:
    from aicap.report.briefing import write_profile_pdf
    from aicap.warehouse.read import Warehouse

    _, profs = _profiles(["KEN"], full_warehouse, built_outputs)
    countries = Warehouse(full_warehouse).countries()
    heads = {
        "en": "Country profile: Kenya",
        "fr": "Profil de pays : Kenya",
        "es": "Perfil de país: Kenya",
        "ru": "Страновой профиль: Кения",
        "zh": "国家概况：肯尼亚",
        "ar": "موجز قطري: كينيا",
    }
    for lang in LANGS:
        pdf = tmp_path / f"ken-{lang}.pdf"
        pages = write_profile_pdf(profs["KEN"], pdf, make_localiser(countries, lang))
        assert pages == 1, lang
        text = subprocess.run(
            ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        marks = str.maketrans("", "", LRI + PDI + "\u202a\u202b\u202c\u200e\u200f")
        flat = " ".join(text.translate(marks).split())
        if lang == "ar":
            # pdftotext writes right-to-left text in logical order: the words read as written
            assert "كينيا" in flat and "موجز قطري" in flat
            assert "التجريب في الذكاء الاصطناعي" in flat  # words in reading order
            # and the page draws a negative number with its sign on the left (-12.8, never
            # 12.8-): the glyph runs in the order they are drawn, left to right
            lo = profs["KEN"]["expected_capacity"]["residual_interval"][0]  # type: ignore[index]
            assert lo < 0
            drawn = _drawn(pdf)
            assert f"-{abs(lo):.2f}" in drawn and f"{abs(lo):.2f}-" not in drawn  # two decimals
            assert "ءارظنلا" not in flat  # no reversed label (SVG text is not reordered)
        else:
            assert heads[lang] in flat, (lang, flat[:200])


def _drawn(pdf: Path) -> str:
    """The page's text in the order it is drawn (left to right within a line)."""
    from pypdf import PdfReader

    chunks: list[str] = []

    def visit(text: str, *_: object) -> None:
        chunks.append(text)

    PdfReader(str(pdf)).pages[0].extract_text(visitor_text=visit)
    return "".join(chunks)


@pytest.mark.parametrize("lang", LANGS)
def test_an_expected_capacity_inside_its_interval_is_not_called_as_expected(lang: str) -> None:
    """Germany's residual of +14.8 [-0.04, +29.61] holds zero: the profile says "not clearly
    different from expected" (translated), never "as expected" beside a residual of +14.8; a
    verdict outside the interval keeps its word."""
    loc = Localiser(lang)
    ec = {"residual": 14.8, "residual_interval": [-0.04, 29.61], "verdict": "as expected"}
    shown = localise_profile({"name": "DEU", "expected_capacity": ec}, loc)["expected_capacity"]
    assert shown["verdict"] == loc.text("not clearly different from expected")
    if lang != "en":
        assert shown["verdict"] != "not clearly different from expected"  # translated
    assert loc.unmatched() == []
    over = dict(ec, residual_interval=[2.0, 29.61], verdict="over-performs")
    assert localise_profile({"expected_capacity": over}, loc)["expected_capacity"][
        "verdict"
    ] == loc.text("over-performs")
