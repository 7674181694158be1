"""The briefing's tier-0 finding on synthetic countries: a country held in tier 0 only by an
enabler (no adopted strategy) while its capacity conditions meet a higher tier is counted apart,
never described as lacking A/79/966's minimum capacity."""

from __future__ import annotations

import pandas as pd

from aicap.analysis.localise import localiser
from aicap.report.briefing_sections import _tier0_finding

PILLARS = {"CONN": "Connectivity", "INFRA": "Infrastructure"}


def frame(capacity: list[float], high: list[float]) -> tuple[pd.DataFrame, pd.Series]:
    n = len(capacity)
    sub = pd.DataFrame(
        {
            "iso3": [f"C{i:02d}" for i in range(n)],
            "capacity_tier": capacity,
            "tier_high": high,
            "next_needs": [None] * n,
        }
    )
    return sub, pd.Series([0] * n, index=sub.index)


def test_held_countries_are_counted_apart() -> None:
    # four tier-0 countries: two with capacity level 0, one held at capacity level 2, one held at
    # capacity level 1 but with a condition not assessed (a range): only the proven one counts
    sub, tiers = frame([0, 0, 2, 1], [0, 0, 0, 1])
    text = str(_tier0_finding(sub, tiers, 4, 10, PILLARS))
    assert text.startswith("4 of the 10 with a tier are in tier 0 by the evidence")
    assert "1 of them meet the capacity conditions of tier 1 or higher" in text
    assert "do not show A/79/966's minimum" not in text
    assert "1 of them could be higher" in text
    for lang in ("fr", "ar", "zh"):
        loc = localiser(lang)
        _tier0_finding(sub, tiers, 4, 10, PILLARS).render(loc)  # type: ignore[union-attr]
        assert loc.unmatched() == []


def test_no_held_country_keeps_the_capacity_sentence() -> None:
    sub, tiers = frame([0, 0, 0], [0, 0, 0])
    text = str(_tier0_finding(sub, tiers, 3, 10, PILLARS))
    assert "do not show A/79/966's minimum irreducible AI capacity" in text
    assert "meet the capacity conditions" not in text
