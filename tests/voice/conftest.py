"""Fixtures of the country voice tests: the synthetic world (``voice_helpers``) and a registry
on SQLite and on a throwaway PostgreSQL server (the cooperation tests' helpers)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cooperation"))

from coop_helpers import FAST_HASH, new_database, postgres_server
from voice_helpers import world

from aicap.analysis.cooperate.service import default_vocabulary
from aicap.analysis.voice.data import VoiceData
from aicap.analysis.voice.views import Views
from aicap.warehouse.cooperation.store import CoopStore


@pytest.fixture(scope="session")
def vd() -> VoiceData:
    return world()


@pytest.fixture(scope="session")
def views(vd: VoiceData) -> Views:
    """One cache of computed views for the whole session (each costs about two seconds)."""
    return Views(vd)


@pytest.fixture(scope="module")
def pg_base() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'coop.sqlite'}"
    return new_database(request.getfixturevalue("pg_base"))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'coop.sqlite'}"


@pytest.fixture
def store(db_url: str) -> Iterator[CoopStore]:
    st = CoopStore.open(db_url, default_vocabulary(), hasher=FAST_HASH)
    yield st
    st.close()


@pytest.fixture
def lite(sqlite_url: str) -> Iterator[CoopStore]:
    st = CoopStore.open(sqlite_url, default_vocabulary(), hasher=FAST_HASH)
    yield st
    st.close()
