"""country voice: national submissions, source documents, replies, error reports, rules

Issue 20. ``voice_rule`` (the correction rules accepted error reports record) is append-only
like the audit log: triggers refuse UPDATE and DELETE on it.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 09:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None

RULE_GUARD_PG = """
CREATE OR REPLACE FUNCTION voice_rule_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'voice_rule is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER voice_rule_no_update BEFORE UPDATE OR DELETE ON voice_rule
    FOR EACH ROW EXECUTE FUNCTION voice_rule_append_only();
"""


def _versioned() -> list[sa.Column[object]]:
    return [
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("dataset", sa.String(length=8), nullable=False, index=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=True),
    ]


def _review() -> list[sa.Column[object]]:
    return [
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("reviewed_by", sa.String(length=80), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "voice_document",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("country_iso3", sa.String(length=3), nullable=False, index=True),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False, index=True),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("dataset", sa.String(length=8), nullable=False),
        sa.Column("uploaded_by", sa.String(length=80), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "voice_submission",
        *_versioned(),
        sa.Column("country_iso3", sa.String(length=3), nullable=False, index=True),
        sa.Column("indicator", sa.String(length=60), nullable=False),
        sa.Column("series", sa.String(length=60), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(length=80), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("source_title", sa.String(length=300), nullable=False),
        sa.Column("source_body", sa.String(length=300), nullable=False),
        sa.Column("source_url", sa.String(length=500), nullable=True),
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("voice_document.id"), nullable=True),
        sa.Column("method_note", sa.Text(), nullable=False),
        sa.Column("screen", sa.JSON(), nullable=False),
        sa.Column("international_value", sa.Float(), nullable=True),
        *_review(),
    )
    op.create_table(
        "voice_reply",
        *_versioned(),
        sa.Column("country_iso3", sa.String(length=3), nullable=False, index=True),
        sa.Column("lang", sa.String(length=2), nullable=False),
        sa.Column("finding", sa.String(length=80), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
    )
    op.create_table(
        "voice_report",
        *_versioned(),
        sa.Column("country_iso3", sa.String(length=3), nullable=False, index=True),
        sa.Column("indicator", sa.String(length=60), nullable=False),
        sa.Column("series", sa.String(length=60), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("reported_value", sa.Float(), nullable=True),
        sa.Column("why", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("proposed_value", sa.Float(), nullable=True),
        *_review(),
        sa.Column("rule_id", sa.Integer(), nullable=True),
    )
    op.create_table(
        "voice_rule",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("report_id", sa.Integer(), sa.ForeignKey("voice_report.id"), nullable=False),
        sa.Column("country_iso3", sa.String(length=3), nullable=False, index=True),
        sa.Column("indicator", sa.String(length=60), nullable=False),
        sa.Column("series", sa.String(length=60), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("old_value", sa.Float(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("dataset", sa.String(length=8), nullable=False),
        sa.Column("decided_by", sa.String(length=80), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
    )
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(RULE_GUARD_PG)
    elif dialect == "sqlite":
        for what in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER voice_rule_no_{what.lower()} BEFORE {what} ON voice_rule "
                "BEGIN SELECT RAISE(ABORT, 'voice_rule is append-only'); END"
            )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS voice_rule_no_update ON voice_rule")
        op.execute("DROP FUNCTION IF EXISTS voice_rule_append_only()")
    elif dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS voice_rule_no_update")
        op.execute("DROP TRIGGER IF EXISTS voice_rule_no_delete")
    for table in ("voice_rule", "voice_report", "voice_reply", "voice_submission"):
        op.drop_table(table)
    op.drop_table("voice_document")
