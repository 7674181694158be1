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
"""

from __future__ import annotations

import hashlib
import io
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from aicap.report.cache import Cache, key
from aicap.report.workers import Progress, Workers, chunk_size

PROFILE_MARK = '<section class="profile"'
PLACEHOLDER = '<section class="profile"></section>'
#: Profiles per chunk at most (each chunk embeds its own font subsets: fewer, larger chunks
#: keep the file small; enough chunks keep every worker busy).
MAX_CHUNK = 12


@dataclass(frozen=True)
class Parts:
    """The briefing's HTML cut at its profile sections."""

    head: str  # up to and including <body ...>
    main: str  # the body before the first profile
    profiles: list[str]  # one <section class="profile"> ... </section> each
    tail: str  # </body></html>

    def main_html(self) -> str:
        return self.head + self.main + PLACEHOLDER * len(self.profiles) + self.tail

    def chunk_html(self, start: int, stop: int, first_page: int) -> str:
        """Profiles ``start:stop`` after one placeholder page (dropped when rendered: a
        profile then starts after a page break as in the whole document, not below the body's
        top margin), numbered from ``first_page``."""
        style = f"<style>@page :first {{ counter-reset: page {first_page - 1}; }}</style>"
        head = self.head.replace("</head>", style + "</head>", 1)
        return head + PLACEHOLDER + "".join(self.profiles[start:stop]) + self.tail


def split(html: str) -> Parts | None:
    """Cut ``html`` at its profile sections (None when it has none or an unexpected shape)."""
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
    return Parts(html[:body_end], html[body_end : starts[0]], profiles, html[end:])


def _render(html: str, base_url: str | None) -> tuple[bytes, int]:
    from weasyprint import HTML  # type: ignore[import-untyped]

    doc = HTML(string=html, base_url=base_url).render()
    return doc.write_pdf(), len(doc.pages)


def render_chunk(html: str, base_url: str | None) -> tuple[bytes, int]:
    """One chunk of the annex (:meth:`Parts.chunk_html`): PDF bytes and pages, the
    placeholder page left out (runs in a worker)."""
    from weasyprint import HTML

    doc = HTML(string=html, base_url=base_url).render()
    return doc.copy(doc.pages[1:]).write_pdf(), len(doc.pages) - 1


def _weasyprint_version() -> str:
    import weasyprint

    return str(weasyprint.__version__)


def merge(parts: Sequence[bytes]) -> tuple[bytes, int]:
    """Concatenate PDFs (outlines kept; the first part's metadata)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    first = None
    for data in parts:
        reader = PdfReader(io.BytesIO(data))
        first = first or reader
        writer.append(reader, import_outline=True)
    if first is not None and first.metadata:
        writer.add_metadata({k: str(v) for k, v in first.metadata.items()})
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue(), len(writer.pages)


def render_pdf(
    html: str,
    path: Path,
    *,
    workers: Workers | None = None,
    base_url: str | None = None,
    cache: Cache | None = None,
    progress: Progress | None = None,
) -> int:
    """Write ``html`` as a PDF to ``path``; returns the number of pages. With ``workers``
    (more than one), the profile pages are rendered in parallel chunks and merged."""
    parts = split(html) if workers is not None and workers.n > 1 else None
    if parts is None:
        if progress is not None:
            progress("pdf", 0, 1)
        data, pages = _render(html, base_url)
        path.write_bytes(data)
        if progress is not None:
            progress("pdf", 1, 1)
        return pages
    assert workers is not None
    n = len(parts.profiles)
    total_steps = n + 1
    if progress is not None:
        progress("pdf", 0, total_steps)
    from weasyprint import HTML

    doc = HTML(string=parts.main_html(), base_url=base_url).render()
    n_main = len(doc.pages) - n
    size = min(MAX_CHUNK, chunk_size(n, workers.n, per_worker=2))
    version = _weasyprint_version()
    jobs = []
    for start in range(0, n, size):
        stop = min(n, start + size)
        chunk = parts.chunk_html(start, stop, n_main + 1 + start)
        k = key("pdf-chunk", version, hashlib.sha256(chunk.encode()).hexdigest())
        hit = cache.get("pdf", k) if cache is not None else None
        fut = None if hit is not None else workers.submit(render_chunk, chunk, base_url)
        jobs.append((start, stop, k, hit, fut))
    main_pdf = doc.copy(doc.pages[:n_main]).write_pdf() if n_main > 0 else b""
    done = 1
    if progress is not None:
        progress("pdf", done, total_steps)
    pdfs = [main_pdf] if main_pdf else []
    ok = n_main > 0
    for start, stop, k, hit, fut in jobs:
        got: tuple[bytes, int] = hit if hit is not None else fut.result()  # type: ignore[union-attr]
        if got[1] != stop - start:
            ok = False  # a profile ran over one page: render in one piece below
        elif hit is None and cache is not None:
            cache.put("pdf", k, got)
        pdfs.append(got[0])
        done += stop - start
        if progress is not None:
            progress("pdf", done, total_steps)
    if not ok:
        data, pages = _render(html, base_url)
        path.write_bytes(data)
        return pages
    data, pages = merge(pdfs)
    path.write_bytes(data)
    return pages
