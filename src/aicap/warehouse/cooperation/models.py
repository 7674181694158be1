"""The cooperation registry's tables (SQLAlchemy 2.0 typed ORM).

Every record that users edit carries a ``version`` (optimistic locking: an update names the
version it read, a stale one is refused), a ``dataset`` (``real`` or ``demo``: demonstration
rows are fictitious, flagged on every row and never mixed with real ones) and creation /
update times. The audit log is append-only: the migrations add database triggers that refuse
UPDATE and DELETE on it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class Versioned:
    """Columns shared by every editable record."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    dataset: Mapped[str] = mapped_column(String(8), nullable=False, default="real", index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    created_by: Mapped[str | None] = mapped_column(String(80))

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:  # noqa: N805
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]

    @property
    def fictitious(self) -> bool:
        return self.dataset == "demo"


class Account(Base):
    __tablename__ = "coop_account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True, nullable=False)
    password_hash: Mapped[str] = mapped_column(String(200), nullable=False)
    role: Mapped[str] = mapped_column(String(20), nullable=False)
    country_iso3: Mapped[str | None] = mapped_column(String(3))
    organisation: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ApiToken(Base):
    __tablename__ = "coop_api_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("coop_account.id"), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    label: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    kind: Mapped[str] = mapped_column(String(10), nullable=False, default="api")  # api|session
    csrf_token: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    scope: Mapped[str] = mapped_column(String(8), nullable=False, default="write")  # read|write


class Need(Versioned, Base):
    __tablename__ = "coop_need"

    country_iso3: Mapped[str] = mapped_column(String(3), nullable=False, index=True)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    interventions: Mapped[list[Any]] = mapped_column(JSON, nullable=False, default=list)
    areas: Mapped[list[Any]] = mapped_column(JSON, nullable=False, default=list)
    priority: Mapped[int] = mapped_column(Integer, nullable=False, default=2)
    beneficiary_groups: Mapped[list[Any]] = mapped_column(JSON, nullable=False, default=list)
    budget_gap_usd: Mapped[float | None] = mapped_column(Float)
    demand: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    preferred_modality: Mapped[str | None] = mapped_column(String(20))
    languages: Mapped[list[Any]] = mapped_column(JSON, nullable=False, default=list)
    tier: Mapped[int | None] = mapped_column(Integer)
    ldc: Mapped[bool | None] = mapped_column(Boolean)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="open")


class Offer(Versioned, Base):
    __tablename__ = "coop_offer"

    provider_org: Mapped[str] = mapped_column(String(200), nullable=False, index=True)
    provider_type: Mapped[str] = mapped_column(String(20), nullable=False)
    pledge_type: Mapped[str] = mapped_column(String(20), nullable=False)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    interventions: Mapped[list[Any]] = mapped_column(JSON, nullable=False, default=list)
    areas: Mapped[list[Any]] = mapped_column(JSON, nullable=False, default=list)
    eligible_countries: Mapped[list[Any]] = mapped_column(JSON, nullable=False, default=list)
    eligible_tiers: Mapped[list[Any]] = mapped_column(JSON, nullable=False, default=list)
    capacity_amount: Mapped[float] = mapped_column(Float, nullable=False)
    capacity_unit: Mapped[str] = mapped_column(String(20), nullable=False)
    modalities: Mapped[list[Any]] = mapped_column(JSON, nullable=False, default=list)
    languages: Mapped[list[Any]] = mapped_column(JSON, nullable=False, default=list)
    conditions: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="open")


class Match(Versioned, Base):
    __tablename__ = "coop_match"

    need_id: Mapped[int] = mapped_column(ForeignKey("coop_need.id"), nullable=False, index=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("coop_offer.id"), nullable=False, index=True)
    state: Mapped[str] = mapped_column(String(24), nullable=False, default="proposed")
    score: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    terms: Mapped[list[Any]] = mapped_column(JSON, nullable=False, default=list)
    allocated_amount: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    allocated_unit: Mapped[str] = mapped_column(String(20), nullable=False, default="USD")
    run_id: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    #: Each side's acceptance of a proposal; both make it ``accepted`` (or an administrator).
    need_accepted: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    offer_accepted: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class Activity(Versioned, Base):
    """An IATI-style activity: a committed match, or a record imported from IATI or CRS."""

    __tablename__ = "coop_activity"

    iati_identifier: Mapped[str] = mapped_column(String(200), nullable=False, index=True)
    source: Mapped[str] = mapped_column(String(12), nullable=False, default="aicap")
    #: Set only by the server (the match's first flow or result); one activity per match.
    match_id: Mapped[int | None] = mapped_column(
        ForeignKey("coop_match.id"), index=True, unique=True
    )
    title: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    reporting_org_ref: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    reporting_org_name: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    provider_org: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    provider_type: Mapped[str | None] = mapped_column(String(20))
    participating_orgs: Mapped[list[Any]] = mapped_column(JSON, nullable=False, default=list)
    recipient_iso3: Mapped[str | None] = mapped_column(String(3), index=True)
    sectors: Mapped[list[Any]] = mapped_column(JSON, nullable=False, default=list)
    modality: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(4), nullable=False, default="2")


class Flow(Versioned, Base):
    """A commitment, disbursement or delivery (in-kind: GPU-hours, seats, person-months)."""

    __tablename__ = "coop_flow"

    activity_id: Mapped[int] = mapped_column(
        ForeignKey("coop_activity.id"), nullable=False, index=True
    )
    kind: Mapped[str] = mapped_column(String(12), nullable=False)
    amount: Mapped[float] = mapped_column(Float, nullable=False)
    unit: Mapped[str] = mapped_column(String(20), nullable=False, default="USD")
    on_date: Mapped[date] = mapped_column(Date, nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")


class Result(Versioned, Base):
    """A result indicator (IATI ``result/indicator``) with one period."""

    __tablename__ = "coop_result"

    activity_id: Mapped[int] = mapped_column(
        ForeignKey("coop_activity.id"), nullable=False, index=True
    )
    result_type: Mapped[str] = mapped_column(String(2), nullable=False, default="1")
    indicator: Mapped[str] = mapped_column(String(500), nullable=False)
    measure: Mapped[str] = mapped_column(String(2), nullable=False, default="1")
    baseline_year: Mapped[int | None] = mapped_column(Integer)
    baseline: Mapped[float | None] = mapped_column(Float)
    target: Mapped[float | None] = mapped_column(Float)
    actual: Mapped[float | None] = mapped_column(Float)
    period_start: Mapped[date] = mapped_column(Date, nullable=False)
    period_end: Mapped[date] = mapped_column(Date, nullable=False)


class AuditEntry(Base):
    """One change: who, when, what, before and after. Append-only (database triggers)."""

    __tablename__ = "coop_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    actor: Mapped[str] = mapped_column(String(80), nullable=False)
    action: Mapped[str] = mapped_column(String(20), nullable=False)
    entity: Mapped[str] = mapped_column(String(20), nullable=False)
    entity_id: Mapped[int | None] = mapped_column(Integer)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: the hash chain (audit_chain.py): the previous entry's hash, this entry's hash
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64), index=True, unique=True)


ENTITIES: dict[str, type[Versioned]] = {
    "need": Need,
    "offer": Offer,
    "match": Match,
    "activity": Activity,
    "flow": Flow,
    "result": Result,
}
