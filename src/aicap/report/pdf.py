"""HTML to PDF with WeasyPrint, the briefing's annex rendered in parallel chunks and merged.

The annex holds one A4 page per country profile (``<section class="profile">``, a named page
that starts on a new sheet), which is most of WeasyPrint's work. ``render_pdf`` lays out the
briefing's main part in process with one empty placeholder page per profile (so that its
footers count every page, "page 3 of 108"), and hands the profiles to the workers in chunks;
each chunk is a document of its own with the same stylesheet whose page counter starts where
the chunk starts (``@page :first { counter-reset: page N }``), so its footers read as they
would in one document. The parts are merged with pypdf, outlines (bookmarks) included. A chunk
that does not come out at one page per profile makes the whole PDF be rendered in one piece
instead, so the result is always what a single rendering gives. Rendered chunks are cached by
their HTML (:mod:`aicap.report.cache`): an unchanged annex is not laid out again.

Every piece embeds the same subset of each font (:mod:`aicap.report.pdf_fonts`: the subset of
the whole document's characters), and the merge keeps one copy of identical objects: the
Chinese briefing embeds its CJK font once, not once per chunk.

:class:`PdfBatch` renders several documents (the briefing in six languages) together: each
document's main part is laid out in this process as soon as its HTML is written, and its
annex chunks go to the workers at once, so that the workers lay out one language's annex
while this process writes the next language's HTML; the merges come at the end.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import time
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aicap.report import pdf_fit, pdf_fonts
from aicap.report.cache import Cache, key
from aicap.report.workers import Progress, Workers, chunk_size

PROFILE_MARK = '<section class="profile"'
PLACEHOLDER = pdf_fit.PLACEHOLDER
#: Profiles per chunk at most (enough chunks keep every worker busy; fewer, larger ones save
#: WeasyPrint's set-up per document).
MAX_CHUNK = 12
#: What a cached chunk's bytes depend on besides its HTML: how fonts are subset, and how
#: profiles are fitted to their page.
FONT_MODE = "document-subset-1/fit-1"


@dataclass(frozen=True)
class Parts:
    """The briefing's HTML cut at its profile sections."""

    head: str  # up to and including <body ...>
    main: str  # the body before the first profile
    profiles: list[str]  # one <section class="profile"> ... </section> each
    tail: str  # </body></html>
    #: per profile, the versions to lay it out in, fullest first
    #: (:func:`aicap.report.pdf_fit.versions`); empty: the profile as written in each spacing
    fits: tuple[tuple[str, ...], ...] = ()

    def main_html(self) -> str:
        return self.head + self.main + PLACEHOLDER * len(self.profiles) + self.tail

    def versions(self, i: int) -> tuple[str, ...]:
        """Profile ``i``'s versions, fullest first."""
        if self.fits:
            return self.fits[i]
        return tuple(pdf_fit.versions([self.profiles[i]]))

    def chunk_head(self, first_page: int) -> str:
        """The head of a chunk whose first profile, after one placeholder page, is page
        ``first_page``."""
        style = f"<style>@page :first {{ counter-reset: page {first_page - 1}; }}</style>"
        return self.head.replace("</head>", style + "</head>", 1)

    def fitted_html(self, levels: Sequence[int]) -> str:
        """The whole document with profile ``i`` in its version ``levels[i]``."""
        body = "".join(self.versions(i)[lv] for i, lv in enumerate(levels))
        return self.head + self.main + body + self.tail

    def chunk_html(self, start: int, stop: int, first_page: int) -> str:
        """Profiles ``start:stop`` after one placeholder page (dropped when rendered: a
        profile then starts after a page break as in the whole document, not below the body's
        top margin), numbered from ``first_page``."""
        body = "".join(self.profiles[start:stop])
        return self.chunk_head(first_page) + PLACEHOLDER + body + self.tail


def split(html: str, fits: Sequence[Sequence[str]] | None = None) -> Parts | None:
    """Cut ``html`` at its profile sections (None when it has none or an unexpected shape);
    ``fits``: each profile's versions, fullest first (:attr:`Parts.fits`)."""
    body = html.find("<body")
    if body < 0:
        return None
    body_end = html.index(">", body) + 1
    end = html.rfind("</body>")
    starts = []
    i = html.find(PROFILE_MARK, body_end)
    while 0 <= i < end:
        starts.append(i)
        i = html.find(PROFILE_MARK, i + 1)
    if not starts or end < 0:
        return None
    bounds = [*starts, end]
    profiles = [html[a:b] for a, b in itertools.pairwise(bounds)]
    if not all(p.rstrip().endswith("</section>") for p in profiles):
        return None
    versions: tuple[tuple[str, ...], ...] = ()
    if fits is not None:
        versions = tuple(tuple(v) for v in fits)
        if len(versions) != len(profiles) or not all(versions):
            raise ValueError("every profile needs at least one version")
    return Parts(html[:body_end], html[body_end : starts[0]], profiles, html[end:], versions)


#: CPU seconds of the last rendering in this process: layout, PDF writing, font subsetting.
_TIMES: dict[str, float] = {}


def _render_doc(html: str, base_url: str | None, drop_first: bool) -> tuple[bytes, int]:
    """Lay out and write ``html`` (without its first page when ``drop_first``), timing both."""
    from weasyprint import HTML  # type: ignore[import-untyped]

    c0 = time.process_time()
    doc = HTML(string=html, base_url=base_url).render()
    c1 = time.process_time()
    s0 = pdf_fonts.SUBSET_SECONDS[0]
    pages = doc.pages[1:] if drop_first else doc.pages
    data = doc.copy(pages).write_pdf() if drop_first else doc.write_pdf()
    _TIMES.update(
        layout=c1 - c0,
        write=time.process_time() - c1,
        fonts=pdf_fonts.SUBSET_SECONDS[0] - s0,
    )
    return data, len(pages)


def _render(html: str, base_url: str | None) -> tuple[bytes, int]:
    return _render_doc(html, base_url, False)


def render_chunk(html: str, base_url: str | None) -> tuple[bytes, int]:
    """One chunk of the annex (:meth:`Parts.chunk_html`): PDF bytes and pages, the
    placeholder page left out (runs in a worker)."""
    return _render_doc(html, base_url, True)


def render_fitted(
    head: str,
    profiles: Sequence[Sequence[str]],
    tail: str,
    base_url: str | None,
    first_page: int = 1,
) -> tuple[bytes, int, list[int], list[int]]:
    """A chunk of the annex (``head`` from :meth:`Parts.chunk_head`), each profile (its
    versions, fullest first) in the first version that fits one page
    (:func:`aicap.report.pdf_fit.layout`): PDF bytes and pages, the placeholder page left
    out, the version chosen and the pages taken per profile (runs in a worker).
    ``first_page``: the number of the first profile's page."""
    c0 = time.process_time()
    doc, levels, per = pdf_fit.layout(
        head, profiles, tail, base_url, before=PLACEHOLDER, first_number=first_page - 1
    )
    c1 = time.process_time()
    s0 = pdf_fonts.SUBSET_SECONDS[0]
    pages = doc.pages[1:]
    data = doc.copy(pages).write_pdf()
    _TIMES.update(
        layout=c1 - c0,
        write=time.process_time() - c1,
        fonts=pdf_fonts.SUBSET_SECONDS[0] - s0,
    )
    return data, len(pages), levels, per


def _job(
    whole: bool, html: str, base_url: str | None, chars: tuple[int, ...]
) -> tuple[bytes, int, dict[str, float]]:
    """A worker's job: the whole document, its fonts subset for the document's ``chars``;
    with the CPU seconds it took."""
    _TIMES.clear()
    with pdf_fonts.document_chars(chars):
        data, pages = _render(html, base_url) if whole else render_chunk(html, base_url)
    return data, pages, dict(_TIMES)


def _whole_job(
    html: str,
    fits: Sequence[Sequence[str]] | None,
    base_url: str | None,
    chars: tuple[int, ...],
) -> tuple[bytes, int, dict[str, float], list[int]]:
    """A worker's job: the whole document in one piece, its annex profiles each in the first
    version that fits one page (:func:`aicap.report.pdf_fit.layout`); with the CPU seconds
    it took and the versions chosen."""
    parts = split(html, fits)
    if parts is None:
        data, pages, times = _job(True, html, base_url, chars)
        return data, pages, times, []
    _TIMES.clear()
    with pdf_fonts.document_chars(chars):
        c0 = time.process_time()
        profiles = [parts.versions(i) for i in range(len(parts.profiles))]
        doc, levels, _per = pdf_fit.layout(
            parts.head, profiles, parts.tail, base_url, before=parts.main
        )
        c1 = time.process_time()
        s0 = pdf_fonts.SUBSET_SECONDS[0]
        data = doc.write_pdf()
        times = {
            "layout": c1 - c0,
            "write": time.process_time() - c1,
            "fonts": pdf_fonts.SUBSET_SECONDS[0] - s0,
        }
    return data, len(doc.pages), times, levels


def _chunk_job(
    head: str,
    profiles: Sequence[Sequence[str]],
    tail: str,
    base_url: str | None,
    chars: tuple[int, ...],
    first_page: int,
) -> tuple[bytes, int, list[int], dict[str, float]]:
    """A worker's job: a chunk of fitted profiles (:func:`render_fitted`), its fonts subset
    for the document's ``chars``; with the versions chosen and the CPU seconds it took."""
    _TIMES.clear()
    with pdf_fonts.document_chars(chars):
        data, pages, levels, _per = render_fitted(head, profiles, tail, base_url, first_page)
    return data, pages, levels, dict(_TIMES)


def _weasyprint_version() -> str:
    import weasyprint

    return str(weasyprint.__version__)


def merge(parts: Sequence[bytes]) -> tuple[bytes, int]:
    """Concatenate PDFs (outlines kept; the first part's metadata); identical objects (the
    font subsets every part shares) are kept once."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    first = None
    for data in parts:
        reader = PdfReader(io.BytesIO(data))
        first = first or reader
        writer.append(reader, import_outline=True)
    if first is not None and first.metadata:
        writer.add_metadata({k: str(v) for k, v in first.metadata.items()})
    writer.compress_identical_objects(remove_duplicates=True, remove_unreferenced=True)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue(), len(writer.pages)


def _merge_job(parts: Sequence[bytes]) -> tuple[bytes, int, float]:
    """:func:`merge` in a worker, with the CPU seconds it took."""
    c0 = time.process_time()
    data, pages = merge(parts)
    return data, pages, time.process_time() - c0


@dataclass
class Stats:
    """Where a batch's time went: CPU seconds summed over the processes that did the work
    (this one and the workers)."""

    layout_cpu: float = 0.0  # WeasyPrint's layout (HTML(...).render())
    write_cpu: float = 0.0  # writing the PDF, font subsetting included
    fonts_cpu: float = 0.0  # of which font subsetting
    merge_cpu: float = 0.0  # pypdf in the workers: the parts merged, identical objects once
    chunks: int = 0  # annex chunks laid out
    cached: int = 0  # annex chunks found in the cache
    whole: int = 0  # documents rendered in one piece (fallbacks included)
    #: annex chunks that did not come out at one page per profile (document: profiles i-j)
    overflow: list[str] = field(default_factory=list)
    #: per document (its label), the version each annex profile was laid out in (0: as
    #: written; :func:`aicap.report.pdf_fit.versions`)
    fitted: dict[str, list[int]] = field(default_factory=dict)
    by_document: dict[str, float] = field(default_factory=dict)  # path -> layout+write CPU s

    def add(self, times: dict[str, float], path: Path) -> None:
        self.layout_cpu += times.get("layout", 0.0)
        self.write_cpu += times.get("write", 0.0)
        self.fonts_cpu += times.get("fonts", 0.0)
        spent = times.get("layout", 0.0) + times.get("write", 0.0)
        self.by_document[str(path)] = self.by_document.get(str(path), 0.0) + spent


@dataclass
class _Doc:
    html: str
    path: Path
    label: str
    chars: tuple[int, ...]
    parts: Parts | None = None
    main_pdf: bytes = b""
    n_main: int = 0
    whole: Future[tuple[bytes, int, dict[str, float], list[int]]] | None = None
    # (start, stop, cache key, cached (bytes, pages, versions) or None, future or None)
    chunks: list[tuple[int, int, str, tuple[bytes, int, list[int]] | None, Future[Any] | None]] = (
        field(default_factory=list)
    )


class PdfBatch:
    """Several documents rendered to PDF together on one pool of ``workers``: :meth:`add` each
    (its main part laid out here at once, its annex chunks handed to the workers), then
    :meth:`finish` (the parts collected, checked and merged). Without workers (or one), each
    document is rendered in one piece."""

    def __init__(
        self,
        workers: Workers | None = None,
        *,
        base_url: str | None = None,
        cache: Cache | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.workers = workers
        self.base_url = base_url
        self.cache = cache
        self.progress = progress
        self.docs: list[_Doc] = []
        self.stats = Stats()
        self._version = ""

    def _submit(self, whole: bool, html: str, chars: tuple[int, ...]) -> Future[Any]:
        if self.workers is None:
            from aicap.report.workers import _Serial

            return _Serial().submit(_job, whole, html, self.base_url, chars)
        return self.workers.submit(_job, whole, html, self.base_url, chars)

    def _pool_submit(self, fn: Any, *args: Any) -> Future[Any]:
        if self.workers is None:
            from aicap.report.workers import _Serial

            return _Serial().submit(fn, *args)
        return self.workers.submit(fn, *args)

    def add(
        self,
        html: str,
        path: Path,
        label: str = "pdf",
        fits: Sequence[Sequence[str]] | None = None,
    ) -> None:
        """Start rendering ``html`` to ``path``; ``fits``: each annex profile's versions,
        fullest first (default: its spacings, :func:`aicap.report.pdf_fit.versions`)."""
        chars = pdf_fonts.codepoints("".join([html, *(v for f in fits or () for v in f)]))
        doc = _Doc(html, path, label, chars)
        self.docs.append(doc)
        parts = split(html, fits) if self.workers is not None and self.workers.n > 1 else None
        if self.progress is not None:
            self.progress(label, 0, 1 + (len(parts.profiles) if parts is not None else 0))
        if parts is None:  # in one piece, its profiles fitted there
            doc.whole = self._pool_submit(_whole_job, html, fits, self.base_url, chars)
            return
        doc.parts = parts
        assert self.workers is not None
        n = len(parts.profiles)
        _TIMES.clear()
        with pdf_fonts.document_chars(chars):
            from weasyprint import HTML

            c0 = time.process_time()
            laid = HTML(string=parts.main_html(), base_url=self.base_url).render()
            c1 = time.process_time()
            doc.n_main = len(laid.pages) - n
            size = min(MAX_CHUNK, chunk_size(n, self.workers.n, per_worker=2))
            self._version = self._version or _weasyprint_version()
            chars_key = hashlib.sha256(repr(chars).encode()).hexdigest()
            for start in range(0, n, size):
                stop = min(n, start + size)
                first_page = doc.n_main + 1 + start
                head = parts.chunk_head(first_page)
                profiles = [parts.versions(i) for i in range(start, stop)]
                digest = hashlib.sha256(head.encode())
                for vs in profiles:
                    for v in vs:
                        digest.update(b"\0" + v.encode())
                digest.update(b"\1" + parts.tail.encode())
                k = key("pdf-chunk", self._version, FONT_MODE, chars_key, digest.hexdigest())
                hit = self.cache.get("pdf", k) if self.cache is not None else None
                fut = None
                if hit is None:
                    fut = self._pool_submit(
                        _chunk_job, head, profiles, parts.tail, self.base_url, chars, first_page
                    )
                doc.chunks.append((start, stop, k, hit, fut))
            s0 = pdf_fonts.SUBSET_SECONDS[0]
            c2 = time.process_time()
            doc.main_pdf = laid.copy(laid.pages[: doc.n_main]).write_pdf() if doc.n_main else b""
            times = {
                "layout": c1 - c0,
                "write": time.process_time() - c2,
                "fonts": pdf_fonts.SUBSET_SECONDS[0] - s0,
            }
        self.stats.add(times, path)
        if self.progress is not None:
            self.progress(label, 1, 1 + n)

    def finish(self) -> list[int]:
        """Wait for every document, write them; their page counts, in the order added."""
        fallbacks: dict[int, Future[Any]] = {}
        merges: dict[int, Future[Any]] = {}
        merged: dict[int, tuple[bytes, int]] = {}
        for i, doc in enumerate(self.docs):
            if doc.whole is not None:
                data, pages, times, chosen_whole = doc.whole.result()
                self.stats.fitted[doc.label] = chosen_whole
                self.stats.add(times, doc.path)
                self.stats.whole += 1
                merged[i] = (data, pages)
                self._done(doc)
                continue
            pdfs = [doc.main_pdf] if doc.main_pdf else []
            ok = doc.n_main > 0
            done = 1
            levels: list[int] = []
            for start, stop, k, hit, fut in doc.chunks:
                if hit is not None:
                    got: tuple[bytes, int, list[int]] = hit
                    self.stats.cached += 1
                else:
                    assert fut is not None
                    data, pages, chosen, times = fut.result()
                    got = (data, pages, chosen)
                    self.stats.add(times, doc.path)
                    self.stats.chunks += 1
                levels += got[2]
                if got[1] != stop - start:
                    ok = False  # a profile ran over one page even so: one piece below
                    self.stats.overflow.append(f"{doc.label}: profiles {start + 1}-{stop}")
                elif hit is None and self.cache is not None:
                    self.cache.put("pdf", k, got)
                pdfs.append(got[0])
                done += stop - start
                if self.progress is not None:
                    total = 1 + (len(doc.parts.profiles) if doc.parts is not None else 0)
                    self.progress(doc.label, min(done, total), total)
            self.stats.fitted[doc.label] = levels
            if ok:  # merged by a worker while the next document's chunks are collected
                merges[i] = self._pool_submit(_merge_job, pdfs)
            else:  # the profiles in the versions chosen, the page numbers of one piece
                assert doc.parts is not None
                fallbacks[i] = self._submit(True, doc.parts.fitted_html(levels), doc.chars)
        for i, fut in merges.items():
            data, pages, seconds = fut.result()
            self.stats.merge_cpu += seconds
            merged[i] = (data, pages)
        for i, fut in fallbacks.items():
            data, pages, times = fut.result()
            self.stats.add(times, self.docs[i].path)
            self.stats.whole += 1
            merged[i] = (data, pages)
        out = []
        for i, doc in enumerate(self.docs):
            data, pages = merged[i]
            doc.path.write_bytes(data)
            out.append(pages)
            if doc.whole is not None or i in fallbacks:
                self._done(doc)
        return out

    def _done(self, doc: _Doc) -> None:
        if self.progress is not None:
            self.progress(doc.label, 1, 1)


def render_pdf(
    html: str,
    path: Path,
    *,
    workers: Workers | None = None,
    base_url: str | None = None,
    cache: Cache | None = None,
    progress: Progress | None = None,
    fits: Sequence[Sequence[str]] | None = None,
) -> int:
    """Write ``html`` as a PDF to ``path``; returns the number of pages. With ``workers``
    (more than one), the profile pages are rendered in parallel chunks and merged. Each
    profile is laid out in the first of its versions (``fits``, default its spacings) that
    fits one page."""
    batch = PdfBatch(workers, base_url=base_url, cache=cache, progress=progress)
    batch.add(html, path, fits=fits)
    return batch.finish()[0]
