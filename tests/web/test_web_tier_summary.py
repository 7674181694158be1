"""The profile's tier, as the summary box and the tier card state it: a tier held below the
capacity level by an enabler is stated once (no "Tier 0 Tier 0 ..."), with how sure both the
tier and the capacity level are; a tier that depends on a condition not assessed (a range) is
given no probability, since the probability is that of its proven lower end only."""

from __future__ import annotations

import re
from html import unescape

from fastapi.testclient import TestClient

from aicap.web import views
from aicap.web.app import create_app
from aicap.web.data import SiteData


def summary(client: TestClient, path: str) -> str:
    html = client.get(path).text
    box = html[html.index('class="summary') :]
    text = unescape(re.sub(r"<[^>]+>", " ", box[: box.index("</p>")]))
    return " ".join(text.split())


def test_held_and_ranged_tiers_in_the_summary(site: SiteData) -> None:
    client = TestClient(create_app(site))
    rows = {iso: views.country(site, iso) for iso in site.countries}
    held = [
        iso
        for iso, d in rows.items()
        if d.get("held_by")
        and d.get("capacity_tier") is not None
        and d.get("tier") is not None
        and d["capacity_tier"] > d["tier"]
        and d.get("tier_high") == d["tier"]
    ]
    ranged = [
        iso
        for iso, d in rows.items()
        if d.get("tier") is not None
        and d.get("tier_high") is not None
        and d["tier_high"] != d["tier"]
    ]
    assert held and ranged
    for iso in held[:3]:
        s = summary(client, f"/country/{iso}")
        assert "held by" in s, s
        assert not re.search(r"Tier (\d) Tier \1", s), s
        assert "how sure of the capacity level" in s, s
        assert "AI nascent" not in s, s
    for iso in ranged[:3]:
        s = summary(client, f"/country/{iso}")
        assert "how sure:" not in s, s
    fr = summary(client, f"/fr/country/{held[0]}")
    assert "degré de certitude du niveau de capacité" in fr
