"""Uncertainty results stored with the composite they describe (``composite.json``)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner
from ua_helpers import SYNTH_RECIPE, SYNTH_SPEC, synth_comp

from aicap.cli import index_cmd, uncertainty_cmd

runner = CliRunner()
SMALL = SYNTH_SPEC.replace("n: 400", "n: 200").replace("sobol_n: 64", "sobol_n: 32")


def _build(tmp_path: Path, *extra: str, recipe: str = SYNTH_RECIPE) -> Path:
    comp = synth_comp()
    (tmp_path / "fw.yaml").write_text(comp.framework.to_yaml(), encoding="utf-8")
    comp.data.to_csv(tmp_path / "data.csv", index=False)
    (tmp_path / "recipe.yaml").write_text(recipe, encoding="utf-8")
    (tmp_path / "spec.yaml").write_text(SMALL, encoding="utf-8")
    out = tmp_path / "composite"
    args = ["build", "--framework", str(tmp_path / "fw.yaml"), "--data"]
    args += [str(tmp_path / "data.csv"), "--recipe", str(tmp_path / "recipe.yaml")]
    res = runner.invoke(index_cmd.app, [*args, "--out", str(out), *extra])
    assert res.exit_code == 0, res.output
    return out


def test_index_build_with_uncertainty_stores_the_results_with_the_composite(
    tmp_path: Path,
) -> None:
    out = _build(tmp_path, "--uncertainty", str(tmp_path / "spec.yaml"))
    manifest = json.loads((out / "composite.json").read_text())
    assert set(manifest["inputs"]) == {"framework", "recipe", "data"}
    entry = manifest["uncertainty"]["synth-ua"]
    assert entry["folder"] == "uncertainty/synth-ua"
    assert entry["summary"]["monte_carlo"]["replications"] == 200
    assert "countries.parquet" in entry["files"] and "sobol.csv" in entry["files"]
    countries = pd.read_parquet(out / entry["folder"] / "countries.parquet")
    results = pd.read_csv(out / "results.csv")
    assert set(countries["uCode"]) <= set(results["uCode"])


def test_uncertainty_run_on_a_stored_composite_adds_to_its_manifest(tmp_path: Path) -> None:
    out = _build(tmp_path)
    assert json.loads((out / "composite.json").read_text())["uncertainty"] == {}
    res = runner.invoke(
        uncertainty_cmd.app,
        ["run", "--composite", str(out), "--spec", str(tmp_path / "spec.yaml"), "--no-sobol"],
    )
    assert res.exit_code == 0, res.output
    entry = json.loads((out / "composite.json").read_text())["uncertainty"]["synth-ua"]
    assert (out / "uncertainty" / "synth-ua" / "countries.csv").is_file()
    assert "sobol.csv" not in entry["files"]
    # the same results as a run from the original inputs
    direct = tmp_path / "direct"
    args = ["run", "--framework", str(tmp_path / "fw.yaml"), "--data", str(tmp_path / "data.csv")]
    args += ["--recipe", str(tmp_path / "recipe.yaml"), "--spec", str(tmp_path / "spec.yaml")]
    res = runner.invoke(uncertainty_cmd.app, [*args, "--out", str(direct), "--no-sobol"])
    assert res.exit_code == 0, res.output
    pd.testing.assert_frame_equal(
        pd.read_parquet(direct / "countries.parquet"),
        pd.read_parquet(out / "uncertainty" / "synth-ua" / "countries.parquet"),
    )
    # rebuilding the composite with other inputs drops the analyses of the old ones
    _build(tmp_path, recipe=SYNTH_RECIPE.replace("winmax: 3", "winmax: 2"))
    assert json.loads((out / "composite.json").read_text())["uncertainty"] == {}


def test_a_changed_input_file_is_refused(tmp_path: Path) -> None:
    out = _build(tmp_path)
    data = out / "data.csv"
    with data.open("a", encoding="utf-8") as fh:
        fh.write("\n")
    res = runner.invoke(
        uncertainty_cmd.app, ["run", "--composite", str(out), "--spec", str(tmp_path / "spec.yaml")]
    )
    assert res.exit_code == 2
    text = "".join(res.output.split())  # Rich wraps long paths anywhere
    assert "data.csv:changedsincethecompositewasbuilt" in text
    assert not (out / "uncertainty").exists()


def test_a_folder_without_a_manifest_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "spec.yaml").write_text(SMALL, encoding="utf-8")
    res = runner.invoke(
        uncertainty_cmd.app,
        ["run", "--composite", str(tmp_path), "--spec", str(tmp_path / "spec.yaml")],
    )
    assert res.exit_code == 2
    assert "composite.json:nosuchfile" in "".join(res.output.split())
