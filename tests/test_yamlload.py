"""The C YAML loader reads every YAML document aicap ships or reads exactly as PyYAML's
pure-Python safe loader does, and fails on the same bad input."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from aicap import yamlload

ROOT = Path(__file__).resolve().parents[1]


def documents() -> list[Path]:
    found = sorted(ROOT.glob("catalogues/*.yaml")) + sorted((ROOT / "src").rglob("*.yaml"))
    shared = Path(os.environ.get("AICAP_SHARED_DIR") or ROOT.parent / "shared")
    found += sorted((shared / "mandates").glob("*.yaml"))  # none without ../shared: fine
    return found


def test_same_documents_as_the_pure_python_loader() -> None:
    docs = documents()
    assert len(docs) >= 15
    for p in docs:
        text = p.read_text("utf-8")
        assert yamlload.safe_load(text) == yaml.safe_load(text), p


@pytest.mark.parametrize(
    "bad", ["a: [1, 2", "key: value\n  - nested: wrong", "!!python/object:os.system x"]
)
def test_same_failures(bad: str) -> None:
    with pytest.raises(yaml.YAMLError):
        yaml.safe_load(bad)
    with pytest.raises(yaml.YAMLError) as err:
        yamlload.safe_load(bad)
    assert "line" in str(err.value)
