"""Shared fixtures: where the open-data snapshot is, and a warehouse built from all of it.
Paths and helpers live in ``support`` (import them from there)."""

from __future__ import annotations

from pathlib import Path

import pytest

from support import DATA_DIR, REFERENCE_FILES, REPO, SHARED, make_data_dir

__all__ = ["DATA_DIR", "REFERENCE_FILES", "REPO", "SHARED", "make_data_dir"]


@pytest.fixture(scope="session")
def data_dir() -> Path:
    assert DATA_DIR.is_dir(), f"the open-data snapshot is missing: {DATA_DIR}"
    return DATA_DIR


@pytest.fixture(scope="session")
def full_warehouse(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Path:
    """A warehouse ingested from the whole snapshot (once per test session)."""
    from aicap.warehouse.ingest import ingest

    path = tmp_path_factory.mktemp("full") / "aicap.duckdb"
    ingest(data_dir, path)
    return path
