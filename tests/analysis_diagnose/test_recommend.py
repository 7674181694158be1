"""Recommendations conditioned on the country: what it has, its gaps, its eligibility, the
DAG order, citations by status, the JSON profile (synthetic data whose answers are known)."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
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
from aicap.analysis.mandates import ROLES_BY_STATUS, MandateLibrary
from aicap.analysis.profile import NOT_AVAILABLE, build_profile, profile_json
from aicap.analysis.recommend import (
    NEED_MIN,
    PHASE_BUNDLE,
    Country,
    asset_states,
    eligibility,
    recommend,
)

#: a tier-0 low-income country that has nothing the register records
NOTHING = {
    "strategy": ("no", None),
    "ai_body": ("no", None),
    "data_protection_law": ("no", None),
    "gpu_clusters": ("no", None),
    "cloud_region": ("no", 2022),
}
#: a country that has everything
EVERYTHING = {
    "strategy": ("yes", 2022),
    "ai_body": ("yes", None),
    "data_protection_law": ("yes", 2018),
    "gpu_clusters": ("yes", 2023),
    "cloud_region": ("yes", 2022),
}


@pytest.fixture(scope="module")
def lib() -> MandateLibrary:
    return MandateLibrary.load(MANDATES)


@pytest.fixture(scope="module")
def cat(lib: MandateLibrary) -> Catalogue:
    return load_catalogue(None, lib)


def _recs(data: Any, iso: str, cat: Catalogue, **kw: Any) -> list[Any]:
    return recommend(
        diagnose(data, iso), cat, assets=asset_states(data.assets, iso), limit=None, **kw
    )


def _check_dag(recs: list[Any]) -> None:
    pos = {r.intervention.id: r.rank for r in recs}
    for r in recs:
        for p in r.prerequisites_listed:
            assert p in pos, f"{r.intervention.id}: unmet prerequisite {p} not listed"
            assert pos[p] < r.rank, f"{p} must come before {r.intervention.id}"


def test_absent_assets_are_gaps_and_the_tier0_bundle_comes_first(cat: Catalogue) -> None:
    data = make_data(assets={"L3": NOTHING})
    recs = _recs(data, "L3", cat, holding_pillars="CONN")
    ids = [r.intervention.id for r in recs]
    # L3 is at par with its peers on every indicator: only what it lacks is proposed
    for iid in ("STRAT-01", "STRAT-02", "DATA-01", "COMP-01"):
        assert iid in ids, iid
    strat = next(r for r in recs if r.intervention.id == "STRAT-01")
    assert strat.title.startswith("National AI or digital strategy")
    assert strat.gaps[0]["kind"] == "asset" and "none recorded" in strat.gaps[0]["name"]
    assert strat.next_tier is not None and "strategy" in strat.next_tier["condition"]
    assert "STRAT-02" in strat.unlocks
    phases = [r.phase for r in recs]
    n_first = phases.count(PHASE_BUNDLE)
    assert n_first >= 4 and all(p == PHASE_BUNDLE for p in phases[:n_first])
    _check_dag(recs)
    assert ids.index("STRAT-01") < min(ids.index("STRAT-02"), ids.index("DATA-01"))


def test_what_the_country_has_is_not_proposed_or_becomes_implement(cat: Catalogue) -> None:
    data = make_data(assets={"L3": EVERYTHING, "L4": {**EVERYTHING, "strategy": ("yes", 2015)}})
    ids = {r.intervention.id for r in _recs(data, "L3", cat)}
    # has compute and a cloud region: no cloud credits, no regional HPC, no local hosting
    assert not ids & {"COMP-01", "COMP-02", "COMP-04", "STRAT-02"}
    # a recent strategy and no governance gap: nothing to do on the strategy
    assert "STRAT-01" not in ids
    # a strategy from 2015, 8 years before the data year: update it, never "adopt" it
    recs4 = _recs(data, "L4", cat)
    s = next(r for r in recs4 if r.intervention.id == "STRAT-01")
    assert s.title.startswith("Implement and update the national AI strategy of 2015")
    assert "adopted 2015, 8 years" in s.gaps[0]["name"]


def test_not_assessed_rests_on_indicators_and_says_so(cat: Catalogue) -> None:
    # M3 far behind on governance, nothing known about its strategy: proposed on indicators
    data = make_data(overrides={("M3", "GOV"): 5.0}, tiers={"M3": 1})
    recs = _recs(data, "M3", cat)
    s = next(r for r in recs if r.intervention.id == "STRAT-01")
    assert any("not assessed" in x for x in s.reasons)
    assert s.asset is not None and s.asset["state"] == "not assessed"
    assert all(g["kind"] == "indicator" for g in s.gaps)


def test_no_gap_no_recommendation_and_never_a_gap_above_peers(cat: Catalogue) -> None:
    # H2 above its peers everywhere and has everything: nothing to recommend
    data = make_data(assets={"H5": EVERYTHING}, tiers={"H5": 4})
    assert _recs(data, "H5", cat) == []
    data = make_data(overrides={("M3", "SKILLS"): 5.0}, tiers={"M3": 1})
    recs = _recs(data, "M3", cat)
    assert recs and recs[0].intervention.area == "skills"
    assert any("binding constraint (SKILLS)" in x for x in recs[0].reasons)
    for r in recs:
        assert r.priority > 0
        for g in r.gaps:
            if g["gap_normalised"] is not None:
                assert g["gap_normalised"] <= -NEED_MIN, (r.intervention.id, g)
    g = next(g for r in recs for g in r.gaps if g["indicator"] == "schooling")
    assert g["value"] == pytest.approx(10.0)  # natural units (2 x 5)
    assert g["year"] == 2023 and g["peer_median"] is not None


def test_eligibility_is_catalogue_data(cat: Catalogue) -> None:
    hic_t0 = Country(0, "HIC", frozenset())
    lic_t0 = Country(0, "LIC", frozenset({"LDC", "LLDC"}))
    lmc_t1 = Country(1, "LMC", frozenset())
    fund = cat.get("FIN-01")
    assert eligibility(fund, hic_t0) is not None  # never to a high-income country
    assert eligibility(fund, lic_t0) is None
    assert eligibility(fund, lmc_t1) is not None  # tier 0 only
    cable = cat.get("CONN-04")
    assert eligibility(cable, lic_t0) is None
    assert eligibility(cable, lmc_t1) is not None  # neither landlocked nor island
    assert eligibility(cable, Country(2, "HIC", frozenset({"SIDS"}))) is not None
    assert eligibility(fund, Country(0, None, frozenset())) is not None  # no income group


def test_financing_never_offers_the_tier0_fund_to_high_income(cat: Catalogue) -> None:
    tiers = {f"H{i}": 0 for i in range(6)}
    data = make_data(tiers=tiers, assets={"H1": NOTHING, "L1": NOTHING})
    ph = build_profile(data, "H1", cat)
    assert ph["recommendations"], "H1 lacks everything"
    assert "FIN-01" not in {i["id"] for i in ph["financing"]["instruments"]}
    pl = build_profile(data, "L1", cat)
    fund = next(i for i in pl["financing"]["instruments"] if i["id"] == "FIN-01")
    assert fund["target_usd_m"] == [1000.0, 3000.0] and fund["horizon_years"] == [2, 4]
    assert {c["role"] for c in fund["citations"] if c["symbol"] == "A/79/966"} == {
        "origin of the proposal"
    }
    cost = pl["financing"]["cost"]
    lo = sum(cat.cost_range(r["id"])[0] for r in pl["recommendations"][:5])
    assert cost["low_usd_m"] == pytest.approx(lo) and cost["high_usd_m"] > cost["low_usd_m"]
    assert "estimate" in cost["basis"] and cost["label"] == "estimate"


def test_gender_gaps_target_women_and_girls(cat: Catalogue) -> None:
    sex = {
        "L2": {"HDR.MYS_F": 3.0, "HDR.MYS_M": 5.0, "HDR.EYS_F": 9.0, "HDR.EYS_M": 9.1},
        "L4": {"HDR.MYS_F": 5.0, "HDR.MYS_M": 5.0},
    }
    data = make_data(sex=sex)
    d = diagnose(data, "L2")
    row = d.gender.set_index("indicator").loc["HDR.MYS"]
    assert row["status"] == "gap (women)" and row["parity"] == pytest.approx(0.6)
    assert d.gender.set_index("indicator").loc["HDR.EYS", "status"] == "parity"
    assert d.gender.set_index("indicator").loc["HDR.LFPR", "status"] == "no data"
    recs = _recs(data, "L2", cat)
    w = next(r for r in recs if r.intervention.id == "SKILL-05")
    assert [g["indicator"] for g in w.gaps] == ["HDR.MYS"]
    assert w.gaps[0]["value"] == 3.0 and w.gaps[0]["peer_median"] == 5.0
    assert "5.b" in w.intervention.sdg_targets
    assert "SKILL-05" not in {r.intervention.id for r in _recs(data, "L4", cat)}


def test_order_respects_the_dag_for_every_country(cat: Catalogue) -> None:
    data = make_data(
        tiers={"H0": 4, "U1": 1, "M2": 2},
        overrides={("L5", "CONN"): 2.0, ("U1", "SKILLS"): 10.0},
        assets={"L5": NOTHING, "U1": NOTHING},
    )
    for iso in ["H0", "U1", "M2", "L5"]:
        recs = _recs(data, iso, cat)
        _check_dag(recs)
        assert [r.rank for r in recs] == list(range(1, len(recs) + 1))
    top = recommend(diagnose(data, "L5"), cat, assets=asset_states(data.assets, "L5"), limit=4)
    assert len(top) == 4
    _check_dag(top)


def test_citations_by_status(cat: Catalogue, lib: MandateLibrary) -> None:
    data = make_data(assets={"L0": NOTHING}, overrides={("L0", "GOV"): 1.0})
    recs = _recs(data, "L0", cat)
    roles: set[str] = set()
    for r in recs:
        assert any(m["role"] == "mandated by" for m in r.mandates), r.intervention.id
        for m in r.mandates:
            para = lib.resolve(m["ref"])
            assert m["role"] in ROLES_BY_STATUS[para.status]
            assert m["status"] == para.status
            words = m["excerpt"].rstrip(" …").split()
            assert " ".join(para.text.split()).startswith(" ".join(words))
            roles.add(m["role"])
    assert "origin of the proposal" in roles  # A/79/966's pathway to tier 1
    assert "mandated by" in roles


def test_small_catalogue_ordering(lib: MandateLibrary) -> None:
    raw = yaml.safe_load(default_catalogue_path().read_text("utf-8"))
    data = copy.deepcopy(raw)
    keep = {"STRAT-01", "STRAT-02", "SKILL-01", "SKILL-02", "CONN-01", "COMP-01", "MODEL-01"}
    data["interventions"] = [i for i in data["interventions"] if i["id"] in keep]
    for i in data["interventions"]:
        i["bundle"] = False
    small = parse_catalogue(data, lib)
    # MODEL-01 moves no indicator of the synthetic index: a Monitor signal points to it
    sig = Signal(
        "dependency",
        "no_model_developer",
        "Hosts no notable-model developer",
        "0 models",
        ("MODEL-01",),
    )
    cd = make_data(
        assets={"L4": NOTHING},
        overrides={("L4", "CONN"): 1.0, ("L4", "SKILLS"): 1.0, ("L4", "GOV"): 1.0},
    )
    recs = recommend(
        diagnose(cd, "L4"), small, assets=asset_states(cd.assets, "L4"), limit=None, signals=[sig]
    )
    ids = [r.intervention.id for r in recs]
    assert set(ids) == keep
    assert ids.index("SKILL-01") < ids.index("SKILL-02") < ids.index("MODEL-01")
    assert ids.index("COMP-01") < ids.index("MODEL-01")
    assert ids.index("STRAT-01") < ids.index("STRAT-02")


@dataclass(frozen=True)
class Signal:
    kind: str
    key: str
    label: str
    evidence: str
    interventions: tuple[str, ...]


def test_profile_json_with_and_without_bands(cat: Catalogue) -> None:
    p = build_profile(make_data(assets={"L2": NOTHING}), "L2", cat)
    assert p["uncertainty"] == NOT_AVAILABLE
    assert p["tier"] == 0 and p["tier_label"] == "Tier 0: AI nascent"
    assert p["peers"][0] == {
        "group": "income:LIC",
        "label": "low-income countries",
        "short": "LIC",
        "n": 5,
    }
    assert p["recommendations"][0]["phase"] == PHASE_BUNDLE
    assert p["assets"]["compute_access"]["state"] == "absent"
    assert p["data_gaps"]["n_with_data"] == 6
    assert p["gender"]["gaps"] and "not in the warehouse" in p["gender"]["not_held"]
    text = profile_json(p)
    assert json.loads(text)["iso3"] == "L2"
    pb = build_profile(make_data(bands=True), "L2", cat)
    assert pb["uncertainty"]["score_p05"] == pytest.approx(pb["score"] - 3, abs=0.01)


def test_the_audit_catches_contradictions(lib: MandateLibrary) -> None:
    from aicap.analysis.recaudit import Facts, citation_misuse, contradictions

    facts = Facts(
        strategy=frozenset({"AAA"}),
        data_protection=frozenset(),
        gpu_clusters=frozenset({"AAA"}),
        cloud_regions=frozenset(),
        groups={"AAA": frozenset()},
        income={"AAA": "HIC"},
    )
    gap = {"name": "x", "gap_normalised": 3.0}
    prof = {
        "iso3": "AAA",
        "recommendations": [
            {
                "rank": 1,
                "id": "STRAT-01",
                "title": "National AI strategy",
                "priority": 0.0,
                "gaps": [gap],
                "mandates": [{"ref": "A/79/966 tier-0", "role": "mandated by"}],
            },
            {
                "rank": 2,
                "id": "COMP-01",
                "title": "Cloud credits",
                "priority": 3.0,
                "gaps": [],
                "mandates": [{"ref": "A/RES/78/311 PP11", "role": "mandated by"}],
            },
            {
                "rank": 3,
                "id": "CONN-04",
                "title": "Cable",
                "priority": 3.0,
                "gaps": [],
                "mandates": [],
            },
        ],
        "financing": {"instruments": [{"id": "FIN-01"}]},
    }
    found = contradictions(prof, facts)
    assert len(found) == 7, found  # adopt, priority 0, gap above peers, compute, CONN-04 x2, fund
    assert len(citation_misuse(prof, lib)) == 2
    prof["recommendations"][0]["title"] = "Implement and update the national AI strategy of 2019"
    assert not any("adopt a strategy" in c for c in contradictions(prof, facts))


def test_next_tier_condition_from_the_tier_rule(cat: Catalogue) -> None:
    data = make_data(assets={"L3": NOTHING})
    needs = [
        {
            "condition": "strategy",
            "name": "National AI or digital strategy adopted",
            "state": "not_met",
            "needs": "a national AI (or digital) strategy, adopted",
            "interventions": ["STRAT-01", "STRAT-04"],
        },
        {
            "condition": "ai_body",
            "name": "AI centre",
            "state": "unknown",
            "needs": "x",
            "interventions": ["STRAT-02"],
        },
    ]
    base = {r.intervention.id: r for r in _recs(data, "L3", cat)}
    recs = {r.intervention.id: r for r in _recs(data, "L3", cat, next_needs=needs)}
    s = recs["STRAT-01"]
    assert s.next_tier is not None
    assert s.next_tier["condition"] == "National AI or digital strategy adopted"
    assert s.next_tier["tier"] == 1 and "adopted" in s.next_tier["needs"]
    assert any("meets a condition of tier 1" in x for x in s.reasons)
    assert s.priority == pytest.approx(base["STRAT-01"].priority + 5.0)
    # an unknown condition is named, but earns nothing
    assert recs["STRAT-02"].priority == pytest.approx(base["STRAT-02"].priority)
    assert any("not assessed here" in x for x in recs["STRAT-02"].reasons)


def test_military_domain_only_on_its_signal(cat: Catalogue) -> None:
    from aicap.analysis.recommend import SIGNAL_BONUS

    # M3 far behind on governance: SEC-03 (military domain) is still not proposed on that
    data = make_data(overrides={("M3", "GOV"): 5.0}, tiers={"M3": 1})
    assert "SEC-03" not in {r.intervention.id for r in _recs(data, "M3", cat)}
    sig = Signal(
        "governance_gap",
        "armed_conflict_terrorism",
        "governance gap on use in armed conflict",
        "no adopted instrument covering defence and security",
        ("SEC-03",),
    )
    sec = next(r for r in _recs(data, "M3", cat, signals=[sig]) if r.intervention.id == "SEC-03")
    assert sec.gaps == [] and sec.priority == pytest.approx(SIGNAL_BONUS)
    assert sec.signals[0]["key"] == "armed_conflict_terrorism"
    assert {m["symbol"] for m in sec.mandates} == {"A/RES/79/239"}


def test_south_south_cooperation_only_for_developing_countries(cat: Catalogue) -> None:
    tiers = {f"H{i}": 0 for i in range(6)}
    data = make_data(tiers=tiers, assets={"H1": NOTHING, "L1": NOTHING})
    assert build_profile(data, "H1", cat)["financing"]["cooperation"] == []
    assert "south_south" in build_profile(data, "L1", cat)["financing"]["cooperation"]
