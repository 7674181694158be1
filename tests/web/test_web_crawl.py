"""Every internal link of the dashboard, in the six languages, answers without a 4xx or 5xx:
a breadth-first crawl from each language's map through the pages' links (``href``, ``src``,
and the forms' ``action``), the JSON twins, CSV downloads and chart files included (PNG
checked for the first chart of each kind of page: it draws the same spec as the SVG). The
cooperation pages (``/coop``, a registry with sign-in) have their own tests and are left out.
Slow. In CI the crawl follows every page kind in every language but only a sample of
countries: a link that names a country (``/country/KEN``, ``?c=KEN,NGA``) is requested
when its countries are in :data:`SAMPLE` or it is among the first :data:`PER_KIND` of its
kind of page; other countries' pages are not requested. ``AICAP_FULL_CRAWL=1`` crawls everything
(about 20,000 links, 15 minutes on two cores)."""

from __future__ import annotations

import os
import re
from collections import Counter, deque
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from fastapi.testclient import TestClient
from web_helpers import site_for

from aicap.web import i18n
from aicap.web.app import create_app

pytestmark = pytest.mark.slow

LINK = re.compile(r'(?:href|src|action)="([^"#]*)(?:#[^"]*)?"')
SKIP = re.compile(r"^/(?:(?:fr|es|ru|zh|ar)/)?coop(?:/|$)")
#: Countries always followed: tiers 0-3, unscored, small island, the demo's country.
SAMPLE = {"KEN", "BGD", "DEU", "USA", "MCO", "TUV", "NER", "CHL", "ZAF", "IND"}
PER_KIND = 2
ISO = re.compile(r"(?<![A-Za-z])[A-Z]{3}(?![A-Za-z])")
FULL = os.environ.get("AICAP_FULL_CRAWL") == "1"


def _follow(url: str, kinds: Counter[str]) -> bool:
    """Whether the crawl follows ``url`` (see the module doc)."""
    codes = ISO.findall(url)
    if FULL or not codes:
        return True
    if set(codes) <= SAMPLE:
        return True
    kind = ISO.sub("*", url)
    kinds[kind] += 1
    return kinds[kind] <= PER_KIND


def _links(page_url: str, html: str) -> list[str]:
    out = []
    for raw in LINK.findall(html):
        if not raw or raw.startswith(("http:", "https:", "mailto:", "data:")):
            continue
        url = urljoin(page_url, raw.replace("&amp;", "&"))
        parts = urlsplit(url)
        out.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return out


def test_no_internal_link_is_broken(full_warehouse: Path) -> None:
    client = TestClient(create_app(site_for(full_warehouse)), raise_server_exceptions=False)
    start = ["/" if lg == "en" else f"/{lg}/" for lg in i18n.LANGS]
    queue: deque[tuple[str, str]] = deque((u, "start") for u in start)
    seen = set(start)
    png_kinds: set[str] = set()
    kinds: Counter[str] = Counter()
    broken: list[str] = []
    pages = 0
    while queue:
        url, source = queue.popleft()
        if url.endswith(".png"):
            kind = re.sub(r"/[A-Z]{3}/|/[a-z_]+/(?=[a-z_]+\.png)", "/*/", url)
            if kind in png_kinds:
                continue
            png_kinds.add(kind)
        r = client.get("http://testserver" + url)
        if r.status_code >= 400:
            broken.append(f"{r.status_code} {url} (linked from {source})")
            continue
        if not r.headers.get("content-type", "").startswith("text/html"):
            continue
        pages += 1
        for link in _links("http://testserver" + url, r.text):
            if link in seen or SKIP.match(link) or link.startswith("/docs"):
                continue
            seen.add(link)
            if _follow(link, kinds):
                queue.append((link, url))
    print(f"crawl: {len(seen)} links, {pages} pages, {len(broken)} broken (full: {FULL})")
    assert broken == [], f"{len(broken)} broken of {len(seen)}: {broken[:20]}"
    # every profile in six languages, or the sample's in six languages
    assert pages > (2000 if FULL else 6 * len(SAMPLE)), pages
