"""``aicap site export DIR``: the dashboard as static files (every language, every Member
State, every indicator, the index pages, the JSON twins and CSV downloads as files) with
relative links, so it opens from disk (``file://``) or from any plain web server.

What the export leaves out to stay small: a claim has no file of its own (a page's claims are
in its JSON twin, the divide's and the Monitor's also in ``api/claims.json``), a profile links
its peer groups' ranking pages instead of copying their tables, and charts are the inline SVG
drawn once per (chart, language) (no Vega, no specs). The comparison works in the browser
over one table of every Member State (:mod:`aicap.web.export_pages`); the what-if and the
interactive charts need the live application and say so, linking ``live_url`` when given.
Pages are rendered by ``workers`` processes (forked: the site is shared, not copied), and
written without the end tags HTML lets a page omit (:mod:`aicap.web.htmlslim`)."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aicap.web import htmlslim, i18n, monitor, svgcharts, views
from aicap.web.data import SiteData
from aicap.web.export_pages import compare_page
from aicap.web.pages import Page, page_data, render_page
from aicap.web.render import Renderer, text_anchor

STATIC = Path(__file__).with_name("static")
MONITOR_PAGES = {
    "monitor": "monitor",
    "monitor_concentration": "monitor/concentration",
    "monitor_access": "monitor/access",
    "monitor_governance": "monitor/governance",
    "monitor_incidents": "monitor/incidents",
}
#: static files the export does not need: Vega (charts are drawn on the server) and the
#: styles of pages it has no copy of (cooperation, country voice)
LIVE_ONLY_ASSETS = ("vendor", "coop.css", "voice.css")


@dataclass
class ExportStats:
    """Files, bytes and seconds per kind of page (``country``, ``indicator``, ``api``...)
    and the seconds spent drawing SVG charts."""

    files: dict[str, int] = field(default_factory=dict)
    bytes: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    svg_seconds: float = 0.0
    svg_drawn: int = 0

    def add(self, kind: str, size: int, seconds: float = 0.0) -> None:
        self.files[kind] = self.files.get(kind, 0) + 1
        self.bytes[kind] = self.bytes.get(kind, 0) + size
        self.seconds[kind] = self.seconds.get(kind, 0.0) + seconds

    def merge(self, other: ExportStats) -> None:
        for kind, n in other.files.items():
            self.files[kind] = self.files.get(kind, 0) + n
            self.bytes[kind] = self.bytes.get(kind, 0) + other.bytes[kind]
            self.seconds[kind] = self.seconds.get(kind, 0.0) + other.seconds[kind]
        self.svg_seconds += other.svg_seconds
        self.svg_drawn += other.svg_drawn

    def table(self) -> str:
        lines = [f"{'kind':<22}{'files':>7}{'MB':>9}{'s':>9}"]
        for kind in sorted(self.bytes, key=lambda k: -self.bytes[k]):
            lines.append(
                f"{kind:<22}{self.files[kind]:>7}{self.bytes[kind] / 1e6:>9.2f}"
                f"{self.seconds[kind]:>9.1f}"
            )
        lines.append(
            f"{'total':<22}{sum(self.files.values()):>7}{sum(self.bytes.values()) / 1e6:>9.2f}"
            f"{sum(self.seconds.values()):>9.1f}"
        )
        lines.append(f"SVG charts drawn: {self.svg_drawn} in {self.svg_seconds:.1f} s")
        return "\n".join(lines)


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _page_path(page: Page, kw: dict[str, str], prefix: str) -> str:
    if page.name == "ranking" and kw:
        (k, v), *_ = sorted(kw.items())
        return f"{prefix}ranking/{k}-{v}.html"
    path = {
        "home": "index",
        "country": f"country/{kw.get('iso3')}",
        "indicator": f"indicator/{kw.get('code')}",
        "whatif": "what-if",
        "monitor_country": f"monitor/governance/{kw.get('iso3')}",
    }.get(page.name, MONITOR_PAGES.get(page.name, page.name))
    return f"{prefix}{path}.html"


def _jobs(site: SiteData, isos: list[str]) -> list[tuple[str, dict[str, Any], dict[str, str]]]:
    """(page name, page_data keywords, link keywords) of every exported page."""
    filters: list[dict[str, str]] = [{}]
    filters += [{"region": r} for r in site.regions()]
    filters += [{"income": g} for g in site.income_groups()]
    filters += [{"group": g} for g in views.GROUP_KEYS]
    jobs: list[tuple[str, dict[str, Any], dict[str, str]]] = [
        (name, {}, {}) for name in ("home", "divide", "indicators", "methodology", "whatif")
    ]
    jobs += [("search", {}, {}), ("compare", {}, {})]
    jobs += [("ranking", {"filters": f}, f) for f in filters]
    jobs += [("country", {"iso3": c}, {"iso3": c}) for c in isos]
    jobs += [("indicator", {"code": c}, {"code": c}) for c in site.spec.indicator_codes]
    if monitor.tables(site) is not None:  # the warehouse holds the Monitor's records
        jobs += [(name, {}, {}) for name in MONITOR_PAGES]
        jobs += [("monitor_country", {"iso3": c}, {"iso3": c}) for c in isos]
    return jobs


def _kind(name: str) -> str:
    return "monitor" if name in MONITOR_PAGES else name


def _export_part(
    site: SiteData,
    root: Path,
    jobs: list[tuple[str, dict[str, Any], dict[str, str]]],
    langs: tuple[str, ...],
    live_url: str | None,
    progress: Callable[[str], None] | None,
) -> tuple[set[str], ExportStats, dict[str, dict[str, str]]]:
    """Write ``jobs``' pages and twins; the files written, their stats and the texts the
    profiles cite (by anchor)."""
    renderer = Renderer(site, static=True, live_url=live_url)
    stats = ExportStats()
    written: set[str] = set()
    texts: dict[str, dict[str, str]] = {}
    drawn = svgcharts.stats()

    def write(rel: str, text: str, kind: str, seconds: float) -> None:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        data = text.encode("utf-8")
        path.write_bytes(data)
        written.add(rel)
        stats.add(kind, len(data), seconds)

    for name, pkw, kw in jobs:
        t0 = time.perf_counter()
        page = compare_page(site) if name == "compare" else page_data(site, name, **pkw)
        if progress:
            progress(page.api)
        for lang in langs:
            rel = _page_path(page, kw, "" if lang == "en" else f"{lang}/")
            t1 = time.perf_counter()
            html = htmlslim.slim(render_page(renderer, page, lang, current=rel, lang_kw=kw))
            write(rel, html, _kind(name), time.perf_counter() - t1 + (t1 - t0))
            t0 = t1 = time.perf_counter()
        if name == "compare" or (name == "ranking" and kw):
            continue  # their JSON is the unfiltered ranking's twin
        t0 = time.perf_counter()
        data = views.map_api(site) if name == "home" else page.data
        write(f"api/{page.api}.json", _json(data), "api", time.perf_counter() - t0)
        if name == "country":
            write(f"api/country/{kw['iso3']}.csv", views.country_csv(page.data), "api", 0.0)
            texts.update(_cited(page.data))
    after = svgcharts.stats()
    stats.svg_seconds, stats.svg_drawn = after[1] - drawn[1], after[0] - drawn[0]
    return written, stats, texts


def _cited(profile: dict[str, Any]) -> dict[str, dict[str, str]]:
    """The texts a profile's recommendations cite, by their anchor on ``texts-cited``."""
    out = {}
    for rec in (profile.get("recommendations") or {}).get("ranked") or []:
        for m in rec.get("mandates") or []:
            if m.get("excerpt"):
                anchor = text_anchor(str(m.get("ref")), str(m["excerpt"]))
                keep = ("ref", "citation", "excerpt")
                out[anchor] = {"anchor": anchor} | {k: str(m.get(k) or "") for k in keep}
    return out


_FORKED: dict[str, Any] = {}


def _forked_worker(index: int) -> tuple[set[str], ExportStats, dict[str, dict[str, str]]]:
    site, root, parts, langs, live_url = _FORKED["args"]
    return _export_part(site, root, parts[index], langs, live_url, None)


def _write_texts(
    site: SiteData,
    root: Path,
    texts: dict[str, dict[str, str]],
    langs: tuple[str, ...],
    live_url: str | None,
    written: set[str],
    stats: ExportStats,
) -> None:
    """``texts-cited.html`` in each language and its JSON: every text the exported profiles
    cite, once (a profile links each of its citations there instead of copying the text)."""
    ordered = sorted(texts.values(), key=lambda t: (t["ref"], t["anchor"]))
    page = Page("texts", "texts_cited.html", "texts-cited", {"texts": ordered})
    renderer = Renderer(site, static=True, live_url=live_url)
    outputs: list[tuple[str, str, str | None]] = [("api/texts-cited.json", "api", None)]
    outputs += [
        (("" if lg == "en" else f"{lg}/") + "texts-cited.html", "texts", lg) for lg in langs
    ]
    for rel, kind, lang in outputs:
        t0 = time.perf_counter()
        if lang is None:
            text = _json(page.data)
        else:
            text = htmlslim.slim(render_page(renderer, page, lang, current=rel))
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
        written.add(rel)
        stats.add(kind, len(text.encode()), time.perf_counter() - t0)


def export_site(
    site: SiteData,
    out: str | Path,
    *,
    langs: tuple[str, ...] = i18n.LANGS,
    countries: list[str] | None = None,
    progress: Callable[[str], None] | None = None,
    live_url: str | None = None,
    workers: int = 1,
    stats: ExportStats | None = None,
) -> int:
    """Write the static site under ``out``; returns the number of files written.

    ``live_url``: the address of the live application, linked where a feature needs it (the
    what-if, interactive charts). ``workers`` > 1 renders in that many forked processes
    (POSIX only; elsewhere one). ``stats`` receives files, bytes and seconds per kind."""
    root = Path(out)
    root.mkdir(parents=True, exist_ok=True)
    isos = countries if countries is not None else sorted(site.countries)
    jobs = _jobs(site, isos)
    stats = stats if stats is not None else ExportStats()
    written: set[str] = set()
    texts: dict[str, dict[str, str]] = {}
    # vl-convert's runtime threads do not survive fork: fork only before it has started
    can_fork = "fork" in multiprocessing.get_all_start_methods() and not svgcharts.started()
    if workers > 1 and can_fork:
        # round-robin: each process gets a share of every kind of page
        parts = [jobs[i::workers] for i in range(workers)]
        _FORKED["args"] = (site, root, parts, langs, live_url)
        try:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                for part in pool.imap_unordered(_forked_worker, range(workers)):
                    written |= part[0]
                    stats.merge(part[1])
                    texts.update(part[2])
        finally:
            _FORKED.clear()
    else:
        written, part_stats, texts = _export_part(site, root, jobs, langs, live_url, progress)
        stats.merge(part_stats)
    _write_texts(site, root, texts, langs, live_url, written, stats)
    t0 = time.perf_counter()
    for rel, text in (
        ("api/ranking.csv", views.ranking_csv(views.ranking(site), site.pillar_codes)),
        ("api/claims.json", _json(views.claims(site))),
    ):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
        written.add(rel)
        stats.add("api", len(text.encode()), time.perf_counter() - t0)
        t0 = time.perf_counter()
    target = root / "static"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(STATIC, target, ignore=shutil.ignore_patterns(*LIVE_ONLY_ASSETS))
    for p in target.rglob("*"):
        if p.is_file():
            stats.add("static", p.stat().st_size)
            written.add(str(p.relative_to(root)))
    return len(written)


def default_workers() -> int:
    """Processes for a full export: the CPUs this process may use, at most 4."""
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        n = os.cpu_count() or 1
    return max(1, min(4, n))
