"""Project hygiene (issue 25, item 7): licence, citation, contributing, security, quickstart."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

import aicap

ROOT = Path(__file__).resolve().parents[1]


def test_license_is_the_full_apache_2_text() -> None:
    text = (ROOT / "LICENSE").read_text("utf-8")
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION" in text
    # all nine sections and the end marker: the full text, not a pointer to it
    for n, title in enumerate(
        [
            "Definitions",
            "Grant of Copyright License",
            "Grant of Patent License",
            "Redistribution",
            "Submission of Contributions",
            "Trademarks",
            "Disclaimer of Warranty",
            "Limitation of Liability",
            "Accepting Warranty or Additional Liability",
        ],
        start=1,
    ):
        assert re.search(rf"^\s*{n}\. {title}\.", text, re.M), title
    assert "END OF TERMS AND CONDITIONS" in text
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    assert pyproject["project"]["license"] == {"text": "Apache-2.0"}


def test_citation_cff_agrees_with_the_package() -> None:
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text("utf-8"))
    for key in ("cff-version", "message", "title", "authors", "version", "license"):
        assert cff.get(key), key
    assert cff["version"] == aicap.__version__
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    assert cff["version"] == pyproject["project"]["version"]
    assert cff["license"] == "Apache-2.0"
    assert all(a.get("name") or a.get("family-names") for a in cff["authors"])


def test_contributing_and_security_exist_and_link() -> None:
    contributing = (ROOT / "CONTRIBUTING.md").read_text("utf-8")
    assert "scripts/test.sh" in contributing and "mypy" in contributing
    security = (ROOT / "SECURITY.md").read_text("utf-8")
    assert "Reporting a vulnerability" in security


def test_quickstart_uses_the_readme_commands_and_real_subcommands() -> None:
    quick = (ROOT / "docs" / "quickstart.md").read_text("utf-8")
    readme = (ROOT / "README.md").read_text("utf-8")
    for command in ("bash scripts/build.sh", "bash scripts/test.sh"):
        assert command in quick and command in readme
    import typer
    from typer.main import get_command

    from aicap.cli.main import app

    group = get_command(app)
    names = set(group.list_commands(typer.Context(group)))  # type: ignore[attr-defined]
    used = re.findall(r"^\.venv/bin/aicap ([a-z-]+)", quick, re.M)
    assert used, "the quickstart shows no aicap command"
    assert set(used) <= names, set(used) - names
    for link in re.findall(r"\]\(([a-z_]+\.md)\)", quick):
        assert (ROOT / "docs" / link).is_file(), link
