"""Paths shared by the index-engine tests (imported as ``index_helpers``; a unique module
name, so it cannot clash with other test folders' ``conftest``). Test modules import the
fixtures they use from here."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import pandas as pd
import pytest

from aicap.index import Composite, Recipe, build
from aicap.index.coinr import framework_from_imeta

REPO = Path(__file__).resolve().parents[2]


def shared_dir() -> Path:
    env = os.environ.get("AICAP_SHARED_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[3] / "shared"


ASEM = shared_dir() / "peers" / "coinr" / "asem"
# ASEM_iData at 17 significant digits (reads back bit for bit; iData.csv keeps 15, which moves
# 470 values by an ulp and makes or breaks exact ties): the input COINr itself used
ASEM_DATA = ASEM / "iData_full_precision.csv"
EGDI = shared_dir() / "data" / "raw" / "un_egdi" / "EGOV_DATA_2024.csv"
needs_asem = pytest.mark.skipif(not ASEM.is_dir(), reason=f"COINr peer outputs not at {ASEM}")


@functools.cache
def load_asem() -> Composite:
    """COINr's ASEM example built with examples/asem/recipe.yaml from the full-precision
    data (once per session)."""
    framework = framework_from_imeta(pd.read_csv(ASEM / "iMeta.csv"), "iMeta.csv", name="ASEM")
    path = REPO / "examples" / "asem" / "recipe.yaml"
    recipe = Recipe.from_yaml(path.read_text(encoding="utf-8"), str(path))
    return build(framework, pd.read_csv(ASEM_DATA), recipe, ASEM_DATA.name)


@pytest.fixture(name="asem")
def asem_fixture() -> Composite:
    """The built ASEM composite; import ``asem_fixture`` into a test module to use ``asem``."""
    if not ASEM.is_dir():
        pytest.skip(f"COINr peer outputs not at {ASEM}")
    return load_asem()
