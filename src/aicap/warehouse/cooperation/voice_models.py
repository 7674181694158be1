"""Country voice tables (issue 20), in the cooperation registry's database and migration chain:
national submissions and their source documents, the right of reply, error reports on the open
data and the correction rules that accepted reports record.

Every row keeps its provenance (who, when, from which document); national values live here
only, beside the warehouse's international observations, never over them. Correction rules
(``voice_rule``) are append-only like the audit log (the migration adds the same triggers):
a rule is never edited by hand, only added by the decision on a report.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from aicap.warehouse.cooperation.models import Base, Versioned, utcnow

#: The provenance every national value carries.
NATIONAL_SOURCE = "national submission"


class VoiceDocument(Base):
    """A source document uploaded with a submission or a report (a PDF, checked by its magic
    bytes and size before it is stored); kept whole with its SHA-256."""

    __tablename__ = "voice_document"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    country_iso3: Mapped[str] = mapped_column(String(3), nullable=False, index=True)
    filename: Mapped[str] = mapped_column(String(200), nullable=False)
    content_type: Mapped[str] = mapped_column(String(40), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    dataset: Mapped[str] = mapped_column(String(8), nullable=False, default="real")
    uploaded_by: Mapped[str] = mapped_column(String(80), nullable=False)
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Submission(Versioned, Base):
    """A national value for one framework indicator, country and year."""

    __tablename__ = "voice_submission"

    country_iso3: Mapped[str] = mapped_column(String(3), nullable=False, index=True)
    indicator: Mapped[str] = mapped_column(String(60), nullable=False)  # framework code
    series: Mapped[str] = mapped_column(String(60), nullable=False)  # warehouse series
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    value: Mapped[float] = mapped_column(Float, nullable=False)
    unit: Mapped[str] = mapped_column(String(80), nullable=False)
    source: Mapped[str] = mapped_column(String(40), nullable=False, default=NATIONAL_SOURCE)
    source_title: Mapped[str] = mapped_column(String(300), nullable=False)
    source_body: Mapped[str] = mapped_column(String(300), nullable=False)
    source_url: Mapped[str | None] = mapped_column(String(500))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("voice_document.id"))
    method_note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    #: the plausibility screen's verdict at submission (checks, detail), for the reviewer
    screen: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    #: what the warehouse holds for the same country, series and year (None: no value)
    international_value: Mapped[float | None] = mapped_column(Float)
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="submitted")
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    reviewed_by: Mapped[str | None] = mapped_column(String(80))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Reply(Versioned, Base):
    """The country's own statement (``finding`` empty) or its comment on one finding
    (``tier``, ``score``, ``pillar:<code>``, ``indicator:<code>``), in one of the six
    languages. ``status``: ``published`` or ``withdrawn``."""

    __tablename__ = "voice_reply"

    country_iso3: Mapped[str] = mapped_column(String(3), nullable=False, index=True)
    lang: Mapped[str] = mapped_column(String(2), nullable=False)
    finding: Mapped[str] = mapped_column(String(80), nullable=False, default="")
    text: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="published")


class ErrorReport(Versioned, Base):
    """A suspected error in an open-data value, by anyone signed in."""

    __tablename__ = "voice_report"

    country_iso3: Mapped[str] = mapped_column(String(3), nullable=False, index=True)
    indicator: Mapped[str] = mapped_column(String(60), nullable=False)
    series: Mapped[str] = mapped_column(String(60), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    reported_value: Mapped[float | None] = mapped_column(Float)  # what the warehouse holds
    why: Mapped[str] = mapped_column(Text, nullable=False)
    evidence: Mapped[str] = mapped_column(Text, nullable=False, default="")
    proposed_value: Mapped[float | None] = mapped_column(Float)
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="submitted")
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    reviewed_by: Mapped[str | None] = mapped_column(String(80))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    rule_id: Mapped[int | None] = mapped_column(Integer)


class CorrectionRule(Base):
    """A rule that excludes or corrects one open-data value (country, series, year), recorded
    by the decision on an error report; or (``revoke``) takes an earlier rule out of force.
    Append-only: ``aicap build`` and both views apply the rules in force
    (:mod:`aicap.analysis.voice.corrections`)."""

    __tablename__ = "voice_rule"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("voice_report.id"), nullable=False)
    country_iso3: Mapped[str] = mapped_column(String(3), nullable=False, index=True)
    indicator: Mapped[str] = mapped_column(String(60), nullable=False)
    series: Mapped[str] = mapped_column(String(60), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    action: Mapped[str] = mapped_column(String(8), nullable=False)  # exclude|correct|revoke
    value: Mapped[float | None] = mapped_column(Float)  # the corrected value
    old_value: Mapped[float | None] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    dataset: Mapped[str] = mapped_column(String(8), nullable=False, default="real")
    decided_by: Mapped[str] = mapped_column(String(80), nullable=False)
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: the report's evidence, kept with the rule (migration 0007)
    evidence: Mapped[str | None] = mapped_column(Text)
    #: ``action == "revoke"``: the earlier rule this one takes out of force (migration 0007)
    revokes: Mapped[int | None] = mapped_column(Integer)


VOICE_TABLES = ("voice_document", "voice_submission", "voice_reply", "voice_report", "voice_rule")
