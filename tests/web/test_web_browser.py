"""The dashboard as a person uses it, in real headless Chromium (Debian's ``chromium`` with
Playwright): the map, a profile with its charts, the Arabic profile laid out right to left,
the what-if with and without JavaScript. Screenshots go to ``$AICAP_SCREENSHOTS`` (default: a
temporary folder)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from browser_helpers import MARKS, app_url, chromium_browser, shot_dir  # noqa: F401 (fixtures)

pytestmark = MARKS


def test_map(browser: Any, base_url: str, shots: Path) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(base_url + "/")
    assert page.locator("svg path").count() + page.locator("svg circle.pt").count() == 193
    # keyboard: the skip link comes first, then the map's countries are links
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    box = page.locator("svg").bounding_box()
    assert box and box["width"] > 900 and box["height"] > 350
    page.screenshot(path=str(shots / "map.png"))
    page.locator('a[href="/country/BRA"]').first.click()
    page.wait_for_url("**/country/BRA")
    assert "Brazil" in page.locator("h1").inner_text()
    page.close()


def test_profile_with_charts(browser: Any, base_url: str, shots: Path) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(base_url + "/country/KEN")
    assert page.locator("h1").inner_text() == "Kenya"
    # drawn on the server: the SVGs are there before any chart library (issue 24)
    assert page.locator('#c-pillars svg[role="img"]').count() == 1
    assert page.locator('#c-trend svg[role="img"]').count() == 1
    assert not any("vega" in u for u in requests)
    page.locator("#c-pillars-cap").scroll_into_view_if_needed()
    page.locator("#c-pillars").locator("xpath=..").locator("button.interactive").click()
    page.wait_for_selector("#c-pillars.vega-embed svg", timeout=20000)
    vega = [k for k, u in enumerate(requests) if u.endswith("/static/vendor/vega.min.js")]
    app_js = [k for k, u in enumerate(requests) if u.endswith("/static/app.js")]
    assert vega and app_js and app_js[0] < vega[0], "the chart JS is loaded by app.js"
    assert all(u.startswith(base_url) for u in requests), "no request leaves the app"
    assert page.locator("#c-pillars").get_attribute("role") == "img"
    page.locator("#pillars").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "profile.png"), full_page=True)
    page.close()


def test_profile_without_javascript(browser: Any, base_url: str, shots: Path) -> None:
    ctx = browser.new_context(java_script_enabled=False, viewport={"width": 800, "height": 900})
    page = ctx.new_page()
    page.goto(base_url + "/fr/country/KEN")
    # the UN's French short name, in prose form (without UNTERM's article "(le)")
    assert page.locator("h1").inner_text() == "Kenya"
    assert page.locator("#t-trend tbody tr").count() >= 5
    assert page.locator("#t-pillars tbody tr").count() == 7
    assert page.locator(".vl svg").first.is_visible()  # drawn on the server
    page.screenshot(path=str(shots / "profile-fr-nojs.png"))
    ctx.close()


def test_arabic_profile_right_to_left(browser: Any, base_url: str, shots: Path) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(base_url + "/ar/country/KEN")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("h1").inner_text() == "كينيا"
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    # mirrored: the heading starts at the right, the brand sits right of the language menu
    h1 = page.locator("h1").bounding_box()
    assert h1 and h1["x"] + h1["width"] > 1280 / 2
    brand = page.locator(".brand").bounding_box()
    langs = page.locator(".langs").bounding_box()
    assert brand and langs and brand["x"] > langs["x"]
    page.screenshot(path=str(shots / "profile-ar.png"))
    page.close()


def test_whatif_with_javascript(browser: Any, base_url: str, shots: Path) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(base_url + "/what-if")
    page.fill('input[name="w_INFRA"]', "5")
    page.check('input[value="power_mean"]')
    page.click("#whatif button")
    page.wait_for_selector("#whatif-result table", timeout=30000)
    page.wait_for_function("location.search.includes('w_INFRA=5')")  # swapped in place,
    assert "method=power_mean" in page.url  # and the address is the shareable one
    rows = page.locator("#whatif-result tbody tr")
    assert rows.count() >= 170
    page.screenshot(path=str(shots / "whatif.png"))
    page.close()


def test_whatif_without_javascript(browser: Any, base_url: str, shots: Path) -> None:
    ctx = browser.new_context(java_script_enabled=False)
    page = ctx.new_page()
    page.goto(base_url + "/ru/what-if")
    page.fill('input[name="w_ECON"]', "3")
    page.click("#whatif button")
    page.wait_for_selector("#whatif-result table", timeout=30000)
    assert page.locator("#whatif-result tbody tr").count() >= 170
    assert "Новые места" in page.content()
    page.screenshot(path=str(shots / "whatif-ru-nojs.png"))
    ctx.close()


def test_monitor_concentration(browser: Any, base_url: str, shots: Path) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(base_url + "/monitor/concentration", timeout=120000)
    assert page.locator("h1").inner_text() == "Concentration of AI resources"
    for chart in ("c-hhi-capacity", "c-hhi-count", "c-lorenz"):
        page.locator(f"#{chart}-cap").scroll_into_view_if_needed()
        assert page.locator(f'#{chart} svg[role="img"]').count() == 1
    assert all(u.startswith(base_url) for u in requests), "no request leaves the app"
    # the Lorenz curve is drawn: a path from (0, 0) to (1, 1) under the equality line
    assert page.locator("#c-lorenz svg path").count() >= 2
    assert page.locator("#t-lorenz tbody tr").count() >= 10
    page.locator("#over-time").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "monitor-concentration.png"))
    page.locator("#lorenz").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "monitor-lorenz.png"))
    page.close()
    ctx = browser.new_context(java_script_enabled=False, viewport={"width": 1000, "height": 900})
    nojs = ctx.new_page()
    nojs.goto(base_url + "/ar/monitor/concentration")
    assert nojs.locator("html").get_attribute("dir") == "rtl"
    assert nojs.locator("#t-hhi-capacity tbody tr").count() >= 10
    assert nojs.locator(".vl svg").first.is_visible()  # drawn on the server
    nojs.screenshot(path=str(shots / "monitor-concentration-ar-nojs.png"))
    ctx.close()
