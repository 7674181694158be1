"""The ``aicap index`` sub-app, driven through Typer's test runner."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from index_helpers import ASEM, REPO, needs_asem
from typer.testing import CliRunner

from aicap.cli import index_cmd

runner = CliRunner()


@needs_asem
def test_build_from_coinr_files_writes_every_stage(tmp_path: Path) -> None:
    res = runner.invoke(
        index_cmd.app,
        [
            "build",
            "--idata",
            str(ASEM / "iData.csv"),
            "--imeta",
            str(ASEM / "iMeta.csv"),
            "--recipe",
            str(REPO / "examples/asem/recipe.yaml"),
            "--out",
            str(tmp_path),
        ],
    )
    assert res.exit_code == 0, res.output
    for stage in ("denominated", "imputed", "screened", "treated", "normalised", "aggregated"):
        ours = pd.read_csv(tmp_path / f"{stage}.csv")
        ref = pd.read_csv(ASEM / f"{stage}.csv")
        assert list(ours.columns) == list(ref.columns)
        assert list(ours["uCode"]) == list(ref["uCode"])
        np.testing.assert_allclose(
            ours.iloc[:, 1:].to_numpy(float), ref.iloc[:, 1:].to_numpy(float), atol=1e-9
        )
    for name in (
        "raw.csv",
        "flags.csv",
        "flags_wide.csv",
        "weights.csv",
        "results.csv",
        "recipe.yaml",
        "audit.md",
    ):
        assert (tmp_path / name).is_file(), name
    flags = pd.read_csv(tmp_path / "flags.csv")
    assert list(flags.columns) == ["uCode", "iCode", "step", "flag"]
    assert "# Audit" in (tmp_path / "audit.md").read_text()


def test_build_from_framework_yaml(tmp_path: Path) -> None:
    data = pd.DataFrame(
        {
            "uCode": ["A", "B", "C"],
            "OSI": [0.1, 0.5, 0.9],
            "HCI": [0.2, 0.4, 0.6],
            "TII": [0.3, 0.3, 0.3],
        }
    )
    data.to_csv(tmp_path / "d.csv", index=False)
    res = runner.invoke(
        index_cmd.app,
        [
            "build",
            "--framework",
            str(REPO / "examples/egdi/framework.yaml"),
            "--data",
            str(tmp_path / "d.csv"),
            "--recipe",
            str(REPO / "examples/egdi/recipe.yaml"),
            "--out",
            str(tmp_path / "out"),
        ],
    )
    assert res.exit_code == 0, res.output
    agg = pd.read_csv(tmp_path / "out" / "aggregated.csv")
    np.testing.assert_allclose(agg["EGDI"], [0.2, 0.4, 0.6])


@pytest.mark.parametrize(
    ("recipe_text", "message"),
    [
        ("steps:\n  - {step: aggregate, method: a_amen}\n", "unknown aggregate method 'a_amen'"),
        (
            "steps:\n  - {step: normalise, method: minmax, params: {lu: [0, 1]}}\n",
            "takes no parameter 'lu'",
        ),
    ],
)
def test_bad_recipe_is_reported_with_file_name(
    tmp_path: Path, recipe_text: str, message: str
) -> None:
    (tmp_path / "bad.yaml").write_text(recipe_text)
    pd.DataFrame({"uCode": ["A"], "OSI": [1.0], "HCI": [1.0], "TII": [1.0]}).to_csv(
        tmp_path / "d.csv", index=False
    )
    res = runner.invoke(
        index_cmd.app,
        [
            "build",
            "--framework",
            str(REPO / "examples/egdi/framework.yaml"),
            "--data",
            str(tmp_path / "d.csv"),
            "--recipe",
            str(tmp_path / "bad.yaml"),
            "--out",
            str(tmp_path / "o"),
        ],
    )
    assert res.exit_code == 2
    text = " ".join(res.output.split())
    assert "bad.yaml" in text and message in text


def test_methods_lists_coinr_aliases() -> None:
    res = runner.invoke(index_cmd.app, ["methods", "normalise"])
    assert res.exit_code == 0
    assert "minmax (n_minmax)" in res.output and "prank (n_prank" in res.output
