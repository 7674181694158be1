"""audit hash chain and the TRUNCATE guard

Security review F10: ``coop_audit`` gets ``prev_hash`` and ``hash`` (see
``aicap.warehouse.cooperation.audit_chain``), computed here for the entries already there (the
append-only triggers are lifted for that one update and put back); on PostgreSQL a statement
trigger refuses ``TRUNCATE`` (the row triggers do not see it). Dropping the triggers is
refused by the database only when the application connects as a role that does not own the
tables: see docs/cooperation.md, "Security".

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 07:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from aicap.warehouse.cooperation.audit_chain import rechain

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

SQLITE_GUARD = (
    "CREATE TRIGGER coop_audit_no_{w} BEFORE {W} ON coop_audit "
    "BEGIN SELECT RAISE(ABORT, 'coop_audit is append-only'); END"
)


def _guard(on: bool) -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(
            "ALTER TABLE coop_audit "
            + ("ENABLE" if on else "DISABLE")
            + " TRIGGER coop_audit_no_update"
        )
    elif dialect == "sqlite":
        for w in ("update", "delete"):
            if on:
                op.execute(SQLITE_GUARD.format(w=w, W=w.upper()))
            else:
                op.execute(f"DROP TRIGGER IF EXISTS coop_audit_no_{w}")


def upgrade() -> None:
    op.add_column("coop_audit", sa.Column("prev_hash", sa.String(length=64), nullable=True))
    op.add_column("coop_audit", sa.Column("hash", sa.String(length=64), nullable=True))
    bind = op.get_bind()
    rows = [
        dict(r._mapping)
        for r in bind.execute(
            sa.text(
                "SELECT id, at, actor, action, entity, entity_id, before, after "
                "FROM coop_audit ORDER BY id"
            )
        )
    ]
    if rows:
        _guard(False)
        for rid, prev, h in rechain(rows):
            bind.execute(
                sa.text("UPDATE coop_audit SET prev_hash = :p, hash = :h WHERE id = :i"),
                {"p": prev, "h": h, "i": rid},
            )
        _guard(True)
    op.create_index("ix_coop_audit_hash", "coop_audit", ["hash"], unique=True)
    if bind.dialect.name == "postgresql":
        op.execute(
            "CREATE TRIGGER coop_audit_no_truncate BEFORE TRUNCATE ON coop_audit "
            "FOR EACH STATEMENT EXECUTE FUNCTION coop_audit_append_only()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS coop_audit_no_truncate ON coop_audit")
    op.drop_index("ix_coop_audit_hash", table_name="coop_audit")
    _guard(False)
    op.drop_column("coop_audit", "hash")
    op.drop_column("coop_audit", "prev_hash")
    _guard(True)
