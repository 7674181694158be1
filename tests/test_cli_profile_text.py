"""``aicap profile``'s text summary (issue 25): an unscored country reads "not scored" with
the reason, never "score None"; the data gaps are sentences, never a raw JSON fragment; claim
ids in brackets are printed (not swallowed as markup)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from aicap.cli.report_cmd import _print_summary, score_text


def _profile(**over: Any) -> dict[str, Any]:
    p: dict[str, Any] = {
        "iso3": "XXA",
        "name": "Atlantis",
        "year": 2025,
        "data_age": None,
        "status": "scored",
        "score": 41.55,
        "uncertainty": {"score_p05": 32.33, "score_p95": 43.17},
        "tier_label": "Tier 1: AI experimenters",
        "binding_constraint": "SKILLS",
        "pillars": [
            {"pillar": "SKILLS", "name": "Skills and human capital"},
            {"pillar": "ECON", "name": "Economy and adoption"},
        ],
        "claims": [{"id": "relative-trend.XXA.CONN.2021-2025", "text": "A sentence."}],
        "recommendations": [],
        "data_gaps": {
            "missing_pillars": [],
            "missing_indicators": [
                {
                    "indicator": "statistical_capacity",
                    "name": "Statistical capacity",
                    "pillar": "DATA",
                    "flags": "missing:stale(last 2017)",
                }
            ],
            "old_values": [
                {"indicator": "internet_use", "name": "Internet use", "year": 2022, "age": 3}
            ],
            "n_indicators": 25,
            "n_with_data": 24,
        },
    }
    p.update(over)
    return p


def test_scored_country() -> None:
    assert score_text(_profile()) == "score 41.55 (band 32.33-43.17)"
    assert score_text(_profile(uncertainty="not available")) == "score 41.55 (band not available)"


def test_unscored_country_says_why() -> None:
    gaps = {**_profile()["data_gaps"], "missing_pillars": ["ECON", "SKILLS"]}
    text = score_text(_profile(status="insufficient_data", score=None, data_gaps=gaps))
    assert "None" not in text
    assert text.startswith("not scored (insufficient data: no data for the pillars")
    assert "economy and adoption (ECON)" in text and "skills and human capital (SKILLS)" in text


def test_unscored_without_a_listed_pillar_still_not_none() -> None:
    text = score_text(_profile(status="insufficient_data", score=None))
    assert text == "not scored (insufficient data)"


def test_summary_has_no_json_and_keeps_claim_ids(capsys: pytest.CaptureFixture[str]) -> None:
    gaps = {**_profile()["data_gaps"], "missing_pillars": ["ECON"]}
    _print_summary(_profile(status="insufficient_data", score=None, data_gaps=gaps))
    text = capsys.readouterr().out
    assert "score None" not in text and "not scored" in text
    assert "[relative-trend.XXA.CONN.2021-2025]" in text
    assert "data: 24 of 25 indicators with data" in text
    assert "Statistical capacity (DATA; last 2017)" in text
    assert "Internet use (2022, 3 years old)" in text
    for line in text.splitlines():  # no line is a JSON fragment
        with pytest.raises(json.JSONDecodeError):
            json.loads(line.strip())
        assert not line.lstrip().startswith("{")
