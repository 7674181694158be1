"""Recommendations: tier-0 bundle first, DAG order, citations that resolve, JSON profile."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
import yaml
from diagnose_helpers import MANDATES, make_data

from aicap.analysis.catalogue import (
    Catalogue,
    default_catalogue_path,
    load_catalogue,
    parse_catalogue,
)
from aicap.analysis.diagnose import diagnose
from aicap.analysis.mandates import MandateLibrary
from aicap.analysis.profile import NOT_AVAILABLE, build_profile, profile_json
from aicap.analysis.recommend import PHASE_BUNDLE, recommend


@pytest.fixture(scope="module")
def lib() -> MandateLibrary:
    return MandateLibrary.load(MANDATES)


@pytest.fixture(scope="module")
def cat(lib: MandateLibrary) -> Catalogue:
    return load_catalogue(None, lib)


def _check_dag(recs: list[Any], cat: Catalogue) -> None:
    pos = {r.intervention.id: r.rank for r in recs}
    for r in recs:
        for p in r.intervention.prerequisites:
            if p in r.prerequisites_met:
                continue
            assert p in pos, f"{r.intervention.id}: unmet prerequisite {p} not listed"
            assert pos[p] < r.rank, f"{p} must come before {r.intervention.id}"


def test_tier0_country_gets_the_bundle_first(cat: Catalogue) -> None:
    data = make_data()
    d = diagnose(data, "L3")
    assert d.tier == 0
    recs = recommend(d, cat, holding_pillars="CONN", limit=None)
    bundle = set(cat.bundle())
    closure = set(bundle)
    for b in bundle:
        closure.update(cat.ancestors(b))
    phases = [r.phase for r in recs]
    n_first = phases.count(PHASE_BUNDLE)
    assert n_first >= len(bundle)
    # every bundle item is listed, all before anything that is not bundle or its prerequisite
    assert bundle <= {r.intervention.id for r in recs[:n_first]}
    assert {r.intervention.id for r in recs[:n_first]} <= closure
    assert all(p == PHASE_BUNDLE for p in phases[:n_first])
    assert all(p != PHASE_BUNDLE for p in phases[n_first:])
    _check_dag(recs, cat)
    # COMP-01 needs connectivity and skills first
    pos = {r.intervention.id: r.rank for r in recs}
    assert pos["CONN-01"] < pos["COMP-01"] and pos["SKILL-02"] < pos["COMP-01"]
    comp = next(r for r in recs if r.intervention.id == "COMP-01")
    assert "starts after" in comp.why_now and "CONN-01" in comp.why_now


def test_order_respects_the_dag_for_every_country(cat: Catalogue) -> None:
    data = make_data(tiers={"H0": 4, "U1": 1, "M2": 2})
    for iso in ["H0", "U1", "M2", "L5"]:
        recs = recommend(diagnose(data, iso), cat, limit=None)
        _check_dag(recs, cat)
        assert [r.rank for r in recs] == list(range(1, len(recs) + 1))


def test_truncation_keeps_prerequisites(cat: Catalogue) -> None:
    recs = recommend(diagnose(make_data(), "L1"), cat, limit=6)
    assert len(recs) == 6
    _check_dag(recs, cat)


def test_higher_tier_gets_no_bundle_and_met_items_are_skipped(cat: Catalogue) -> None:
    data = make_data(tiers={"H2": 4})
    recs = recommend(diagnose(data, "H2"), cat, limit=None)
    assert all(r.phase != PHASE_BUNDLE for r in recs)
    ids = {r.intervention.id for r in recs}
    # H2 is at the top of its peers on connectivity: tier-1 connectivity items are met
    assert "CONN-01" not in ids and "CONN-02" not in ids


def test_gap_and_priority_follow_the_bottleneck(cat: Catalogue) -> None:
    # M3 far behind on skills (its binding constraint): skills items rank high, gaps shown
    data = make_data(overrides={("M3", "SKILLS"): 5.0}, tiers={"M3": 1})
    d = diagnose(data, "M3")
    assert d.binding == "SKILLS"
    recs = recommend(d, cat, limit=None)
    top = recs[0]
    assert top.intervention.area == "skills"
    assert any("binding constraint (SKILLS)" in x for x in top.reasons)
    g = next(g for r in recs for g in r.gaps if g["indicator"] == "schooling")
    assert g["value"] == pytest.approx(10.0)  # natural units (2 x 5)
    assert g["year"] == 2023
    assert g["gap_normalised"] < -20


def test_every_citation_resolves_with_its_text(cat: Catalogue, lib: MandateLibrary) -> None:
    recs = recommend(diagnose(make_data(), "L0"), cat, limit=None)
    for r in recs:
        assert r.mandates
        for m in r.mandates:
            para = lib.resolve(m["ref"])
            words = m["excerpt"].rstrip(" …").split()
            assert " ".join(para.text.split()).startswith(" ".join(words))
            assert m["citation"].startswith(para.symbol)


def test_small_catalogue_ordering(lib: MandateLibrary) -> None:
    raw = yaml.safe_load(default_catalogue_path().read_text("utf-8"))
    data = copy.deepcopy(raw)
    keep = {"STRAT-01", "STRAT-02", "SKILL-01", "SKILL-02", "CONN-01", "COMP-01", "MODEL-01"}
    data["interventions"] = [i for i in data["interventions"] if i["id"] in keep]
    for i in data["interventions"]:
        i["bundle"] = False
    small = parse_catalogue(data, lib)
    recs = recommend(diagnose(make_data(), "L4"), small, limit=None)
    ids = [r.intervention.id for r in recs]
    assert set(ids) == keep
    assert ids.index("SKILL-01") < ids.index("SKILL-02") < ids.index("MODEL-01")
    assert ids.index("COMP-01") < ids.index("MODEL-01")
    assert ids.index("STRAT-01") < ids.index("STRAT-02")


def test_profile_json_with_and_without_bands(cat: Catalogue) -> None:
    p = build_profile(make_data(), "L2", cat)
    assert p["uncertainty"] == NOT_AVAILABLE
    assert p["tier"] == 0 and p["tier_label"] == "Tier 0: AI nascent"
    assert p["peers"][0] == {
        "group": "income:LIC",
        "label": "low-income countries",
        "short": "LIC",
        "n": 5,
    }
    assert p["recommendations"][0]["phase"] == PHASE_BUNDLE
    assert p["data_gaps"]["n_with_data"] == 6
    text = profile_json(p)
    assert json.loads(text)["iso3"] == "L2"
    pb = build_profile(make_data(bands=True), "L2", cat)
    assert pb["uncertainty"]["score_p05"] == pytest.approx(pb["score"] - 3, abs=0.01)
