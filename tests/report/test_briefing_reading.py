"""The briefing and the profiles read in order in Arabic and Chinese: checked on the PDF as it is
drawn (``pdftotext -bbox``: each word's glyphs in the order they sit on the line, left to right)
and on WeasyPrint's layout boxes, for one synthetic profile (fast: no warehouse).

- the claims key at the foot of a profile: its id pattern is one left-to-right unit and its
  claims follow each other from right to left in Arabic;
- the pillar table's headings never run into each other;
- English kept as English (data cited as published, quotations) reads left to right on every
  line it wraps onto inside Arabic text;
- the words of the briefing's charts are in Arabic, set as text the PDF holds (not SVG glyphs,
  which WeasyPrint neither shapes nor reorders).
"""

from __future__ import annotations

import html as _html
import itertools
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "analysis_diagnose"))
from diagnose_helpers import MANDATES, make_data

from aicap.analysis.catalogue import load_catalogue
from aicap.analysis.localise import Localiser
from aicap.report import pdf as pdfmod
from aicap.report.briefing import briefing_context, render_html
from aicap.report.lang import environment, finish

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")

ISO3 = "L1"  # LDC, LLDC and low-income: four peer groups, the widest pillar table
PX_PER_MM = 96 / 25.4


@pytest.fixture(scope="module")
def context() -> dict[str, Any]:
    return briefing_context(
        make_data(bands=True), load_catalogue(None, MANDATES), annex=[ISO3], n_boot=100
    )


@pytest.fixture(scope="module")
def profile_pdf(context: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Language -> the annex profile's page as PDF (and its HTML), rendered once."""
    out: dict[str, tuple[Path, str]] = {}
    folder = tmp_path_factory.mktemp("profiles")

    def get(lang: str) -> tuple[Path, str]:
        if lang not in out:
            parts = pdfmod.split(render_html(context, loc=Localiser(lang)))
            assert parts is not None
            chunk = parts.chunk_html(0, 1, 1)
            data, pages = pdfmod.render_chunk(chunk, None)
            assert pages == 1, lang
            path = folder / f"{lang}.pdf"
            path.write_bytes(data)
            out[lang] = (path, chunk)
        return out[lang]

    return get


def drawn_lines(pdf: Path, page: int = 1) -> list[list[tuple[float, float, str]]]:
    """The page's words as drawn: lines top to bottom, each ``(x_min, x_max, word)`` left to
    right; a word's characters in the order its glyphs sit on the line."""
    out = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    words = [
        (float(a), float(b), float(c), float(d), _html.unescape(w))
        for a, b, c, d, w in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>',
            out,
        )
    ]
    lines: list[list[tuple[float, float, float, str]]] = []
    for x0, y0, x1, y1, w in sorted(words, key=lambda t: (t[3], t[0])):
        mid = (y0 + y1) / 2
        for line in lines:
            if abs(line[0][0] - mid) < 3:
                line.append((mid, x0, x1, w))
                break
        else:
            lines.append([(mid, x0, x1, w)])
    return [sorted((x0, x1, w) for _, x0, x1, w in line) for line in lines]


# ------------------------------------------------------------------------ the claims key
def test_the_claims_key_reads_right_to_left_with_its_id_pattern_whole(profile_pdf: Any) -> None:
    pdf, _ = profile_pdf("ar")
    lines = drawn_lines(pdf)
    key = next(k for k, line in enumerate(lines) if any("tier-assignment" in w for *_, w in line))
    text = " ".join(w for *_, w in lines[key])
    # the pattern kind.L1[.code].2023 drawn left to right in one piece (pdftotext reports the
    # brackets' mirrored code points), never "2023.[code.]L1.kind"
    assert re.search(r"kind\.L1[\[\]]\.code[\[\]]\.2023", text), text
    assert "2023.[code" not in text and ".kind" not in text
    # in Arabic the claims follow each other from right to left: C1 right of C2 right of C3
    x = {}
    for x0, _x1, w in lines[key]:
        for c in ("C1", "C2", "C3"):
            if w == c:
                x[c] = x0
    assert set(x) == {"C1", "C2", "C3"}, text
    assert x["C1"] > x["C2"] > x["C3"], x


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_claims_key_keeps_its_id_pattern_in_left_to_right_languages(
    profile_pdf: Any, lang: str
) -> None:
    pdf, _ = profile_pdf(lang)
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "kind.L1[.code].2023" in text


# ------------------------------------------------------------------- the pillar table
def _boxes(html: str) -> Any:
    from weasyprint import HTML

    doc = HTML(string=html).render()
    return doc.pages[-1]._page_box


def _walk(box: Any, ancestors: tuple[Any, ...] = ()) -> Any:
    yield box, ancestors
    for child in getattr(box, "children", None) or []:
        yield from _walk(child, (*ancestors, box))


def _classes(box: Any) -> list[str]:
    el = getattr(box, "element", None)
    return (el.get("class") or "").split() if el is not None else []


def pillar_headings(html: str) -> list[tuple[float, float, float, float]]:
    """The pillar table's heading cells in page order: ``(content left, content right, text
    left, text right)`` in CSS px, the text's extent over all its lines."""
    page = _boxes(html)
    out = []
    for box, anc in _walk(page):
        if type(box).__name__ != "TableCellBox" or box.element_tag != "th":
            continue
        if not any(a.element_tag == "table" and "pil" in _classes(a) for a in anc):
            continue
        texts = [t for t, _ in _walk(box) if type(t).__name__ == "TextBox" and t.text.strip()]
        assert texts
        left = box.content_box_x()
        out.append(
            (
                left,
                left + box.width,
                min(t.position_x for t in texts),
                max(t.position_x + t.width for t in texts),
            )
        )
    return sorted(out)


@pytest.mark.parametrize("lang", ["ar", "zh", "en", "fr", "es", "ru"])
def test_the_pillar_headings_stay_in_their_columns_apart_from_each_other(
    profile_pdf: Any, lang: str
) -> None:
    _, html = profile_pdf(lang)
    heads = pillar_headings(html)
    assert len(heads) == 8  # pillar, score, four peer groups, frontier, trend
    # a heading's text starts inside its own column (a word wider than the column may run into
    # the paddings, never into the next heading): at least 1.5 mm of white between two
    # headings (Spanish "Puntuación" and French "Frontière" overlapped the next by 1.7 and
    # 2.7 mm at 5.8 %, and the Arabic frontier and trend headings read as one)
    for c0, c1, t0, _t1 in heads:
        assert c0 - 0.5 <= t0 <= c1, (lang, (c0, c1), t0)
    for (_, _, _, right_end), (_, _, next_start, _) in itertools.pairwise(heads):
        gap = (next_start - right_end) / PX_PER_MM
        assert gap >= 1.5, (lang, round(gap, 2), heads)


# ------------------------------------------------------- English inside Arabic text
def test_english_wrapped_over_lines_inside_arabic_reads_left_to_right(tmp_path: Path) -> None:
    """A framework note held in English (two sentences, several lines) inside an Arabic
    paragraph: on every line its words sit left to right in their order, and no sentence's
    full stop moves to the other end of a line."""
    from weasyprint import HTML

    loc = Localiser("ar")
    css = environment(loc).get_template("style.css.j2").render()
    english = (
        "The series counts publicly trusted TLS certificates (Netcraft): with free certificates "
        "and HTTPS adoption it more than doubled in one year for 38 % of Member States in 2016 "
        "and 54 % in 2017, against at most 8 % in any year 2018-2024 (bundled WDI snapshot). "
        "Values before 2018 are not comparable with values from 2018 on"
    )
    body = (
        "<p>من البلدان بدرجة قابلة للمقارنة؛ خواديم الإنترنت الآمنة: انقطاع منهجي: "
        f'<span lang="en">{english}</span>). عمر البيانات: من بين القيم</p>'
    )
    page = finish(
        f'<html lang="ar" dir="rtl"><head><style>{css}</style></head><body>{body}</body></html>',
        loc,
    )
    pdf = tmp_path / "en-in-ar.pdf"
    HTML(string=page).write_pdf(pdf)
    latin = re.compile(r"^[A-Za-z0-9().,:%\-]+$")
    drawn = []
    for line in drawn_lines(pdf):
        drawn += [w for *_, w in line if latin.match(w)]
    words = english.split()
    # the English words, read line by line, left to right, are the sentence as written
    # (pdftotext reports mirrored brackets: compare without them)
    strip = str.maketrans("", "", "()")
    got = [w.translate(strip) for w in drawn if re.search(r"\w", w)]
    want = [w.translate(strip) for w in words if re.search(r"\w", w)]
    assert " ".join(got).startswith(" ".join(want[:-1])), (" ".join(got), " ".join(want))


# ------------------------------------------------------------------ the charts' words
def test_the_charts_words_are_arabic_text_the_pdf_holds(
    context: dict[str, Any], tmp_path: Path
) -> None:
    """The briefing's figures in Arabic: legends and axis titles translated and set as text
    (shaped, in reading order: pdftotext finds the words as written), none left in English,
    and no Arabic letter left in an SVG ``<text>`` (drawn glyph by glyph, unjoined)."""
    from aicap.report.pdf import render_pdf

    loc = Localiser("ar")
    html = render_html({**context, "profiles": []}, loc=loc)
    svg_text = " ".join(re.findall(r"<text\b[^>]*>([^<]*)</text>", html))
    assert not re.search(r"[\u0600-\u06ff]", svg_text), svg_text[:300]
    pdf = tmp_path / "ar.pdf"
    render_pdf(html, pdf)
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = " ".join(text.translate(str.maketrans("", "", "\u2066\u2069\u202a\u202b\u202c")).split())
    for english in ("High-income countries", "Least developed countries", "mean score (0-100)"):
        arabic = loc.text(english)
        assert re.search(r"[\u0600-\u06ff]", arabic), english  # the catalogue translates it
        assert english not in flat, english
        core = arabic.split("(")[0].strip()
        assert core in flat, (english, core)


def test_overlay_keeps_anchor_rotation_and_colour() -> None:
    """A chart's text taken out of the SVG keeps where and how it was drawn: anchored at its
    end (right), in the middle (a centred box) or at its start; rotated about its anchor."""
    from aicap.report.svg_labels import overlay_labels

    svg = (
        "<svg xmlns='http://www.w3.org/2000/svg' width='300' height='100'>"
        "<text x='280' y='20' font-size='10' text-anchor='end'>score</text>"
        "<text x='12' y='50' font-size='9' text-anchor='middle' "
        "transform='rotate(-90 12 50)'>mean</text>"
        "<text x='40' y='90' font-size='8' fill='#555'>frontier</text>"
        "<text x='40' y='70' font-size='8'>50</text></svg>"
    )
    words = {"score": "الدرجة", "mean": "المتوسط", "frontier": "الحد الأعلى"}
    out = overlay_labels(svg, lambda w: words.get(w, w))
    assert out.startswith("<div class='svgl' style='width: 300px; height: 100px'>")
    assert "<text x='40' y='70' font-size='8'>50</text>" in out  # numbers stay drawn
    assert "الدرجة</text>" not in out
    spans = re.findall(r"<span class='svgt' style='([^']*)'>([^<]*)</span>", out)
    got = {w: s for s, w in spans}
    assert "right: 20.0px" in got["الدرجة"] and "top: 12.0px" in got["الدرجة"]
    assert "left: -188.0px" in got["المتوسط"] and "rotate(-90deg)" in got["المتوسط"]
    assert "transform-origin: 200.0px 7.2px" in got["المتوسط"]
    assert "left: 40.0px" in got["الحد الأعلى"] and "color: #555" in got["الحد الأعلى"]


def test_a_translated_label_too_long_for_the_charts_margin_takes_two_lines() -> None:
    """Russian pillar names are longer than the English the bar chart's margin was laid out
    for: set on two lines about the same middle, never cut at the chart's left edge."""
    from aicap.report.lang import localise_svg

    svg = (
        "<svg xmlns='http://www.w3.org/2000/svg' width='520' height='60'>"
        "<text x='184' y='30' font-size='9.5' text-anchor='end'>"
        "Digital and compute infrastructure</text>"
        "<text x='184' y='50' font-size='9.5' text-anchor='end'>Data</text></svg>"
    )
    out = localise_svg(svg, Localiser("ru"))
    texts = re.findall(r"<text x='184' y='([\d.]+)'[^>]*>([^<]*)</text>", out)
    long = Localiser("ru").text("Digital and compute infrastructure")
    assert len(long) * 0.62 * 9.5 > 184  # the case this guards
    assert " ".join(t for _, t in texts[:2]) == long
    assert float(texts[0][0]) < 30 < float(texts[1][0])
    assert texts[2] == ("50", Localiser("ru").text("Data"))  # a short label as it was


def test_the_bar_charts_axis_title_has_a_row_of_its_own() -> None:
    """The x-axis title sits between the ticks and the legend: a long (translated) legend
    label cannot run into it."""
    from aicap.report import charts

    svg = charts.grouped_bars(
        ["a", "b"], {"first group": [10.0, 20.0], "second": [30.0, 40.0]}, title="t"
    )
    ys = {
        w: float(y)
        for y, w in re.findall(r"<text x='[\d.]+' y='([\d.]+)'[^>]*>([^<]+)</text>", svg)
    }
    assert ys["100"] < ys["score (0-100)"] - 8  # below the ticks
    assert ys["score (0-100)"] < ys["first group"] - 8 < ys["second"]  # above the legend


def test_a_unit_after_a_number_keeps_its_slash_next_to_the_unit_in_arabic() -> None:
    """``+0.1/سنة`` (a trend per year): the slash ends the left-to-right run outside it, so
    that it sits between the number and the unit, not at the far end of the number."""
    from aicap.analysis.localise import LRI, PDI, isolate_ltr

    assert isolate_ltr("+0.1/سنة؛") == f"{LRI}+0.1{PDI}/سنة؛"
    assert isolate_ltr("A/RES/78/311 و") == f"{LRI}A/RES/78/311{PDI} و"  # inside a symbol kept
