"""The command line's conventions (issue 25, item 4, part): ``-h``, ``--version``, one-line
errors for unwritable outputs and a busy port, ``explain``'s years and framework codes, and
"did you mean" for country codes and names."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import aicap
from aicap.cli import conventions
from aicap.cli.main import app
from aicap.cli.report_cmd import standalone

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


@pytest.fixture(scope="module")
def warehouse(request: pytest.FixtureRequest) -> Path:
    """This checkout's warehouse when it has one (fast), else one built from the snapshot."""
    from aicap.warehouse.read import Warehouse, WarehouseError

    local = ROOT / "var" / "aicap.duckdb"
    if local.is_file():
        try:
            Warehouse(local)  # current schema
        except WarehouseError:
            pass
        else:
            return local
    built: Path = request.getfixturevalue("full_warehouse")
    return built


def _one_line_error(output: str) -> str:
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, output
    assert lines[0].startswith("error: "), output
    assert "Traceback" not in output
    return lines[0]


# ------------------------------------------------------------------------------ -h, --version
@pytest.mark.parametrize("args", [[], ["explain"], ["index", "results"], ["site", "export"]])
def test_dash_h_is_help(args: list[str]) -> None:
    short = runner.invoke(app, [*args, "-h"])
    long = runner.invoke(app, [*args, "--help"])
    assert short.exit_code == long.exit_code == 0
    assert short.output == long.output and "Usage:" in short.output


def test_the_light_entry_has_the_same_conventions() -> None:
    for args in (["-h"], ["profile", "-h"], ["report", "briefing", "-h"]):
        light = runner.invoke(standalone(), args)
        assert light.exit_code == 0 and "Usage:" in light.output, args
    assert runner.invoke(standalone(), ["--version"]).output == f"aicap {aicap.__version__}\n"


def test_version() -> None:
    done = runner.invoke(app, ["--version"])
    assert done.exit_code == 0 and done.output == f"aicap {aicap.__version__}\n"
    console = subprocess.run(
        [str(Path(sys.executable).with_name("aicap")), "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert console.returncode == 0 and console.stdout == f"aicap {aicap.__version__}\n"


# ------------------------------------------------------------------------------ output paths
@pytest.fixture
def blocked(tmp_path: Path) -> Path:
    """A path under a regular file: unwritable even for root."""
    f = tmp_path / "a-file"
    f.write_text("x")
    return f / "sub"


def test_build_out_unwritable_is_one_line(blocked: Path, tmp_path: Path) -> None:
    args = ["build", "--index-dir", str(blocked), "--warehouse", str(tmp_path / "w")]
    done = runner.invoke(app, args)
    assert done.exit_code == 1
    assert f"cannot write --index-dir {blocked}" in _one_line_error(done.output)
    assert not (tmp_path / "w").exists()  # refused before the ingest
    # the old name still works for a release, with a warning naming the new one
    args = ["build", "--out", str(blocked), "--warehouse", str(tmp_path / "w")]
    old = runner.invoke(app, args)
    assert old.exit_code == 1
    assert old.stderr.splitlines()[0] == (
        "warning: --out is deprecated here and will be removed in a later release; use --index-dir"
    )
    assert f"cannot write --out {blocked}" in old.stderr.splitlines()[1]


def test_site_export_unwritable_is_one_line(blocked: Path) -> None:
    done = runner.invoke(app, ["site", "export", str(blocked)])
    assert done.exit_code == 1
    assert "cannot write the site folder" in _one_line_error(done.output)


@pytest.mark.parametrize("make", [app, standalone])
def test_briefing_and_profile_pdf_unwritable_are_one_line(make: object, blocked: Path) -> None:
    cli = app if make is app else standalone()
    done = runner.invoke(cli, ["report", "briefing", "--out", str(blocked)])
    assert done.exit_code == 1
    assert f"cannot write --out {blocked}" in _one_line_error(done.output)
    done = runner.invoke(cli, ["profile", "KEN", "--pdf", str(blocked / "ken.pdf")])
    assert done.exit_code == 1
    line = _one_line_error(done.output)
    assert f"{blocked.parent} is a file, not a folder" in line
    done = runner.invoke(cli, ["profile", "KEN", "--pdf", str(blocked.parent.parent)])
    assert "it is a folder, not a file" in _one_line_error(done.output)


def test_writable_dir_creates_and_checks(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b"
    assert conventions.writable_dir(target, "--out") == target and target.is_dir()
    assert list(target.iterdir()) == []  # the check leaves nothing behind
    (tmp_path / "f").write_text("x")
    with pytest.raises(conventions.OutputError, match="it is a file, not a folder"):
        conventions.writable_dir(tmp_path / "f", "--out")


# ------------------------------------------------------------------------------ the port
def test_serve_on_a_busy_port_is_one_line() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = runner.invoke(app, ["serve", "--port", str(port)])
    assert done.exit_code == 1
    line = _one_line_error(done.output)
    assert f"cannot listen on 127.0.0.1:{port}" in line and "--port" in line
    assert "serving on" not in done.output


def test_listen_gives_a_listening_socket() -> None:
    sock = conventions.listen("127.0.0.1", 0)
    try:
        port = sock.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass  # accepted into the backlog: it listens
        with pytest.raises(conventions.PortError, match="choose another"):
            conventions.listen("127.0.0.1", port)
    finally:
        sock.close()


# ------------------------------------------------------------------------------ explain
def test_explain_lists_the_years_with_data_as_numbers(warehouse: Path) -> None:
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "SELECT DISTINCT year FROM observations "
            "WHERE iso3 = 'KEN' AND indicator = 'IT.NET.BBND.P2' ORDER BY year"
        ).fetchall()
    truth = [int(r[0]) for r in rows]
    assert truth
    done = runner.invoke(
        app, ["explain", "KEN", "IT.NET.BBND.P2", "1950", "--warehouse", str(warehouse)]
    )
    assert done.exit_code == 1
    line = _one_line_error(done.output)
    listed = re.search(r"years with data: ([\d, ]+)$", line)
    assert listed is not None, line
    assert [int(y) for y in listed.group(1).split(", ")] == truth
    assert "int64" not in line and "np." not in line


def test_explain_accepts_the_framework_indicator_codes(warehouse: Path) -> None:
    by_series = runner.invoke(
        app, ["explain", "KEN", "IT.NET.BBND.P2", "2023", "--json", "--warehouse", str(warehouse)]
    )
    by_code = runner.invoke(
        app, ["explain", "KEN", "fixed_broadband", "2023", "--json", "--warehouse", str(warehouse)]
    )
    assert by_series.exit_code == by_code.exit_code == 0, by_code.output
    assert by_code.stdout == by_series.stdout
    assert "reads series IT.NET.BBND.P2" in by_code.stderr
    bad = runner.invoke(app, ["explain", "KEN", "no_such_thing", "--warehouse", str(warehouse)])
    assert bad.exit_code == 1 and "unknown indicator" in bad.output


@pytest.mark.parametrize(
    ("text", "suggested"),
    [("Kenya", "KEN (Kenya)"), ("kenya", "KEN (Kenya)"), ("Keny", "KEN"), ("Frnace", "FRA")],
)
def test_explain_did_you_mean(warehouse: Path, text: str, suggested: str) -> None:
    done = runner.invoke(app, ["explain", text, "IT.NET.BBND.P2", "--warehouse", str(warehouse)])
    assert done.exit_code == 2
    line = _one_line_error(done.output)
    assert "did you mean" in line and suggested in line


def test_explain_unknown_code_without_a_guess(warehouse: Path) -> None:
    done = runner.invoke(app, ["explain", "XXX", "IT.NET.BBND.P2", "--warehouse", str(warehouse)])
    assert done.exit_code == 2
    line = _one_line_error(done.output)
    assert "'XXX' is not a country code" in line and "did you mean" not in line


def test_lower_case_codes_are_accepted(warehouse: Path) -> None:
    done = runner.invoke(app, ["explain", "ken", "IT.NET.BBND.P2", "--warehouse", str(warehouse)])
    assert done.exit_code == 0, done.output


# ------------------------------------------------------------------------------ suggestions
NAMES = {
    "KEN": ["Kenya", "Kenia", "KE"],
    "KNA": ["Saint Kitts and Nevis"],
    "NER": ["Niger"],
    "NGA": ["Nigeria"],
    "FRA": ["France"],
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Kenya", ["KEN"]),  # an exact name: that one alone
        ("KENIA", ["KEN"]),  # a name in another language
        ("Niger", ["NER"]),  # exact beats the longer "Nigeria"
        ("Nigeri", ["NGA", "NER"]),  # a typo: the close ones
        ("Frnace", ["FRA"]),
        ("Atlantis", []),
    ],
)
def test_country_suggestions(text: str, expected: list[str]) -> None:
    assert conventions.country_suggestions(text, NAMES) == expected


def test_unknown_country_message() -> None:
    assert (
        conventions.unknown_country("Kenya", NAMES, "a country code")
        == "'Kenya' is not a country code; did you mean KEN (Kenya)?"
    )
    assert conventions.unknown_country("Atlantis", NAMES, "a country code") == (
        "'Atlantis' is not a country code"
    )


@pytest.mark.slow
def test_profile_did_you_mean(warehouse: Path, tmp_path: Path) -> None:
    done = runner.invoke(
        standalone(),
        [
            "profile",
            "Kenya",
            "--no-monitor",
            "--no-cache",
            "--warehouse",
            str(warehouse),
            "--index-dir",
            str(ROOT / "var" / "out"),
        ],
    )
    assert done.exit_code == 2
    assert "'Kenya' is not a UN Member State" in done.output
    assert "did you mean KEN (Kenya)?" in done.output
    assert "Traceback" not in done.output


# ------------------------------------------------------------------ monitor: unknown countries
@pytest.mark.parametrize("command", ["gaps", "access", "governance", "incidents"])
def test_monitor_refuses_an_unknown_country(warehouse: Path, command: str) -> None:
    done = runner.invoke(
        app, ["monitor", command, "--country", "XXX", "--warehouse", str(warehouse)]
    )
    assert done.exit_code == 2
    line = _one_line_error(done.output)
    assert "'XXX' is not a UN Member State" in line


def test_monitor_did_you_mean_and_lower_case(warehouse: Path) -> None:
    done = runner.invoke(
        app, ["monitor", "gaps", "--country", "Kenia", "--warehouse", str(warehouse)]
    )
    assert done.exit_code == 2 and "did you mean KEN (Kenya)" in _one_line_error(done.output)
    links = runner.invoke(app, ["monitor", "links", "Kenya", "--warehouse", str(warehouse)])
    assert links.exit_code == 2 and "did you mean KEN (Kenya)" in links.output
    ok = runner.invoke(
        app, ["monitor", "gaps", "--country", "ken", "--json", "--warehouse", str(warehouse)]
    )
    assert ok.exit_code == 0, ok.output
    import json

    assert {r["iso3"] for r in json.loads(ok.stdout)["matrix"]} == {"KEN"}
