"""The claim kinds of the Monitor (concentration, who hosts none, governance gaps, documented
incidents), the tiers and the recommendations, each rendered from synthetic data whose truth
is known by construction, including the cases that must not read as a finding (a market of
one actor is never "highly concentrated", equal counts read "no clear change", a country at
or above its peers has no binding constraint, a positive gap is never "below")."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pandas as pd
import pytest
from test_claims import make_data

from aicap.analysis.claims import RULE_VERDICTS, Claim, load_claim_catalogue
from aicap.analysis.claims_divide import group_difference_claim
from aicap.analysis.claims_monitor import (
    MONITOR_KINDS,
    access_claims,
    governance_claims,
    holders_claim,
    incident_claim,
    market_claims,
    monitor_claims,
    poisson_change,
)
from aicap.analysis.claims_profile import (
    PROFILE_KINDS,
    peer_gap_claims,
    profile_claims,
    recommendation_claims,
    tier_claim,
)
from aicap.analysis.diagnose import MATERIAL_GAP, diagnose
from aicap.analysis.monitor.concentration import (
    HOLDINGS_COLUMNS,
    concentration_table,
    gini,
    shares_table,
)


def _market(resource: str, view: str, holdings: list[tuple[str | None, float, bool]]) -> list:
    return [
        {
            "resource": resource,
            "year": 2025,
            "view": view,
            "dimension": "country",
            "variant": "full",
            "actor": a,
            "quantity": q,
            "item": f"{resource}:{view}:{k}",
            "measured": m,
        }
        for k, (a, q, m) in enumerate(holdings)
    ]


def _holdings() -> pd.DataFrame:
    rows: list[dict[str, object]] = []
    rows += _market("one", "count", [("USA", 1.0, True)] * 3)  # a single actor
    rows += _market("oneplus", "count", [("USA", 3.0, True), (None, 1.0, True)])
    # 4 of 12 items measured: under 50 % coverage (capacity view)
    rows += _market("models_low", "capacity", [("USA", 5.0, True)] * 4 + [("CHN", 0.0, False)] * 8)
    rows += _market("four", "count", [(f"C{k}", 1.0, True) for k in range(4)])  # HHI 2,500
    rows += _market("eight", "count", [(f"C{k}", 1.0, True) for k in range(8)])  # 1,250
    rows += _market("twenty", "count", [(f"C{k}", 1.0, True) for k in range(20)])  # 500
    # 14 actors of 5 % and 30 % without a country: HHI 350 (fragmented) to 1,250 (one actor)
    rows += _market(
        "split", "count", [(f"C{k}", 5.0, True) for k in range(14)] + [(None, 30.0, True)]
    )
    return pd.DataFrame(rows, columns=list(HOLDINGS_COLUMNS))


def test_market_concentration_reads_n_coverage_and_the_class_from_its_numbers() -> None:
    table = concentration_table(_holdings(), min_coverage=50.0)
    got = {c.subject.split(":")[0]: c for c in market_claims(table, {"USA": "United States"}, 50.0)}
    want = {
        "one": "single_actor",
        "oneplus": "single_identified",
        "models_low": "low_coverage",
        "four": "highly_concentrated",
        "eight": "moderately_concentrated",
        "twenty": "unconcentrated",
        "split": "between_classes",
    }
    assert {k: c.verdict for k, c in got.items()} == want
    one = got["one"]
    assert one.n == 1 and "a single actor (n = 1)" in one.text
    assert "concentrated" not in one.text  # never a class for one actor
    assert "(n = 1)" in got["oneplus"].text and "25.0 %" in got["oneplus"].text
    low = got["models_low"]
    assert "only 4 of 12 models have a training-compute estimate" in low.text
    assert "concentrated" not in low.text
    assert got["four"].value == pytest.approx(2500.0) and "across 4 holders" in got["four"].text
    assert got["eight"].value == pytest.approx(1250.0)
    assert got["twenty"].value == pytest.approx(500.0)
    split = got["split"]
    assert (split.low, split.high) == (pytest.approx(350.0), pytest.approx(1250.0))
    assert "unconcentrated to moderately concentrated" in split.text
    assert "HHI 350-1,250" in split.text


def _countries() -> pd.DataFrame:
    rows = [(f"L{k}", f"Least {k}", "LIC", True, False, k < 2) for k in range(6)]
    rows += [(f"H{k}", f"High {k}", "HIC", False, False, False) for k in range(4)]
    rows += [(f"M{k}", f"Middle {k}", "UMC", False, False, False) for k in range(5)]
    return pd.DataFrame(rows, columns=["iso3", "name", "income_group", "ldc", "lldc", "sids"])


def test_access_counts_state_their_n_and_add_up() -> None:
    c = _countries()
    hosts = {"H0", "H1", "M0"}  # compute in 2 high-income and 1 middle-income country
    access = pd.DataFrame(
        {
            "iso3": c["iso3"],
            "hosts_compute": c["iso3"].isin(hosts),
            "hosts_cloud_region": c["iso3"].isin({"H0"}),
            "hosts_model_developer": c["iso3"].isin({"H0", "H1"}),
        }
    )
    access["hosts_none"] = ~access[["hosts_compute", "hosts_cloud_region"]].any(axis=1)
    access["hosts_none"] &= ~access["hosts_model_developer"]
    got = {c.id: c for c in access_claims(access, c)}
    assert got["access-count.ALL.compute"].value == 12 and got["access-count.ALL.compute"].n == 15
    assert got["access-count.ALL.compute"].text == (
        "Of the 15 Member States, 12 host no AI compute (no GPU cluster)."
    )
    assert got["access-count.LDC.none"].value == 6 and got["access-count.LDC.none"].n == 6
    assert got["access-count.HIC.compute"].value == 2 and got["access-count.HIC.compute"].n == 4
    assert got["access-count.DEV.compute"].value == 10 and got["access-count.DEV.compute"].n == 11
    # hosts and non-hosts add up to the group
    hosts_all = int(access["hosts_compute"].sum())
    assert got["access-count.ALL.compute"].value + hosts_all == got["access-count.ALL.compute"].n


def test_governance_gap_counts_leave_out_the_countries_not_covered() -> None:
    c = _countries()
    status = ["gap", "gap", "not covered", "not covered", "adopted", "gap"]  # the LDCs
    status += ["adopted"] * 4 + ["gap", "adopted", "not covered", "adopted", "adopted"]
    matrix = pd.DataFrame({"iso3": c["iso3"], "risk": "privacy", "status": status})
    unassessed = matrix.assign(risk="misuse", status="not assessed")
    got = {
        x.id: x
        for x in governance_claims(
            pd.concat([matrix, unassessed]), c, {"privacy": "Privacy", "misuse": "Misuse"}
        )
    }
    ldc = got["governance-gap-count.privacy.LDC"]
    assert (ldc.value, ldc.n, ldc.params["not_covered"]) == (3, 4, 2)
    assert ldc.text == (
        "Privacy: 3 of the 4 least developed countries covered by GIRAI 2026 have no adopted "
        "instrument (2 more are not covered and not counted)."
    )
    assert got["governance-gap-count.privacy.HIC"].value == 0
    assert not any("misuse" in k for k in got)  # a risk nobody assessed makes no count


def test_incident_change_reads_no_clear_change_for_equal_counts_and_a_finding_for_a_doubling() -> (
    None
):
    def events(a: int, b: int) -> pd.DataFrame:
        years = [2023] * a + [2024] * b + [2025]  # 2025: still being recorded, left out
        return pd.DataFrame({"year": years})

    same = incident_claim(events(300, 300))
    assert same is not None and same.verdict == "no_clear_change"
    assert (same.start, same.end, same.n) == (2023, 2024, 600)
    assert "no clear change" in same.text and "not a rate" in same.text
    up = incident_claim(events(100, 200))
    assert up is not None and up.verdict == "up" and up.value == pytest.approx(100.0)
    assert up.low is not None and up.low > 0 and "rose from 100 in 2023 to 200 in 2024" in up.text
    down = incident_claim(events(200, 100))
    assert down is not None and down.verdict == "down" and "fell" in down.text
    assert incident_claim(pd.DataFrame({"year": [2025, 2025]})) is None


def test_incident_change_has_its_nominal_false_finding_rate() -> None:
    """Equal Poisson rates in both years: about 5 % of panels may read a change, no more."""
    rng = np.random.default_rng(11)
    findings = 0
    runs = 400
    for _ in range(runs):
        a, b = rng.poisson(250, size=2)
        _v, lo, hi = poisson_change(int(a), int(b))
        findings += int(lo > 0 or hi < 0)
    assert findings / runs < 0.09  # 5 % nominal; the exact test is conservative


def test_peer_gaps_and_binding_constraint_never_contradict_their_numbers() -> None:
    data = make_data(growth={"HIC": 1.0})
    for iso in ("H00", "L00", "L03", "M00", "M05"):
        diag = diagnose(data, iso)
        claims = peer_gap_claims(diag)
        gaps = {c.params["pillar"]: c for c in claims if c.kind == "peer_gap"}
        for c in gaps.values():
            want = (
                "below"
                if c.value < -MATERIAL_GAP
                else "above"
                if c.value > MATERIAL_GAP
                else "at_par"
            )
            assert c.verdict == want, c.text
        (b,) = [c for c in claims if c.kind == "binding_constraint"]
        assert b.value == pytest.approx(min(c.value for c in gaps.values()))
        if diag.binding is None:
            assert b.verdict != "below" and "has no binding constraint" in b.text
        else:
            assert b.verdict == "below" and b.params["pillar"] == diag.binding
            assert "binding constraint is" in b.text


def test_binding_constraint_at_or_above_the_peers_is_none() -> None:
    data = make_data()
    diag = diagnose(data, "M00")
    p = diag.pillars.copy()
    for gap, want, words in (
        (-1.5, "at_par", "no pillar is more than 2 points below"),
        (3.0, "above", "every pillar is above"),
        (-6.0, "below", "binding constraint is"),
    ):
        p["gap_peer"] = gap + np.arange(len(p))  # the first pillar is the weakest
        (b,) = [
            c
            for c in peer_gap_claims(dataclasses.replace(diag, pillars=p))
            if c.kind == "binding_constraint"
        ]
        assert b.verdict == want and words in b.text


def test_tier_claims_say_how_sure() -> None:
    diag = diagnose(make_data(), "L00")
    labels = {1: "Tier 1: AI experimenters", 2: "Tier 2: AI adopters"}  # the label's name only
    base = {"tier": 1, "tier_high": 1, "tier_probability": '{"1": 0.97, "2": 0.03}', "p_tier": 0.97}
    cases = [
        (base, "sure", "is in tier 1 (AI experimenters) in 97 % of the uncertainty replications"),
        (
            {**base, "p_tier": 0.6, "tier_probability": '{"0": 0.4, "1": 0.6}'},
            "near_boundary",
            "near a boundary: only in 60 %",
        ),
        (
            {
                **base,
                "tier_high": 2,
                "unknown_conditions": "strategy",
                "tier_conditions": '[{"condition": "strategy", "name": "national AI strategy"}]',
            },
            "depends_on_unknown",
            "up to tier 2: national AI strategy not assessed",
        ),
        ({**base, "p_tier": float("nan")}, "not_assessed", "how sure is not assessed"),
        (
            {
                **base,
                "tier": 0,
                "tier_high": 0,
                "held_by": "strategy",
                "capacity_tier": 2,
                "held_reason": "no adopted national AI or digital strategy",
            },
            "held_not_assessed",
            "capacity conditions meet tier 2 (how sure is not assessed): what holds it there",
        ),
        (
            {
                **base,
                "tier": 0,
                "tier_high": 0,
                "held_by": "strategy",
                "capacity_tier": 2,
                "p_capacity_tier": 0.5,
                "held_reason": "no adopted national AI or digital strategy",
            },
            "held",
            "meet tier 2 in 50 % of the uncertainty replications: what holds it there is no",
        ),
    ]
    for row, verdict, words in cases:
        c = tier_claim(diag, row, labels, 0.9)
        assert c is not None and c.verdict == verdict and words in c.text, c and c.text
    assert "tier 0 40 %, tier 1 60 %" in tier_claim(diag, cases[1][0], labels, 0.9).text  # type: ignore[union-attr]
    assert tier_claim(diag, {"tier": None}, labels, 0.9) is None


def test_recommendation_need_names_the_gap_or_the_other_reason() -> None:
    diag = diagnose(make_data(), "L00")
    gap = {
        "kind": "indicator",
        "indicator": "internet_use",
        "series": "IT.NET.USER.ZS",
        "name": "Individuals using the Internet",
        "gap_normalised": -9.3,
    }
    recs = [
        {
            "id": "SKILL-01",
            "title": "Digital literacy",
            "need": 4.7,
            "gaps": [gap],
            "reasons": [
                "serves the binding constraint (SKILLS)",
                "below the peer median on Individuals using the Internet",
            ],
        },
        {
            "id": "STRAT-01",
            "title": "AI strategy",
            "need": 1.2,
            "gaps": [],
            "reasons": ["no national AI strategy recorded"],
        },
        {"id": "X-0", "title": "Nothing", "need": 0.0, "gaps": [], "reasons": []},
    ]
    a, b, c = recommendation_claims(diag, recs)
    assert a.verdict == "gap" and "4.7 points below" in a.text and "Internet -9.3" in a.text
    assert a.text.endswith("(Individuals using the Internet -9.3).")
    assert a.data == ("internet_use (IT.NET.USER.ZS)",)
    assert b.verdict == "no_gap" and "mean shortfall 1.2" in b.text
    assert "it is proposed because there is no national AI strategy recorded" in b.text
    assert c.verdict == "no_gap" and "because of its tier pathway" in c.text


def test_labels_never_contradict_their_numbers_on_random_values() -> None:
    """Over random gaps and shortfalls: "below" / "shortfall" / a binding constraint / a gap
    only for a number past the threshold on the right side."""
    rng = np.random.default_rng(5)
    others = pd.Index([f"M{k}" for k in range(10)])
    for v in rng.normal(0, 6, size=200):
        c = Claim(
            id="x",
            kind="peer_gap",
            subject="s",
            value=float(v),
            params={
                "min_gap": 2.0,
                "name": "N",
                "label": "l",
                "peers": "p",
                "score": 1.0,
                "median": 1.0,
            },
        )
        assert (c.verdict == "below") == (v < -2.0)
        assert (c.verdict == "above") == (v > 2.0)
        n = Claim(
            id="y",
            kind="recommendation_need",
            subject="s",
            value=abs(float(v)),
            params={"min_gap": 2.0},
        )
        assert (n.verdict == "gap") == (abs(v) >= 2.0)
    # the divide's group difference: a positive median difference is never a shortfall
    countries = pd.DataFrame(
        {
            "iso3": [*others, "S0", "S1", "S2"],
            "income_group": ["LMC"] * 13,
            "ldc": False,
            "lldc": False,
            "sids": [False] * 10 + [True] * 3,
        }
    )
    sc = pd.Series([10.0] * 10 + [13.0, 12.5, 13.5], index=countries["iso3"])
    g = group_difference_claim(
        sc, countries, "SIDS", others, "Data", 2025, subject="DATA", n_boot=200
    )
    assert g.value > 0 and "shortfall" not in g.text


def test_every_new_kind_and_verdict_is_rendered_here() -> None:
    """Between the cases above and the snapshot-free set below, every verdict of every Monitor
    and profile kind renders without a placeholder left."""
    seen: dict[str, set[str]] = {}
    table = concentration_table(_holdings(), min_coverage=50.0)
    c = _countries()
    access = pd.DataFrame(
        {
            "iso3": c["iso3"],
            "hosts_compute": False,
            "hosts_cloud_region": False,
            "hosts_model_developer": False,
            "hosts_none": True,
        }
    )
    matrix = pd.DataFrame({"iso3": c["iso3"], "risk": "privacy", "status": "gap"})
    events = pd.DataFrame({"year": [2023] * 50 + [2024] * 120 + [2025]})
    shares = shares_table(_holdings().assign(resource="compute", view="capacity"))
    access = access.assign(compute_amount=[float(k) for k in range(len(access))])
    cs = monitor_claims(
        table, shares, access, matrix, events, c.assign(status="member"), {"privacy": "P"}, 50.0
    )
    claims = list(cs.claims.values())
    for a, b in ((50, 50), (120, 50)):
        ic = incident_claim(pd.DataFrame({"year": [2023] * a + [2024] * b + [2025]}))
        assert ic is not None
        claims.append(ic)
    data = make_data(growth={"HIC": 1.0})
    labels = {t: f"Tier {t}" for t in range(5)}
    for iso, row in (
        ("H00", {"tier": 4, "p_tier": 1.0}),
        ("L00", {"tier": 0, "p_tier": 0.5}),
        ("M00", {"tier": 1, "tier_high": 3, "p_tier": 0.9}),
        ("M01", {"tier": 2, "p_tier": float("nan")}),
        # held below its capacity level by an enabler (aicap.analysis.tier_statement)
        (
            "L01",
            {
                "tier": 0,
                "p_tier": 1.0,
                "held_by": "strategy",
                "capacity_tier": 2,
                "held_reason": "no adopted national AI or digital strategy",
            },
        ),
        (
            "L01",
            {
                "tier": 0,
                "p_tier": 1.0,
                "held_by": "strategy",
                "capacity_tier": 2,
                "p_capacity_tier": 0.5,
                "held_reason": "no adopted national AI or digital strategy",
            },
        ),
    ):
        diag = diagnose(data, iso)
        recs = [
            {"id": "R", "title": "T", "need": 3.0, "gaps": [], "reasons": []},
            {"id": "S", "title": "U", "need": 0.0, "gaps": [], "reasons": ["why"]},
        ]
        claims += profile_claims(diag, row, recs, labels, 0.9)
        p = diag.pillars.assign(gap_peer=[-1.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0][: len(diag.pillars)])
        claims += peer_gap_claims(dataclasses.replace(diag, pillars=p))
        p = diag.pillars.assign(gap_peer=[3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0][: len(diag.pillars)])
        claims += peer_gap_claims(dataclasses.replace(diag, pillars=p))
    for cl in claims:
        assert cl.text and "{" not in cl.text and not re.search(r"\bnan\b", cl.text), cl.text
        seen.setdefault(cl.kind, set()).add(cl.verdict)
    cat = load_claim_catalogue()
    for kind in (*MONITOR_KINDS, *PROFILE_KINDS):
        assert seen.get(kind) == set(RULE_VERDICTS[cat.kind(kind).verdict]), kind


def test_resource_holders_ranks_the_measured_shares() -> None:
    rows = _market("compute", "capacity", [("A", 50.0, True), ("B", 30.0, True)])
    rows += _market("compute", "capacity", [("C", 15.0, True), ("D", 4.0, True), (None, 1.0, True)])
    shares = shares_table(pd.DataFrame(rows, columns=list(HOLDINGS_COLUMNS)))
    amounts = [50.0, 30.0, 15.0, 4.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0]
    access = pd.DataFrame({"iso3": list("ABCDEFGHIJ"), "compute_amount": amounts})
    c = holders_claim(shares, access, {"A": "Alpha"})
    assert c is not None and c.n == 10 and c.end == 2025
    assert c.text.startswith("At the end of 2025, Alpha hosted 50.0 % of the AI compute")
    assert "followed by B (30.0 %) and C (15.0 %)" in c.text
    assert (
        "of the compute hosted by the 10 Member States, the five largest hosts hold 100.0 %"
        in c.text
    )
    assert c.params["gini"] == pytest.approx(gini(pd.Series(amounts)))
    assert holders_claim(shares.iloc[:0], access, {}) is None
