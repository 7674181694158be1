"""The examples in docs/engine.md run."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from index_helpers import (
    REPO,
    asem_fixture,  # noqa: F401 (the asem fixture)
    needs_asem,
)

from aicap.index import Composite, Recipe

DOC = (REPO / "docs" / "engine.md").read_text(encoding="utf-8")


def blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", DOC, flags=re.S)


@needs_asem
def test_fifteen_line_build_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code = blocks("python")[0]
    assert len(code.strip().splitlines()) <= 16
    from index_helpers import shared_dir

    code = code.replace('"../shared/', f'"{shared_dir()}/').replace(
        '"examples/', f'"{REPO}/examples/'
    )
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "engine.md", "exec"), {})
    assert "# Audit" in (tmp_path / "audit.md").read_text()


@needs_asem
def test_documented_recipe_builds_on_asem(asem: Composite) -> None:
    text = next(b for b in blocks("yaml") if "steps:" in b)
    rec = Recipe.from_yaml(text.replace("time: 2018", ""), "engine.md")
    agg = rec.step("aggregate")
    assert agg is not None
    assert agg.spec_for("Index", 4) == ("a_gmean", {"dat_thresh": 0.5})  # overrides merge
    assert agg.spec_for("Conn", 3) == ("a_amean", {"dat_thresh": 0.8})
    comp = asem.rebuild(rec)
    s = comp.scores
    assert not np.isnan(s["Index"]).all()
    assert comp.stages["screened"].index.tolist() == asem.stages["screened"].index.tolist()
    f = comp.flags
    gas = f[(f["iCode"] == "Gas") & (f["step"] == "treat")]["flag"]
    assert len(gas) > 0 and gas.str.startswith("boxcox(").all()
    assert not (f[(f["iCode"] == "Tariff") & (f["step"] == "treat")]).shape[0]
