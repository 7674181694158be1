"""``aicap site export``: static files with relative links that resolve on disk; every link of
every exported page (``href``, ``src``, form ``action``) points at a file of the export, a
claim's link at a JSON file holding that claim, and nothing at a route only the live
application has (issue 24)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from typer.testing import CliRunner
from web_helpers import site_for

from aicap.web import svgcharts
from aicap.web.export import ExportStats, export_site

pytestmark = pytest.mark.slow

EXPORTED = ["KEN", "FRA", "TUV", "VEN"]  # VEN: no income group, peers are all Member States
LIVE = "https://aicap.example.org"
#: live-only routes: what the export must never link (relative paths to them 404 on disk)
LIVE_ONLY = re.compile(
    r"(?:^|/)(?:api/chart/|api/(?:what-if|search|compare)(?!\.json)|coop/|docs\b)"
)


@pytest.fixture(scope="module")
def exported(full_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export-links")
    export_site(site_for(full_warehouse), out, countries=EXPORTED, live_url=LIVE)
    return out


def _links(html: str) -> list[str]:
    return re.findall(r'(?:href|src|action|data-vendor)="([^"]*)"', html)


def test_every_link_of_every_exported_page_resolves(exported: Path) -> None:
    root = exported.resolve()
    broken: list[str] = []
    checked = claims = 0
    for page in sorted(root.rglob("*.html")):
        html = page.read_text(encoding="utf-8")
        shown = [  # an Arabic page isolates a left-to-right id (U+2066 ... U+2069)
            i.strip("\u2066\u2069")
            for i in re.findall(r'<span class="claim-id">\[([^\]]+)\]</span>', html)
        ]
        if shown:  # ids shown as text: each is a claim of the page's JSON twin
            twin = re.search(
                r'<code dir="ltr">aicap claim show ID --recompute</code> \(<a href="([^"]+)">', html
            )
            assert twin, page
            held = {c["id"] for c in _claims_in(json.loads((page.parent / twin[1]).read_text()))}
            broken += [
                f"{page.relative_to(root)}: {i} (not in its JSON twin)"
                for i in shown
                if i not in held
            ]
            claims += len(shown)
        for raw in _links(html):
            link = raw.replace("&amp;", "&")
            if not link or link.startswith(("#", "mailto:", "data:")):
                continue
            if link.startswith(("http:", "https:")):
                assert link.startswith((LIVE, "https://", "http://")), link
                continue
            where = f"{page.relative_to(root)}: {link}"
            assert not LIVE_ONLY.search(link), where
            parts = urlsplit(link)
            target = (page.parent / unquote(parts.path)).resolve()
            rel = target.relative_to(root).parts
            if (
                len(rel) > 1
                and rel[-2] in ("country", "governance")
                and (target.stem not in EXPORTED)
            ):
                continue  # only three countries are exported here
            checked += 1
            if not target.is_file():
                broken.append(where)
            elif parts.fragment and target.suffix == ".html":  # a cited text, a country's row
                if f'id="{unquote(parts.fragment)}"' not in target.read_text(encoding="utf-8"):
                    broken.append(f"{where} (no such anchor)")
            elif parts.fragment and target.suffix == ".json":
                claims += 1  # a claim's link: the file holds that claim's record
                ids = {c["id"] for c in _claims_in(json.loads(target.read_text()))}
                if unquote(parts.fragment) not in ids:
                    broken.append(f"{where} (no such claim in the file)")
    assert broken == [], f"{len(broken)} of {checked}: {broken[:10]}"
    assert checked > 5_000 and claims > 500, (checked, claims)


def _claims_in(data: object) -> list[dict[str, object]]:
    """Every claim record (a dict with ``id`` and ``text``) anywhere in a JSON document."""
    out: list[dict[str, object]] = []
    if isinstance(data, dict):
        if "id" in data and "text" in data:
            out.append(data)
        for v in data.values():
            out += _claims_in(v)
    elif isinstance(data, list):
        for v in data:
            out += _claims_in(v)
    return out


def test_export_is_lean_and_says_what_needs_the_live_application(exported: Path) -> None:
    assert not (exported / "api/claims").exists()  # no file per claim
    # a cited text is written once, on texts-cited.html, not in each profile
    profile_en = (exported / "country/KEN.html").read_text()
    assert '<q lang="en">' not in profile_en and 'href="../texts-cited.html#' in profile_en
    assert (exported / "ar/texts-cited.html").read_text().count("<dt id=") > 5
    assert (exported / "api/claims.json").is_file()
    assert not (exported / "static/vendor").exists()
    assert not list(exported.rglob("*.vl.json"))
    whatif = (exported / "ar/what-if.html").read_text()
    assert f'href="{LIVE}/ar/what-if"' in whatif and "disabled" in whatif
    profile = (exported / "fr/country/KEN.html").read_text()
    assert f'href="{LIVE}/fr/country/KEN"' in profile  # the interactive chart, live
    assert 'href="../compare.html?c=KEN"' in profile
    compare = (exported / "compare.html").read_text()
    assert compare.count('<tr data-iso3="') == 193
    assert 'src="static/compare.js"' in compare


@pytest.mark.parametrize("rel", ["country/KEN.html", "ar/country/KEN.html"])
def test_exported_pages_keep_their_bytes_off(exported: Path, rel: str) -> None:
    """What the export removed must not come back (issue 24: 198 MB for the full export):
    the end tags a parser supplies, coordinates past one decimal, one ``<line>`` per tick or
    grid line, one path per data point, Vega's per-mark ARIA and classes."""
    html = (exported / rel).read_text(encoding="utf-8")
    assert "</td>" not in html and "</tr><tr" not in html and "</li><li" not in html
    svgs = re.findall(r"<svg\b.*?</svg>", html, re.S)
    assert len(svgs) >= 2
    for svg in svgs:
        assert not re.search(r"\d\.\d\d", svg), rel
        assert "/><line" not in svg and ' class="' not in svg.partition(">")[2]
        paths = re.findall(r"<path[^>]*>", svg)
        assert not [p for p in paths if 'transform="translate(' in p], rel
    assert sum(map(len, svgs)) < 14_000, [len(s) for s in svgs]  # was 23 KB


def test_export_stats_add_up_to_the_files_written(full_warehouse: Path, tmp_path: Path) -> None:
    stats = ExportStats()
    out = tmp_path / "site"
    before = svgcharts.stats()[0]
    n = export_site(site_for(full_warehouse), out, langs=("en",), countries=["TUV"], stats=stats)
    on_disk = [p for p in out.rglob("*") if p.is_file()]
    assert n == len(on_disk) == sum(stats.files.values())
    assert sum(p.stat().st_size for p in on_disk) == sum(stats.bytes.values())
    assert stats.files["country"] == 1 and stats.svg_drawn == svgcharts.stats()[0] - before
    assert "total" in stats.table()


def test_export_writes_a_site_that_opens_from_disk(full_warehouse: Path, tmp_path: Path) -> None:
    site = site_for(full_warehouse)
    out = tmp_path / "site"
    n = export_site(site, out, countries=["KEN", "FRA", "TUV"])
    assert n > 100
    for rel in [
        "index.html",
        "ar/index.html",
        "ranking.html",
        "ranking/region-Africa.html",
        "fr/ranking/group-sids.html",
        "country/KEN.html",
        "zh/country/KEN.html",
        "divide.html",
        "methodology.html",
        "what-if.html",
        "indicator/internet_use.html",
        "api/country/KEN.json",
        "api/country/KEN.csv",
        "api/map.json",
        "api/ranking.json",
        "api/ranking.csv",
        "static/style.css",
        "static/app.js",
        "static/favicon.svg",
        "search.html",
        "ar/search.html",
        "monitor.html",
        "monitor/concentration.html",
        "ar/monitor/access.html",
        "fr/monitor/governance.html",
        "zh/monitor/incidents.html",
        "es/monitor/governance/KEN.html",
        "api/monitor.json",
        "api/monitor/concentration.json",
        "api/monitor/access.json",
        "api/monitor/governance.json",
        "api/monitor/governance/TUV.json",
        "api/monitor/incidents.json",
    ]:
        assert (out / rel).is_file(), rel
    assert not (out / "static/vendor").exists()  # charts are drawn on the server
    d = json.loads((out / "api/country/KEN.json").read_text())
    assert d["iso3"] == "KEN" and d["names"]["fr"]
    assert d["recommendations"]["ranked"] and d["monitor"]["incidents"]["documented"] > 0
    m = json.loads((out / "api/monitor/concentration.json").read_text())
    assert m["lorenz"]["member_states"] == 193 and m["markets"]
    assert "Courbe de Lorenz" in (out / "fr/monitor/concentration.html").read_text()
    # every relative link and asset in these pages points at a file that exists
    for page in [
        "index.html",
        "fr/country/KEN.html",
        "ar/ranking/income-LIC.html",
        "country/TUV.html",
        "what-if.html",
        "monitor.html",
        "fr/monitor/concentration.html",
        "monitor/governance.html",
        "ar/monitor/governance/KEN.html",
        "monitor/incidents.html",
    ]:
        html = (out / page).read_text()
        assert 'href="/' not in html and 'src="/' not in html, page
        for link in re.findall(r'(?:href|src|data-vendor)="([^"#]+)(?:#[^"]*)?"', html):
            if link.startswith(("http", "mailto")):
                continue
            target = (out / page).parent / unquote(urlsplit(link).path)
            partial = target.parent.name in ("country", "governance")
            if partial and target.stem not in ("KEN", "FRA", "TUV"):
                continue  # only three countries exported in this test
            assert target.exists(), f"{page}: {link}"


def test_cli_export_and_serve_are_registered() -> None:
    from aicap.cli.main import app

    runner = CliRunner()
    res = runner.invoke(app, ["site", "export", "--help"])
    assert res.exit_code == 0 and "static" in res.output
    res = runner.invoke(app, ["serve", "--help"])
    assert res.exit_code == 0 and "--port" in res.output
