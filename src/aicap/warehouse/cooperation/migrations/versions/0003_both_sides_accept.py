"""both sides accept: ``coop_match.need_accepted`` and ``offer_accepted``

Before 0003 either side of a proposal alone moved it to ``accepted`` for both (security
review F16). From 0003 each side's acceptance is recorded; the match becomes ``accepted`` once
the need's side (the country's focal point) and the offer's side (the partner) have both
accepted, or when an administrator accepts it. Matches already past ``proposed`` count as
accepted by both.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 06:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    # plain ADD COLUMN (no table copy: SQLite's batch mode would drop coop_match, which
    # activities refer to)
    for name in ("need_accepted", "offer_accepted"):
        op.add_column(
            "coop_match",
            sa.Column(name, sa.Boolean(), nullable=False, server_default=sa.false()),
        )
    op.execute(
        "UPDATE coop_match SET need_accepted = TRUE, offer_accepted = TRUE "
        "WHERE state NOT IN ('proposed', 'declined', 'lapsed')"
    )


def downgrade() -> None:
    for name in ("offer_accepted", "need_accepted"):
        op.drop_column("coop_match", name)
