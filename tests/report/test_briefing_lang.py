"""The briefing in the six UN languages: every generated sentence has a catalogue wording, and
no English is left in a translated briefing except the quotations of mandates (marked
``lang="en"``, with the note that their official texts exist in the six languages).

Built on the snapshot's warehouse and index outputs made in the test session (``built_outputs``),
so a clean clone runs these tests too."""

from __future__ import annotations

import html as _html
import re
from pathlib import Path
from typing import Any

import pytest

from aicap.analysis.localise import LANGS, Localiser
from aicap.report.lang import English, Note, Sentences

OTHER = [x for x in LANGS if x != "en"]
ANNEX = ["KEN", "FJI", "AFG"]

#: English function words that French, Spanish, Russian, Chinese and Arabic text does not use
#: (words such as "on", "no" or "a", which French or Spanish also write, are left out).
COMMON = frozenset(
    [
        "the",
        "of",
        "and",
        "to",
        "in",
        "for",
        "is",
        "are",
        "was",
        "were",
        "that",
        "which",
        "with",
        "by",
        "from",
        "at",
        "as",
        "be",
        "been",
        "has",
        "have",
        "not",
        "or",
        "this",
        "these",
        "those",
        "their",
        "its",
        "it",
        "they",
        "them",
        "than",
        "more",
        "most",
        "only",
        "each",
        "every",
        "other",
        "where",
        "when",
        "what",
        "who",
        "how",
        "can",
        "could",
        "would",
        "should",
        "may",
        "must",
        "will",
        "there",
        "here",
        "all",
        "any",
        "both",
        "between",
        "against",
        "over",
        "under",
        "into",
        "also",
        "but",
        "because",
        "while",
        "without",
        "within",
        "across",
        "about",
    ]
)
_DROP = re.compile(
    r"<(style|script|svg|code)\b.*?</\1>|<(\w+)\b[^>]*\blang=\"en\"[^>]*>.*?</\2>", re.S | re.I
)
_BLOCK = re.compile(r"<(?:br|/p|/li|/tr|/td|/th|/h\d|/div|/caption)\b[^>]*>", re.I)


def english_lines(page: str, threshold: int = 3) -> list[str]:
    """The lines of an HTML page (paragraphs, list items, cells...) with ``threshold`` or more
    English function words, leaving out what is marked ``lang="en"`` (quotations of mandates,
    bibliographic data cited as published), code and figures."""
    body = page.split("<body", 1)[-1]
    text = _DROP.sub(" ", body)
    text = _BLOCK.sub("\n", text)
    text = _html.unescape(re.sub(r"<[^>]+>", "", text))
    out = []
    for line in text.splitlines():
        words = re.findall(r"[A-Za-z]+", line)
        if sum(1 for w in words if w.lower() in COMMON) >= threshold:
            out.append(" ".join(line.split()))
    return out


def test_the_english_heuristic_finds_english_and_spares_quotations() -> None:
    page = (
        '<html lang="fr"><body><p>Le score médian est de 30,7.</p>'
        "<p>The binding constraint is most often data and skills.</p>"
        '<p class="quote" lang="en">“Requests the Secretary-General to report to the '
        "General Assembly at its eightieth session”</p>"
        '<p>Éditeur : <span lang="en">Data on AI Models (notable and frontier models)</span></p>'
        "</body></html>"
    )
    assert english_lines(page) == ["The binding constraint is most often data and skills."]


def test_a_note_renders_its_wording_in_the_language_and_keeps_data_as_published() -> None:
    note = Note(
        "Publisher: {pub}, {title}; licence {lic}; series {series}. Snapshot ({vint}).",
        pub="World Bank",
        title="World Development Indicators",
        lic="CC BY 4.0",
        series="EG.ELC.ACCS.ZS",
        vint="2024-12-11",
    )
    assert str(note) == (
        "Publisher: World Bank, World Development Indicators; licence CC BY 4.0; "
        "series EG.ELC.ACCS.ZS. Snapshot (2024-12-11)."
    )
    loc = Localiser("fr")
    got = note.render(loc)
    assert got.startswith('Éditeur : <span lang="en">World Bank</span>')
    assert not loc.unmatched()
    # numbers take the locale's form; generated values are translated; unknown wordings
    # stay in English and are reported
    n = Note(
        "Data gaps: a median of {k} of {n} indicators is missing per country; {m} cannot "
        "be scored for lack of data.",
        k=6,
        n=25,
        m=2,
    )
    assert "6" in n.render(loc) and "Lacunes de données" in n.render(loc)
    odd = Note("An unknown wording about {x}.", x="Kenya")
    assert odd.render(loc) == 'An unknown wording about <span lang="en">Kenya</span>.'
    assert loc.unmatched() == ["An unknown wording about {x}."]
    # framework notes held only in English are marked so
    both = Sentences(
        Note(
            "{name}: method break in {year}: {note}",
            frozenset({"name"}),
            name="Secure Internet servers",
            year="2018",
            note=English("The series counts certificates."),
        )
    )
    assert '<span lang="en">The series counts certificates.</span>' in both.render(Localiser("es"))


@pytest.fixture(scope="module")
def snapshot_context(full_warehouse: Path, built_outputs: Path) -> dict[str, Any]:
    """The briefing's context from the snapshot (with the Monitor section and three annex
    profiles), computed once for the module."""
    from aicap.cli.report_cmd import _catalogue, _load, _monitor
    from aicap.report.briefing import briefing_context, worker_state
    from aicap.report.cache import Cache
    from aicap.report.monitor_source import MonitorJob
    from aicap.report.workers import Workers

    data = _load(full_warehouse, built_outputs)
    cat = _catalogue(None, None, data)
    kw: dict[str, Any] = {}
    got = _monitor(full_warehouse, cat, Cache(None), [])
    if got is not None:
        links, mon = got
        kw["links"] = links
        if isinstance(mon, MonitorJob):
            kw["monitor_job"] = mon
        else:
            kw["monitor"], kw["signals"] = mon
    with Workers(1, worker_state(data, cat)) as pool:
        ctx = briefing_context(data, cat, annex=ANNEX, n_boot=100, workers=pool, **kw)
    assert ctx["monitor"] is not None, "the snapshot has Monitor records"
    return ctx


@pytest.fixture(scope="module")
def pages(snapshot_context: dict[str, Any], full_warehouse: Path) -> dict[str, tuple[str, Any]]:
    """Each language's briefing HTML with the localiser that wrote it."""
    from aicap.analysis.localise_profile import make_localiser
    from aicap.report.briefing import render_html
    from aicap.warehouse.read import Warehouse

    countries = Warehouse(full_warehouse).countries()
    out = {}
    for lang in LANGS:
        loc = make_localiser(countries, lang)
        out[lang] = (render_html(snapshot_context, loc=loc), loc)
    return out


@pytest.mark.parametrize("lang", OTHER)
def test_every_generated_sentence_of_the_briefing_has_a_catalogue_entry(
    pages: dict[str, tuple[str, Any]], lang: str
) -> None:
    """Findings, claims, captions, notes, recommendations and the annex's profiles."""
    _, loc = pages[lang]
    assert loc.unmatched() == [], lang


@pytest.mark.parametrize("lang", OTHER)
def test_no_english_left_in_a_translated_briefing(
    pages: dict[str, tuple[str, Any]], lang: str
) -> None:
    page, _ = pages[lang]
    assert english_lines(page) == [], lang
    # the mandate quotations are there, in English, with the note
    assert 'class="quote" lang="en"' in page
    assert "A/RES/78/311" in page


def test_the_english_briefing_reads_as_english(pages: dict[str, tuple[str, Any]]) -> None:
    """The heuristic does find English where it is expected (it can fail)."""
    page, _ = pages["en"]
    assert len(english_lines(page)) > 50


@pytest.mark.parametrize("lang", OTHER)
def test_every_action_text_of_the_intervention_catalogue_is_translated(lang: str) -> None:
    """The per-audience action texts, whichever interventions a run recommends."""
    import yaml

    from support import REPO

    items = yaml.safe_load((REPO / "catalogues" / "interventions.yaml").read_text("utf-8"))
    loc = Localiser(lang)
    missing = [
        " ".join(text.split())
        for it in items["interventions"]
        for text in (it.get("actions") or {}).values()
        if not loc.known(" ".join(text.split()))
    ]
    assert missing == [], missing[:3]
