"""Opening the cooperation registry: engine, sessions and programmatic Alembic migrations.

The database is a SQLite file by default (``var/cooperation.sqlite``; nothing to install) or
any SQLAlchemy URL in ``AICAP_COOP_DB`` (``postgresql+psycopg://user@host/db`` for multi-user
deployments). :func:`open_store` migrates the schema to the latest revision on open.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).with_name("migrations")
DEFAULT_PATH = Path("var/cooperation.sqlite")
VERSION_TABLE = "coop_alembic_version"


def default_url() -> str:
    """``AICAP_COOP_DB`` or the SQLite file ``var/cooperation.sqlite``."""
    env = os.environ.get("AICAP_COOP_DB")
    if env:
        return env
    return f"sqlite:///{DEFAULT_PATH}"


def make_engine(url: str) -> Engine:
    """An engine; SQLite gets a busy timeout, foreign keys and IMMEDIATE write transactions
    (so concurrent writers queue instead of failing half-way)."""
    kwargs: dict[str, Any] = {"future": True}
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": 60, "check_same_thread": False}
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    kwargs["pool_pre_ping"] = True
    kwargs["pool_size"] = 10
    kwargs["max_overflow"] = 20
    return create_engine(url, **kwargs)


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the schema to ``revision`` (Alembic, in one transaction)."""
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
        return ctx.get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
