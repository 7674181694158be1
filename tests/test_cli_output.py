"""``--format table|csv|json`` and tables that fit or wrap at any width, never cutting a
number (issue 25, item 4); the documented exit codes (docs/cli.md)."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aicap.cli import output
from aicap.cli.main import app
from aicap.cli.output import Column

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()
PILLARS = [f"P{i}" for i in range(12)]


def _wide_rows() -> list[dict[str, object]]:
    """Rows whose numbers are all different and long: any cut or fold shows."""
    return [
        {"iso3": f"X{k:02d}", "name": "A country with a rather long official name " * (k % 2 + 1)}
        | {p: f"{1000 * k + 17 * i + 0.123:.3f}" for i, p in enumerate(PILLARS)}
        for k in range(1, 9)
    ]


COLS = [Column("iso3"), Column("name"), *(Column(p, numeric=True) for p in PILLARS)]


@pytest.mark.parametrize("width", [40, 60, 80, 120])
def test_tables_fit_the_width_and_keep_every_number(
    width: int, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", str(width))
    rows = _wide_rows()
    output.emit(rows, "table", columns=COLS, title="wide")
    text = capsys.readouterr().out
    assert max(len(line) for line in text.splitlines()) <= width
    assert "…" not in text
    for r in rows:  # every number whole, on one line
        for p in PILLARS:
            assert re.search(rf"(?<![\d.]){re.escape(str(r[p]))}(?![\d.])", text), (p, r[p])
    blocks = re.findall(r"wide \((\d+) of (\d+)\)", text)
    if width < 200:
        assert blocks and all(b[1] == blocks[0][1] for b in blocks)
    # the key column leads every block
    assert text.count("X01") == max(1, len(blocks))


def test_piped_without_columns_prints_one_line_per_row(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    rows = _wide_rows()
    output.emit(rows, "table", columns=COLS, title="wide")
    lines = capsys.readouterr().out.splitlines()
    for r in rows:
        mine = [line for line in lines if str(r["iso3"]) in line]
        assert len(mine) == 1 and all(str(r[p]) in mine[0] for p in PILLARS)


def test_blocks_repeat_the_keys_and_cover_every_column() -> None:
    widths = [4, 3, 10, 10, 10, 10, 30]
    got = output.blocks(widths, keys=2, room=40)
    assert all(b[:2] == [0, 1] for b in got)
    assert sorted({i for b in got for i in b}) == list(range(len(widths)))
    for b in got:  # each fits, unless one column alone is wider
        assert 1 + sum(widths[i] + 3 for i in b) <= 40 or len(b) == 3


def test_csv_and_json_carry_the_values() -> None:
    rows = [{"iso3": "KEN", "score": 41.55, "tags": ["a", "b"], "more": {"x": 1}, "none": None}]
    text = output.write_csv(rows, output.columns_of(rows))
    got = list(csv.DictReader(io.StringIO(text)))
    assert got == [{"iso3": "KEN", "score": "41.55", "tags": "a;b", "more": '{"x": 1}', "none": ""}]
    assert [c.numeric for c in output.columns_of(rows)] == [False, True, False, False, False]


def test_an_unknown_format_is_a_usage_error() -> None:
    done = runner.invoke(app, ["where", "--format", "xml"])
    assert done.exit_code == 2 and "'xml' is not one of table, csv, json" in done.output


# ------------------------------------------------------------------ on the real commands
@pytest.fixture
def index_dir(built_outputs: Path) -> Path:
    """The snapshot's index outputs, built in the test session."""
    return built_outputs


def test_index_results_at_60_columns(index_dir: Path) -> None:
    done = runner.invoke(
        app, ["index", "results", "--index-dir", str(index_dir)], env={"COLUMNS": "60"}
    )
    assert done.exit_code == 0, done.output
    assert max(len(line) for line in done.stdout.splitlines()) <= 60
    assert "…" not in done.stdout
    records = json.loads((index_dir / "results.json").read_text("utf-8"))
    top = min((r for r in records if r["rank"] is not None), key=lambda r: r["rank"])
    for p, v in top["pillars"].items():  # every pillar score of the first country, whole
        assert f"{float(v):.1f}" in done.stdout, p
    assert f"{top['score']:.1f}" in done.stdout


def test_index_results_formats_agree(index_dir: Path) -> None:
    base = ["index", "results", "--index-dir", str(index_dir)]
    as_json = runner.invoke(app, [*base, "--format", "json"])
    alias = runner.invoke(app, [*base, "--json"])
    assert as_json.exit_code == alias.exit_code == 0
    assert json.loads(as_json.stdout) == json.loads(alias.stdout)
    records = json.loads(as_json.stdout)
    as_csv = runner.invoke(app, [*base, "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert len(rows) == len(records) == 193
    by_iso = {r["iso3"]: r for r in records}
    for row in rows:
        truth = by_iso[row["iso3"]]
        if truth["score"] is None:
            assert row["score"] == ""  # unknown stays empty, never 0
        else:
            assert float(row["score"]) == pytest.approx(truth["score"])


# ------------------------------------------------------------------ exit codes (docs/cli.md)
def test_documented_exit_codes(tmp_path: Path) -> None:
    doc = (ROOT / "docs" / "cli.md").read_text("utf-8")
    assert {int(c) for c in re.findall(r"^\| (\d) \|", doc, re.M)} == {0, 1, 2, 3, 4, 5}
    assert runner.invoke(app, ["where"]).exit_code == 0
    missing = runner.invoke(app, ["coverage", "--warehouse", str(tmp_path / "none.duckdb")])
    assert missing.exit_code == 1 and missing.output.startswith("error: ")
    assert runner.invoke(app, ["coverage", "--no-such-option"]).exit_code == 2
    assert runner.invoke(app, ["where", "--format", "yaml"]).exit_code == 2
