"""Issue 25, "Done when": a newcomer's route with nothing but the wheel and a snapshot archive.

Builds the wheel, installs it into a fresh virtual environment with no repository beside it
(its dependencies borrowed from this environment through a ``.pth`` line, as in
``test_packaging``), packs the bundled snapshot into an archive, then, from an empty folder with
an empty home: ``aicap data fetch --from <archive>``, ``aicap build``, ``aicap profile KEN``.
162 s and 263 s in two runs on two shared cores (the build dominates)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RAW = Path(os.environ.get("AICAP_SHARED_DIR") or ROOT.parent / "shared") / "data" / "raw"


def _uv() -> str:
    for candidate in (ROOT / ".tools" / "bin" / "uv", Path(sys.executable).with_name("uv")):
        if candidate.is_file():
            return str(candidate)
    found = shutil.which("uv")
    if found is None:
        pytest.skip("uv is not installed (scripts/setup.sh installs it into .tools/)")
    return found


def _run(cmd: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=900, check=False, **kw)  # type: ignore[call-overload, no-any-return]


@pytest.mark.slow
def test_wheel_then_data_fetch_then_build_then_profile(tmp_path: Path) -> None:
    if not RAW.is_dir():
        pytest.skip(f"the open-data snapshot is not here: {RAW}")
    from aicap.warehouse.archive import pack

    t0 = time.perf_counter()
    uv = _uv()
    dist = tmp_path / "dist"
    build = [uv, "build", "--wheel", "--out-dir", str(dist), str(ROOT)]
    done = _run([*build[:2], "--offline", *build[2:]])
    if done.returncode != 0:
        done = _run(build)
    assert done.returncode == 0, done.stderr
    (wheel,) = dist.glob("aicap-*.whl")
    venv = tmp_path / "venv"
    done = _run([uv, "venv", "--python", sys.executable, str(venv)])
    assert done.returncode == 0, done.stderr
    py = venv / "bin" / "python"
    done = _run([uv, "pip", "install", "--offline", "--no-deps", "--python", str(py), str(wheel)])
    assert done.returncode == 0, done.stderr
    site = _run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
    (Path(site.stdout.strip()) / "zz_borrowed.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", "utf-8"
    )
    mandates = RAW.parent.parent / "mandates"
    packed = pack(RAW, tmp_path / "archive", version="test", mandates=mandates)

    home = tmp_path / "home"
    elsewhere = tmp_path / "elsewhere"
    for folder in (home, elsewhere):
        folder.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AICAP_", "PYTHON"))}
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / "xdg"), COLUMNS="120")
    aicap = str(venv / "bin" / "aicap")

    done = _run(
        [aicap, "data", "fetch", "--from", str(packed.archive), "--sha256", packed.sha256],
        cwd=elsewhere,
        env=env,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    data = home / "xdg" / "aicap" / "data" / "raw"
    assert f"into {data}" in " ".join(done.stdout.split())
    assert (data / "MANIFEST.json").is_file() and (data / "wdi" / "SOURCE.md").is_file()
    where = _run([aicap, "where"], cwd=elsewhere, env=env)
    assert str(data) in where.stdout and str(data / "_mandates") in where.stdout

    done = _run([aicap, "build", "--no-briefing-cache", "--no-uncertainty"], cwd=elsewhere, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Member States scored" in done.stdout
    assert (home / "xdg" / "aicap" / "aicap.duckdb").is_file()

    done = _run([aicap, "profile", "KEN"], cwd=elsewhere, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Kenya" in done.stdout
    assert list(elsewhere.iterdir()) == []  # nothing written where the user stood
    print(f"wheel -> fetch -> build -> profile in {time.perf_counter() - t0:.0f} s")
