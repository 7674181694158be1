"""Shared fixtures for the index-engine tests (paths to ../shared and the ASEM example)."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from aicap.index import Composite, Framework, Recipe, build
from aicap.index.coinr import framework_from_imeta

REPO = Path(__file__).resolve().parents[2]


def shared_dir() -> Path:
    env = os.environ.get("AICAP_SHARED_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[3] / "shared"


ASEM = shared_dir() / "peers" / "coinr" / "asem"
EGDI = shared_dir() / "data" / "raw" / "un_egdi" / "EGOV_DATA_2024.csv"
needs_asem = pytest.mark.skipif(not ASEM.is_dir(), reason=f"COINr peer outputs not at {ASEM}")


@pytest.fixture(scope="session")
def asem_imeta() -> pd.DataFrame:
    if not ASEM.is_dir():
        pytest.skip(f"COINr peer outputs not at {ASEM}")
    return pd.read_csv(ASEM / "iMeta.csv")


@pytest.fixture(scope="session")
def asem_idata() -> pd.DataFrame:
    if not ASEM.is_dir():
        pytest.skip(f"COINr peer outputs not at {ASEM}")
    return pd.read_csv(ASEM / "iData.csv")


@pytest.fixture(scope="session")
def asem_framework(asem_imeta: pd.DataFrame) -> Framework:
    return framework_from_imeta(asem_imeta, "iMeta.csv", name="ASEM")


@pytest.fixture(scope="session")
def asem_recipe() -> Recipe:
    path = REPO / "examples" / "asem" / "recipe.yaml"
    return Recipe.from_yaml(path.read_text(encoding="utf-8"), str(path))


@pytest.fixture(scope="session")
def asem(asem_framework: Framework, asem_idata: pd.DataFrame, asem_recipe: Recipe) -> Composite:
    return build(asem_framework, asem_idata, asem_recipe, "iData.csv")
