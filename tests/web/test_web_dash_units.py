"""Issue 24's building blocks on synthetic input (no warehouse): relative asset folders keep
their slash, free-text "links" are links only when they are http(s) URLs, OpenAPI keeps one
error shape, and charts are drawn on the server as SVG with their data as CSV."""

from __future__ import annotations

import csv
import io
import re

import pytest

from aicap.web import charts, svgcharts
from aicap.web.openapi import clean
from aicap.web.render import Linker, http_url


@pytest.mark.parametrize(
    ("current", "expected"),
    [
        ("index.html", "static/vendor/"),
        ("ar/index.html", "../static/vendor/"),
        ("fr/country/KEN.html", "../../static/vendor/"),
        ("zh/monitor/governance/KEN.html", "../../../static/vendor/"),
    ],
)
def test_static_asset_folder_keeps_its_slash(current: str, expected: str) -> None:
    link = Linker("en", static=True, current=current)
    assert link.asset("vendor/") == expected
    assert link.asset("vendor/") + "vega.min.js" == expected + "vega.min.js"
    assert link.asset("style.css") == expected.removesuffix("vendor/") + "style.css"
    assert Linker("en", static=False).asset("vendor/") == "/static/vendor/"


@pytest.mark.parametrize(
    ("text", "url"),
    [
        ("https://www.gov.au/ai-ethics", "https://www.gov.au/ai-ethics"),
        ("  http://example.org/a?b=1  ", "http://example.org/a?b=1"),
        ("REVIEWER: N/ A - Direct Download", None),
        ("N/A", None),
        ("www.example.org/policy", None),  # no scheme: shown as text, not a relative link
        ("ftp://example.org/x", None),
        ("javascript:alert(1)", None),
        ("https://", None),
        ("https://localhost", None),
        ("https://example.org/a b", None),
        ('https://example.org/"onclick', None),
        ("https://example.org:99999/", None),
        ("", None),
        (None, None),
        (42, None),
    ],
)
def test_http_url_only_for_valid_web_addresses(text: object, url: str | None) -> None:
    assert http_url(text) == url


def test_openapi_keeps_one_error_shape() -> None:
    default = {"$ref": "#/components/schemas/HTTPValidationError"}

    def op() -> dict[str, object]:
        body = {"content": {"application/json": {"schema": default}}}
        return {"get": {"responses": {"422": body}}}

    spec = {
        "paths": {
            "/api/country/{iso3}": op(),
            "/api/coop/needs": op(),
        },
        "components": {
            "schemas": {
                "HTTPValidationError": {},
                "ValidationError": {},
                "ErrorResponse": {},
                "CoopErrorResponse": {},
            }
        },
    }
    out = clean(spec)
    assert set(out["components"]["schemas"]) == {"ErrorResponse", "CoopErrorResponse"}
    got = {
        p: ops["get"]["responses"]["422"]["content"]["application/json"]["schema"]["$ref"]
        for p, ops in out["paths"].items()
    }
    assert got == {
        "/api/country/{iso3}": "#/components/schemas/ErrorResponse",
        "/api/coop/needs": "#/components/schemas/CoopErrorResponse",
    }


def test_chart_drawn_on_the_server_with_its_data() -> None:
    values = [
        {"pillar": "Connectivity", "score": 80.0, "median": 50.0},
        {"pillar": "الحوسبة", "score": 10.0, "median": 30.0},
    ]
    spec = charts.pillar_bars(values, "Pillar scores", "Score")
    svg = svgcharts.inline(spec, "cap-1")
    assert svg.startswith("<svg") and 'role="img"' in svg and 'aria-labelledby="cap-1"' in svg
    assert "<?xml" not in svg and "<script" not in svg
    assert "Connectivity" in svg and "الحوسبة" in svg
    # two bars whose widths are in the ratio of the scores (80 : 10)
    widths = sorted(
        float(w)
        for w in re.findall(
            r'<path[^>]*d="M0,[\d.]+h([\d.]+)v[\d.]+h-[\d.]+Z"[^>]*fill="#26828e"', svg
        )
    )
    assert len(widths) == 2 and widths[1] / widths[0] == pytest.approx(8, rel=0.02)
    rows = list(csv.DictReader(io.StringIO(svgcharts.to_csv(spec))))
    assert rows == [{k: str(v) for k, v in r.items()} for r in values]
    png = svgcharts.png(spec, scale=1)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_static_twin_of_an_id_with_dots() -> None:
    # the export has no file per claim: a page's claims are in its JSON twin
    link = Linker("en", static=True, current="divide.html", twin="divide")
    assert link.api("claims/divide-answer.index.HIC.LDC.2018-2025") == (
        "api/divide.json#divide-answer.index.HIC.LDC.2018-2025"
    )
    profile = Linker("fr", static=True, current="fr/country/KEN.html", twin="country/KEN")
    assert profile.api("claims/profile.KEN.tier") == "../../api/country/KEN.json#profile.KEN.tier"
    assert Linker("en", static=True, current="a.html").api("claims/x.y") == "api/claims.json#x.y"
    assert Linker("en", static=False, twin="divide").api("claims/x.y") == "/api/claims/x.y"
    assert link.api("country/KEN.csv") == "api/country/KEN.csv"
    assert link.api("ranking.csv") == "api/ranking.csv"
    assert link.api("country/KEN") == "api/country/KEN.json"
