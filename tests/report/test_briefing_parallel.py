"""The parallel briefing gives what the serial one gives: the same context, HTML, data files and
PDF pages (text, footers, outline); the annex's chunks, their cache and the fallback."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "analysis_diagnose"))
from diagnose_helpers import MANDATES, make_data

from aicap.analysis.catalogue import Catalogue, load_catalogue
from aicap.report import pdf as pdfmod
from aicap.report.briefing import briefing_context, render_html, worker_state, write_briefing
from aicap.report.cache import Cache
from aicap.report.workers import Workers, chunk_size

ANNEX = ["L1", "U0", "H3", "L4", "M2"]
_RENDER_CHUNK = pdfmod.render_fitted


# module level, so that the worker processes can unpickle them
def _overflowing_chunk(
    head: str, profiles: Any, tail: str, base_url: str | None, first_page: int
) -> tuple[bytes, int, list[int], list[int]]:
    pdf, n, levels, per = _RENDER_CHUNK(head, profiles, tail, base_url, first_page)
    return pdf, n + 1, levels, per  # as if a profile ran over one page in its last version


def _no_rendering(*args: Any) -> tuple[bytes, int, list[int], list[int]]:
    raise AssertionError("a cached chunk was rendered again")


@pytest.fixture(scope="module")
def cat() -> Catalogue:
    return load_catalogue(None, MANDATES)


def _pages(pdf: Path) -> list[str]:
    """Each page's text (the time the briefing was generated left out)."""
    return [_strip_generated(p.extract_text() or "") for p in PdfReader(str(pdf)).pages]


def _outline(pdf: Path) -> list[str]:
    reader = PdfReader(str(pdf))
    out: list[str] = []

    def walk(items: list[Any]) -> None:
        for it in items:
            if isinstance(it, list):
                walk(it)
            else:
                out.append(f"{it.title}@{reader.get_destination_page_number(it)}")

    walk(reader.outline)
    return out


def _strip_generated(text: str) -> str:
    return re.sub(r"generated\s+\d{4}-\d\d-\d\d \d\d:\d\d UTC", "generated X", text)


@pytest.fixture(scope="module")
def monitor(cat: Catalogue) -> dict[str, Any]:
    from monitor_helpers import synthetic_results

    from aicap.analysis.monitor.links import load_links

    links = load_links(cat)
    return {"monitor": synthetic_results(make_data().countries, links.taxonomy), "links": links}


@pytest.fixture(scope="module")
def serial_and_parallel(
    tmp_path_factory: pytest.TempPathFactory, cat: Catalogue, monitor: dict[str, Any]
) -> tuple[Path, Path]:
    data = make_data(bands=True)
    one = tmp_path_factory.mktemp("serial")
    two = tmp_path_factory.mktemp("parallel")
    mp = pytest.MonkeyPatch()
    mp.setattr(pdfmod, "MAX_CHUNK", 2)  # three chunks for five profiles
    try:
        write_briefing(data, cat, one, annex=ANNEX, n_boot=200, workers=1, **monitor)
        write_briefing(data, cat, two, annex=ANNEX, n_boot=200, workers=2, **monitor)
    finally:
        mp.undo()
    return one, two


def test_parallel_briefing_has_the_serial_pages(serial_and_parallel: tuple[Path, Path]) -> None:
    one, two = serial_and_parallel
    a, b = _pages(one / "briefing.pdf"), _pages(two / "briefing.pdf")
    assert len(a) == len(b) and a == b  # every page's text, footers ("page 7 of 12") included
    heads = [i for i, t in enumerate(b) if "Country profile:" in t]
    assert len(heads) == len(ANNEX)
    for i in heads:  # the annex's page numbers continue the briefing's
        assert f"aicap country profile — {i + 1}" in " ".join(b[i].split())
    assert _outline(one / "briefing.pdf") == _outline(two / "briefing.pdf")
    meta = PdfReader(str(two / "briefing.pdf")).metadata
    assert meta is not None and "global AI divide" in str(meta.title)


def test_parallel_briefing_has_the_serial_html_and_data(
    serial_and_parallel: tuple[Path, Path],
) -> None:
    one, two = serial_and_parallel
    h1 = _strip_generated((one / "briefing.html").read_text("utf-8"))
    h2 = _strip_generated((two / "briefing.html").read_text("utf-8"))
    assert h1 == h2
    files = sorted(p.name for p in (one / "data").iterdir())
    assert files == sorted(p.name for p in (two / "data").iterdir())
    for name in files:
        assert (one / "data" / name).read_bytes() == (two / "data" / name).read_bytes(), name


def _data(profiles: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A profile's data (what profiles.json holds), without the page-only helpers: footnote
    markers and the key function, which are objects of each process."""
    from aicap.report.briefing import PAGE_ONLY

    return [{k: v for k, v in p.items() if k not in PAGE_ONLY} for p in profiles]


def test_context_is_the_same_in_workers(cat: Catalogue, monitor: dict[str, Any]) -> None:
    data = make_data()
    serial = briefing_context(data, cat, annex=ANNEX, n_boot=200, **monitor)
    stages: list[tuple[str, int, int]] = []
    with Workers(2, worker_state(data, cat)) as pool:
        par = briefing_context(
            data,
            cat,
            annex=ANNEX,
            n_boot=200,
            workers=pool,
            progress=lambda s, d, t: stages.append((s, d, t)),
            **monitor,
        )
    assert par["recommendations"] == serial["recommendations"]
    assert _data(par["profiles"]) == _data(serial["profiles"])
    assert list(par["diagnoses"]) == list(serial["diagnoses"])
    for k, d in serial["diagnoses"].items():
        assert par["diagnoses"][k].pillars.equals(d.pillars)
        assert par["diagnoses"][k].indicators.equals(d.indicators)
    assert _strip_generated(render_html(par)) == _strip_generated(render_html(serial))
    done = {s: (d, t) for s, d, t in stages}
    assert done["diagnose"][0] == done["diagnose"][1] == len(serial["diagnoses"])
    assert done["profiles"][0] == done["profiles"][1]
    with pytest.raises(ValueError, match="other data"):
        briefing_context(make_data(), cat, workers=Workers(1, worker_state(data, cat)))


def test_monitor_job_runs_beside_the_diagnoses(
    tmp_path: Path, cat: Catalogue, monitor: dict[str, Any]
) -> None:
    """A cache miss: the Monitor's results are computed in a worker from the warehouse frames,
    stored, and give the same briefing as precomputed ones."""
    from aicap.report import monitor_source
    from aicap.report.monitor_source import MonitorJob

    data = make_data()
    stored: list[Any] = []
    res = monitor["monitor"]
    monkey = pytest.MonkeyPatch()
    # the job's computation, as compute() runs it, on the synthetic results
    monkey.setattr(
        monitor_source,
        "compute_results",
        lambda frames, taxonomy: res,
    )
    try:
        job = MonitorJob(frames=None, links=monitor["links"], store=lambda r, s: stored.append(s))  # type: ignore[arg-type]
        with Workers(2, worker_state(data, cat)) as pool:
            ctx = briefing_context(
                data, cat, annex=["L1"], n_boot=200, monitor_job=job, workers=pool
            )
    finally:
        monkey.undo()
    want = briefing_context(data, cat, annex=["L1"], n_boot=200, **monitor)
    assert ctx["recommendations"] == want["recommendations"]
    assert _data(ctx["profiles"]) == _data(want["profiles"])
    assert ctx["monitor"] is not None and len(stored) == 1 and stored[0]["L1"]


def test_split_cuts_at_the_profiles(cat: Catalogue) -> None:
    data = make_data()
    html = render_html(briefing_context(data, cat, annex=["L1", "U0"], n_boot=200))
    parts = pdfmod.split(html)
    assert parts is not None and len(parts.profiles) == 2
    assert parts.head + parts.main + "".join(parts.profiles) + parts.tail == html
    assert all(p.startswith(pdfmod.PROFILE_MARK) for p in parts.profiles)
    assert re.search(r"Country profile: Low 1 <span[^>]*>\(L1\)</span>", parts.profiles[0])
    assert parts.main_html().count(pdfmod.PLACEHOLDER) == 2
    chunk = parts.chunk_html(1, 2, 9)
    assert "counter-reset: page 8" in chunk and "Low 1" not in chunk
    assert pdfmod.split("<html><body><p>no profiles</p></body></html>") is None
    assert chunk_size(92, 2) == 16 and chunk_size(0, 2) == 1 and chunk_size(3, 8) == 1


@pytest.fixture(scope="module")
def small_html(cat: Catalogue) -> str:
    """A short document with three profiles (the briefing's main part cut to a paragraph)."""
    html = render_html(briefing_context(make_data(), cat, annex=ANNEX[:3], n_boot=200))
    parts = pdfmod.split(html)
    assert parts is not None
    return parts.head + "<h1>Briefing</h1><p>Main part.</p>" + "".join(parts.profiles) + parts.tail


def test_rendered_chunks_are_cached_and_reused(
    tmp_path: Path, small_html: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = Cache(tmp_path / "cache")
    with Workers(2, {}) as pool:
        n = pdfmod.render_pdf(small_html, tmp_path / "a.pdf", workers=pool, cache=cache)
    assert n == 4 and len(list((tmp_path / "cache" / "pdf").iterdir())) == 3  # one per profile
    monkeypatch.setattr(pdfmod, "render_fitted", _no_rendering)
    with Workers(2, {}) as pool:  # nothing rendered again: the annex's HTML is unchanged
        assert pdfmod.render_pdf(small_html, tmp_path / "b.pdf", workers=pool, cache=cache) == 4
    monkeypatch.setattr(pdfmod, "render_fitted", _RENDER_CHUNK)
    assert _pages(tmp_path / "a.pdf") == _pages(tmp_path / "b.pdf")
    for f in (tmp_path / "cache" / "pdf").iterdir():  # a damaged entry is a miss, not an error
        f.write_bytes(b"not a pickle")
    with Workers(2, {}) as pool:
        assert pdfmod.render_pdf(small_html, tmp_path / "c.pdf", workers=pool, cache=cache) == 4
    assert _pages(tmp_path / "c.pdf") == _pages(tmp_path / "a.pdf")
    one = tmp_path / "one.pdf"
    assert pdfmod.render_pdf(small_html, one) == 4  # in one piece: the same pages
    assert _pages(one) == _pages(tmp_path / "a.pdf")
    assert [t.split("\n")[-1] for t in _pages(one)][1:] == [
        f"aicap country profile — {k}" for k in (2, 3, 4)
    ]


def test_a_chunk_off_by_a_page_falls_back_to_one_piece(
    tmp_path: Path, small_html: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pdfmod, "render_fitted", _overflowing_chunk)
    with Workers(2, {}) as pool:
        n = pdfmod.render_pdf(small_html, tmp_path / "p.pdf", workers=pool)
    assert n == 4
    assert pdfmod.render_pdf(small_html, tmp_path / "s.pdf") == 4
    assert _pages(tmp_path / "p.pdf") == _pages(tmp_path / "s.pdf")


def test_cache_keys_and_entries(tmp_path: Path) -> None:
    from aicap.report.cache import code_digest, file_digest, key, tree_digest

    c = Cache(tmp_path)
    assert c.get_or_compute("x", key("a"), lambda: [1]) == [1]
    assert c.get_or_compute("x", key("a"), lambda: [2]) == [1]  # cached
    assert (c.hits, c.misses) == (1, 1)
    assert key("a") != key("b") and key("a", "b") != key("ab")
    none = Cache(None)
    assert none.get_or_compute("x", key("a"), lambda: [3]) == [3] and none.get("x", "k") is None
    f = tmp_path / "f.yaml"
    f.write_text("a: 1\n")
    d1 = tree_digest([tmp_path])
    f.write_text("a: 2\n")
    assert tree_digest([tmp_path]) != d1 and len(file_digest(f)) == 64
    assert len(code_digest()) == 64


def test_profile_columns_stay_above_the_pillar_table(small_html: str) -> None:
    """The floated columns (side by side, in pairs) are cleared: no heading outside them
    starts beside them, as with the flex layout they replace (text extraction alone would not
    tell)."""
    from weasyprint import HTML

    parts = pdfmod.split(small_html)
    assert parts is not None
    doc = HTML(string=parts.head + parts.profiles[0] + parts.tail).render()
    cols: list[Any] = []
    heads: list[Any] = []  # headings outside the columns

    def walk(box: Any, inside: bool) -> None:
        el = getattr(box, "element", None)
        tag = getattr(box, "element_tag", "")
        block = type(box).__name__ == "BlockBox"
        if block and el is not None and el.get("class") == "col" and tag == "div":
            if all(c.element is not el for c in cols):  # the outermost box of each
                cols.append(box)
            inside = True
        elif block and tag in ("h2", "h3") and not inside:
            heads.append(box)
        for child in getattr(box, "children", []):
            walk(child, inside)

    walk(doc.pages[0]._page_box, False)
    assert cols and len(cols) % 2 == 0 and heads
    for k in range(0, len(cols), 2):
        pair = cols[k : k + 2]
        top = pair[0].position_y
        bottom = max(c.position_y + c.margin_height() for c in pair)
        side_by_side = pair[1].position_x >= pair[0].position_x + pair[0].margin_width()
        side_by_side |= pair[0].position_x >= pair[1].position_x + pair[1].margin_width()
        assert side_by_side and pair[0].position_y == pair[1].position_y
        for h in heads:
            assert not top <= h.position_y < bottom, str(h.element.text)
