"""The FICTITIOUS demonstration from the command line on the whole snapshot: accounts, the
submission with its PDF, the review, the replies; the demonstration's national view moves
Chile up a tier, and the real view is untouched."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aicap.analysis.cooperate.service import default_vocabulary
from aicap.cli.main import app
from aicap.warehouse.cooperation.store import CoopStore

pytestmark = pytest.mark.slow


def test_cli_demo_on_the_snapshot(full_warehouse: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'coop.sqlite'}"
    runner = CliRunner()
    args = ["voice", "demo", "--db", url, "--warehouse", str(full_warehouse)]
    res = runner.invoke(app, [*args, "--password", "a long demo password"])
    assert res.exit_code == 0, res.output
    assert "created account demo-focal-chl" in res.output
    info = json.loads(res.output[res.output.index("{") :])
    assert info["label"].startswith("FICTITIOUS")
    intl, nat = info["international"], info["national"]
    assert nat["tier"] == intl["tier"] + 1 and nat["score"] > intl["score"]
    assert nat["rank"] < intl["rank"]
    # the figures docs/country-voice.md quotes are these (they had gone stale once)
    doc = (Path(__file__).parents[2] / "docs" / "country-voice.md").read_text("utf-8")
    m = re.search(
        r"moves Chile from score ([\d.]+), rank (\d+), tier (\d)\s+to\s+([\d.]+), rank (\d+), "
        r"tier (\d)",
        doc,
    )
    assert m is not None
    quoted = [float(m[1]), int(m[2]), int(m[3]), float(m[4]), int(m[5]), int(m[6])]
    assert quoted == [intl["score"], intl["rank"], intl["tier"], *nat_of(nat)]
    # nothing real was written: the real national view has no submission
    st = CoopStore.open(url, default_vocabulary())
    try:
        from aicap.warehouse.cooperation.voice_store import VoiceStore

        vs = VoiceStore(st)
        assert vs.accepted("real") == [] and len(vs.accepted("demo")) == 1
        assert {r["lang"] for r in vs.replies("CHL", "demo")} == {"en", "ar"}
        assert vs.replies("CHL", "real") == []
        assert st.verify_audit().ok
        actions = [(a["entity"], a["action"]) for a in st.audit() if a["entity"] != "account"]
        assert actions == [
            ("document", "upload"),
            ("submission", "create"),
            ("submission", "transition"),
            ("submission", "transition"),
            ("reply", "create"),
            ("reply", "create"),
        ]
    finally:
        st.close()
    # a second run refuses: the demonstration is there already
    res = runner.invoke(app, args)
    assert res.exit_code == 1 and "already" in res.output


def nat_of(nat: dict) -> list[float | int]:
    return [nat["score"], nat["rank"], nat["tier"]]
