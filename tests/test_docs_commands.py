"""The commands quoted in README.md and docs/*.md exist with the options they show, and the
cheap ones run and print the numbers the quickstart quotes (issue 25: the docs cannot go
stale)."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from aicap.cli.main import app

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHELL = {"head", "jq", "grep", "less", "wc", "sort"}


def quoted_commands() -> list[tuple[str, list[str]]]:
    """``(where, argv)`` of every ``aicap ...`` line in a bash block (comments, shell pipes,
    optional brackets and ``a|b`` alternatives reduced to what the command line sees)."""
    found = []
    for path in DOCS:
        text = path.read_text("utf-8")
        for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S):
            for line in re.sub(r"\\\n\s*", " ", block).splitlines():
                line = re.sub(r"\s+#.*$", "", line).strip()
                m = re.match(r"^(?:[A-Z_]+=\S+\s+)*(?:\.venv/bin/)?aicap\s+(.*)$", line)
                if not m:
                    continue
                rest = m.group(1)
                # "a | head", "a > file": the shell's part goes; "list | show ID": alternatives
                parts = [p.strip() for p in rest.split(" | ")]
                rest = parts[0]
                rest = rest.split(" > ")[0]
                rest = re.sub(r"\[(SOURCE|KEN)\.*\]", "", rest)
                rest = rest.replace("[", " ").replace("]", " ")
                try:
                    tokens = shlex.split(rest)
                except ValueError:  # an apostrophe in a placeholder ("<the archive's .sha256>")
                    tokens = rest.split()
                argv = [t.split("|")[0] if t.startswith("-") or "|" in t else t
                        for t in tokens]  # fmt: skip
                found.append((f"{path.name}: {line}", argv))
    return found


def _resolve(argv: list[str]) -> tuple[typer.core.TyperCommand | None, list[str]]:
    root = typer.main.get_command(app)
    cmd = root
    ctx = typer.Context(root)
    words = list(argv)
    while words and hasattr(cmd, "get_command") and not words[0].startswith("-"):
        sub = cmd.get_command(ctx, words[0])
        if sub is None:
            break
        cmd = sub
        words.pop(0)
    return cmd, words


COMMANDS = quoted_commands()


def test_the_docs_quote_commands() -> None:
    assert len(COMMANDS) > 40


@pytest.mark.parametrize(("where", "argv"), COMMANDS, ids=[w for w, _ in COMMANDS])
def test_every_quoted_command_and_option_exists(where: str, argv: list[str]) -> None:
    cmd, rest = _resolve(argv)
    assert (cmd is not None and not hasattr(cmd, "list_commands")) or not argv, where
    names = {o for p in cmd.params for o in (*p.opts, *p.secondary_opts)}  # type: ignore[union-attr]
    for token in rest:
        if token.startswith("--"):  # "--keep/--no-keep": both
            for name in token.split("=")[0].split("/"):
                assert name in names, f"{where}: {name} is not an option of {argv[0]}"


# ------------------------------------------------------------------ cheap ones, run
@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch, full_warehouse: Path, built_outputs: Path) -> Path:
    """The snapshot's warehouse and index outputs, built in the test session."""
    monkeypatch.setenv("AICAP_WAREHOUSE", str(full_warehouse))
    monkeypatch.setenv("AICAP_OUT", str(built_outputs))
    return built_outputs


def test_the_quickstart_numbers(built: Path) -> None:
    quick = (ROOT / "docs" / "quickstart.md").read_text("utf-8")
    runner = CliRunner()
    done = runner.invoke(app, ["explain", "KEN", "IT.NET.BBND.P2", "2023", "--format", "json"])
    assert done.exit_code == 0, done.output
    rec = json.loads(done.stdout)
    assert f"{rec['value']} {rec['unit']}" in quick.replace("\n", " ")
    assert f"published by the {rec['publisher']}" in quick.replace("\n", " ")
    same = runner.invoke(app, ["explain", "KEN", "fixed_broadband", "2023", "--format", "json"])
    assert json.loads(same.stdout) == rec
    records = {r["iso3"]: r for r in json.loads((built / "results.json").read_text("utf-8"))}
    ken = records["KEN"]
    scored = sum(r["status"] == "scored" for r in records.values())
    flat = quick.replace("\n", " ")
    assert f"score {ken['score']:.2f} (band" in flat
    assert f"rank {ken['rank']} of the {scored} Member States" in flat
    assert f"(rank band {ken['rank_p05']:.0f}-{ken['rank_p95']:.0f})" in flat
    assert records["MCO"]["status"] == "insufficient_data" and "Monaco" in flat
    assert runner.invoke(app, ["where"]).exit_code == 0
