"""The audit log's hash chain (security review F10).

Each entry stores ``prev_hash`` (the hash of the entry before it; 64 zeros for the first) and
``hash`` = SHA-256 of ``prev_hash`` and the entry's canonical JSON (time in UTC, actor, action,
entity, entity id, before, after). Changing, deleting or inserting an entry anywhere but at the
end breaks every link after it; :func:`verify` walks the chain and names the first entry that
does not fit. Writers take the chain's head under a lock (SQLite's write transactions are
serial already; on PostgreSQL a transaction-scoped advisory lock), so concurrent writers never
fork it. The head hash printed by ``aicap coop verify-audit`` can be kept elsewhere: a log cut
at its end is then detected too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from aicap.warehouse.cooperation.models import AuditEntry

GENESIS = "0" * 64
#: pg_advisory_xact_lock key of the chain's head ("aicap" in ASCII, as an integer).
PG_LOCK = 0x616963_6170


def _utc(at: datetime) -> str:
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds")


def entry_hash(prev: str, e: AuditEntry) -> str:
    body = {
        "at": _utc(e.at),
        "actor": e.actor,
        "action": e.action,
        "entity": e.entity,
        "entity_id": e.entity_id,
        "before": e.before,
        "after": e.after,
    }
    canon = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256((prev + canon).encode("utf-8")).hexdigest()


def head(s: Session) -> str:
    """The chain's head within this transaction (locked on PostgreSQL until it ends)."""
    cached = s.info.get("audit_head")
    if isinstance(cached, str):
        return cached
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_LOCK})
    last = s.scalar(
        select(AuditEntry.hash).where(AuditEntry.hash.is_not(None)).order_by(AuditEntry.id.desc())
    )
    return last or GENESIS


def link(s: Session, e: AuditEntry) -> None:
    """Chain ``e`` (not yet flushed) to the head and make it the head."""
    prev = head(s)
    e.at = e.at or datetime.now(UTC)
    e.prev_hash = prev
    e.hash = entry_hash(prev, e)
    s.info["audit_head"] = e.hash


@dataclass(frozen=True)
class Verdict:
    entries: int
    head: str
    broken_at: int | None = None  # the first entry id that does not fit
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def entries(s: Session, batch: int = 5000) -> Iterator[AuditEntry]:
    last = 0
    while True:
        rows = s.scalars(
            select(AuditEntry).where(AuditEntry.id > last).order_by(AuditEntry.id).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].id


def verify(s: Session) -> Verdict:
    """Walk the whole chain (oldest first)."""
    prev, n = GENESIS, 0
    for e in entries(s):
        n += 1
        if e.prev_hash != prev:
            why = "its prev_hash is not the previous entry's hash (an entry before it was "
            why += "removed, inserted or changed)"
            return Verdict(n, prev, e.id, why)
        if e.hash != entry_hash(prev, e):
            return Verdict(n, prev, e.id, "its content does not match its hash (changed)")
        prev = e.hash or ""
    return Verdict(n, prev)


def rechain(rows: list[dict[str, Any]]) -> list[tuple[int, str, str]]:
    """(id, prev_hash, hash) for existing rows in id order (the migration's backfill)."""
    out, prev = [], GENESIS
    for r in rows:
        e = AuditEntry(
            at=r["at"] if isinstance(r["at"], datetime) else datetime.fromisoformat(str(r["at"])),
            actor=r["actor"],
            action=r["action"],
            entity=r["entity"],
            entity_id=r["entity_id"],
            before=_json(r["before"]),
            after=_json(r["after"]),
        )
        h = entry_hash(prev, e)
        out.append((int(r["id"]), prev, h))
        prev = h
    return out


def _json(v: Any) -> Any:
    return json.loads(v) if isinstance(v, str) else v
