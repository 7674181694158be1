"""API token scope: ``coop_api_token.scope`` (``read`` or ``write``)

Security review F8: tokens get a scope (a read-only token is refused on every write), an
expiry (new tokens: 90 days by default), and can be listed and revoked. Tokens issued before
0004 keep write scope; those without an expiry get one 90 days from the upgrade.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 07:05:00
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.add_column(
        "coop_api_token",
        sa.Column("scope", sa.String(length=8), nullable=False, server_default="write"),
    )
    op.get_bind().execute(
        sa.text("UPDATE coop_api_token SET expires_at = :t WHERE expires_at IS NULL"),
        {"t": datetime.now(UTC) + timedelta(days=90)},
    )


def downgrade() -> None:
    op.drop_column("coop_api_token", "scope")
