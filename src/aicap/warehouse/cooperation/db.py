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
            create_private(Path(path))
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
            # a read (execution option ``readonly``) takes no write lock: in WAL mode it reads
            # the last committed state while a long import writes (security review F9)
            ro = conn.get_execution_options().get("readonly")
            conn.exec_driver_sql("BEGIN" if ro else "BEGIN IMMEDIATE")

        return engine
    kwargs["pool_pre_ping"] = True
    kwargs["pool_size"] = 10
    kwargs["max_overflow"] = 20
    return create_engine(url, **kwargs)


def create_private(path: Path) -> None:
    """Create the SQLite file (and its folder) readable by its owner only (0600; the folder
    0700 when it is new); an existing file keeps its mode. SQLite gives the ``-wal`` and
    ``-shm`` files it makes the database file's mode."""
    if not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        path.chmod(0o600)  # whatever the umask


#: Tables the application reads and writes (everything but the audit log and the version).
APP_TABLES = (
    "coop_account",
    "coop_api_token",
    "coop_need",
    "coop_offer",
    "coop_match",
    "coop_activity",
    "coop_flow",
    "coop_result",
    "voice_document",
    "voice_submission",
    "voice_reply",
    "voice_report",
)


def app_role_sql(role: str) -> str:
    """PostgreSQL statements that let ``role`` run the registry without owning its tables:
    it reads and writes the records, only appends to (and reads) the audit log, and, not
    being the owner, cannot drop or disable the audit log's triggers or truncate it. Run them
    as the owner (the role that ran ``aicap coop init``) after each migration."""
    if not role.replace("_", "").isalnum():
        raise ValueError(f"role: letters, digits and _ only, not {role!r}")
    tables = ", ".join(APP_TABLES)
    return "\n".join(
        [
            f"GRANT USAGE ON SCHEMA public TO {role};",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON {tables} TO {role};",
            f"GRANT SELECT, INSERT ON coop_audit TO {role};",
            f"GRANT SELECT, INSERT ON voice_rule TO {role};",
            f"GRANT SELECT ON {VERSION_TABLE} TO {role};",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role};",
            f"REVOKE TRUNCATE, UPDATE, DELETE, REFERENCES, TRIGGER ON coop_audit FROM {role};",
            f"REVOKE TRUNCATE, UPDATE, DELETE, REFERENCES, TRIGGER ON voice_rule FROM {role};",
        ]
    )


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
