"""``aicap uncertainty run`` writes tables (CSV + Parquet), charts (Vega-Lite) and a summary."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner
from ua_helpers import SYNTH_RECIPE, SYNTH_SPEC, synth_comp

from aicap.cli import uncertainty_cmd

runner = CliRunner()


def _inputs(tmp_path: Path, spec: str = SYNTH_SPEC) -> list[str]:
    comp = synth_comp()
    (tmp_path / "fw.yaml").write_text(comp.framework.to_yaml(), encoding="utf-8")
    comp.data.to_csv(tmp_path / "data.csv", index=False)
    (tmp_path / "recipe.yaml").write_text(SYNTH_RECIPE, encoding="utf-8")
    (tmp_path / "spec.yaml").write_text(spec, encoding="utf-8")
    return [
        "run",
        "--framework",
        str(tmp_path / "fw.yaml"),
        "--data",
        str(tmp_path / "data.csv"),
        "--recipe",
        str(tmp_path / "recipe.yaml"),
        "--spec",
        str(tmp_path / "spec.yaml"),
    ]


def test_run_writes_tables_and_charts(tmp_path: Path) -> None:
    out = tmp_path / "out"
    res = runner.invoke(uncertainty_cmd.app, [*_inputs(tmp_path), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "400 Monte Carlo runs" in res.output
    for name in ("countries", "pairwise", "samples", "failures", "sobol", "sobol_samples"):
        csv = pd.read_csv(out / f"{name}.csv")
        pq = pd.read_parquet(out / f"{name}.parquet")
        assert len(csv) == len(pq) > 0 or name == "failures"
    countries = pd.read_csv(out / "countries.csv")
    assert {"rank_p05", "rank_median", "rank_p95", "score_nominal"} <= set(countries.columns)
    assert len(pd.read_csv(out / "samples.csv")) == 400
    for chart in ("rank_bands.vl.json", "sobol.vl.json"):
        spec = json.loads((out / chart).read_text())
        assert spec["$schema"].endswith("vega-lite/v5.json")
        assert "http" not in json.dumps(spec).replace(spec["$schema"], "")  # data inline
    bands = json.loads((out / "rank_bands.vl.json").read_text())
    assert len(bands["data"]["values"]) == len(countries)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["monte_carlo"]["bytes_per_chunk"] > 0


def test_bad_spec_is_a_clear_error(tmp_path: Path) -> None:
    args = _inputs(tmp_path, SYNTH_SPEC.replace("kind: dirichlet", "kind: dirichlét"))
    res = runner.invoke(uncertainty_cmd.app, [*args, "--out", str(tmp_path / "o")])
    assert res.exit_code == 2
    assert "spec.yaml: field inputs[4]" in " ".join(res.output.split())


def test_missing_gpu_backend_is_a_clear_error(tmp_path: Path) -> None:
    args = [*_inputs(tmp_path), "--out", str(tmp_path / "o"), "--backend", "cupy", "--no-sobol"]
    res = runner.invoke(uncertainty_cmd.app, args)
    assert res.exit_code == 2
    assert "needs the cupy package" in " ".join(res.output.split())


def test_dask_run_streams_summaries_and_workers_write_replications(tmp_path: Path) -> None:
    """``--dask local`` (two worker processes): the tables equal the in-process streamed run's,
    the replications come as Parquet written by the workers, and no samples.csv (the client
    never holds the replications)."""
    ref_out, out = tmp_path / "ref", tmp_path / "dask"
    args = [*_inputs(tmp_path), "--no-sobol"]
    res = runner.invoke(uncertainty_cmd.app, [*args, "--out", str(ref_out), "--no-keep"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(
        uncertainty_cmd.app, [*args, "--out", str(out), "--dask", "local", "--replications"]
    )
    assert res.exit_code == 0, res.output
    for name in ("countries", "pairwise", "failures"):
        pd.testing.assert_frame_equal(
            pd.read_csv(out / f"{name}.csv"), pd.read_csv(ref_out / f"{name}.csv")
        )
    assert not (out / "samples.csv").exists()
    parts = sorted((out / "replications").glob("part-*.parquet"))
    reps = pd.concat([pd.read_parquet(p) for p in parts])
    assert len(reps) == 400 and reps["replication"].is_unique
    res = runner.invoke(
        uncertainty_cmd.app, [*args, "--out", str(out), "--dask", "local", "--keep"]
    )
    assert res.exit_code != 0 and "--replications" in " ".join(res.output.split())
