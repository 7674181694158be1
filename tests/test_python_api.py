"""The Python API for notebooks (issue 25, item 5): docs/python.md's examples run as doctests
on this checkout's warehouse and index outputs; ``import aicap`` stays light; wrong arguments
are one clear :class:`aicap.ApiError`."""

from __future__ import annotations

import doctest
import json
import subprocess
import sys
from pathlib import Path

import pytest

import aicap

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch, full_warehouse: Path, built_outputs: Path) -> Path:
    """The snapshot's warehouse and index outputs (built in the test session, so a clean clone
    checks the docs' numbers too)."""
    monkeypatch.setenv("AICAP_WAREHOUSE", str(full_warehouse))
    monkeypatch.setenv("AICAP_OUT", str(built_outputs))
    monkeypatch.chdir(ROOT)
    return built_outputs


def markdown_doctest(path: Path) -> doctest.TestResults:
    """Run the ``>>>`` examples of a Markdown file (a code fence ends an expected output)."""
    text = path.read_text("utf-8").replace("\n```", "\n\n```")
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    test = doctest.DocTestParser().get_doctest(text, {}, path.name, str(path), 0)
    runner = doctest.DocTestRunner(optionflags=flags)
    runner.run(test)
    return runner.summarize(verbose=False)


def test_the_python_docs_run(built: Path) -> None:
    got = markdown_doctest(ROOT / "docs" / "python.md")
    assert got.attempted >= 15
    assert got.failed == 0


def test_import_aicap_is_light() -> None:
    code = (
        "import sys, json, aicap; aicap.__version__; "
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'pandas', 'numpy', 'duckdb', 'scipy', 'typer', 'aicap.api'})))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout) == []
    assert {"results", "profile", "panel", "composite"} <= set(dir(aicap))
    with pytest.raises(AttributeError):
        aicap.no_such_thing  # noqa: B018


def test_clear_errors(tmp_path: Path, built: Path) -> None:
    with pytest.raises(aicap.ApiError, match="no yearly series in"):
        aicap.results(2020, index_dir=tmp_path)
    with pytest.raises(aicap.ApiError, match="no warehouse"):
        aicap.panel("IT.NET.BBND.P2", warehouse=tmp_path / "none.duckdb")
    with pytest.raises(aicap.ApiError, match="give framework, data and recipe"):
        aicap.composite("examples/hdi/recipe.yaml")


def test_panel_unknown_is_never_zero(built: Path) -> None:
    wide = aicap.panel(["IT.NET.BBND.P2", "IT.CEL.SETS.P2"], years=[2023], wide=True)
    long = aicap.panel(["IT.NET.BBND.P2", "IT.CEL.SETS.P2"], years=[2023])
    # a country-year with one series only: the other is NaN in the wide frame, absent in long
    assert wide[["IT.NET.BBND.P2", "IT.CEL.SETS.P2"]].notna().sum().sum() == len(long)
    assert not (wide[["IT.NET.BBND.P2", "IT.CEL.SETS.P2"]] == 0).all().any()


def test_profile_is_the_command_lines(built: Path) -> None:
    from typer.testing import CliRunner

    from aicap.analysis.profile import profile_json
    from aicap.cli.main import app

    args = ["profile", "KEN", "--format", "json", "--no-monitor", "--no-cache"]
    done = CliRunner().invoke(app, args)
    assert done.exit_code == 0, done.output
    assert json.loads(profile_json(aicap.profile("KEN"))) == json.loads(done.stdout)
