"""country voice: correction rules carry their evidence and can be revoked by a later rule

Issue 20, item 5. ``voice_rule`` stays append-only: a rule is never edited; a later rule with
``action = 'revoke'`` and ``revokes = <id>`` takes an earlier one out of force (both stay in
the table, with who decided and when). ``evidence`` keeps the report's evidence with the rule
that ``aicap build`` applies, so the published outputs carry it without a join.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 12:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.add_column("voice_rule", sa.Column("evidence", sa.Text(), nullable=True))
    op.add_column("voice_rule", sa.Column("revokes", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("voice_rule", "revokes")
    op.drop_column("voice_rule", "evidence")
