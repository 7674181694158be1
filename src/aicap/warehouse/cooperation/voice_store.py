"""The country voice's service layer (issue 20) on the cooperation registry's store: the same
accounts and roles, transactions, optimistic locking and hash-chained audit log.

Who may do what:

* a **country focal point** submits national values, uploads their source documents, writes
  the right of reply and withdraws its own submissions, for **its own country only**;
* a **reviewer** or an **administrator** moves submissions and error reports through review
  (``submitted -> under_review -> accepted | not_accepted``, a reason required for
  ``not_accepted``); nobody reviews what they submitted themselves;
* **anyone signed in** (any role, the public reader's account too) reports a suspected error;
  the anonymous public reads accepted submissions, published replies, every report with its
  status and every correction rule.

Every write and every state change is one transaction with its audit entry. Checks that need
the framework or the warehouse (indicator, unit, bounds, year, plausibility screen) are made
by :mod:`aicap.analysis.voice.checks` and handed in as ``checked``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from aicap.warehouse.cooperation.base import as_dict
from aicap.warehouse.cooperation.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    Principal,
)
from aicap.warehouse.cooperation.models import utcnow
from aicap.warehouse.cooperation.schemas import DEMO_LABEL, Role
from aicap.warehouse.cooperation.store import CoopStore
from aicap.warehouse.cooperation.voice_models import (
    NATIONAL_SOURCE,
    CorrectionRule,
    ErrorReport,
    Reply,
    Submission,
    VoiceDocument,
)
from aicap.warehouse.cooperation.voice_schemas import (
    MAX_DOCUMENT,
    PDF_MAGIC,
    REVIEW_TRANSITIONS,
    ReplyIn,
    ReportIn,
    ReviewIn,
    ReviewState,
    SubmissionIn,
)

MAX_ID = 2**31 - 1
REVIEWERS = frozenset({Role.reviewer, Role.administrator})


def bad(field: str, msg: str) -> InvalidInputError:
    """A 422 naming ``field``."""
    return InvalidInputError(
        f"invalid input: {field}: {msg}", [{"loc": ["body", field], "msg": msg}]
    )


def registry_exists(url: str) -> bool:
    """Whether the registry at ``url`` exists (a SQLite file is there; any server URL counts),
    so that readers of replies never create it."""
    if not url.startswith("sqlite"):
        return True
    path = url.split("///", 1)[-1] if "///" in url else ""
    return path not in ("", ":memory:") and Path(path).is_file()


def check_pdf(filename: str, content: bytes) -> None:
    """An uploaded source document: a PDF (its first bytes, not its name), not empty, at most
    :data:`MAX_DOCUMENT` bytes."""
    if not content:
        raise bad("document", "the file is empty")
    if len(content) > MAX_DOCUMENT:
        raise bad("document", f"larger than {MAX_DOCUMENT // (1 << 20)} MiB")
    if not content[:1024].lstrip(b"\x00\t\r\n ").startswith(PDF_MAGIC):
        raise bad("document", "not a PDF (the file does not start with %PDF-)")
    if len(filename) > 200 or any(c in filename for c in "/\\\x00"):
        raise bad("document", "the file name is too long or holds a path")


def _voice_dict(obj: Any) -> dict[str, Any]:
    out = as_dict(obj)
    out.pop("data", None)
    if "dataset" in out:
        out["fictitious"] = out["dataset"] == "demo"
        out["label"] = DEMO_LABEL if out["dataset"] == "demo" else None
    return out


class VoiceStore:
    """Country voice records on a :class:`CoopStore` (see the module doc)."""

    def __init__(self, coop: CoopStore) -> None:
        self.coop = coop

    # ---------------------------------------------------------------- who may
    @staticmethod
    def _signed_in(actor: Principal) -> None:
        if actor.account_id is None and actor.role == Role.public:
            raise ForbiddenError("sign in first")

    @staticmethod
    def _for_country(actor: Principal, iso3: str, what: str) -> None:
        """Only the country's own focal point (or an administrator) acts for a country."""
        if actor.role == Role.administrator:
            return
        if actor.role == Role.focal_point and actor.country_iso3 == iso3:
            return
        if actor.role == Role.focal_point:
            raise ForbiddenError(
                f"a country focal point {what} only for its own country "
                f"({actor.country_iso3 or 'none'}), not {iso3}"
            )
        raise ForbiddenError(f"only the country's focal point or an administrator {what}")

    @staticmethod
    def _reviewer(actor: Principal, record: Any) -> None:
        if actor.role not in REVIEWERS:
            raise ForbiddenError("only a reviewer or an administrator reviews")
        if record.created_by == actor.username:
            raise ForbiddenError("nobody reviews what they submitted themselves")

    def _validate(self, schema: type[BaseModel], data: Mapping[str, Any]) -> BaseModel:
        return self.coop._validate(schema, data)

    # ---------------------------------------------------------------- documents
    def _add_document(
        self, s: Session, actor: Principal, iso3: str, filename: str, content: bytes, dataset: str
    ) -> VoiceDocument:
        check_pdf(filename, content)
        doc = VoiceDocument(
            country_iso3=iso3,
            filename=filename or "source.pdf",
            content_type="application/pdf",
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            data=content,
            dataset=dataset,
            uploaded_by=actor.username,
            uploaded_at=utcnow(),
        )
        s.add(doc)
        s.flush()
        self.coop._audit(s, actor, "upload", "document", doc.id, None, _voice_dict(doc))
        return doc

    def document(self, actor: Principal, doc_id: int) -> tuple[dict[str, Any], bytes]:
        """A source document: public once a submission citing it is accepted; before, only
        the country's focal point, reviewers and administrators see it."""
        if not 0 < doc_id <= MAX_ID:
            raise NotFoundError(f"document {doc_id} not found")
        with self.coop.read() as s:
            doc = s.get(VoiceDocument, doc_id)
            if doc is None:
                raise NotFoundError(f"document {doc_id} not found")
            public = s.scalar(
                select(Submission.id).where(
                    Submission.document_id == doc_id, Submission.state == ReviewState.accepted
                )
            )
            if public is None and not (
                actor.role in REVIEWERS
                or (actor.role == Role.focal_point and actor.country_iso3 == doc.country_iso3)
            ):
                raise NotFoundError(f"document {doc_id} not found")
            return _voice_dict(doc), bytes(doc.data)

    # ---------------------------------------------------------------- submissions
    def submit(
        self,
        actor: Principal,
        data: Mapping[str, Any],
        checked: Mapping[str, Any],
        document: tuple[str, bytes] | None = None,
    ) -> dict[str, Any]:
        """Record a national value (state ``submitted``). ``checked``: the framework checks'
        result (``series``, ``screen``, ``international_value``)."""
        self._signed_in(actor)
        sub = self._validate(SubmissionIn, data)
        assert isinstance(sub, SubmissionIn)
        self._for_country(actor, sub.country_iso3, "submits national data")
        if not sub.source_url and document is None:
            raise bad("source_url", "give the source document's URL or upload it as a PDF")
        with self.coop.tx() as s:
            doc_id = None
            if document is not None:
                doc_id = self._add_document(
                    s, actor, sub.country_iso3, document[0], document[1], sub.dataset.value
                ).id
            rec = Submission(
                country_iso3=sub.country_iso3,
                indicator=sub.indicator,
                series=str(checked["series"]),
                year=sub.year,
                value=sub.value,
                unit=sub.unit,
                source=NATIONAL_SOURCE,
                source_title=sub.source_title,
                source_body=sub.source_body,
                source_url=sub.source_url,
                document_id=doc_id,
                method_note=sub.method_note,
                screen=dict(checked.get("screen") or {}),
                international_value=checked.get("international_value"),
                state=ReviewState.submitted.value,
                dataset=sub.dataset.value,
                created_by=actor.username,
            )
            s.add(rec)
            s.flush()
            after = _voice_dict(rec)
            self.coop._audit(s, actor, "create", "submission", rec.id, None, after)
        return after

    def submissions(
        self,
        actor: Principal,
        *,
        country: str | None = None,
        state: str | None = None,
        dataset: str | None = None,
    ) -> list[dict[str, Any]]:
        """What ``actor`` may see: reviewers and administrators everything, a focal point its
        country's, everyone accepted submissions."""
        q = select(Submission).order_by(Submission.id)
        if country:
            q = q.where(Submission.country_iso3 == country)
        if state:
            q = q.where(Submission.state == state)
        if dataset and dataset != "all":
            q = q.where(Submission.dataset == dataset)
        with self.coop.read() as s:
            rows = list(s.scalars(q))
        return [_voice_dict(r) for r in rows if self._may_see(actor, r)]

    @staticmethod
    def _may_see(actor: Principal, r: Submission) -> bool:
        if r.state == ReviewState.accepted or actor.role in REVIEWERS:
            return True
        return actor.role == Role.focal_point and actor.country_iso3 == r.country_iso3

    def submission(self, actor: Principal, sid: int) -> dict[str, Any]:
        with self.coop.read() as s:
            r = s.get(Submission, sid) if 0 < sid <= MAX_ID else None
            if r is None or not self._may_see(actor, r):
                raise NotFoundError(f"submission {sid} not found")
            return _voice_dict(r)

    def accepted(self, dataset: str = "real") -> list[dict[str, Any]]:
        """Accepted submissions of ``dataset`` (what the national view adds)."""
        q = select(Submission).where(
            Submission.state == ReviewState.accepted, Submission.dataset == dataset
        )
        with self.coop.read() as s:
            return [_voice_dict(r) for r in s.scalars(q.order_by(Submission.id))]

    def _move(
        self, s: Session, actor: Principal, rec: Any, entity: str, move: ReviewIn
    ) -> tuple[dict[str, Any], ReviewState]:
        if rec.version != move.version:
            raise ConflictError(
                f"{entity} {rec.id} is at version {rec.version}, you read {move.version}; "
                "reload and retry",
                {"current_version": rec.version, "your_version": move.version},
                field="version",
            )
        cur = ReviewState(rec.state)
        if move.state not in REVIEW_TRANSITIONS[cur]:
            allowed = ", ".join(sorted(REVIEW_TRANSITIONS[cur])) or "none, the state is final"
            raise ConflictError(
                f"a {cur.value} {entity} cannot become {move.state.value} (allowed: {allowed})",
                field="state",
            )
        before = _voice_dict(rec)
        rec.state = move.state.value
        if move.state != ReviewState.withdrawn:
            rec.reviewed_by = actor.username
            rec.reviewed_at = utcnow()
        if move.reason:
            rec.reason = move.reason
        return before, move.state

    def review(self, actor: Principal, sid: int, data: Mapping[str, Any]) -> dict[str, Any]:
        """Move a submission: a reviewer or administrator takes it under review and accepts
        it or not (with the reason); its focal point may withdraw it before a decision."""
        self._signed_in(actor)
        move = self._validate(ReviewIn, data)
        assert isinstance(move, ReviewIn)
        try:
            with self.coop.tx() as s:
                rec = s.get(Submission, sid) if 0 < sid <= MAX_ID else None
                if rec is None or not self._may_see(actor, rec):
                    raise NotFoundError(f"submission {sid} not found")
                if move.state == ReviewState.withdrawn:
                    self._for_country(actor, rec.country_iso3, "withdraws a submission")
                else:
                    self._reviewer(actor, rec)
                before, _ = self._move(s, actor, rec, "submission", move)
                s.flush()
                after = _voice_dict(rec)
                self.coop._audit(s, actor, "transition", "submission", rec.id, before, after)
        except StaleDataError:
            raise ConflictError(
                f"submission {sid} was changed at the same time; reload and retry",
                field="version",
            ) from None
        return after

    # ---------------------------------------------------------------- replies
    def reply(self, actor: Principal, data: Mapping[str, Any]) -> dict[str, Any]:
        """Write (or rewrite) the country's reply in one language, on the whole profile or on
        one finding; published at once, marked as the country's own."""
        self._signed_in(actor)
        r = self._validate(ReplyIn, data)
        assert isinstance(r, ReplyIn)
        self._for_country(actor, r.country_iso3, "writes the right of reply")
        with self.coop.tx() as s:
            rec = s.scalar(
                select(Reply).where(
                    Reply.country_iso3 == r.country_iso3,
                    Reply.lang == r.lang,
                    Reply.finding == r.finding,
                    Reply.dataset == r.dataset.value,
                )
            )
            before = _voice_dict(rec) if rec is not None else None
            if rec is None:
                rec = Reply(
                    country_iso3=r.country_iso3,
                    lang=r.lang,
                    finding=r.finding,
                    text=r.text,
                    status="published",
                    dataset=r.dataset.value,
                    created_by=actor.username,
                )
                s.add(rec)
            else:
                rec.text = r.text
                rec.status = "published"
            s.flush()
            after = _voice_dict(rec)
            self.coop._audit(
                s, actor, "create" if before is None else "update", "reply", rec.id, before, after
            )
        return after

    def withdraw_reply(self, actor: Principal, rid: int) -> dict[str, Any]:
        self._signed_in(actor)
        with self.coop.tx() as s:
            rec = s.get(Reply, rid) if 0 < rid <= MAX_ID else None
            if rec is None:
                raise NotFoundError(f"reply {rid} not found")
            self._for_country(actor, rec.country_iso3, "withdraws the right of reply")
            before = _voice_dict(rec)
            rec.status = "withdrawn"
            s.flush()
            after = _voice_dict(rec)
            self.coop._audit(s, actor, "withdraw", "reply", rec.id, before, after)
        return after

    def replies(
        self, country: str | None = None, dataset: str | None = None
    ) -> list[dict[str, Any]]:
        """Published replies (the public's view)."""
        q = select(Reply).where(Reply.status == "published").order_by(Reply.finding, Reply.lang)
        if country:
            q = q.where(Reply.country_iso3 == country)
        if dataset and dataset != "all":
            q = q.where(Reply.dataset == dataset)
        with self.coop.read() as s:
            return [_voice_dict(r) for r in s.scalars(q)]

    # ---------------------------------------------------------------- error reports
    def report(
        self, actor: Principal, data: Mapping[str, Any], checked: Mapping[str, Any]
    ) -> dict[str, Any]:
        """A suspected error in an open-data value (anyone signed in)."""
        self._signed_in(actor)
        r = self._validate(ReportIn, data)
        assert isinstance(r, ReportIn)
        with self.coop.tx() as s:
            rec = ErrorReport(
                country_iso3=r.country_iso3,
                indicator=r.indicator,
                series=str(checked["series"]),
                year=r.year,
                reported_value=checked.get("international_value"),
                why=r.why,
                evidence=r.evidence,
                proposed_value=r.proposed_value,
                state=ReviewState.submitted.value,
                dataset=r.dataset.value,
                created_by=actor.username,
            )
            s.add(rec)
            s.flush()
            after = _voice_dict(rec)
            self.coop._audit(s, actor, "create", "report", rec.id, None, after)
        return after

    def reports(
        self, *, country: str | None = None, state: str | None = None, dataset: str | None = None
    ) -> list[dict[str, Any]]:
        """Every report with its status (public)."""
        q = select(ErrorReport).order_by(ErrorReport.id.desc())
        if country:
            q = q.where(ErrorReport.country_iso3 == country)
        if state:
            q = q.where(ErrorReport.state == state)
        if dataset and dataset != "all":
            q = q.where(ErrorReport.dataset == dataset)
        with self.coop.read() as s:
            return [_voice_dict(r) for r in s.scalars(q)]

    def decide_report(self, actor: Principal, rid: int, data: Mapping[str, Any]) -> dict[str, Any]:
        """Move a report; accepting it records the correction rule (exclude the value, or
        correct it to ``value``) in the same transaction."""
        self._signed_in(actor)
        move = self._validate(ReviewIn, data)
        assert isinstance(move, ReviewIn)
        if move.state == ReviewState.accepted and move.action is None:
            raise bad("action", "accepting a report: exclude the value or correct it")
        try:
            with self.coop.tx() as s:
                rec = s.get(ErrorReport, rid) if 0 < rid <= MAX_ID else None
                if rec is None:
                    raise NotFoundError(f"report {rid} not found")
                if move.state == ReviewState.withdrawn:
                    if rec.created_by != actor.username and actor.role != Role.administrator:
                        raise ForbiddenError("only its reporter withdraws a report")
                else:
                    self._reviewer(actor, rec)
                before, state = self._move(s, actor, rec, "report", move)
                if state == ReviewState.accepted:
                    rule = CorrectionRule(
                        report_id=rec.id,
                        country_iso3=rec.country_iso3,
                        indicator=rec.indicator,
                        series=rec.series,
                        year=rec.year,
                        action=str(move.action),
                        value=move.value if move.action == "correct" else None,
                        old_value=rec.reported_value,
                        reason=move.reason or rec.why,
                        evidence=rec.evidence,
                        dataset=rec.dataset,
                        decided_by=actor.username,
                        decided_at=utcnow(),
                    )
                    s.add(rule)
                    s.flush()
                    rec.rule_id = rule.id
                    self.coop._audit(s, actor, "create", "rule", rule.id, None, as_dict(rule))
                s.flush()
                after = _voice_dict(rec)
                self.coop._audit(s, actor, "transition", "report", rec.id, before, after)
        except (StaleDataError, IntegrityError):
            raise ConflictError(
                f"report {rid} was changed at the same time; reload and retry", field="version"
            ) from None
        return after

    def revoke_rule(self, actor: Principal, rule_id: int, reason: str) -> dict[str, Any]:
        """Take a correction rule out of force by a later rule (``action = revoke``; the
        table is append-only: the earlier rule stays, with who revoked it, when and why).
        Reviewers and administrators only."""
        self._signed_in(actor)
        if actor.role not in REVIEWERS:
            raise ForbiddenError("only a reviewer or an administrator revokes a correction rule")
        reason = (reason or "").strip()
        if not reason or len(reason) > 2000:
            raise bad("reason", "say why the rule is revoked (at most 2,000 characters)")
        with self.coop.tx() as s:
            old = s.get(CorrectionRule, rule_id) if 0 < rule_id <= MAX_ID else None
            if old is None:
                raise NotFoundError(f"rule {rule_id} not found")
            if old.action == "revoke":
                raise ConflictError(f"rule {rule_id} is a revocation itself", field="rule")
            done = s.scalar(
                select(CorrectionRule.id).where(
                    CorrectionRule.action == "revoke", CorrectionRule.revokes == rule_id
                )
            )
            if done is not None:
                raise ConflictError(
                    f"rule {rule_id} was already revoked by rule {done}", field="rule"
                )
            rule = CorrectionRule(
                report_id=old.report_id,
                country_iso3=old.country_iso3,
                indicator=old.indicator,
                series=old.series,
                year=old.year,
                action="revoke",
                value=None,
                old_value=old.value if old.action == "correct" else old.old_value,
                reason=reason,
                evidence=None,
                dataset=old.dataset,
                decided_by=actor.username,
                decided_at=utcnow(),
                revokes=old.id,
            )
            s.add(rule)
            s.flush()
            after = as_dict(rule)
            self.coop._audit(s, actor, "create", "rule", rule.id, None, after)
        return after

    def rules(self, dataset: str = "real") -> list[dict[str, Any]]:
        """The correction rules in force (append-only; oldest first)."""
        q = select(CorrectionRule).order_by(CorrectionRule.id)
        if dataset != "all":
            q = q.where(CorrectionRule.dataset == dataset)
        with self.coop.read() as s:
            return [as_dict(r) for r in s.scalars(q)]
