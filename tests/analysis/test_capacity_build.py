"""The main job: `aicap build` writes the index; `aicap index results --json`; rank bands."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from capacity_helpers import shipped, spec
from typer.testing import CliRunner

from aicap.analysis.capacity_index import STATUS_SCORED
from aicap.cli.main import app


def test_rank_bands_come_from_the_uncertainty_engine(full_warehouse: Path) -> None:
    run = shipped(full_warehouse)
    assert run.uncertainty is not None
    res = run.results
    scored = res[res["status"] == STATUS_SCORED]
    assert scored[["rank_p05", "rank_p95"]].notna().all().all()
    assert (scored["rank_p05"] <= scored["rank_p95"]).all()
    assert (scored["rank_p05"] >= 1).all() and (scored["rank_p95"] <= len(scored)).all()
    # the nominal rank mostly lies in its band
    inside = (scored["rank"] >= scored["rank_p05"]) & (scored["rank"] <= scored["rank_p95"])
    assert inside.mean() > 0.8
    assert res.loc[res["status"] != STATUS_SCORED, "rank_p05"].isna().all()
    # the audit composite (scored only) reproduces the scores: no dependence on the others
    ac = run.audit_composite.scores["AICAP"]
    np.testing.assert_allclose(ac.loc[scored["iso3"]], scored["score"], atol=1e-12)


def test_aicap_build_and_index_results(
    full_warehouse: Path, data_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    runner = CliRunner()
    r = runner.invoke(
        app,
        [
            "build",
            "--data-dir",
            str(data_dir),
            "--warehouse",
            str(full_warehouse),
            "--index-dir",
            str(out),
        ],
    )
    assert r.exit_code == 0, r.output
    # a second build with nothing changed reuses the outputs, checked, and leaves them as they are
    times = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    args = ["build", "--data-dir", str(data_dir), "--warehouse", str(full_warehouse)]
    again = runner.invoke(app, [*args, "--index-dir", str(out), "--no-briefing-cache"])
    assert again.exit_code == 0, again.output
    assert "reused" in again.output and "--rebuild" in again.output
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == times
    for name in ("results", "cells", "series", "changes", "audit_indicator_stats"):
        assert (out / f"{name}.parquet").is_file() and (out / f"{name}.csv").is_file()
    for name in ("summary.md", "summary.json", "audit.md", "results.json"):
        assert (out / name).is_file()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["member_states"] == 193
    assert summary["scored"] + len(summary["insufficient_data"]) == 193
    cells = pd.read_parquet(out / "cells.parquet")
    assert {"value_year", "flags", "imputed"} <= set(cells.columns)

    r = runner.invoke(app, ["index", "results", "--json", "--index-dir", str(out)])
    assert r.exit_code == 0, r.output
    records = json.loads(r.output)
    assert len(records) == 193
    keys = {"iso3", "year", "status", "score", "rank", "rank_p05", "rank_p95", "tier", "pillars"}
    keys |= {"tier_range", "tier_probability", "tier_conditions", "tier_next_needs"}
    for rec in records:
        assert keys <= set(rec)
        # every Member State: a tier with its evidence and, from the Monte Carlo, its odds
        assert rec["tier"] is not None and rec["tier_conditions"]
        assert abs(sum(rec["tier_probability"].values()) - 1) < 1e-6
        for c in rec["tier_conditions"]:
            assert c["state"] in ("met", "not_met", "unknown") and c["source"]
        assert set(rec["pillars"]) == set(spec().pillar_codes)
        if rec["status"] == STATUS_SCORED:
            assert rec["score"] is not None and rec["rank_p05"] is not None
        else:
            assert rec["score"] is None and rec["missing_pillars"]
