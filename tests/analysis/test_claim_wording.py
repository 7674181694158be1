"""A claim's sentence never garbles its own figures (issues 19 and 24): a tier that A/79/966
does not name is said by its number once ("Poland is in tier 3", never "tier 3 (Tier 3)"), a
named one with its name, in the six languages; a country is named in running text as the
pages name it ("United States of America", never UNTERM's "United States of America (the)"),
with the claim's id unchanged. Synthetic data: the truth is known by construction."""

from __future__ import annotations

import dataclasses
import re

import pandas as pd
import pytest
from test_claims import _countries, make_data
from test_claims_kinds import _market

from aicap.analysis.claims import ClaimKind
from aicap.analysis.claims_country import country_claims
from aicap.analysis.claims_monitor import monitor_claims
from aicap.analysis.claims_profile import profile_claims, tier_claim
from aicap.analysis.diagnose import diagnose
from aicap.analysis.localise import LANGS, Localiser
from aicap.analysis.monitor.concentration import (
    HOLDINGS_COLUMNS,
    concentration_table,
    shares_table,
)

#: the rule's labels as the shipped framework writes them: tiers 2 and 3 have no name
LABELS = {
    0: "Tier 0: AI nascent",
    1: "Tier 1: AI experimenters",
    2: "Tier 2",
    3: "Tier 3",
    4: "Tier 4: AI developers",
}
SURE = {"tier_high": None, "p_tier": 1.0, "tier_probability": '{"3": 1.0}'}
NEAR = {"p_tier": 0.6, "tier_probability": '{"2": 0.4, "3": 0.6}'}
#: a tier number followed by a parenthesis that repeats it: "tier 3 (Tier 3)", "niveau 3 (niveau 3)"
REPEAT = re.compile(r"(\d)\s*[(（][^)）]*?\1\s*[)）]")


def _rows(tier: int) -> list[tuple[str, dict[str, object]]]:
    base = {"tier": tier, "tier_high": tier}
    return [
        ("sure", {**base, "p_tier": 1.0, "tier_probability": f'{{"{tier}": 1.0}}'}),
        ("near_boundary", {**base, **NEAR}),
        ("not_assessed", {**base, "p_tier": None}),
    ]


@pytest.mark.parametrize("tier", [2, 3])
def test_an_unnamed_tier_is_said_by_its_number_once(tier: int) -> None:
    diag = diagnose(make_data(), "L00")
    for verdict, row in _rows(tier):
        c = tier_claim(diag, row, LABELS, 0.9)
        assert c is not None and c.verdict == verdict
        assert f"is in tier {tier}" in c.text, c.text
        assert "Tier" not in c.text and not REPEAT.search(c.text), c.text
        assert c.params["tier_label"] == ""
    # the results row's own name (empty for tiers 2 and 3) wins over the rule's label
    c = tier_claim(diag, {**_rows(tier)[0][1], "tier_name": None}, LABELS, 0.9)
    assert c is not None and c.text.startswith(f"{c.params['name']} is in tier {tier} in 100 %")


@pytest.mark.parametrize(("tier", "name"), [(0, "AI nascent"), (1, "AI experimenters")])
def test_a_named_tier_keeps_its_name(tier: int, name: str) -> None:
    diag = diagnose(make_data(), "L00")
    for verdict, row in _rows(tier):
        c = tier_claim(diag, row, LABELS, 0.9)
        assert c is not None and c.verdict == verdict
        assert f"is in tier {tier} ({name})" in c.text, c.text
    c = tier_claim(diag, {**_rows(tier)[0][1], "tier_name": name}, LABELS, 0.9)
    assert c is not None and f"tier {tier} ({name})" in c.text


def test_tier_sentences_read_in_every_language() -> None:
    diag = diagnose(make_data(), "L00")
    texts = [
        c.text
        for tier in range(5)
        for _, row in _rows(tier)
        if (c := tier_claim(diag, row, LABELS, 0.9)) is not None
    ]
    for lang in LANGS:
        loc = Localiser(lang, {str(diag.name): str(diag.name)})
        for t in texts:
            out = loc.sentence(t)
            assert not REPEAT.search(out), (lang, out)
        assert loc.unmatched() == [], (lang, loc.unmatched())
    fr = Localiser("fr", {str(diag.name): "Pays"})
    assert fr.sentence(texts[9]).startswith("Pays se situe au niveau 3 dans 100 %")
    assert fr.sentence(texts[0]).startswith("Pays se situe au niveau 0 (")


def test_a_wording_without_a_param_is_checked() -> None:
    base = {
        "quantity": "q",
        "test": "t",
        "verdict": "shortfall",
        "wording": {"gap": "{x} a", "no_gap": "{x} b"},
    }
    ok = ClaimKind.model_validate({**base, "wording_without": {"x": {"gap": "a"}}})
    assert ok.text("gap", {"x": ""}) == "a" and ok.text("gap", {"x": "y"}) == "{x} a"
    assert ok.text("no_gap", {}) == "{x} b"
    with pytest.raises(ValueError, match="not verdicts"):
        ClaimKind.model_validate({**base, "wording_without": {"x": {"up": "a"}}})
    with pytest.raises(ValueError, match="the param it is without"):
        ClaimKind.model_validate({**base, "wording_without": {"x": {"gap": "{x}"}}})


ARTICLE = re.compile(r"\((?:the|le|la|l'|les|el|los|las)\)")


def test_claims_name_a_country_in_its_prose_form() -> None:
    data = make_data()
    diag = diagnose(data, "L00")
    named = dataclasses.replace(diag, name="Bahamas (the)")
    recs = [{"id": "R", "title": "T", "need": 3.0, "gaps": [], "reasons": []}]
    row = {"tier": 3, "tier_high": 3, "p_tier": 1.0, "tier_probability": '{"3": 1.0}'}
    before = profile_claims(diag, row, recs, LABELS, 0.9) + country_claims(diag)
    after = profile_claims(named, row, recs, LABELS, 0.9) + country_claims(named)
    assert [c.id for c in after] == [c.id for c in before]  # ids do not carry the name
    assert after
    for c in after:
        assert "Bahamas" in c.text and not ARTICLE.search(c.text), c.text
        assert not ARTICLE.search(c.sample) and c.params["name"] == "Bahamas"


def test_monitor_claims_name_the_largest_holder_in_prose() -> None:
    countries = _countries().assign(status="member")
    countries.loc[countries["iso3"] == "H00", "name"] = "United States of America (the)"
    holdings = pd.DataFrame(
        _market(
            "compute", "capacity", [("H00", 8.0, True), ("H01", 1.5, True), ("L00", 0.5, True)]
        ),
        columns=list(HOLDINGS_COLUMNS),
    )
    amount = {"H00": 8.0, "H01": 1.5, "L00": 0.5}
    access = pd.DataFrame(
        {
            "iso3": countries["iso3"],
            "hosts_compute": countries["iso3"].isin(list(amount)),
            "hosts_cloud_region": False,
            "hosts_model_developer": False,
            "hosts_none": ~countries["iso3"].isin(list(amount)),
            "compute_amount": [amount.get(i, 0.0) for i in countries["iso3"]],
        }
    )
    matrix = pd.DataFrame({"iso3": countries["iso3"], "risk": "privacy", "status": "gap"})
    cs = monitor_claims(
        concentration_table(holdings),
        shares_table(holdings),
        access,
        matrix,
        pd.DataFrame({"year": [2024, 2025]}),
        countries,
        {"privacy": "P"},
    )
    texts = [c.text for c in cs.claims.values() if "United States" in c.text]
    assert len(texts) >= 2, [c.text for c in cs.claims.values()]  # the market and the holders
    assert not any(ARTICLE.search(t) for t in texts), texts


def test_a_residual_whose_interval_holds_zero_is_not_said_to_match_the_prediction() -> None:
    """Germany's snapshot case: +14.8 points over what its income predicts, 95 % interval
    -0.04 to +29.61. The test finds no clear difference; the sentence must not say the score
    is what its income predicts."""
    from aicap.analysis.claims import Claim, render

    c = Claim(
        id="expected-residual.XXX.2025",
        kind="expected_residual",
        subject="XXX",
        value=14.8,
        low=-0.04,
        high=29.61,
        level=0.95,
        n=180,
        end=2025,
        sample="synthetic",
        params={"name": "Testland", "actual": 89.8, "expected": 75.0},
        data=("index score",),
        recompute="",
    )
    text = render(c)
    assert c.verdict == "no_clear_difference", c.verdict
    assert "not clearly different from the 75.0 its income predicts" in text, text
    assert "as its income predicts" not in text
    for lang in LANGS:
        if lang != "en":  # translated, not left in English
            assert Localiser(lang).sentence(text) != text, lang
