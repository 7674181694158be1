"""Every chart of the live dashboard can be downloaded and embedded (issue 24): on each kind of
page that has charts, in English and Arabic, headless Chromium follows every download link
under every chart (SVG, PNG, CSV, Vega-Lite) and checks the answer: status 200, the content
type of its format, an SVG that parses as XML and draws with the site palette, a PNG that
decodes at twice the SVG's size, a CSV with one row per data point of the chart's spec; and
the embed code's ``<img>`` loads in a page of another origin."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from browser_helpers import MARKS, app_url, chromium_browser  # noqa: F401 (fixtures)
from chart_helpers import drawn_colours, png_size

from aicap.web import charts

pytestmark = MARKS

PAGES = [
    ("/country/KEN", 2),
    ("/ar/country/KEN", 2),
    ("/compare?c=KEN,NGA,ZAF", 2),
    ("/divide", 1),
    ("/ar/indicator/internet_use", 1),
    ("/monitor/concentration", 3),
    ("/monitor/governance", 1),
    ("/ar/monitor/incidents", 1),
]
MEDIA = {
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".csv": "text/csv",
    ".vl.json": "application/json",
}


def _ext(href: str) -> str:
    path = href.split("?", 1)[0]
    return ".vl.json" if path.endswith(".vl.json") else path[path.rfind(".") :]


@pytest.mark.parametrize(("path", "n_charts"), PAGES)
def test_every_chart_downloads_in_every_format(
    browser: Any, base_url: str, path: str, n_charts: int
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(base_url + path)
    blocks = page.locator("figure.chart p.dl")
    assert blocks.count() == n_charts
    for i in range(n_charts):
        hrefs = blocks.nth(i).locator("a").evaluate_all("as => as.map(a => a.href)")
        by_ext = {_ext(h): h for h in hrefs}
        assert set(by_ext) == set(MEDIA), hrefs
        got = {}
        for ext, href in by_ext.items():
            r = page.request.get(href)
            assert r.status == 200, href
            assert r.headers["content-type"].startswith(MEDIA[ext]), (href, r.headers)
            got[ext] = r.body()
        svg = got[".svg"].decode()
        root = ET.fromstring(svg)
        assert root.tag.endswith("svg")
        assert drawn_colours(svg) <= charts.PALETTE, href
        width, height = png_size(got[".png"])
        svg_width = float(root.attrib["width"])
        assert width == pytest.approx(2 * svg_width, abs=2) and height > 20
        spec = json.loads(got[".vl.json"])
        assert spec["config"]["mark"]["color"] == charts.MAIN
        data = spec.get("data", {}).get("values") or next(
            (layer["data"]["values"] for layer in spec.get("layer", []) if "data" in layer), []
        )
        rows = list(csv.DictReader(io.StringIO(got[".csv"].decode())))
        assert len(rows) == len(data) > 0
        # the embed code, with this site's address filled in, draws in a page elsewhere
        code = page.locator("figure.chart details.embed code").nth(i).text_content() or ""
        assert f'src="{base_url}/api/chart/' in code
    page.close()


def test_embed_code_draws_in_another_page(browser: Any, base_url: str) -> None:
    page = browser.new_page()
    page.goto(base_url + "/ar/country/KEN")
    code = page.locator("figure.chart details.embed code").first.text_content() or ""
    other = browser.new_page()
    other.set_content(f"<!doctype html><body>{code}</body>")
    other.wait_for_function("document.images[0] && document.images[0].complete")
    assert other.evaluate("document.images[0].naturalWidth") > 200
    page.close()
    other.close()
