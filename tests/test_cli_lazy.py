"""``aicap --help`` and every ``aicap X --help`` import no heavy module (issue 25, item 4:
``--help`` in well under a second): commands are registered lazily (:mod:`aicap.cli.lazy`)
and the command modules import the engine, pandas, SQLAlchemy... only when they run."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

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
        ["voice", "--help"],
        ["data", "fetch", "--help"],
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


# ------------------------------------------------------------------ optional parts (extras)
MISSING = """
import sys
sys.modules[sys.argv[1]] = None  # as if the extra were not installed
from aicap.cli.main import app
app(sys.argv[2:], prog_name="aicap")
"""


@pytest.mark.parametrize(
    ("module", "args", "extra"),
    [
        ("sqlalchemy", ["coop", "init"], "web"),
        ("uvicorn", ["serve", "--port", "0"], "web"),
        ("alembic", ["coop", "init"], "web"),
    ],
)
def test_a_missing_extra_is_named_in_one_line(
    module: str, args: list[str], extra: str, tmp_path: Path
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", MISSING, module, *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=str(tmp_path),
        env={**os.environ, "AICAP_COOP_DB": f"sqlite:///{tmp_path}/c.sqlite"},
    )
    assert done.returncode == lazy.EXIT_MISSING_EXTRA, done.stderr
    lines = [x for x in done.stderr.splitlines() if x.strip()]
    assert lines == [
        f"error: this command needs aicap's optional {extra!r} part ({module} is not "
        f"installed): pip install 'aicap[{extra}]'"
    ]


def test_other_missing_modules_are_not_hidden() -> None:
    assert lazy.missing_extra(ModuleNotFoundError("x", name="aicap.nothing")) is None
    assert "aicap[gpu]" in str(lazy.missing_extra(ModuleNotFoundError("x", name="torch.cuda")))


def test_the_extras_are_those_of_pyproject() -> None:
    import tomllib

    meta = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text("utf-8"))
    extras = meta["project"]["optional-dependencies"]
    assert set(extras) - {"dev"} == set(lazy.EXTRAS)
    base = " ".join(meta["project"]["dependencies"]).lower()
    for name in ("fastapi", "sqlalchemy", "weasyprint", "psycopg", "torch", "distributed"):
        assert name not in base  # the base install stays lean

    def names(reqs: list[str]) -> set[str]:
        out: set[str] = set()
        for req in reqs:
            name = re.split(r"[<>=\[ ;]", req, maxsplit=1)[0].lower()
            if name == "aicap":  # aicap[web,pdf]: those extras' packages
                for extra in req.split("[", 1)[1].rstrip("]").split(","):
                    out |= names(extras[extra.strip()])
            else:
                out.add(name)
        return out

    # pip install 'aicap[dev]' has what the tests need
    assert names(meta["dependency-groups"]["dev"]) <= names(extras["dev"])
