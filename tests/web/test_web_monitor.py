"""The Monitor's pages and JSON twins (issue 11 item 7): content checked against the analysis
functions computed here independently, in six languages, with charts beside their tables and
links from the country profile."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from aicap.analysis.monitor import access as acc
from aicap.analysis.monitor import concentration as conc
from aicap.analysis.monitor import incidents as inc
from aicap.analysis.monitor.data import MonitorData, load
from aicap.warehouse.read import Warehouse
from aicap.web import i18n
from aicap.web.app import create_app
from aicap.web.data import SiteData

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client(site: SiteData) -> TestClient:
    return TestClient(create_app(site), raise_server_exceptions=False)


@pytest.fixture(scope="module")
def mdata(full_warehouse: Path) -> MonitorData:
    return load(Warehouse(full_warehouse))


def _charts_have_tables(html: str) -> int:
    figs = re.findall(r'<figure class="chart" aria-labelledby="([^"]+)-cap">', html)
    for f in figs:
        table = re.search(rf'id="{f}" data-table="([^"]+)"', html)
        assert table and f'id="{table.group(1)}"' in html, f
    return len(figs)


def test_concentration(client: TestClient, mdata: MonitorData) -> None:
    d = client.get("/api/monitor/concentration").json()
    table = conc.concentration_table(conc.compute_holdings(mdata.clusters))
    latest = table[(table["dimension"] == "country") & (table["view"] == "capacity")]
    latest = latest[latest["year"] == latest["year"].max()].iloc[0]
    got = next(
        m
        for m in d["markets"]
        if (m["resource"], m["view"], m["dimension"], m["variant"])
        == ("compute", "capacity", "country", "full")
    )
    assert got["year"] == latest["year"] and got["top_actor"] == latest["top_actor"]
    assert got["hhi_low"] == pytest.approx(latest["hhi_low"], abs=0.01)
    assert got["hhi_high"] == pytest.approx(latest["hhi_high"], abs=0.01)
    assert got["hhi_low"] <= got["hhi_high"] and got["class"] == latest["class"]
    assert {m["view"] for m in d["markets"] if m["resource"] == "compute"} == {"count", "capacity"}
    assert {m["dimension"] for m in d["markets"]} == {"country", "organisation"}
    assert "Merger Guidelines" in d["threshold_source"] and d["thresholds"]["high"] == 1800
    assert all(r["year"] >= d["year_from"] for r in d["over_time"]["capacity"])
    members = mdata.countries[mdata.countries["status"] == "member"]["iso3"]
    standard = mdata.clusters[mdata.clusters["standard"].fillna(False).astype(bool)]
    amounts = members.map(standard.groupby("iso3")["h100e"].sum()).fillna(0.0)
    assert d["lorenz"]["gini"] == round(conc.gini(pd.Series(amounts)), 3)
    assert d["lorenz"]["member_states"] == 193
    assert d["lorenz"]["holders"][-1]["cumulative"] == pytest.approx(100.0, abs=0.01)
    html = client.get("/monitor/concentration").text
    assert _charts_have_tables(html) == 3
    assert 'id="c-lorenz"' in html and 'id="c-hhi-capacity"' in html
    assert "Lorenz curve of AI compute across Member States (Gini 0.9" in html
    rows = html[html.index('id="t-lorenz"') :].split("</table>")[0]
    assert rows.count('<th scope="row">') == d["lorenz"]["with_compute"]
    fr = client.get("/fr/monitor/concentration").text
    assert "Courbe de Lorenz" in fr and "fortement concentré" in fr
    assert "集中度" in client.get("/zh/monitor/concentration").text


def test_access(client: TestClient, mdata: MonitorData) -> None:
    d = client.get("/api/monitor/access").json()
    table = acc.access_table(mdata.countries, mdata.clusters, mdata.regions, mdata.model_countries)
    assert d["summary"] == acc.access_summary(table)
    assert len(d["countries"]) == 193
    ken = next(r for r in d["countries"] if r["iso3"] == "KEN")
    assert ken["hosts_none"] and ken["names"]["fr"] == "Kenya (le)"
    assert ken["nearest_cloud_region"].startswith("ZAF")
    html = client.get("/monitor/access").text
    assert html.count('<tr id="') == 193 and 'id="KEN"' in html
    assert f"<strong>{d['summary']['member_states_with_none']}</strong>" in html
    assert (
        "Государства-члены без вычислительных мощностей ИИ" in client.get("/ru/monitor/access").text
    )


def test_governance_and_rule_gaps(client: TestClient) -> None:
    d = client.get("/api/monitor/governance").json()
    assert len(d["countries"]) == 193 and len(d["risks"]) == 7
    for r in d["risks"]:
        n = sum(1 for c in d["countries"] if c["risks"].get(r["id"], {}).get("status") == "gap")
        assert d["by_risk"][r["id"]].get("gap", 0) == n
    uncovered = [c for c in d["countries"] if not c["covered"]]
    assert uncovered and all(
        v["status"] == "not covered"
        for c in uncovered
        for v in c["risks"].values()
        if v["status"] != "not assessed"
    )
    html = client.get("/monitor/governance").text
    assert _charts_have_tables(html) == 1
    assert html.count('<tr id="') == 193
    assert "Use in armed conflict and by terrorist groups" in html
    ar = client.get("/ar/monitor/governance").text
    assert 'dir="rtl"' in ar and "الثغرات التنظيمية" in ar
    ken = client.get("/api/monitor/governance/KEN").json()
    assert ken["covered"] and ken["instruments"]
    assert {r["risk"] for r in ken["risks"]} == {r["id"] for r in d["risks"]}
    page = client.get("/es/monitor/governance/KEN").text
    assert ken["instruments"][0]["title"] in page and "Registro de instrumentos" in page
    assert client.get("/api/monitor/governance/XXX").json()["error"]["status"] == 404


def test_incidents_carry_the_caveat(client: TestClient, mdata: MonitorData) -> None:
    d = client.get("/api/monitor/incidents").json()
    assert d["caveat"] == inc.CAVEAT and "not incidence rates" in d["caveat"]
    assert d["attribution"]["events"] > 3000 and d["cross_database_matches"] > 0
    top = d["countries"][0]
    assert top["total"] >= d["countries"][1]["total"] and top["total"] >= sum(
        top["by_year"].values()
    )
    for lang, caveat in [
        ("en", "Never read it as a rate"),
        ("fr", "Ne le lisez jamais comme un taux"),
        ("es", "Nunca lo lea como una tasa"),
        ("ru", "Не воспринимайте его как показатель частоты"),
        ("zh", "切勿将其视为发生率"),
        ("ar", "لا تقرأه أبدا كمعدل"),
    ]:
        html = client.get("/monitor/incidents" if lang == "en" else f"/{lang}/monitor/incidents")
        assert caveat in html.text, lang
    html = client.get("/monitor/incidents").text
    assert _charts_have_tables(html) == 1
    assert html.count("<li>") >= len(d["recent_cases"]) > 0


def test_overview_and_profile_links(client: TestClient) -> None:
    o = client.get("/api/monitor").json()
    assert set(o["pages"]) == {"concentration", "access", "governance", "incidents"}
    a = client.get("/api/monitor/access").json()["summary"]
    assert o["access"] == a
    html = client.get("/monitor").text
    for sub in ("concentration", "access", "governance", "incidents"):
        assert f'href="/monitor/{sub}"' in html
    prof = client.get("/api/country/KEN").json()["monitor"]
    assert prof["access"]["hosts_compute"] is False
    assert prof["incidents"]["documented"] > 0
    page = client.get("/fr/country/KEN").text
    assert 'href="/fr/monitor/access#KEN"' in page
    assert 'href="/fr/monitor/governance/KEN"' in page
    assert 'href="/fr/monitor/incidents#KEN"' in page
    for g in prof["governance"]["gaps"]:
        fr = i18n.translations("fr").gettext(g)
        assert fr in page


def test_labels_match_the_monitor() -> None:
    from aicap.analysis.monitor.risks import STATUSES, load_taxonomy

    assert {r.id: r.name for r in load_taxonomy().risks} == i18n.RISKS
    assert set(STATUSES) == set(i18n.GAP_STATUSES)
    assert conc.classify_interval(500, 2000) in i18n.CLASSES
    assert conc.classify_interval(1200, 2000) in i18n.CLASSES
