"""``aicap site export``: static files with relative links that resolve on disk."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from typer.testing import CliRunner
from web_helpers import site_for

from aicap.web.export import export_site

pytestmark = pytest.mark.slow


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
            target = (out / page).parent / unquote(link)
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
