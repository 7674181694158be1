"""Every Member State's recommendations on the bundled snapshot, checked against the warehouse
(issue 18's definition of done): no contradiction with the governance register or the compute
and cloud tables, every citation's role fits its text's status, at least 60 distinct top-five
sets among tier-0 and tier-1 countries, no tier-0 instrument for a high-income country."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from diagnose_helpers import MANDATES

from aicap.analysis.recaudit import (
    Facts,
    citation_misuse,
    contradictions,
    distinct_top_sets,
    facts_from_warehouse,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def snapshot(full_warehouse: Path) -> tuple[list[dict[str, Any]], Facts, Any, Any, Any]:
    from aicap.analysis.capacity_data import from_run
    from aicap.analysis.catalogue import load_catalogue
    from aicap.analysis.diagnose import expected_for
    from aicap.analysis.mandates import MandateLibrary
    from aicap.analysis.monitor.data import load as load_frames
    from aicap.analysis.monitor.links import load_links
    from aicap.analysis.profile import build_profile
    from aicap.analysis.run import run_index
    from aicap.report.monitor_source import compute
    from aicap.warehouse.read import Warehouse

    wh = Warehouse(full_warehouse)
    data = from_run(wh, run_index(wh, uncertainty=False, start=2023))
    lib = MandateLibrary.load(MANDATES)
    cat = load_catalogue(None, lib)
    _, signals = compute(load_frames(wh), load_links(cat))
    exp = expected_for(data)
    profiles = [
        build_profile(data, iso, cat, expected=exp, signals=signals.get(iso, []))
        for iso in sorted(data.countries["iso3"])
    ]
    return profiles, facts_from_warehouse(wh), lib, data, cat


def test_no_recommendation_contradicts_the_warehouse(snapshot: Any) -> None:
    profiles, facts, *_ = snapshot
    assert len(profiles) == 193
    found = [c for p in profiles for c in contradictions(p, facts)]
    assert found == []
    # the examples of the issue, by name
    by = {p["iso3"]: p for p in profiles}
    for iso in ("BRA", "HUN", "ZMB"):
        assert iso in facts.strategy
        for r in by[iso]["recommendations"]:
            if r["id"] == "STRAT-01":
                assert r["title"].startswith("Implement and update the national AI strategy of")
    assert not {r["id"] for r in by["SGP"]["recommendations"]} & {"COMP-01", "CONN-04"}


def test_every_citation_fits_its_status(snapshot: Any) -> None:
    profiles, _, lib, *_ = snapshot
    assert [c for p in profiles for c in citation_misuse(p, lib)] == []
    cited = {m["ref"] for p in profiles for r in p["recommendations"] for m in r["mandates"]}
    assert any(ref.startswith("A/79/966") for ref in cited)


def test_top_five_sets_differ_by_country(snapshot: Any) -> None:
    profiles, *_ = snapshot
    distinct, n = distinct_top_sets(profiles, (0, 1))
    assert n >= 100 and distinct >= 60


def test_no_high_income_country_gets_a_tier0_instrument(snapshot: Any) -> None:
    profiles, *_ = snapshot
    for p in profiles:
        offered = {i["id"] for i in p["financing"]["instruments"]}
        if p["income_group"] == "HIC":
            assert "FIN-01" not in offered, p["iso3"]
        if p["tier"] == 0 and p["income_group"] in ("LIC", "LMC", "UMC"):
            assert "FIN-01" in offered, p["iso3"]


def test_the_briefing_addresses_each_audience_once(snapshot: Any) -> None:
    from aicap.report.briefing import briefing_context, render_html
    from aicap.report.briefing_recs import audience_sentences, repeated_sentences

    *_, data, cat = snapshot
    ctx = briefing_context(data, cat, n_boot=100)
    assert repeated_sentences(audience_sentences(ctx["audiences"])) == []
    html = render_html(ctx)
    for a in ctx["audiences"]:
        assert [e["number"] for e in a["entries"]] == [
            f"{a['prefix']}-{k}" for k in range(1, len(a["entries"]) + 1)
        ]
        assert all(f"<b>{e['number']}.</b>" in html for e in a["entries"])
    ldc = next(t for t in ctx["financing"]["totals"] if t["group"] == "LDC")
    assert ldc["n_costed"] == 44 and 0 < ldc["low_usd_m"] < ldc["high_usd_m"]
    assert "Women and girls" in html and "What it costs and who pays" in html
