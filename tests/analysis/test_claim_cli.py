"""``aicap claim show``: a stored Monitor claim prints its sentence, its numbers (a range that
is not a sampling interval says so), its test and its recompute command."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from aicap.analysis.claims import ClaimSet
from aicap.analysis.claims_monitor import market_claims
from aicap.analysis.monitor.concentration import HOLDINGS_COLUMNS, concentration_table
from aicap.cli.main import app


def test_claim_show_prints_a_monitor_claim(tmp_path: Path) -> None:
    rows = [
        {
            "resource": "compute",
            "year": 2025,
            "view": "count",
            "dimension": "country",
            "variant": "full",
            "actor": a,
            "quantity": 1.0,
            "item": f"c{k}",
            "measured": True,
        }
        for k, a in enumerate(["USA", "USA", "CHN", None])
    ]
    table = concentration_table(pd.DataFrame(rows, columns=list(HOLDINGS_COLUMNS)))
    (claim,) = market_claims(table, {"USA": "United States"})
    cs = ClaimSet()
    cs.add(claim)
    cs.write(tmp_path / "claims.json")
    args = ["claim", "show", claim.id, "--index-dir", str(tmp_path)]
    args += ["--warehouse", str(tmp_path / "x")]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    out = " ".join(res.output.split())
    assert claim.text in out and claim.id in out
    assert "range, not a sampling interval" in out and "n = 2" in out
    assert f"recompute: aicap claim show {claim.id} --recompute" in out
    got = json.loads(CliRunner().invoke(app, [*args, "--format", "json"]).stdout)
    assert got["verdict"] == "highly_concentrated"  # HHI 3,125-3,750
    assert got["test"].startswith("DOJ/FTC 2023")
    missing = CliRunner().invoke(
        app, ["claim", "show", "no-such.claim", "--index-dir", str(tmp_path)]
    )
    assert missing.exit_code == 1
