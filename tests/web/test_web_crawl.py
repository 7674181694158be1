"""Every internal link of the dashboard, in the six languages, answers without a 4xx or 5xx:
a breadth-first crawl from each language's map through the pages' links (``href``, ``src``,
and the forms' ``action``), the JSON twins, CSV downloads and chart files included (PNG
checked for the first chart of each kind of page: it draws the same spec as the SVG). The
cooperation pages (``/coop``, a registry with sign-in) have their own tests and are left out.
Slow: about 3,500 pages."""

from __future__ import annotations

import re
from collections import deque
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
            if link not in seen and not SKIP.match(link) and not link.startswith("/docs"):
                seen.add(link)
                queue.append((link, url))
    assert broken == [], f"{len(broken)} broken of {len(seen)}: {broken[:20]}"
    assert pages > 2000, pages  # the crawl reached every profile in six languages
