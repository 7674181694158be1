"""one activity per match: ``coop_activity.match_id`` unique

Before 0002 a client could name any match when it recorded an activity (security review F1):
a partner could bind its activity to another organisation's match. From 0002 the server alone
makes a match's activity (on the match's first flow or result) and the database holds at
most one activity per match. Existing rows are repaired first, each change in the audit log:

* an activity whose provider is not the match's offer's provider is detached from the match
  (``match_id`` set to null; the activity itself is kept);
* of several activities left on one match, the oldest keeps it, the others are detached.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06 06:20:00
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

ACTOR = "migration 0002"


def _detach(bind: sa.Connection, act_id: int, match_id: int, why: str) -> None:
    bind.execute(
        sa.text("UPDATE coop_activity SET match_id = NULL, version = version + 1 WHERE id = :id"),
        {"id": act_id},
    )
    audit = sa.table(
        "coop_audit",
        sa.column("at", sa.DateTime(timezone=True)),
        sa.column("actor", sa.String),
        sa.column("action", sa.String),
        sa.column("entity", sa.String),
        sa.column("entity_id", sa.Integer),
        sa.column("before", sa.JSON),
        sa.column("after", sa.JSON),
    )
    bind.execute(
        audit.insert().values(
            at=datetime.now(UTC),
            actor=ACTOR,
            action="update",
            entity="activity",
            entity_id=act_id,
            before={"match_id": match_id},
            after={"match_id": None, "note": why},
        )
    )


def repair(bind: sa.Connection) -> list[int]:
    """Detach activities that may not stay on their match; the ids detached."""
    rows = bind.execute(
        sa.text(
            "SELECT a.id, a.match_id, a.provider_org, o.provider_org "
            "FROM coop_activity a JOIN coop_match m ON m.id = a.match_id "
            "JOIN coop_offer o ON o.id = m.offer_id ORDER BY a.id"
        )
    ).all()
    detached: list[int] = []
    kept: set[int] = set()
    for act_id, match_id, provider, owner in rows:
        if provider != owner:
            why = f"its provider {provider!r} is not the match's provider {owner!r}"
        elif match_id in kept:
            why = f"match {match_id} already has an older activity"
        else:
            kept.add(match_id)
            continue
        _detach(bind, act_id, match_id, why)
        detached.append(act_id)
    return detached


def upgrade() -> None:
    repair(op.get_bind())
    with op.batch_alter_table("coop_activity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_coop_activity_match_id"))
        batch_op.create_index(batch_op.f("ix_coop_activity_match_id"), ["match_id"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("coop_activity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_coop_activity_match_id"))
        batch_op.create_index(batch_op.f("ix_coop_activity_match_id"), ["match_id"], unique=False)
