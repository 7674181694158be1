"""Alembic environment: run programmatically with a connection in ``config.attributes``."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from aicap.warehouse.cooperation.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection: Connection | None = config.attributes.get("connection")
    if connection is None:  # pragma: no cover - the CLI always passes a connection
        raise RuntimeError("aicap runs these migrations programmatically (aicap coop init)")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        version_table="coop_alembic_version",
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
