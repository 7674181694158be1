"""Install the usual ways (issue 25, item 1): the framework and catalogues are read through
:func:`aicap.resources.path`, and a built wheel carries them, so an installed aicap works with
no repository beside it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import zipfile
from pathlib import Path

import pytest

from aicap import resources

ROOT = Path(__file__).resolve().parents[1]
SHIPPED_FILES = sorted(
    str(p.relative_to(ROOT))
    for folder in resources.SHIPPED
    for p in (ROOT / folder).rglob("*")
    if p.is_file()
)


def test_resources_read_the_source_tree_in_a_checkout() -> None:
    assert resources.path("frameworks/aicap.yaml") == ROOT / "frameworks" / "aicap.yaml"
    assert resources.path("catalogues") == ROOT / "catalogues"


@pytest.mark.parametrize("bad", ["/etc/passwd", "../pyproject.toml", "frameworks/../../x", "src"])
def test_resources_refuse_paths_outside_the_shipped_folders(bad: str) -> None:
    with pytest.raises(resources.ResourceError, match=r"ship|relative"):
        resources.path(bad)


def test_a_missing_resource_names_both_places() -> None:
    with pytest.raises(resources.ResourceError, match=r"aicap/_data/catalogues/nope\.yaml"):
        resources.path("catalogues/nope.yaml")


def test_every_default_path_goes_through_the_resolver(monkeypatch: pytest.MonkeyPatch) -> None:
    from aicap.analysis.catalogue import default_catalogue_path
    from aicap.analysis.claims import default_claims_path
    from aicap.analysis.monitor.links import default_links_path
    from aicap.analysis.monitor.risks import default_taxonomy_path
    from aicap.analysis.spec import default_framework_path

    for var in ("AICAP_CATALOGUE", "AICAP_MONITOR_LINKS", "AICAP_RISKS"):
        monkeypatch.delenv(var, raising=False)
    fake = ROOT / "elsewhere"
    monkeypatch.setattr(resources, "path", lambda rel: fake / rel)
    assert default_framework_path() == fake / "frameworks/aicap.yaml"
    assert default_catalogue_path() == fake / "catalogues/interventions.yaml"
    assert default_claims_path() == fake / "catalogues/claims.yaml"
    assert default_links_path() == fake / "catalogues/monitor_links.yaml"
    assert default_taxonomy_path() == fake / "catalogues/risks.yaml"


def test_no_module_computes_a_repository_path_to_the_shipped_folders() -> None:
    offenders = []
    for p in (ROOT / "src" / "aicap").rglob("*.py"):
        text = p.read_text("utf-8")
        for folder in resources.SHIPPED:
            if f'/ "{folder}"' in text or f'Path("{folder}' in text:
                offenders.append(f"{p.relative_to(ROOT)}: {folder}")
    assert offenders == []


def _uv() -> str:
    for candidate in (ROOT / ".tools" / "bin" / "uv", Path(sys.executable).with_name("uv")):
        if candidate.is_file():
            return str(candidate)
    found = shutil.which("uv")
    if found is None:
        pytest.skip("uv is not installed (scripts/setup.sh installs it into .tools/)")
    return found


def _run(cmd: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False, **kw)  # type: ignore[call-overload, no-any-return]


@pytest.mark.slow
def test_the_wheel_installs_and_works_with_no_repository_beside_it(tmp_path: Path) -> None:
    uv = _uv()
    dist = tmp_path / "dist"
    build = [uv, "build", "--wheel", "--out-dir", str(dist), str(ROOT)]
    done = _run([*build[:2], "--offline", *build[2:]])  # hatchling from uv's cache
    if done.returncode != 0:
        done = _run(build)
    assert done.returncode == 0, done.stderr
    (wheel,) = dist.glob("aicap-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for rel in SHIPPED_FILES:
        assert f"aicap/_data/{rel}" in names, rel
    assert any(n.endswith("dist-info/licenses/LICENSE") for n in names)
    for part in ("web/templates/", "web/static/", "web/locales/", "report/templates/"):
        assert any(n.startswith(f"aicap/{part}") for n in names), part
    assert any(n.endswith(".mo") for n in names)
    assert any("cooperation/migrations/versions/" in n for n in names)

    # a fresh environment: the wheel alone, its dependencies borrowed from this one (read
    # through a .pth line, which does not run this environment's editable-install hook)
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
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AICAP_", "PYTHON"))}
    env["HOME"] = str(tmp_path)
    mandates = Path(os.environ.get("AICAP_SHARED_DIR") or ROOT.parent / "shared") / "mandates"
    check = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        import aicap
        from aicap import resources
        from aicap.analysis.spec import IndexSpec, default_framework_path
        from aicap.analysis.claims import load_claim_catalogue
        from aicap.analysis.monitor.risks import load_taxonomy
        pkg = Path(aicap.__file__).resolve().parent
        assert pkg.is_relative_to(Path({str(venv)!r}).resolve()), pkg
        fw = default_framework_path()
        assert fw == pkg / "_data" / "frameworks" / "aicap.yaml", fw
        spec = IndexSpec.load(fw)
        print("pillars", len(spec.pillar_codes))
        print("claim kinds", len(load_claim_catalogue().kinds))
        print("risks", len(load_taxonomy().risks))
        if Path({str(mandates)!r}).is_dir():
            from aicap.analysis.catalogue import load_catalogue
            from aicap.analysis.monitor.links import load_links
            cat = load_catalogue(mandates={str(mandates)!r})
            load_links(cat)
            print("catalogue loaded")
        """
    )
    done = _run([str(py), "-c", check], cwd=elsewhere, env=env)
    assert done.returncode == 0, done.stderr
    assert "pillars" in done.stdout and "risks" in done.stdout
    if mandates.is_dir():
        assert "catalogue loaded" in done.stdout
    aicap_bin = venv / "bin" / "aicap"
    done = _run([str(aicap_bin), "--help"], cwd=elsewhere, env=env)
    assert done.returncode == 0, done.stderr
    assert "AI Capacity Observatory" in done.stdout

    # the failure: after `pip install`, `aicap build` from an empty folder (the
    # warehouse and outputs go to the per-user data directory)
    raw = mandates.parent / "data" / "raw"
    if not raw.is_dir():
        return
    env = {**env, "AICAP_DATA_DIR": str(raw), "XDG_DATA_HOME": str(tmp_path / "xdg")}
    build = [str(aicap_bin), "build", "--no-briefing-cache", "--no-uncertainty"]
    done = _run(build, cwd=elsewhere, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Member States scored" in done.stdout
    assert (tmp_path / "xdg" / "aicap" / "out" / "results.parquet").is_file()
    assert (tmp_path / "xdg" / "aicap" / "aicap.duckdb").is_file()
    assert list(elsewhere.iterdir()) == []
