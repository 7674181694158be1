"""Fixtures of the cooperation tests: a store on SQLite and on a throwaway PostgreSQL server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from coop_helpers import FAST_HASH, new_database, postgres_server

from aicap.analysis.cooperate.service import default_vocabulary
from aicap.warehouse.cooperation.store import CoopStore


@pytest.fixture(scope="module")
def pg_base() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database: a SQLite file, or a new database on the throwaway server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'coop.sqlite'}"
    return new_database(request.getfixturevalue("pg_base"))


@pytest.fixture
def store(db_url: str) -> Iterator[CoopStore]:
    url = db_url
    # argon2id with light parameters: the same code path, fewer seconds per login in tests
    st = CoopStore.open(url, default_vocabulary(), hasher=FAST_HASH)
    yield st
    st.close()
