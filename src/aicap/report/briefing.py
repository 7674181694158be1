"""The Secretary-General briefing and the one-page country profiles: context, HTML, PDF.

``write_briefing`` computes every figure from :class:`~aicap.analysis.capacity_data.CapacityData`
(the divide, grouped findings for LDCs, LLDCs, SIDS and low-income countries, expected versus
actual capacity, recommendations by audience, an annex of country profiles), renders
``briefing.html`` with Jinja2 and ``briefing.pdf`` with WeasyPrint, and writes the data behind
each figure to ``data/*.csv`` so that every number traces to a file (and, through the index
outputs, to the warehouse's provenance).
"""

import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from aicap.analysis.capacity_data import CapacityData
from aicap.analysis.catalogue import Catalogue
from aicap.analysis.localise import Localiser
from aicap.analysis.localise_profile import localise_profile
from aicap.analysis.monitor.links import Links, MonitorResults
from aicap.report.briefing_context import annex_countries, briefing_context, worker_state
from aicap.report.briefing_data import PAGE_ONLY, _data_files
from aicap.report.briefing_sections import FOCUS_GROUPS, TOP_N, profile_figure
from aicap.report.cache import Cache
from aicap.report.lang import environment, finish, localise_svg
from aicap.report.monitor_source import MonitorJob, Signals
from aicap.report.pdf import PdfBatch, render_pdf, split
from aicap.report.pdf_fit import versions
from aicap.report.profile_claims import with_claims
from aicap.report.result import Briefing
from aicap.report.workers import Progress, Workers

__all__ = [
    "FOCUS_GROUPS",
    "PAGE_ONLY",
    "TOP_N",
    "annex_countries",
    "briefing_context",
    "html_to_pdf",
    "profile_figure",
    "profile_html",
    "render_html",
    "worker_state",
    "write_briefing",
    "write_profile_pdf",
]


def render_html(
    ctx: dict[str, Any], template: str = "briefing.html.j2", loc: Localiser | None = None
) -> str:
    """The briefing (or ``template``) as HTML in ``loc``'s language (default English): the
    annex's profiles localised and their figures drawn in that language."""
    loc = loc or Localiser("en")
    c = dict(ctx)
    c.setdefault("n_recs", annex_recs(loc))
    if c.get("profiles"):
        profs = []
        for p in c["profiles"]:
            q = localise_profile(p, loc)
            q["figure"] = profile_figure(q, loc)
            profs.append(q)
        c["profiles"] = profs
    html = environment(loc).get_template(template).render(**c)
    head, annex_mark, annex = html.partition('id="annex"')  # the annex's charts are drawn
    return finish(localise_svg(head, loc) + annex_mark + annex, loc)  # in their language


#: Per language, the most recommendations an annex profile shows and the spacing it is
#: first laid out in (an index of :data:`aicap.report.pdf_fit.SPACINGS`): two in English,
#: one in the longer languages (the heading says how many of how many; all are in the HTML
#: and ``data/profiles.json``); Russian starts with the tight spacing, in which 89 of its 92
#: focus profiles fit against 64 as written (measured on the snapshot: fewer profiles laid
#: out twice). Other languages: one recommendation, as written.
ANNEX_START: dict[str, tuple[int, int]] = {"en": (2, 0), "ru": (1, 1)}


def annex_recs(loc: Localiser) -> int:
    """How many recommendations an annex profile shows at most in ``loc``'s language."""
    return ANNEX_START.get(loc.lang, (1, 0))[0]


def annex_fits(ctx: dict[str, Any], html: str, loc: Localiser) -> list[list[str]] | None:
    """Each annex profile's versions in ``html`` (the briefing rendered by
    :func:`render_html`), fullest first: with each number of recommendations from
    :func:`annex_recs` down to one, each in every spacing (:func:`aicap.report.pdf_fit.versions`)
    from the language's first (:data:`ANNEX_START`). A profile that does not fit one A4 page
    at 8.5 pt is laid out in the next version (:mod:`aicap.report.pdf_fit`). None when
    ``html`` has no annex."""
    parts = split(html)
    if parts is None:
        return None
    by_recs = [parts.profiles]
    for n in range(int(ctx.get("n_recs") or annex_recs(loc)) - 1, 0, -1):
        fewer = split(render_html({**ctx, "n_recs": n}, loc=loc))
        if fewer is None or len(fewer.profiles) != len(parts.profiles):
            break
        by_recs.append(fewer.profiles)
    skip = ANNEX_START.get(loc.lang, (1, 0))[1]
    return [versions([b[i] for b in by_recs])[skip:] for i in range(len(parts.profiles))]


def html_to_pdf(html: str, path: Path, base_url: str | None = None) -> int:
    """Render ``html`` to ``path`` with WeasyPrint in one piece; returns the number of pages."""
    return render_pdf(html, path, base_url=base_url)


def write_briefing(
    data: CapacityData,
    catalogue: Catalogue,
    out: Path,
    *,
    annex: Sequence[str] = (),
    pdf: bool = True,
    n_boot: int = 1000,
    monitor: MonitorResults | None = None,
    links: Links | None = None,
    signals: Signals | None = None,
    monitor_job: MonitorJob | None = None,
    workers: int = 1,
    cache: Cache | None = None,
    progress: Progress | None = None,
    derived: str = "",
    langs: Sequence[str] = ("en",),
    localisers: dict[str, Localiser] | None = None,
    replies: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
) -> Briefing:
    """Write ``briefing.html``, ``briefing.pdf`` and ``data/`` to ``out``; with several
    ``langs``, ``briefing-<lang>.html`` and ``.pdf`` for each (the context is computed once;
    ``data/`` is the English record, written once). ``localisers``: per language, with the
    country reference's names (default: catalogues only). ``workers``:
    processes for the diagnoses, profiles, the Monitor (``monitor_job``) and the annex's PDF
    pages (1: all in process; the result is the same); ``cache``: rendered annex pages are
    kept there and reused while their HTML is unchanged, and with ``derived`` (a digest of
    every input, :func:`aicap.report.reuse.inputs_digest`) the diagnoses; ``progress``: called
    with ``(stage, done, total)``."""
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    with Workers(workers, worker_state(data, catalogue)) as pool:
        ctx = briefing_context(
            data,
            catalogue,
            annex=annex,
            n_boot=n_boot,
            monitor=monitor,
            links=links,
            signals=signals,
            monitor_job=monitor_job,
            workers=pool,
            progress=progress,
            cache=cache,
            derived=derived,
            replies=replies,
        )
        t1 = time.perf_counter()
        files = _data_files(ctx, out)  # the record: English, once for every language
        written: dict[str, tuple[Path, Path | None, int | None]] = {}
        t_html = t_pdf = 0.0
        batch = PdfBatch(pool, base_url=str(out), cache=cache, progress=progress)  # langperf
        for lg in langs:
            ta = time.perf_counter()
            if progress is not None:
                progress(f"html {lg}", 0, 1)
            loc = localisers[lg] if localisers and lg in localisers else Localiser(lg)
            html = render_html(ctx, loc=loc)
            stem = "briefing" if len(langs) == 1 else f"briefing-{lg}"
            html_path = out / f"{stem}.html"
            html_path.write_text(html, "utf-8")
            if progress is not None:
                progress(f"html {lg}", 1, 1)
            tb = time.perf_counter()
            pdf_path = None
            pages = None
            if pdf:
                pdf_path = out / f"{stem}.pdf"
                fits = annex_fits(ctx, html, loc)  # each annex profile's versions
                batch.add(html, pdf_path, f"pdf {lg}", fits)  # laid out by the workers meanwhile
            t_html += tb - ta
            t_pdf += time.perf_counter() - tb
            written[lg] = (html_path, pdf_path, pages)
        tc = time.perf_counter()
        for lg, n in zip([x for x in langs if pdf], batch.finish(), strict=True):  # langperf
            written[lg] = (written[lg][0], written[lg][1], n)
        t_pdf += time.perf_counter() - tc
        t3 = time.perf_counter()
    first = written[langs[0]]
    html_path, pdf_path, pages = first
    t2 = t1 + t_html
    return Briefing(
        html_path,
        pdf_path,
        files,
        list(annex),
        {
            "diagnose": float(ctx["timing"]["diagnoses_s"]),
            "context": t1 - t0,
            "html": t2 - t1,
            "pdf": t_pdf,
            "total": t3 - t0,
        },
        pages,
        str(ctx["generated"]),
        languages=written,
    )


def profile_html(profile: dict[str, Any], loc: Localiser | None = None, n_recs: int = 3) -> str:
    """The one-page profile as HTML in ``loc``'s language (default English, country names in
    their prose form only where ``loc`` knows them), with its first ``n_recs``
    recommendations."""
    loc = loc or Localiser("en")
    p = localise_profile(with_claims(dict(profile)), loc)
    p["figure"] = profile_figure(p, loc)
    tpl = environment(loc).get_template("profile.html.j2")
    return finish(tpl.render(p=p, standalone=True, n_recs=n_recs), loc)


def write_profile_pdf(profile: dict[str, Any], path: Path, loc: Localiser | None = None) -> int:
    """The profile on one A4 page: with its first three recommendations, or two or one where
    a longer language needs the room (the heading says how many of how many), each number
    tried in every spacing first (:mod:`aicap.report.pdf_fit`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    htmls = [profile_html(profile, loc, n_recs=n) for n in (3, 2, 1)]
    cut = [split(h) for h in htmls]
    if any(c is None or len(c.profiles) != 1 for c in cut):
        return html_to_pdf(htmls[0], path)
    fits = [versions([c.profiles[0] for c in cut if c is not None])]
    return render_pdf(htmls[0], path, fits=fits)
