"""``aicap coop``: init, demo (fictitious, kept apart), match, export/import IATI, CRS file,
accountability."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from aicap.cli.main import app
from aicap.warehouse.cooperation.db import head_revision
from aicap.warehouse.cooperation.iati import validate

FIX = Path(__file__).with_name("fixtures")


def test_coop_commands_end_to_end(tmp_path: Path) -> None:
    run = CliRunner()
    env = {"AICAP_COOP_DB": f"sqlite:///{tmp_path / 'c.sqlite'}"}

    def ok(*args: str) -> str:
        r = run.invoke(app, ["coop", *args], env=env)
        assert r.exit_code == 0, r.output
        return r.output

    assert f"revision {head_revision()}" in ok("init")  # the latest migration
    assert '"proposals": 4' in ok("demo")
    assert "already loaded" in run.invoke(app, ["coop", "demo"], env=env).output
    demo_view = ok("accountability", "--dataset", "demo", "--json")
    assert '"fictitious": true' in demo_view and "(fictitious)" in demo_view
    assert '"rows": []' in ok("accountability", "--json")  # real data: untouched by the demo
    xml = tmp_path / "demo.xml"
    ok("export-iati", "--out", str(xml), "--dataset", "demo")
    root = validate(xml.read_bytes())
    assert root.find("iati-activity/{*}record").get("fictitious") == "true"  # type: ignore[union-attr]
    # the same activities again: one per iati-identifier, never counted twice (issue 25)
    assert '"created": 0, "replaced": 0, "kept": 1' in ok("import-iati", str(xml))
    assert '"kept": 1' in ok("import-iati", str(xml))
    again = json.loads(ok("accountability", "--dataset", "demo", "--json"))
    assert again["rows"] == json.loads(demo_view)["rows"]
    olf = next(r for r in again["rows"] if r["provider"].startswith("Open Languages"))
    assert (olf["pledged_usd"], olf["committed_usd"]) == (700_000, 600_000)
    crs = str(FIX / "oecd_crs_ict.csv")
    assert '"created": 2' in ok("import-crs", "--file", crs)
    assert '"created": 0, "replaced": 2' in ok("import-crs", "--file", crs)
    assert "SEN" in ok("accountability", "--by", "country")
    assert '"proposals": []' in ok("match", "--dry-run", "--json")  # no real needs yet
    bad = run.invoke(app, ["coop", "import-iati", str(FIX / "oecd_crs_ict.csv")], env=env)
    assert bad.exit_code == 1 and "not well-formed" in bad.output


def test_export_iati_of_an_empty_dataset_says_nothing_to_export(tmp_path: Path) -> None:
    env = {"AICAP_COOP_DB": f"sqlite:///{tmp_path / 'c.sqlite'}"}
    run = CliRunner()
    assert run.invoke(app, ["coop", "init"], env=env).exit_code == 0
    xml = tmp_path / "out.xml"
    done = run.invoke(app, ["coop", "export-iati", "--out", str(xml)], env=env)
    assert done.exit_code == 5
    assert done.output.strip().startswith("nothing to export: no activities in the real dataset")
    assert "Traceback" not in done.output and not xml.exists()
