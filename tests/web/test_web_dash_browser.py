"""Issue 24 in real headless Chromium: every page type at 375 px in English and Arabic (nothing
wider than the screen), the search without JavaScript, the comparison, a shared what-if
address, the profile's summary in the first screen, and the static export drawing its charts
from ``file://`` and from a plain web server in English and Arabic, with every internal link
of the exported files resolving. Screenshots go to ``$AICAP_SCREENSHOTS``."""

from __future__ import annotations

import functools
import http.server
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx
import pytest
from browser_helpers import MARKS, chromium_browser, serve, shot_dir  # noqa: F401 (fixtures)
from web_helpers import site_for

from aicap.web.app import create_app
from aicap.web.export import export_site

pytestmark = MARKS

EXPORTED = ["KEN", "FRA", "TUV"]
PAGE_TYPES = [
    "/",
    "/ranking",
    "/ranking?region=Africa",
    "/country/KEN",
    "/country/TUV",
    "/divide",
    "/indicators",
    "/indicator/rd_expenditure",
    "/indicator/internet_use?view=map",
    "/methodology",
    "/what-if?w_CONN=3&method=power_mean",
    "/compare?c=KEN,NGA,ZAF,EGY,ETH",
    "/search?q=guin",
    "/monitor",
    "/monitor/concentration",
    "/monitor/access",
    "/monitor/governance",
    "/monitor/governance/KEN",
    "/monitor/incidents",
]


@pytest.fixture(scope="module")
def base_url(full_warehouse: Path) -> Iterator[str]:
    with serve(create_app(site_for(full_warehouse))) as url:
        # the first profile computes the Monitor's tables (15 s on two quiet cores, minutes
        # on a loaded machine): done here, not inside a page's 30 s navigation timeout
        httpx.get(url + "/api/country/KEN", timeout=900)
        yield url


@pytest.fixture(scope="module")
def exported(full_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export")
    export_site(site_for(full_warehouse), out, langs=("en", "ar"), countries=EXPORTED)
    return out


def _width(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_every_page_type_fits_a_phone(browser: Any, base_url: str, shots: Path, lang: str) -> None:
    page = browser.new_page(viewport={"width": 375, "height": 800})
    wide = {}
    for path in PAGE_TYPES:
        url = base_url + ("" if lang == "en" else f"/{lang}") + path
        res = page.goto(url)
        assert res is not None and res.status == 200, url
        if _width(page) > 375:
            wide[path] = _width(page)
        name = re.sub(r"[^a-z0-9]+", "_", path.lower()).strip("_") or "map"
        page.screenshot(path=str(shots / f"phone_{lang}_{name}.png"))
    assert wide == {}, f"wider than 375 px in {lang}: {wide}"
    page.close()


def test_arabic_units_read_right(browser: Any, base_url: str) -> None:
    page = browser.new_page(viewport={"width": 375, "height": 800})
    page.goto(base_url + "/ar/indicator/rd_expenditure")
    unit = page.locator("span.unit").first  # translated since issue 19: read right to left
    assert unit.inner_text().strip() == "% من الناتج المحلي الإجمالي"
    assert unit.get_attribute("lang") is None
    assert unit.evaluate("e => getComputedStyle(e).direction") == "rtl"
    page.close()


def test_search_without_javascript(browser: Any, base_url: str) -> None:
    ctx = browser.new_context(java_script_enabled=False)
    page = ctx.new_page()
    page.goto(base_url + "/ar/ranking")
    page.fill("#q", "Kenya")
    page.press("#q", "Enter")
    page.wait_for_url("**/ar/country/KEN")
    assert page.locator("h1").inner_text() == "كينيا"
    ctx.close()


def test_compare_from_its_form(browser: Any, base_url: str, shots: Path) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(base_url + "/compare")
    boxes = page.locator('#compare-form input[name="c"]')
    for i, c in enumerate(["KEN", "Nigeria", "South Africa"]):
        boxes.nth(i).fill(c)
    page.click('#compare-form button[type="submit"]')
    page.wait_for_url("**/compare?c=KEN,NGA,ZAF")
    heads = page.locator("#t-compare thead th").all_inner_texts()
    assert heads[1:] == ["Kenya", "Nigeria", "South Africa"]
    assert page.locator("figure.chart .vl svg").count() == 2
    page.screenshot(path=str(shots / "compare.png"), full_page=True)
    page.close()


def test_shared_whatif_address(browser: Any, base_url: str) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(base_url + "/what-if")
    assert page.locator('#whatif input[type="range"]').count() >= 7  # sliders with JavaScript
    page.fill('input[name="w_SKILLS"]', "5")
    page.check('input[value="power_mean"]')
    page.click('#whatif button[type="submit"]')
    page.wait_for_function("location.search.includes('w_SKILLS=5')", timeout=30000)
    shared = page.url
    first = page.locator("#whatif-result tbody tr").first.inner_text()
    page.close()
    ctx = browser.new_context(java_script_enabled=False)  # the address alone gives the result
    other = ctx.new_page()
    other.goto(shared)
    assert other.locator("#whatif-result tbody tr").first.inner_text() == first
    assert other.locator('input[value="power_mean"]').is_checked()
    ctx.close()


def test_profile_summary_in_first_screen(browser: Any, base_url: str, shots: Path) -> None:
    for lang, prefix in (("en", ""), ("ar", "/ar")):
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(base_url + prefix + "/country/KEN")
        box = page.locator("#summary").bounding_box()
        assert box and box["y"] + box["height"] <= 900 + 40, box
        assert page.locator("#things li").count() == 3
        assert page.locator("details.rec[open]").count() == 0
        page.screenshot(path=str(shots / f"profile_{lang}.png"))
        page.locator("#top-recs a").first.click()  # a fragment opens its folded recommendation
        target = page.locator("#top-recs a").first.get_attribute("href")
        assert target
        assert page.locator(f"{target} details.rec").evaluate("d => d.open") is True
        page.close()


def _draws_charts(page: Any, url: str) -> None:
    """The export's charts: the server-drawn SVG shows, with its downloads; no request fails."""
    failed: list[str] = []
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.goto(url)
    svgs = page.locator("figure.chart .vl svg")
    assert svgs.count() >= 2
    box = svgs.first.bounding_box()
    assert box and box["width"] > 200 and box["height"] > 50
    assert page.locator("figure.chart .vl svg text").count() > 10
    page.wait_for_selector("p.dl a")
    assert page.locator("p.dl a").all_inner_texts()[:3] == ["SVG", "PNG", "CSV"]
    assert page.locator("button.interactive").count() == 0  # no Vega in the export
    assert failed == []


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_static_export_draws_from_file_and_web_server(
    browser: Any, exported: Path, shots: Path, lang: str
) -> None:
    rel = ("" if lang == "en" else "ar/") + "country/KEN.html"
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    _draws_charts(page, (exported / rel).as_uri())
    page.locator("#c-pillars").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / f"export_file_{lang}.png"))
    page.close()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(exported))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        _draws_charts(page, f"http://127.0.0.1:{httpd.server_address[1]}/{rel}")
        page.close()
    finally:
        httpd.shutdown()


def test_interactive_chart_on_request(browser: Any, base_url: str) -> None:
    """Live: the SVG first, Vega only after the click, from the app itself."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(base_url + "/ar/country/KEN")
    page.wait_for_load_state("networkidle")
    assert not any("vega" in u for u in requests)
    page.locator("#c-pillars").scroll_into_view_if_needed()
    page.locator("figure.chart button.interactive").first.click()
    page.wait_for_selector("#c-pillars.vega-embed", timeout=30000)
    assert any(u.endswith("/static/vendor/vega.min.js") for u in requests)
    assert all(u.startswith(base_url) for u in requests)
    page.close()


def test_static_export_search(browser: Any, exported: Path) -> None:
    page = browser.new_page()
    page.goto((exported / "ar/index.html").as_uri())
    page.fill("#q", "ken")
    page.press("#q", "Enter")
    page.wait_for_url("**/country/KEN.html")
    page.close()


def test_every_internal_link_of_the_export_resolves(exported: Path) -> None:
    broken = []
    for html in exported.rglob("*.html"):
        text = html.read_text(encoding="utf-8")
        for link in re.findall(r'(?:href|src|data-vendor)="([^"#]*)(?:#[^"]*)?"', text):
            if not link or link.startswith(("http:", "https:", "mailto:", "data:")):
                continue
            path = unquote(urlsplit(link).path)
            target = (html.parent / path).resolve()
            stem = target.stem
            if target.parent.name in ("country", "governance") and stem not in EXPORTED:
                continue  # only three countries are exported here
            if target.relative_to(exported.resolve()).parts[0] in ("fr", "es", "ru", "zh"):
                continue  # and two languages
            if not target.exists():
                broken.append(f"{html.relative_to(exported)}: {link}")
    assert broken == []
