"""Correction rules in the published index (issue 20, item 5), on synthetic data where the
truth is known: an accepted exclusion changes the score exactly as removing that value would,
a correction exactly as the corrected value would, a revoked rule nothing; the cells say
which error report changed them; a report that is not accepted records no rule and changes
nothing; the build's record reads back identically (a reproducible rebuild) and, with no rule,
leaves the build's key as it was."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from voice_helpers import VoiceWorld

from aicap.analysis.capacity_index import derive, index_from_inputs, score_year
from aicap.analysis.voice.corrections import (
    Corrections,
    CorrectionsError,
    apply_rules,
    effective,
    flag_cells,
)
from aicap.analysis.voice.data import VoiceData
from aicap.analysis.voice.views import Views
from aicap.warehouse.cooperation.store import CoopStore

SERIES = "OWID.INTERNET_USERS"


def _rule(rid: int, action: str, year: int = 2024, **kw: object) -> dict:
    return {
        "id": rid,
        "report_id": 100 + rid,
        "country_iso3": "CCC",
        "indicator": "internet_use",
        "series": SERIES,
        "year": year,
        "action": action,
        "value": None,
        "old_value": None,
        "reason": "r",
        "evidence": "e",
        "dataset": "real",
        "decided_by": "rev",
        "decided_at": "2026-12-06T12:00:00+00:00",
        "revokes": None,
        **kw,
    }


def _hit(raw: pd.DataFrame, iso3: str = "CCC", year: int = 2024) -> pd.Series:
    return (raw["iso3"] == iso3) & (raw["indicator"] == SERIES) & (raw["year"] == year)


@pytest.fixture(scope="module")
def stale(vd: VoiceData) -> pd.DataFrame:
    """The synthetic panel with CCC's 2024 internet use far above its earlier years (a
    suspect value: excluding it must change the score)."""
    raw = vd.raw.copy()
    raw.loc[_hit(raw), "value"] = 95.0
    return raw


def _scores(vd: VoiceData, raw: pd.DataFrame) -> pd.DataFrame:
    return score_year(derive(vd.spec, raw, vd.members, vd.licences), vd.end).results.set_index(
        "iso3"
    )


def test_exclusion_changes_the_score_exactly_as_removing_the_value(
    vd: VoiceData, stale: pd.DataFrame
) -> None:
    fixed, applied = apply_rules(stale, [_rule(1, "exclude")])
    assert applied == {1: True}
    assert len(fixed) == len(stale) - 1 and not _hit(fixed).any()
    assert (stale.loc[_hit(stale), "value"] == 95.0).all()  # the input is never edited
    with_rule = _scores(vd, fixed)
    removed = _scores(vd, stale[~_hit(stale)])
    pd.testing.assert_series_equal(with_rule["score"], removed["score"])
    pd.testing.assert_series_equal(with_rule["rank"], removed["rank"])
    before = _scores(vd, stale)
    assert with_rule.loc["CCC", "score"] < before.loc["CCC", "score"]  # it did change
    others = [i for i in before.index if i != "CCC"]
    pd.testing.assert_series_equal(with_rule.loc[others, "score"], before.loc[others, "score"])


def test_correction_changes_the_score_exactly_as_the_corrected_value(
    vd: VoiceData, stale: pd.DataFrame
) -> None:
    fixed, _ = apply_rules(stale, [_rule(1, "correct", value=41.0)])
    edited = stale.copy()
    edited.loc[_hit(edited), "value"] = 41.0
    pd.testing.assert_series_equal(_scores(vd, fixed)["score"], _scores(vd, edited)["score"])


def test_revoked_and_superseded_rules(vd: VoiceData, stale: pd.DataFrame) -> None:
    ex, fix, rev = (
        _rule(1, "exclude"),
        _rule(2, "correct", value=41.0),
        _rule(3, "revoke", revokes=2),
    )
    assert [r["id"] for r in effective([ex, fix])] == [2]  # the latest rule counts
    assert [r["id"] for r in effective([ex, fix, rev])] == [1]  # 2 revoked: 1 again
    assert effective([ex, _rule(4, "revoke", revokes=1)]) == []
    same, applied = apply_rules(stale, [ex, _rule(4, "revoke", revokes=1)])
    assert same is stale and applied == {}  # nothing in force: the panel as it is
    _, applied = apply_rules(stale, [_rule(5, "exclude", year=1990)])
    assert applied == {5: False}  # the warehouse holds no such value: listed, not applied


def test_cells_say_which_report_changed_them_and_the_effects(
    vd: VoiceData, stale: pd.DataFrame
) -> None:
    corr = Corrections([_rule(1, "exclude"), _rule(2, "correct", year=2023, value=30.0)])
    assert [r["id"] for r in corr.in_force] == [1, 2]
    fixed, corr.applied = apply_rules(stale, corr.rules)
    corr._raw = stale
    index = index_from_inputs(derive(vd.spec, fixed, vd.members, vd.licences))
    corr.after_index(index, vd.assets)
    cells = index.latest.cells
    cell = cells[(cells["iso3"] == "CCC") & (cells["indicator"] == "internet_use")].iloc[0]
    # 2024 excluded: the (corrected) 2023 value is carried, and the cell says both
    assert int(cell["value_year"]) == 2023 and cell["value"] == 30.0
    assert "excluded:2024 by error report #101" in cell["flags"]
    assert "corrected:2023 by error report #102" in cell["flags"]
    assert "carried:2023" in cell["flags"]
    flagged = cells[cells["flags"].str.contains("error report", regex=False)]
    assert set(zip(flagged["iso3"], flagged["indicator"], strict=True)) == {("CCC", "internet_use")}
    # earlier years: 2023's cell read the corrected value; 2022's is untouched
    c23 = index.years[2023].cells
    c23 = c23[(c23["iso3"] == "CCC") & (c23["indicator"] == "internet_use")].iloc[0]
    assert c23["value"] == 30.0 and "corrected:2023" in c23["flags"]
    assert "excluded" not in c23["flags"]
    c22 = index.years[2022].cells
    assert not c22["flags"].str.contains("error report", regex=False).any()
    e = corr.effects["CCC"]
    before = _scores(vd, stale).loc["CCC"]
    assert e["score_before"] == pytest.approx(round(float(before["score"]), 2))
    assert e["score_after"] == pytest.approx(
        round(float(index.latest.results.set_index("iso3").loc["CCC", "score"]), 2)
    )
    assert e["score_after"] < e["score_before"]
    t = corr.table()
    assert list(t["rule_id"]) == [1, 2] and t["in_force"].all() and t["applied"].all()
    assert list(t["cells_flagged"]) == [1, 2]  # 2024's cell; 2023's and 2024's cells
    assert corr.summary()["applied"][0]["report"] == 101
    assert any("rule #1 (error report #101)" in line for line in corr.markdown())


def test_flag_cells_leaves_cells_that_read_a_later_value(vd: VoiceData) -> None:
    ys = score_year(derive(vd.spec, vd.raw, vd.members, vd.licences), vd.end)
    cells = ys.cells.copy()
    before = cells["flags"].copy()
    # 2022 excluded, but the 2024 cell reads 2024: nothing flagged
    assert flag_cells(cells, vd.spec, [_rule(1, "exclude", year=2022)]) == 0
    pd.testing.assert_series_equal(cells["flags"], before)


def test_record_reads_back_and_no_rule_keeps_the_key(tmp_path: Path) -> None:
    corr = Corrections([_rule(1, "exclude"), _rule(2, "revoke", revokes=1)], source="test")
    names = corr.write(tmp_path)
    assert names == ["corrections.parquet", "corrections.csv", "corrections.json"]
    back = Corrections.from_file(tmp_path / "corrections.json")
    assert back.rules == corr.rules and back.digest == corr.digest
    assert back.build_key("k") == corr.build_key("k") != "k"
    t = pd.read_csv(tmp_path / "corrections.csv")
    assert list(t["in_force"]) == [False, False] and int(t.loc[0, "revoked_by"]) == 2
    assert Corrections().build_key("k") == "k" and not Corrections()
    assert not Corrections.for_build("none", "sqlite:///nowhere")
    assert not Corrections.for_build("registry", f"sqlite:///{tmp_path / 'absent.sqlite'}")
    assert not (tmp_path / "absent.sqlite").exists()  # a build never creates the registry
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"rules": [{**_rule(1, "drop")}]}), encoding="utf-8")
    with pytest.raises(CorrectionsError, match=r"bad\.json: rule 1: field 'action'"):
        Corrections.from_file(bad)


def test_only_an_accepted_report_reaches_the_build_and_a_rule_is_revocable(
    lite: CoopStore, sqlite_url: str, vd: VoiceData, views: Views
) -> None:
    w = VoiceWorld(lite, views)
    rep = {
        "country_iso3": "CCC",
        "indicator": "internet_use",
        "year": 2024,
        "why": "The 2024 survey counted each SIM as a user.",
        "evidence": "https://stats.example.org/ccc-2024",
    }
    ids = [w.reader.post("/api/voice/reports", json=rep).json()["id"] for _ in range(2)]
    for rid in ids:
        url = f"/api/voice/reports/{rid}/review"
        assert w.rev.post(url, json={"version": 1, "state": "under_review"}).status_code == 200
    r = w.rev.post(
        f"/api/voice/reports/{ids[0]}/review",
        json={"version": 2, "state": "not_accepted", "reason": "The survey is right."},
    )
    assert r.status_code == 200
    # a report not accepted records no rule: the build is the open data as published
    assert not Corrections.from_registry(sqlite_url)
    r = w.rev.post(
        f"/api/voice/reports/{ids[1]}/review",
        json={"version": 2, "state": "accepted", "action": "exclude", "reason": "Confirmed."},
    )
    assert r.status_code == 200, r.text
    corr = Corrections.from_registry(sqlite_url)
    (rule,) = corr.rules
    assert (rule["report_id"], rule["action"], rule["decided_by"]) == (ids[1], "exclude", "rev")
    assert rule["evidence"] == rep["evidence"] and rule["old_value"] is not None
    # revocation: reviewers only, with a reason; a later rule, the first one stays
    url = f"/api/voice/rules/{rule['id']}/revoke"
    assert w.aaa.post(url, json={"reason": "x"}).status_code == 403
    assert w.rev.post(url, json={}).status_code == 422
    r = w.rev2.post(url, json={"reason": "The statistics office withdrew its note."})
    assert r.status_code == 200, r.text
    assert r.json()["revokes"] == rule["id"]
    assert w.rev.post(url, json={"reason": "again"}).status_code == 409
    listed = w.anon.get("/api/voice/rules").json()
    assert [(x["action"], x["in_force"]) for x in listed] == [
        ("exclude", False),
        ("revoke", False),
    ]
    corr = Corrections.from_registry(sqlite_url)
    assert len(corr.rules) == 2 and corr.in_force == []
    assert lite.verify_audit().ok


def test_excluding_a_register_count_is_refused(
    lite: CoopStore, vd: VoiceData, views: Views
) -> None:
    zero = next(i for i in vd.spec.indicators if i.zero_fill)
    w = VoiceWorld(lite, views)
    rep = {"country_iso3": "CCC", "indicator": zero.code, "year": vd.end, "why": "wrong count"}
    r = w.reader.post("/api/voice/reports", json=rep)
    assert r.status_code == 201, r.text
    url = f"/api/voice/reports/{r.json()['id']}/review"
    w.rev.post(url, json={"version": 1, "state": "under_review"})
    r = w.rev.post(url, json={"version": 2, "state": "accepted", "action": "exclude"})
    assert r.status_code == 422 and "correct the value" in r.text


def test_the_profile_lists_the_rules_and_what_the_published_index_flags() -> None:
    from types import SimpleNamespace

    from aicap.web.voice_web import corrections_of, published_flags

    cells = pd.DataFrame(
        {
            "iso3": ["CCC", "CCC", "CCC", "DDD"],
            "flags": [
                "carried:2023; excluded:2024 by error report #101",
                "excluded:2024 by error report #101",
                "",
                "corrected:2024 by error report #7",
            ],
        }
    )
    site: Any = SimpleNamespace(cells=cells)
    assert published_flags(site, "CCC") == {101: 2}
    assert published_flags(None, "CCC") == {}
    rules = [
        _rule(1, "exclude"),
        _rule(2, "correct", year=2022, value=3.0),
        _rule(3, "revoke", revokes=2),
        {**_rule(4, "exclude"), "country_iso3": "DDD"},
    ]
    got = corrections_of(rules, "CCC", published_flags(site, "CCC"))
    assert [(x["id"], x["in_force"], x["revoked_by"], x["published_cells"]) for x in got] == [
        (3, False, None, 0),
        (2, False, 3, 0),
        (1, True, None, 2),
    ]


def test_a_value_names_the_rule_behind_it() -> None:
    from aicap.web.voice_web import with_corrections

    rows = [
        {
            "indicator": "internet_use",
            "flags": ["carried:2023; excluded:2024 by error report #101"],
        },
        {"indicator": "mean_schooling", "flags": []},
    ]
    rule = {"id": 1, "report_id": 101, "in_force": True, "action": "exclude"}
    got = with_corrections(rows, [rule])
    assert got[0]["correction"] == [rule] and "correction" not in got[1]
    assert "correction" not in rows[0]  # the cached profile is not touched


def test_build_refuses_a_bad_rule_file_before_any_work(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from aicap.cli.main import app

    bad = tmp_path / "corrections.json"
    bad.write_text('{"rules": [{"id": 1}]}', encoding="utf-8")
    wh = tmp_path / "never.duckdb"
    args = ["build", "--corrections", str(bad), "--warehouse", str(wh)]
    res = CliRunner().invoke(app, [*args, "--index-dir", str(tmp_path / "out")])
    assert res.exit_code == 1
    assert "corrections.json: rule 1: field 'report_id' is missing" in " ".join(res.output.split())
    assert not wh.exists()  # nothing ingested


def test_cli_lists_and_revokes_rules(
    lite: CoopStore, sqlite_url: str, vd: VoiceData, views: Views, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from aicap.cli.main import app

    w = VoiceWorld(lite, views)
    rep = {
        "country_iso3": "DDD",
        "indicator": "internet_use",
        "year": 2024,
        "why": "A typo in the 2024 value.",
    }
    rid = w.reader.post("/api/voice/reports", json=rep).json()["id"]
    url = f"/api/voice/reports/{rid}/review"
    w.rev.post(url, json={"version": 1, "state": "under_review"})
    body = {"version": 2, "state": "accepted", "action": "correct", "value": 50.0}
    assert w.rev.post(url, json=body).status_code == 200
    wh = tmp_path / "wh.duckdb"
    wh.write_bytes(b"")  # revoking reads no data
    common = ["--db", sqlite_url, "--warehouse", str(wh)]
    runner = CliRunner()
    listed = runner.invoke(app, ["voice", "rules", *common])
    assert listed.exit_code == 0 and "correct" in listed.output and "yes" in listed.output
    env = {"AICAP_VOICE_PASSWORD": "correct horse battery"}
    args = ["voice", "revoke", "1", "--user", "rev2", "--reason", "The typo was ours."]
    done = runner.invoke(app, [*args, *common], env=env)
    assert done.exit_code == 0, done.output
    assert "rule 1 revoked by rule 2" in done.output
    assert Corrections.from_registry(sqlite_url).in_force == []
    again = runner.invoke(app, [*args, *common], env=env)
    assert again.exit_code == 1 and "already revoked" in again.output
