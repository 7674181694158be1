"""The static export in headless Chromium, opened from ``file://`` (issue 24): the comparison
made in the browser from the address (``compare.html?c=KEN,FRA``, as the live ``/compare``),
in English and Arabic, at 375 px and on a desktop, and without JavaScript the whole table; the
chart downloads made in the browser (an SVG file, a PNG that decodes at twice the chart's
size, the CSV of its table) and the notes that send the what-if and the interactive charts to
the live application. Screenshots go to ``$AICAP_SCREENSHOTS``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from browser_helpers import MARKS, chromium_browser, shot_dir  # noqa: F401 (fixtures)
from chart_helpers import png_size
from web_helpers import site_for

from aicap.web.export import export_site

pytestmark = MARKS

EXPORTED = ["KEN", "FRA", "TUV"]


@pytest.fixture(scope="module")
def exported(full_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export-browser")
    export_site(site_for(full_warehouse), out, langs=("en", "ar"), countries=EXPORTED)
    return out


def _shown(page: Any) -> list[str]:
    return list(
        page.locator("#t-compare tbody tr:not([hidden])").evaluate_all(
            "rs => rs.map(r => r.getAttribute('data-iso3'))"
        )
    )


@pytest.mark.parametrize(("lang", "ask"), [("en", "KEN,france"), ("ar", "كينيا,FRA")])
def test_compare_in_the_browser(
    browser: Any, exported: Path, shots: Path, lang: str, ask: str
) -> None:
    rel = ("" if lang == "en" else "ar/") + "compare.html"
    url = (exported / rel).as_uri()
    for width in (375, 1280):
        page = browser.new_page(viewport={"width": width, "height": 900})
        failed: list[str] = []
        page.on("requestfailed", lambda r, f=failed: f.append(r.url))
        page.goto(f"{url}?c={ask}")
        page.wait_for_selector("#t-compare[data-compared]")
        assert _shown(page) == ["KEN", "FRA"]
        assert page.locator("#compare-form input[name=c]").first.input_value() == "KEN"
        assert page.locator("#compare-error").is_hidden()
        assert int(page.evaluate("document.documentElement.scrollWidth")) <= width
        page.screenshot(path=str(shots / f"export_compare_{lang}_{width}.png"), full_page=True)
        assert failed == []
        page.close()
    page = browser.new_page()
    page.goto(f"{url}?c=KEN,Atlantis")
    assert page.locator("#compare-error").is_visible()
    assert "Atlantis" in (page.locator("#compare-error").text_content() or "")
    assert len(_shown(page)) == 193  # nothing narrowed on an error
    # the form submits to the same page with c repeated
    page.fill("#compare-form input[name=c] >> nth=0", "TUV")
    page.fill("#compare-form input[name=c] >> nth=1", "KEN")
    page.locator("#compare-form button[type=submit]").click()
    page.wait_for_selector("#t-compare[data-compared]")
    assert _shown(page) == ["TUV", "KEN"]
    page.close()
    ctx = browser.new_context(java_script_enabled=False)
    page = ctx.new_page()
    page.goto(f"{url}?c=KEN,FRA")
    assert len(_shown(page)) == 193  # without JavaScript: every Member State
    ctx.close()


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_export_chart_downloads(browser: Any, exported: Path, lang: str) -> None:
    rel = ("" if lang == "en" else "ar/") + "country/KEN.html"
    ctx = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    page.goto((exported / rel).as_uri())
    fig = page.locator("figure.chart").first
    links = fig.locator("p.dl a")
    assert links.all_inner_texts()[:3] == ["SVG", "PNG", "CSV"]
    width = float(fig.locator(".vl svg").get_attribute("data-width") or 0)
    files = {}
    for i, kind in enumerate(["svg", "png", "csv"]):
        with page.expect_download() as dl:
            links.nth(i).click()
        files[kind] = Path(dl.value.path()).read_bytes()
        assert dl.value.suggested_filename == f"pillar_chart.{kind}"
    svg = files["svg"].decode()
    assert (
        svg.startswith("<svg")
        and f'width="{fig.locator(".vl svg").get_attribute("data-width")}"' in svg
    )
    png_w, png_h = png_size(files["png"])
    assert png_w == pytest.approx(2 * width, abs=2) and png_h > 50
    lines = files["csv"].decode().strip().splitlines()
    assert len(lines) == 1 + 7  # header and the seven pillars
    live = fig.locator("p.dl .live-only").text_content() or ""
    assert "aicap serve" in live  # no live address given: the note names the command
    ctx.close()
