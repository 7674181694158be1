"""Each annex profile on one page (aicap.report.pdf_fit): on synthetic profiles whose length is
known, the first version that fits is chosen, the profiles before one that ran over keep their
pages, and every footer carries the number a single rendering gives."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from aicap.report import pdf as pdfmod
from aicap.report import pdf_fit

HEAD = (
    "<html><head><style>"
    "@page { size: A5; margin: 10mm; @bottom-center { content: 'page ' counter(page); } }"
    "section.profile { page-break-before: always; font-size: 10pt; }"
    "section.profile.fit-tight p { margin: 0; line-height: 1; }"
    "section.profile .gap-brief { display: none; }"
    "section.profile.fit-brief .gap-detail { display: none; }"
    "section.profile.fit-brief .gap-brief { display: inline; }"
    "</style></head><body>"
)
TAIL = "</body></html>"


def profile(name: str, lines: int, recs: int = 0) -> str:
    """A profile of ``lines`` paragraphs and ``recs`` recommendation paragraphs."""
    body = "".join(f"<p>{name} line {k}</p>" for k in range(lines))
    body += "".join(f"<p>{name} recommendation {k}</p>" for k in range(recs))
    return f'<section class="profile"><h1>{name}</h1>{body}</section>'


def texts(data: bytes) -> list[str]:
    return [p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages]


def test_versions_try_every_spacing_before_a_recommendation_goes() -> None:
    two, one = profile("A", 3, 2), profile("A", 3, 1)
    vs = pdf_fit.versions([two, one])
    assert vs[0] == two and len(vs) == 2 * len(pdf_fit.SPACINGS)
    assert [v.count("recommendation") for v in vs] == [2] * 4 + [1] * 4
    assert 'class="profile fit-tight fit-wide fit-brief"' in vs[3]
    # a country with fewer recommendations than asked: the same HTML adds no version
    assert pdf_fit.versions([one, one]) == pdf_fit.versions([one])


def test_the_first_version_that_fits_is_chosen_and_pages_keep_their_numbers() -> None:
    # A fits as written; B runs over unless its spacing is tight (its lines lose their
    # margins); C runs over even so and fits with one recommendation fewer; D fits.
    a = [profile("A", 5)]
    b = pdf_fit.versions([profile("B", 30)])
    c = pdf_fit.versions([profile("C", 30, 20), profile("C", 30, 0)])
    d = [profile("D", 5)]
    doc, levels, pages = pdf_fit.layout(HEAD, [a, b, c, d], TAIL, None)
    assert pages == [1, 1, 1, 1]
    assert levels[0] == 0 and levels[3] == 0
    assert b[levels[1]].startswith('<section class="profile fit-tight')  # spacing only
    assert c[levels[2]].count("recommendation") == 0  # the version without recommendations
    data = doc.write_pdf()
    got = texts(data)
    assert [t.split("\n")[0] for t in got] == ["A", "B", "C", "D"]
    assert [t.strip().split("\n")[-1] for t in got] == [f"page {k}" for k in (1, 2, 3, 4)]
    # what one rendering of the chosen versions gives
    chosen = "".join(v[lv] for v, lv in zip([a, b, c, d], levels, strict=True))
    from weasyprint import HTML

    assert texts(HTML(string=HEAD + chosen + TAIL).write_pdf()) == got


def test_a_profile_that_never_fits_is_reported() -> None:
    big = pdf_fit.versions([profile("X", 200)])
    _doc, levels, pages = pdf_fit.layout(HEAD, [[profile("A", 3)], big], TAIL, None)
    assert pages[0] == 1 and pages[1] > 1 and levels[1] == len(big) - 1


@pytest.mark.parametrize("workers", [1, 2])
def test_the_batch_fits_chunks_and_whole_documents_alike(tmp_path: Path, workers: int) -> None:
    from aicap.report.workers import Workers

    main = "<h1>Briefing</h1><p>Main part.</p>"
    profs = [profile("A", 5), profile("B", 30), profile("C", 5)]
    html = HEAD + main + "".join(profs) + TAIL
    fits = [pdf_fit.versions([p]) for p in profs]
    with Workers(workers, {}) as pool:
        batch = pdfmod.PdfBatch(pool)
        batch.add(html, tmp_path / "b.pdf", "b", fits)
        assert batch.finish() == [4]
    assert batch.stats.fitted["b"][0] == 0 and batch.stats.fitted["b"][1] > 0
    assert not batch.stats.overflow and batch.stats.whole == (1 if workers == 1 else 0)
    got = texts((tmp_path / "b.pdf").read_bytes())
    assert [t.strip().split("\n")[-1] for t in got] == [f"page {k}" for k in (1, 2, 3, 4)]
    assert [t.split("\n")[0] for t in got[1:]] == ["A", "B", "C"]


def test_a_first_profile_that_runs_over_is_laid_out_again_whole() -> None:
    """The profile that ran over is the first (a standalone profile, whose style keeps a
    placeholder on its page): laid out again from the start, one page."""
    head = HEAD.replace(
        "</style>", ".standalone section.profile { page-break-before: avoid; }</style>"
    )
    head = head.replace("<body>", '<body class="standalone">')
    b = pdf_fit.versions([profile("B", 30)])
    doc, levels, pages = pdf_fit.layout(head, [b], TAIL, None)
    assert pages == [1] and levels[0] > 0 and len(doc.pages) == 1
