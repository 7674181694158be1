"""Work from anywhere (issue 25, item 3): the warehouse and outputs follow the project directory
found upwards from the current one, else the per-user data directory; environment variables win;
``aicap where`` says which rule found each."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from aicap import paths

ROOT = Path(__file__).resolve().parents[1]
AICAP = Path(sys.executable).with_name("aicap")


def _clean_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AICAP_", "XDG_"))}
    env["HOME"] = str(tmp_path / "home")
    return env


def _by_name(locations: list[paths.Location]) -> dict[str, paths.Location]:
    return {loc.name: loc for loc in locations}


def test_a_project_is_found_upwards_by_its_pyproject(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    deep = project / "docs" / "sub"
    deep.mkdir(parents=True)
    (project / "pyproject.toml").write_text('[project]\nname = "aicap"\nversion = "1"\n')
    found = _by_name(paths.locate(deep, _clean_env(tmp_path)))
    assert found["warehouse"].path == project / "var" / "aicap.duckdb"
    assert found["outputs"].path == project / "var" / "out"
    assert found["warehouse"].how == f"project directory {project}"
    assert found["warehouse"].exists is False


def test_another_projects_pyproject_is_not_a_project(tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "pyproject.toml").write_text('[project]\nname = "aicap-plugin"\n')
    assert paths.find_project(other) is None
    (other / "var").mkdir()
    (other / "var" / "aicap.duckdb").write_bytes(b"")
    assert paths.find_project(other / "var") == other


def test_without_a_project_the_per_user_directory(tmp_path: Path) -> None:
    env = _clean_env(tmp_path)
    env["XDG_DATA_HOME"] = str(tmp_path / "xdg")
    lonely = tmp_path / "lonely"
    lonely.mkdir()
    if _has_platformdirs():
        pytest.skip("platformdirs decides the per-user directory here")
    found = _by_name(paths.locate(lonely, env))
    assert found["warehouse"].path == tmp_path / "xdg" / "aicap" / "aicap.duckdb"
    assert found["data"].path == tmp_path / "xdg" / "aicap" / "data" / "raw"
    assert "XDG_DATA_HOME" in found["warehouse"].how
    del env["XDG_DATA_HOME"]
    found = _by_name(paths.locate(lonely, env))
    assert found["outputs"].path == tmp_path / "home" / ".local" / "share" / "aicap" / "out"


def _has_platformdirs() -> bool:
    import importlib.util

    return importlib.util.find_spec("platformdirs") is not None


def test_environment_variables_win(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    (project / "var").mkdir(parents=True)
    (project / "var" / "aicap.duckdb").write_bytes(b"")
    env = _clean_env(tmp_path)
    env["AICAP_WAREHOUSE"] = str(tmp_path / "mine.duckdb")
    env["AICAP_COOP_DB"] = "postgresql://db/coop"
    found = _by_name(paths.locate(project, env))
    assert found["warehouse"].path == tmp_path / "mine.duckdb"
    assert found["warehouse"].how == "environment variable AICAP_WAREHOUSE"
    assert found["outputs"].path == project / "var" / "out"  # the others still follow the project
    assert found["cooperation"].exists is None  # a URL is not checked


def test_apply_sets_only_unset_variables(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    (project / "var").mkdir(parents=True)
    (project / "var" / "aicap.duckdb").write_bytes(b"")
    env = _clean_env(tmp_path)
    env["AICAP_OUT"] = "/somewhere/out"
    paths.apply(env, project / "var")
    assert env["AICAP_OUT"] == "/somewhere/out"
    assert env["AICAP_WAREHOUSE"] == str(project / "var" / "aicap.duckdb")
    assert env["AICAP_COOP_DB"] == f"sqlite:///{project / 'var' / 'cooperation.sqlite'}"


def test_the_shared_snapshot_is_found_from_the_project(tmp_path: Path) -> None:
    raw = tmp_path / "shared" / "data" / "raw"
    raw.mkdir(parents=True)
    project = tmp_path / "proj"
    (project / "var").mkdir(parents=True)
    (project / "var" / "aicap.duckdb").write_bytes(b"")
    found = _by_name(paths.locate(project, _clean_env(tmp_path)))
    assert found["data"].path == raw
    assert found["data"].exists is True


def test_aicap_where_from_a_subdirectory_names_the_project(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(AICAP), "where", "--json"],
        cwd=ROOT / "docs",
        env=_clean_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    found = {d["name"]: d for d in json.loads(done.stdout)}
    assert found["warehouse"]["path"] == str(ROOT / "var" / "aicap.duckdb")
    assert found["warehouse"]["how"] == f"project directory {ROOT}"
    assert found["outputs"]["path"] == str(ROOT / "var" / "out")
    text = subprocess.run(
        [str(AICAP), "where"],
        cwd=tmp_path,
        env={**_clean_env(tmp_path), "AICAP_OUT": str(tmp_path / "o")},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    ).stdout
    assert "found by: environment variable AICAP_OUT" in text
    assert "per-user data directory" in text


@pytest.mark.slow
def test_a_command_from_a_subdirectory_reads_the_project_warehouse(
    tmp_path: Path, full_warehouse: Path
) -> None:
    # a project of its own (found upwards by its pyproject.toml), with a current warehouse, so
    # that the test runs on a clean clone too
    proj = tmp_path / "proj"
    (proj / "var").mkdir(parents=True)
    (proj / "docs").mkdir()
    (proj / "pyproject.toml").write_text('[project]\nname = "aicap"\n', encoding="utf-8")
    shutil.copyfile(full_warehouse, proj / "var" / "aicap.duckdb")
    done = subprocess.run(
        [str(AICAP), "coverage", "--json"],
        cwd=proj / "docs",
        env=_clean_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["member_states_total"] == 193
    assert not (proj / "docs" / "var").exists()
