"""The CLI on a warehouse built from the whole snapshot: coverage, explain, countries."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from aicap.cli.main import app

runner = CliRunner()


def test_coverage_json_reports_all_member_states(full_warehouse: Path) -> None:
    result = runner.invoke(app, ["coverage", "--json", "--warehouse", str(full_warehouse)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["member_states_total"] == 193
    assert data["member_states_with_data"] == 193
    assert data["member_states_without_data"] == []
    by_code = {r["indicator"]: r for r in data["indicators"]}
    assert by_code["IT.NET.BBND.P2"]["member_states"] > 180
    assert by_code["EGDI"]["member_states"] == 193


def test_explain_json_has_provenance(full_warehouse: Path) -> None:
    result = runner.invoke(
        app,
        ["explain", "KEN", "IT.NET.BBND.P2", "2023", "--json", "--warehouse", str(full_warehouse)],
    )
    assert result.exit_code == 0, result.output
    rec = json.loads(result.stdout)
    for key in ("value", "source", "url", "licence", "sha256", "file", "row", "year", "unit"):
        assert key in rec, key
    assert rec["iso3"] == "KEN" and rec["year"] == 2023
    assert rec["licence"] == "CC BY 4.0"
    assert len(rec["sha256"]) == 64
    assert rec["file"] == "wdi/indicators/it.net.bbnd.p2/data.csv"
    # the row really holds that value
    data_dir = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "raw"
    lines = (data_dir / rec["file"]).read_text().splitlines()
    fields = lines[rec["row"] - 1].split(",")
    assert fields[1] == "KEN" and fields[2] == "2023"
    assert float(fields[3]) == rec["value"]
    # publisher (the custodian) and route (the mirror and its commit), apart
    assert rec["publisher"] == "World Bank"
    assert rec["route"].startswith("GitHub mirror datasets/world-development-indicators at commit ")
    assert rec["route_detail"][0]["commit"] in (data_dir / "wdi" / "SOURCE.md").read_text()
    assert "github" not in rec["publisher"].lower()


def test_explain_table_and_errors(full_warehouse: Path) -> None:
    ok = runner.invoke(
        app, ["explain", "KEN", "IT.NET.BBND.P2", "--warehouse", str(full_warehouse)]
    )
    assert ok.exit_code == 0 and "sha256" in ok.stdout
    assert "route" in ok.stdout and "GitHub mirror" in ok.stdout
    bad = runner.invoke(app, ["explain", "KEN", "NOPE", "--warehouse", str(full_warehouse)])
    assert bad.exit_code == 1 and "unknown indicator" in bad.output
    none = runner.invoke(
        app, ["explain", "KEN", "IT.NET.BBND.P2", "1950", "--warehouse", str(full_warehouse)]
    )
    assert none.exit_code == 1 and "years with data" in none.output


def test_countries_and_sources(full_warehouse: Path) -> None:
    result = runner.invoke(
        app, ["countries", "--status", "member", "--json", "--warehouse", str(full_warehouse)]
    )
    assert result.exit_code == 0
    assert len(json.loads(result.stdout)) == 193
    src = runner.invoke(app, ["sources", "--json", "--warehouse", str(full_warehouse)])
    assert src.exit_code == 0
    ids = {s["source_id"] for s in json.loads(src.stdout)}
    assert {"wdi", "wgi", "un_egdi", "undp_hdr", "country_reference"} <= ids
    by_id = {s["source_id"]: s for s in json.loads(src.stdout)}
    # the publisher is the custodian, never the mirror; the route names the mirror
    assert (
        by_id["owid_internet_users"]["publisher"] == "International Telecommunication Union (ITU)"
    )
    assert "sberkayuguz/dsa-210-project" in by_id["owid_internet_users"]["route"]
    for s in by_id.values():
        assert "github" not in s["publisher"].lower() and "via" not in s["publisher"]
        assert s["route"].startswith("GitHub mirror"), s["source_id"]
    table = runner.invoke(app, ["sources", "--warehouse", str(full_warehouse)])
    assert table.exit_code == 0 and "route" in table.stdout


def test_missing_warehouse_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["coverage", "--warehouse", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 1
    assert "aicap ingest" in result.output


def test_ingest_command_bad_input_exits_2(tmp_path: Path) -> None:
    from support import make_data_dir

    data = make_data_dir(tmp_path, {"un_egdi": {"EGOV_DATA_2024.csv": b"Survey Year;Country\n"}})
    result = runner.invoke(
        app, ["ingest", "--data-dir", str(data), "--warehouse", str(tmp_path / "w.duckdb")]
    )
    assert result.exit_code == 2
    assert "EGOV_DATA_2024.csv" in result.output and "warehouse unchanged" in result.output
