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


@pytest.fixture(scope="session")
def built_outputs(tmp_path_factory: pytest.TempPathFactory, full_warehouse: Path) -> Path:
    """The index outputs ``aicap build`` writes, from the session's full warehouse (the shipped
    run, computed once per session and shared with the analysis tests): what the docs' numbers
    are checked against on a clean clone, which has no ``var/out``."""
    import sys

    sys.path.insert(0, str(Path(__file__).parent / "analysis"))
    from capacity_helpers import shipped

    from aicap.analysis.run import write_outputs

    out = tmp_path_factory.mktemp("built") / "out"
    write_outputs(shipped(full_warehouse), out)
    return out
