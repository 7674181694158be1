"""A profile's claims agree with the diagnosis they state (a label never contradicts its
number), on synthetic data whose trends are known."""

from __future__ import annotations

from diagnose_helpers import make_data

from aicap.analysis.claims_country import country_claims
from aicap.analysis.diagnose import diagnose

LABELS = {
    "catching up": "catching_up",
    "falling behind": "falling_behind",
    "pulling ahead": "pulling_ahead",
    "losing its lead": "losing_lead",
    "no clear change": "no_clear_change",
}
EXPECTED = {
    "over-performs": "above",
    "under-performs": "below",
    "as expected": "no_clear_difference",
}


def test_trend_and_income_claims_match_the_diagnosis() -> None:
    # L0 grows 3 points a year, its peers do not: catching up on every pillar
    data = make_data(growth={"L0": 3.0})
    seen = set()
    for iso in ("L0", "L1", "H2", "M3"):
        d = diagnose(data, iso)
        claims = {c.subject.split(":")[-1]: c for c in country_claims(d)}
        trends = d.trends[d.trends["kind"] == "pillar"].set_index("code")
        for code, row in trends.iterrows():
            if row["relative"] == "too few years":
                assert code not in claims
                continue
            c = claims[str(code)]
            want = LABELS[str(row["relative"])]
            # the diagnosis calls an immaterial move "no clear change"; the claim says "small"
            assert c.verdict == want or (want, c.verdict) == ("no_clear_change", "small_change")
            if c.verdict == "no_clear_change":
                assert c.low is None or not (c.low > 0 or (c.high or 0) < 0), (iso, code)
            seen.add(c.verdict)
            assert c.text.startswith(d.name)
        if d.expected is not None:
            c = claims[iso]
            assert c.verdict == EXPECTED[str(d.expected["verdict"])]
    assert "catching_up" in seen
    l0 = {c.subject: c for c in country_claims(diagnose(data, "L0"))}
    assert all(l0[f"L0:{p}"].verdict == "catching_up" for p in ("CONN", "SKILLS", "GOV"))
