"""Issue 24 through the app (TestClient on the session warehouse): find and compare, shareable
what-if and ranking addresses, charts drawn on the server with their downloads, the profile's
summary, the map by year and the indicator views, links that are links, one error shape in
OpenAPI and the profile's first-load weight."""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from aicap.web import find, views
from aicap.web.app import create_app
from aicap.web.data import SiteData


@pytest.fixture(scope="module")
def client(site: SiteData) -> TestClient:
    return TestClient(create_app(site), raise_server_exceptions=False)


# ------------------------------------------------------------------------------ search
@pytest.mark.parametrize(
    ("query", "iso3"),
    [
        ("Kenya", "KEN"),
        ("ken", "KEN"),
        ("KEN", "KEN"),
        ("Alemania", "DEU"),  # es
        ("Кения", "KEN"),  # ru
        ("肯尼亚", "KEN"),  # zh
        ("كينيا", "KEN"),  # ar
        ("cote d'ivoire", "CIV"),  # accents and punctuation ignored
        ("Côte d’Ivoire", "CIV"),
        ("Allemagne", "DEU"),  # fr
    ],
)
def test_search_finds_names_in_six_languages_and_codes(
    client: TestClient, query: str, iso3: str
) -> None:
    r = client.get("/fr/search", params={"q": query}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/fr/country/{iso3}"
    assert client.get("/api/search", params={"q": query}).json()["results"][0]["iso3"] == iso3


def test_search_lists_several_matches_and_says_when_none(client: TestClient) -> None:
    r = client.get("/search", params={"q": "guin"})
    assert r.status_code == 200
    listed = re.findall(
        r'<li><a href="/country/([A-Z]{3})">', r.text.split('id="search-results"')[1]
    )
    assert {"GIN", "GNB", "GNQ", "PNG"} <= set(listed)
    none = client.get("/ar/search", params={"q": "Atlantis"})
    assert none.status_code == 200 and 'class="note"' in none.text
    assert client.get("/api/search", params={"q": "Atlantis"}).json()["count"] == 0


def test_search_form_is_on_every_page(client: TestClient) -> None:
    for path in ("/", "/ranking", "/ar/country/KEN", "/zh/monitor", "/methodology"):
        html = client.get(path).text
        form = re.search(r'<form class="search" method="get" action="([^"]+)"', html)
        assert form, path
        assert form.group(1).endswith("/search") and 'name="q"' in html


# ------------------------------------------------------------------------------ compare
def test_compare_page_and_twin_agree_with_the_ranking(client: TestClient, site: SiteData) -> None:
    r = client.get("/compare", params=[("c", "KEN"), ("c", "Nigeria"), ("c", "zaf")])
    assert r.status_code == 200  # redirected to the one canonical address
    assert str(r.url).endswith("/compare?c=KEN,NGA,ZAF")
    twin = client.get("/api/compare", params={"c": "KEN,NGA,ZAF"}).json()
    assert twin["iso3"] == ["KEN", "NGA", "ZAF"]
    for row in twin["countries"]:
        expected = views.row_summary(site, row["iso3"])
        assert row["score"] == expected["score"] and row["rank"] == expected["rank"]
        assert row["tier"] == expected["tier"] and row["pillars"] == expected["pillars"]
        assert f'<td class="num">{row["rank"]}</td>' in r.text
    assert r.text.count("<svg") >= 2 and "compare_pillars.svg?c=KEN,NGA,ZAF" in r.text


def test_a_like_for_like_change_is_read_with_its_noise_test(
    client: TestClient, site: SiteData
) -> None:
    labels = {
        "improved": "improved, beyond the year-to-year noise",
        "declined": "declined, beyond the year-to-year noise",
        "stable": "no clear change (within the year-to-year noise)",
    }
    ch = site.changes
    picks = [ch.index[ch["direction"] == d][0] for d in labels if (ch["direction"] == d).any()]
    assert len(picks) >= 2  # the snapshot has improved and stable countries at least
    for iso3 in picks:
        want = labels[str(ch.loc[iso3, "direction"])]
        things = client.get(f"/country/{iso3}").text.split('id="things"')[1].split("</ol>")[0]
        assert want in things and all(v not in things for v in labels.values() if v != want)
    twin = client.get("/api/compare", params={"c": ",".join(picks[:2])}).json()
    assert [r["change_direction"] for r in twin["countries"]] == [
        str(ch.loc[i, "direction"]) for i in picks[:2]
    ]


@pytest.mark.parametrize(
    "countries", [["KEN", "NGA", "ZAF", "EGY", "GHA", "ETH"], ["KEN", "Atlantis"]]
)
def test_compare_refuses_too_few_too_many_or_unknown(
    client: TestClient, countries: list[str]
) -> None:
    r = client.get("/api/compare", params={"c": ",".join(countries)})
    assert r.status_code == 422 and set(r.json()["error"]) == {
        "status",
        "code",
        "message",
        "detail",
    }
    page = client.get("/es/compare", params={"c": ",".join(countries)})
    assert page.status_code == 422 and 'class="error"' in page.text


def test_empty_compare_twin_answers(client: TestClient) -> None:
    assert client.get("/api/compare").json()["countries"] == []  # the empty page's JSON link


def test_compare_with_one_country_is_the_prefilled_form(client: TestClient) -> None:
    r = client.get("/ru/compare", params={"c": "KEN"})
    assert r.status_code == 200 and 'value="KEN"' in r.text and 'id="t-compare"' not in r.text
    assert client.get("/api/compare", params={"c": "KEN"}).status_code == 422


def test_resolve_reads_codes_and_names(site: SiteData) -> None:
    assert find.resolve(site, ["ken, Nigeria", "KEN", "Sudáfrica"]) == ["KEN", "NGA", "ZAF"]
    with pytest.raises(find.CompareError):
        find.resolve(site, ["Guinea-ish"])


# ------------------------------------------------------------------------------ what-if
def test_whatif_get_address_is_shareable(client: TestClient, site: SiteData) -> None:
    params = {f"w_{p}": "1" for p in site.pillar_codes} | {"w_SKILLS": "4", "method": "power_mean"}
    page = client.get("/what-if", params=params)
    assert page.status_code == 200 and 'id="whatif-share"' in page.text
    share = re.search(r'id="whatif-share">[^<]*<a href="([^"]+)"', page.text)
    assert share
    again = client.get(share.group(1).replace("&amp;", "&"))
    api = client.get("/api/what-if", params=params).json()
    ranks = re.findall(r'<tr><td class="num">(\d+)</td>', again.text)
    assert ranks and [int(x) for x in ranks[:20]] == [r["rank"] for r in api["rows"][:20]]
    assert api["method"] == "power_mean" and api["weights"]["SKILLS"] == 4
    # the published weights reproduce the published ranks
    pub = client.get("/api/what-if", params={"method": "arithmetic"}).json()
    published = {r["iso3"]: r["nominal_rank"] for r in pub["rows"]}
    assert all(r["rank"] == published[r["iso3"]] for r in pub["rows"])
    bad = client.get("/api/what-if", params={"w_CONN": "heavy"})
    assert bad.status_code == 422 and "number" in bad.json()["error"]["message"]
    assert client.get("/api/what-if", params={"w_NOPE": "1"}).status_code == 422


def test_ranking_filters_are_get_addresses(client: TestClient) -> None:
    html = client.get("/ranking", params={"region": "Africa"}).text
    assert '<form class="filters" method="get"' in html
    assert client.get("/api/ranking", params={"region": "Africa"}).json()["filters"] == {
        "region": "Africa"
    }


# ------------------------------------------------------------------------------ charts
def test_charts_are_drawn_without_javascript_and_downloadable(client: TestClient) -> None:
    html = client.get("/ar/country/KEN").text
    figs = re.findall(r'<div class="vl" id="([^"]+)"[^>]*>(<svg.*?</svg>)', html, flags=re.S)
    assert len(figs) == 2 and all('role="img"' in svg for _, svg in figs)
    links = re.findall(
        r'href="(/api/chart/ar/country/KEN/[a-z_]+\.(?:svg|png|csv|vl\.json))"', html
    )
    assert len(links) == 8
    for url in links:
        r = client.get(url)
        assert r.status_code == 200, url
        if url.endswith(".svg"):
            assert r.text.startswith("<svg") and "الاتصال" in r.text
        elif url.endswith(".png"):
            assert r.content[:4] == b"\x89PNG"
        elif url.endswith(".csv"):
            rows = list(csv.DictReader(io.StringIO(r.text)))
            assert (rows and {"year", "measure", "value"} <= set(rows[0])) or "pillar" in rows[0]
        else:
            assert json.loads(r.text)["usermeta"]["key"] in url
    assert "&lt;img src=&#34;/api/chart/ar/country/KEN/" in html or "&lt;img src=" in html
    assert client.get("/api/chart/ar/country/KEN/nope.svg").status_code == 404
    assert client.get("/api/chart/xx/country/KEN/pillar_chart.svg").status_code == 404
    assert client.get("/api/chart/en/country/KEN/pillar_chart.gif").json()["error"]["status"] == 404


def test_pillar_chart_csv_is_the_profile(client: TestClient, site: SiteData) -> None:
    rows = list(
        csv.DictReader(io.StringIO(client.get("/api/chart/en/country/KEN/pillar_chart.csv").text))
    )
    profile = client.get("/api/country/KEN").json()
    assert [float(r["score"]) for r in rows] == pytest.approx(list(profile["pillars"].values()))


def test_profile_first_load_is_light(client: TestClient) -> None:
    """HTML, CSS, JS and icon of a profile, gzip, as transferred: under 100 KB (Vega waits
    for a click on 'Interactive chart')."""
    r = client.get("/country/KEN", headers={"Accept-Encoding": "gzip"})
    total = len(gzip.compress(r.content))
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', r.text)
    assert {"/static/style.css", "/static/app.js", "/static/favicon.svg"} <= set(assets)
    for a in assets:
        total += len(gzip.compress(client.get(a).content))
    assert total <= 100 * 1024, total
    assert "vega.min.js" not in r.text


# ------------------------------------------------------------------------------ profile
def test_profile_summary_comes_first(client: TestClient) -> None:
    html = client.get("/country/KEN").text
    twin = client.get("/api/country/KEN").json()
    assert html.index('id="summary"') < html.index('id="tier"') < html.index('id="recommendations"')
    summary = html[html.index('id="summary"') : html.index('class="toc"')]
    top = [i["id"] for i in twin["recommendations"]["ranked"][:3]]
    assert re.findall(r'href="#rec-([^"]+)"', summary) == top
    assert len(re.findall(r"<li>", summary.split('id="things"')[1].split("</ol>")[0])) == 3
    binding = twin["diagnosis"]["binding"]
    assert binding and f"{twin['pillars'][binding]:.1f}" in summary
    toc = re.findall(r'<li><a href="#([a-z-]+)"', html.split('class="toc"')[1].split("</nav>")[0])
    assert all(f'id="{t}"' in html for t in toc) and len(toc) >= 8
    # recommendations and the texts they cite fold away
    n = len(twin["recommendations"]["ranked"])
    assert html.count('<details class="rec">') == n


# ------------------------------------------------------------------------------ map, indicator
def test_map_any_year(client: TestClient, site: SiteData) -> None:
    years = sorted(int(y) for y in site.series["year"].unique())
    past = years[0]
    twin = client.get("/api/map", params={"year": past}).json()
    s = site.series[site.series["year"] == past].set_index("iso3")
    for c in twin["countries"][:40]:
        t = s.loc[c["iso3"], "tier"] if c["iso3"] in s.index else None
        assert c["tier"] == (None if t is None or t != t else int(t))
    html = client.get("/fr/", params={"year": past}).text
    assert f", {past}</h1>" in html and 'id="per-person"' in html
    assert client.get("/", params={"year": 1900}).status_code == 404
    # the 193 map links leave the tab order: the lists come first for keyboards
    latest = client.get("/").text
    svg = latest.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert svg.count("<a ") == 193 and svg.count('tabindex="-1"') == 193


def test_indicator_views_and_years(client: TestClient, site: SiteData) -> None:
    assert '<nav class="views"' in client.get("/indicator/internet_use").text
    m = client.get("/indicator/internet_use", params={"view": "map"}).text
    svg = m.split('<figure class="map"', 1)[1].split("</svg>", 1)[0]
    assert svg.count("<a ") == 193
    t = client.get("/indicator/internet_use", params={"view": "table"}).text
    assert 'id="t-ind"' in t and 'class="vl"' not in t
    years = client.get("/api/indicator/internet_use").json()["years"]
    past = client.get("/api/indicator/internet_use", params={"year": years[0]}).json()
    cells = site.cells[
        (site.cells["indicator"] == "internet_use") & (site.cells["year"] == years[0])
    ]
    assert past["year"] == years[0] and past["with_value"] == int(cells["value"].notna().sum())
    assert client.get("/indicator/internet_use", params={"view": "pie"}).status_code == 422


# ------------------------------------------------------------------------------ links, openapi
def test_governance_links_are_web_addresses(client: TestClient, site: SiteData) -> None:
    checked = 0
    for iso3 in ("AUS", "BWA", "CHL", "CHN", "DEU", "IDN", "THA"):
        r = client.get(f"/monitor/governance/{iso3}")
        if r.status_code != 200:
            continue
        for href in re.findall(r'href="([^"]+)" rel="external"', r.text):
            parts = urlsplit(href.replace("&amp;", "&"))
            assert parts.scheme in ("http", "https") and "." in (parts.hostname or ""), href
            checked += 1
        assert "REVIEWER" not in "".join(re.findall(r'href="([^"]+)"', r.text))
    assert checked > 0


def test_openapi_has_one_error_shape(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    text = json.dumps(spec)
    assert "HTTPValidationError" not in text and '"ValidationError"' not in text
    r422 = spec["paths"]["/api/compare"]["get"]["responses"]["422"]
    assert r422["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorResponse")
    assert "/api/chart/{lang}/{rest}" in spec["paths"]
