"""A framework note held in English (aicap.report.lang.English) is shown in the document's
language when the catalogue translates every one of its sentences, and in English, marked,
when one sentence has no entry."""

from __future__ import annotations

from aicap.analysis.localise import Localiser
from aicap.report.lang import English, Note, translated

TLS = (
    "The series counts publicly trusted TLS certificates (Netcraft): with free certificates "
    "and HTTPS adoption it more than doubled in one year for 38 % of Member States in 2016 "
    "and 54 % in 2017, against at most 8 % in any year 2018-2024 (bundled WDI snapshot). "
    "Values before 2018 are not comparable with values from 2018 on."
)


def test_a_note_whose_sentences_are_all_translated_reads_in_the_language() -> None:
    for lang, word in (("fr", "certificats"), ("ar", "شهادات"), ("zh", "2018")):
        loc = Localiser(lang)
        got = translated(TLS, loc)
        assert got is not None and word in got and "publicly trusted" not in got, (lang, got)
        html = str(
            Note(
                "{name}: method break in {year}: {note}", name="x", year=2018, note=English(TLS)
            ).render(loc)
        )
        assert 'lang="en"' not in html and "publicly trusted" not in html, (lang, html)


def test_a_note_with_an_untranslated_sentence_stays_english_and_marked() -> None:
    loc = Localiser("fr")
    text = TLS + " A sentence no catalogue holds."
    assert translated(text, loc) is None
    html = str(
        Note(
            "{name}: method break in {year}: {note}", name="x", year=2018, note=English(text)
        ).render(loc)
    )
    assert '<span lang="en">' in html and "A sentence no catalogue holds." in html
    assert translated(text, Localiser("en")) == text  # English: as written
