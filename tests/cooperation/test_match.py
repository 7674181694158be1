"""Matchmaking: every score term shown; the MILP assignment equals a brute-force optimum on
small cases, respects capacities, and beats greedy where greedy is worse."""

from __future__ import annotations

import itertools
import random
from datetime import date

import pytest

from aicap.analysis.cooperate.match import (
    WEIGHTS,
    Candidate,
    NeedSpec,
    OfferSpec,
    assign,
    candidates,
    greedy,
    matchmake,
)
from aicap.analysis.cooperate.service import default_vocabulary

AREA_OF = {"COMP-01": "compute", "COMP-02": "compute", "SKILL-02": "skills", "DATA-04": "data"}


def brute_force(cands: list[Candidate], caps: dict[int, float]) -> float:
    best = 0.0
    for mask in itertools.product((0, 1), repeat=len(cands)):
        chosen = [c for c, m in zip(cands, mask, strict=True) if m]
        keys = [(c.need_id, c.unit) for c in chosen]
        if len(keys) != len(set(keys)):
            continue
        use: dict[int, float] = {}
        for c in chosen:
            use[c.offer_id] = use.get(c.offer_id, 0.0) + c.allocation
        if any(use[o] > caps[o] + 1e-9 for o in use):
            continue
        best = max(best, sum(c.score for c in chosen))
    return best


def test_every_term_is_shown_and_sums_to_the_score() -> None:
    need = NeedSpec(
        1,
        "MWI",
        interventions=("COMP-01", "SKILL-02"),
        priority=4,
        budget_gap_usd=1_000_000,
        preferred_modality="south_south",
        languages=("en",),
        tier=0,
        ldc=True,
    )
    offer = OfferSpec(
        7,
        "Org",
        capacity=400_000,
        interventions=("COMP-01",),
        areas=("compute",),
        modalities=("south_south",),
        languages=("en", "fr"),
    )
    (cand,), excluded = candidates([need], [offer], AREA_OF, on=date(2026, 1, 1))
    assert excluded == []
    terms = {t.name: t for t in cand.terms}
    assert set(terms) == set(WEIGHTS) == {"fit", "capacity", "modality", "language", "priority"}
    assert terms["fit"].value == pytest.approx(0.5)  # COMP-01 exact, SKILL-02 not covered
    assert terms["capacity"].value == pytest.approx(0.4)
    assert terms["modality"].value == 1.0 and terms["language"].value == 1.0
    assert terms["priority"].value == pytest.approx(1.0)  # priority 4, LDC, tier 0
    assert "least developed country" in terms["priority"].why
    assert "tier 0" in terms["priority"].why
    assert cand.score == pytest.approx(sum(t.value * t.weight for t in cand.terms))
    shown = cand.as_proposal()["terms"]
    assert {t["term"] for t in shown} == set(WEIGHTS)
    assert all({"value", "weight", "contribution", "why"} <= set(t) for t in shown)


def test_ldc_and_tier0_raise_priority() -> None:
    offer = OfferSpec(1, "O", capacity=10, areas=("compute",))
    base = NeedSpec(1, "KEN", areas=("compute",), budget_gap_usd=10, tier=2, ldc=False)
    poor = NeedSpec(2, "TCD", areas=("compute",), budget_gap_usd=10, tier=0, ldc=True)
    cands, _ = candidates([base, poor], [offer], AREA_OF)
    by = {c.need_id: c for c in cands}
    assert by[2].score > by[1].score
    chosen, _ = assign(cands, {1: 10})
    assert [c.need_id for c in chosen] == [2]  # the one offer goes to the LDC at tier 0


def test_eligibility_gates_are_reported() -> None:
    need = NeedSpec(1, "KEN", areas=("compute",), budget_gap_usd=5, tier=2)
    offers = [
        OfferSpec(1, "A", capacity=5, areas=("compute",), eligible_countries=("SEN",)),
        OfferSpec(2, "B", capacity=5, areas=("compute",), valid_until=date(2020, 1, 1)),
        OfferSpec(3, "C", capacity=5, unit="GPU-hours", areas=("compute",)),
        OfferSpec(4, "D", capacity=5, areas=("skills",)),
        OfferSpec(5, "E", capacity=5, areas=("compute",), eligible_tiers=(2,)),
    ]
    cands, excluded = candidates([need], offers, AREA_OF, on=date(2026, 1, 1))
    assert [c.offer_id for c in cands] == [5]
    reasons = {e["offer_id"]: e["reason"] for e in excluded}
    assert "neither among" in reasons[1]
    assert "expired" in reasons[2]
    assert "nothing in GPU-hours" in reasons[3]
    assert "in common" in reasons[4]


def test_a_case_where_greedy_is_worse_than_the_optimum() -> None:
    # one offer of 100: greedy gives it all to the best single pair (need 1, demand 100);
    # the optimum serves needs 2 and 3 (50 each), whose summed score is higher.
    offer = OfferSpec(1, "O", capacity=100, areas=("compute",))
    needs = [
        NeedSpec(1, "AAA", areas=("compute",), budget_gap_usd=100, priority=4),
        NeedSpec(2, "BBB", areas=("compute",), budget_gap_usd=50, priority=3),
        NeedSpec(3, "CCC", areas=("compute",), budget_gap_usd=50, priority=3),
    ]
    cands, _ = candidates(needs, [offer], AREA_OF)
    caps = {1: 100.0}
    g_chosen, g_value = greedy(cands, caps)
    o_chosen, o_value = assign(cands, caps)
    assert [c.need_id for c in g_chosen] == [1]
    assert sorted(c.need_id for c in o_chosen) == [2, 3]
    assert o_value > g_value + 0.1
    assert o_value == pytest.approx(brute_force(cands, caps))


@pytest.mark.parametrize("seed", range(12))
def test_milp_equals_brute_force_on_random_small_cases(seed: int) -> None:
    rng = random.Random(seed)
    areas = ["compute", "skills", "data"]
    units = ["USD", "GPU-hours"]
    needs = [
        NeedSpec(
            i,
            rng.choice(["KEN", "MWI", "NPL"]),
            areas=tuple(rng.sample(areas, rng.randint(1, 2))),
            priority=rng.randint(1, 4),
            budget_gap_usd=rng.choice([0, 30, 60, 100]),
            demand={"GPU-hours": rng.choice([0, 20, 80])},
            ldc=rng.random() < 0.4,
            tier=rng.randint(0, 2),
        )
        for i in range(1, 5)
    ]
    offers = [
        OfferSpec(
            j,
            f"O{j}",
            capacity=rng.choice([40, 70, 120]),
            unit=rng.choice(units),
            areas=tuple(rng.sample(areas, rng.randint(1, 3))),
        )
        for j in range(1, 4)
    ]
    cands, _ = candidates(needs, offers, AREA_OF)
    if len(cands) > 14:
        cands = cands[:14]
    caps = {o.id: o.capacity for o in offers}
    chosen, value = assign(cands, caps)
    assert value == pytest.approx(brute_force(cands, caps), abs=1e-6)
    used: dict[int, float] = {}
    for c in chosen:
        used[c.offer_id] = used.get(c.offer_id, 0.0) + c.allocation
    assert all(used[o] <= caps[o] + 1e-6 for o in used)
    assert greedy(cands, caps)[1] <= value + 1e-9


def test_matchmake_respects_taken_capacity_and_skips_live_pairs() -> None:
    offer = OfferSpec(1, "O", capacity=100, areas=("compute",))
    needs = [NeedSpec(i, "KEN", areas=("compute",), budget_gap_usd=60) for i in (1, 2)]
    res = matchmake(needs, [offer], AREA_OF, taken={1: 50}, skip=[(1, 1)])
    assert [(c.need_id, c.allocation) for c in res.chosen] == [(2, 50)]
    assert res.as_dict()["proposals"][0]["terms"]


def test_catalogue_vocabulary_is_reused() -> None:
    v = default_vocabulary()
    assert "COMP-01" in v.interventions and v.area_of["COMP-01"] == "compute"
    assert {"north_south", "south_south", "triangular", "multilateral"} == v.modalities
