"""Every sentence of the Monitor pages and the country page links to its claim
(``/api/claims/{id}``), and the API returns the same claim: numbers, test, verdict, text."""

from __future__ import annotations

import html as htmllib
import re

import pytest
from fastapi.testclient import TestClient

from aicap.web.app import create_app
from aicap.web.data import SiteData

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client(site: SiteData) -> TestClient:
    return TestClient(create_app(site), raise_server_exceptions=False)


def _linked(page: str) -> list[str]:
    return re.findall(r'href="[^"]*api/claims/([^"]+?)(?:\.json)?"', page)


@pytest.mark.parametrize(
    ("path", "api", "kind"),
    [
        ("/monitor/concentration", "/api/monitor/concentration", "market_concentration"),
        ("/monitor", "/api/monitor", None),
        ("/monitor/access", "/api/monitor/access", "access_count"),
        ("/monitor/governance", "/api/monitor/governance", "governance_gap_count"),
        ("/monitor/incidents", "/api/monitor/incidents", "incident_change"),
    ],
)
def test_monitor_pages_link_each_claim(
    client: TestClient, path: str, api: str, kind: str | None
) -> None:
    claims = client.get(api).json()["claims"]
    kinds = {c["kind"] for c in claims}
    if kind is not None:
        assert claims and kinds <= {kind, "resource_holders"} and kind in kinds
    else:  # the overview: the claims its headline counts rest on
        assert {"access_count", "governance_gap_count", "market_concentration"} <= kinds
    page = client.get(path).text
    linked = set(_linked(page))
    for c in claims:
        assert c["id"] in linked, c["id"]
        # the page writes country names in prose form ("United States of America", without
        # UNTERM's "(the)"), as UN documents do; the JSON keeps the record's wording
        texts = {c["text"], re.sub(r" \((?:the)\)", "", c["text"])}
        assert any(
            htmllib.escape(t, quote=False) in page or t in htmllib.unescape(page) for t in texts
        ), c["text"]
        one = client.get(f"/api/claims/{c['id']}").json()
        assert (one["text"], one["verdict"], one["value"]) == (c["text"], c["verdict"], c["value"])
        assert one["recompute"] == f"aicap claim show {c['id']} --recompute"


def test_monitor_claims_say_n_and_never_call_one_actor_concentrated(client: TestClient) -> None:
    claims = client.get("/api/claims").json()["claims"]
    markets = [c for c in claims if c["kind"] == "market_concentration"]
    for c in markets:
        if c["n"] == 1:
            assert c["verdict"].startswith("single") and "(n = 1)" in c["text"]
            assert "concentrated" not in c["text"]
        elif c["verdict"] != "low_coverage":
            assert f"across {c['n']} holders" in c["text"]
    access = {c["id"]: c for c in claims if c["kind"] == "access_count"}
    a = access["access-count.ALL.compute"]
    assert a["n"] == 193 and 0 < a["value"] < 193


def test_country_page_links_its_claims_to_the_api(client: TestClient, site: SiteData) -> None:
    d = client.get("/api/country/KEN").json()
    kinds = {c["kind"] for c in d["claims"]}
    assert {"tier_assignment", "binding_constraint", "peer_gap", "relative_trend"} <= kinds
    page = client.get("/country/KEN").text
    linked = set(_linked(page))
    for c in d["claims"]:
        assert c["id"] in linked
    b = next(c for c in d["claims"] if c["kind"] == "binding_constraint")
    one = client.get(f"/api/claims/{b['id']}").json()
    assert one["text"] == b["text"] and one["verdict"] == b["verdict"]
    # the label follows the number: a binding constraint only more than 2 points below
    assert (b["verdict"] == "below") == (b["value"] < -2.0)
    assert client.get("/api/claims/binding-constraint.XXX.2025").status_code == 404
