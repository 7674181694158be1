"""The six briefings rendered together (aicap.report.pdf.PdfBatch): every annex profile one A4
page in every language, one subset of each font per document however many chunks, and the
chunks' cache reused only while a chunk and the document's characters are unchanged."""

from __future__ import annotations

import hashlib
import io
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "analysis_diagnose"))
from diagnose_helpers import MANDATES, make_data

from aicap.analysis.catalogue import Catalogue, load_catalogue
from aicap.analysis.localise import Localiser
from aicap.report import pdf as pdfmod
from aicap.report.briefing import briefing_context, render_html
from aicap.report.cache import Cache
from aicap.report.workers import Workers

LANGS = ("en", "fr", "es", "ru", "zh", "ar")
ANNEX = ["L1", "U0", "H3", "L4", "M2"]
A4_MM = (210, 297)


@pytest.fixture(scope="module")
def html_by_lang() -> dict[str, str]:
    cat: Catalogue = load_catalogue(None, MANDATES)
    ctx = briefing_context(make_data(bands=True), cat, annex=ANNEX, n_boot=200)
    return {lg: render_html(ctx, loc=Localiser(lg)) for lg in LANGS}


def _small(html: str, main: str = "<h1>Briefing</h1><p>Main part.</p>") -> str:
    """The document with its main part cut to a paragraph (the annex as it is)."""
    parts = pdfmod.split(html)
    assert parts is not None
    return parts.head + main + "".join(parts.profiles) + parts.tail


def _font_files(pdf: bytes) -> dict[str, set[str]]:
    """Font name (without its subset tag) -> digests of the font files embedded for it."""
    reader = PdfReader(io.BytesIO(pdf))
    out: dict[str, set[str]] = {}
    for page in reader.pages:
        for ref in page["/Resources"].get("/Font", {}).values():
            font = ref.get_object()
            desc = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            fd = desc["/FontDescriptor"].get_object()
            for k in ("/FontFile", "/FontFile2", "/FontFile3"):
                if k in fd:
                    data = fd[k].get_object().get_data()
                    name = str(font["/BaseFont"]).split("+", 1)[-1]
                    out.setdefault(name, set()).add(hashlib.sha256(data).hexdigest())
    return out


def test_every_profile_is_one_a4_page_in_every_language(html_by_lang: dict[str, str]) -> None:
    """The annex's profiles laid out in one chunk per language: one page each (a profile that
    ran over would add a page), A4."""
    for lg, html in html_by_lang.items():
        parts = pdfmod.split(html)
        assert parts is not None and len(parts.profiles) == len(ANNEX), lg
        data, pages = pdfmod.render_chunk(parts.chunk_html(0, len(ANNEX), 1), None)
        reader = PdfReader(io.BytesIO(data))
        assert pages == len(reader.pages) == len(ANNEX), lg
        for page in reader.pages:
            box = page.mediabox
            size = (round(float(box.width) * 25.4 / 72), round(float(box.height) * 25.4 / 72))
            assert size == A4_MM, (lg, size)


def test_six_languages_in_one_batch_one_font_subset_each(
    tmp_path: Path, html_by_lang: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pdfmod, "MAX_CHUNK", 2)  # three chunks for five profiles
    with Workers(2, {}) as pool:
        batch = pdfmod.PdfBatch(pool)
        for lg in LANGS:
            batch.add(_small(html_by_lang[lg]), tmp_path / f"{lg}.pdf", lg)
        pages = batch.finish()
    assert pages == [1 + len(ANNEX)] * len(LANGS)
    assert batch.stats.whole == 0 and batch.stats.chunks == 3 * len(LANGS)
    for lg in LANGS:
        data = (tmp_path / f"{lg}.pdf").read_bytes()
        fonts = _font_files(data)
        assert fonts and all(len(v) == 1 for v in fonts.values()), (lg, fonts)
    zh = _font_files((tmp_path / "zh.pdf").read_bytes())
    assert any("CJK" in name for name in zh), zh  # the Chinese text is set in the CJK font
    # the same pages as one rendering in one piece
    one = tmp_path / "zh-one.pdf"
    assert pdfmod.render_pdf(_small(html_by_lang["zh"]), one) == 1 + len(ANNEX)
    text = [p.extract_text() for p in PdfReader(str(one)).pages]
    assert text == [p.extract_text() for p in PdfReader(str(tmp_path / "zh.pdf")).pages]


def test_chunk_cache_is_reused_only_while_its_inputs_are_unchanged(
    tmp_path: Path, html_by_lang: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pdfmod, "MAX_CHUNK", 2)  # chunks: profiles 1-2, 3-4, 5
    cache = Cache(tmp_path / "cache")
    html = _small(html_by_lang["fr"])

    def run(doc: str) -> pdfmod.Stats:
        with Workers(2, {}) as pool:
            batch = pdfmod.PdfBatch(pool, cache=cache)
            batch.add(doc, tmp_path / "b.pdf")
            assert batch.finish() == [1 + len(ANNEX)]
        return batch.stats

    first = run(html)
    assert (first.chunks, first.cached) == (3, 0)
    again = run(html)
    assert (again.chunks, again.cached) == (0, 3)  # nothing laid out again
    # the last profile's text changes: its chunk alone is laid out again
    parts = pdfmod.split(html)
    assert parts is not None
    last = parts.profiles[-1]
    changed = html.replace(last, last.replace("</section>", "<p>Note.</p></section>"))
    assert changed != html
    third = run(changed)
    assert (third.chunks, third.cached) == (1, 2)
    # a character new to the document changes every font subset: every chunk laid out again
    fourth = run(changed.replace("<p>Main part.</p>", "<p>Main part ʘ.</p>"))
    assert (fourth.chunks, fourth.cached) == (3, 0)


def test_a_stored_six_language_briefing_is_written_back_under_its_names(tmp_path: Path) -> None:
    """`--lang all` reused from the cache writes every language's HTML and PDF again, under
    their own names, and its data files apart (aicap.report.reuse)."""
    from aicap.report import reuse

    out = tmp_path / "out"
    (out / "data").mkdir(parents=True)
    data = out / "data" / "claims.json"
    data.write_text("{}")
    langs: dict[str, tuple[Path, Path | None, int | None]] = {}
    for lg in ("en", "zh"):
        h, p = out / f"briefing-{lg}.html", out / f"briefing-{lg}.pdf"
        h.write_text(f"<html>{lg}</html>")
        p.write_bytes(f"%PDF {lg}".encode())
        langs[lg] = (h, p, 3)
    en = langs["en"]
    stored = reuse.capture(out, en[0], [data], en[1], 3, ["KEN"], "now", [], langs)
    again = tmp_path / "again"
    html, _, pdf = reuse.write(stored, again)
    assert html == again / "briefing-en.html" and pdf == again / "briefing-en.pdf"
    assert (again / "briefing-zh.pdf").read_bytes() == b"%PDF zh"
    assert (again / "briefing-zh.html").read_text() == "<html>zh</html>"
    assert (again / "data" / "claims.json").is_file()
    assert stored.languages == {
        "en": ("briefing-en.html", "briefing-en.pdf", 3),
        "zh": ("briefing-zh.html", "briefing-zh.pdf", 3),
    }
