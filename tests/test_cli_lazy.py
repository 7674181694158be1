"""``aicap --help`` and every ``aicap X --help`` import no heavy module (issue 25, item 4:
``--help`` in well under a second): commands are registered lazily (:mod:`aicap.cli.lazy`)
and the command modules import the engine, pandas, SQLAlchemy... only when they run."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from aicap.cli import lazy
from aicap.cli.main import COMMANDS, app

HEAVY = ("pandas", "numpy", "scipy", "sqlalchemy", "duckdb", "fastapi", "weasyprint", "sklearn")
PROBE = """
import json, sys
from aicap.cli.main import app
try:
    app(sys.argv[1:], prog_name="aicap")
except SystemExit as exc:
    code = exc.code
heavy = sorted({m.split(".")[0] for m in sys.modules} & set(json.loads(HEAVY)))
print("\\nPROBE", json.dumps({"code": code, "heavy": heavy}))
"""


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["-h"],
        ["index", "results", "--help"],
        ["index", "build", "--help"],
        ["uncertainty", "run", "--help"],
        ["monitor", "gaps", "--help"],
        ["coop", "export-iati", "--help"],
        ["update", "--help"],
        ["serve", "--help"],
        ["site", "export", "--help"],
        ["profile", "--help"],
        ["report", "briefing", "--help"],
        ["claim", "list", "--help"],
        ["build", "--help"],
        ["explain", "--help"],
        ["--version"],
    ],
)
def test_help_imports_nothing_heavy(args: list[str]) -> None:
    code = PROBE.replace("json.loads(HEAVY)", repr(list(HEAVY)))
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120
    )
    line = done.stdout.rsplit("PROBE ", 1)[-1]
    got = json.loads(line)
    assert got["code"] in (0, None), done.stdout + done.stderr
    assert got["heavy"] == [], f"{args}: imported {got['heavy']}"
    if "--help" in args or "-h" in args:
        assert "Usage:" in done.stdout


def test_every_registered_command_loads_and_is_listed() -> None:
    listing = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert listing.exit_code == 0
    for name, (target, short) in COMMANDS.items():
        command = lazy.load(target, name)
        assert command.name == name
        assert name in listing.output and short in listing.output
        own = CliRunner().invoke(app, [name, "--help"])
        assert own.exit_code == 0 and "Usage: " in own.output and name in own.output


def test_unknown_command_is_a_usage_error() -> None:
    done = CliRunner().invoke(app, ["nosuchcommand"])
    assert done.exit_code == 2


def test_written_out_names_match_their_sources() -> None:
    from aicap.cli.uncertainty_cmd import BACKEND_NAMES
    from aicap.cli.update_cmd import LIVE_NAMES
    from aicap.index.backend import BACKENDS
    from aicap.sources.live import LIVE

    assert tuple(BACKENDS) == BACKEND_NAMES
    assert tuple(LIVE) == LIVE_NAMES
