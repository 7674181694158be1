"""Input schemas of the country voice (issue 20): national submissions, replies, error
reports and review decisions (pydantic; unknown fields refused, every error names its field).
What depends on the framework or the warehouse (the indicator code, its unit, the year window,
bounds, the plausibility screen) is checked by :mod:`aicap.analysis.voice.checks`."""

from __future__ import annotations

import math
from enum import StrEnum

from pydantic import Field, field_validator, model_validator

from aicap.warehouse.cooperation.schemas import ISO3, MAX_TEXT, Dataset, Strict, text_problem

#: The six UN languages a reply may be written in.
LANGS = ("en", "fr", "es", "ru", "zh", "ar")
#: The longest reply (characters): a statement of about a page.
MAX_REPLY = 1500
#: The largest uploaded source document (bytes) and the only type accepted.
MAX_DOCUMENT = 8 * 1024 * 1024
PDF_MAGIC = b"%PDF-"
#: What a comment may be attached to: the tier, the score, a pillar or an indicator.
FINDING = r"^(|tier|score|rank|pillar:[A-Z]{2,12}|indicator:[a-z_]{2,40})$"


class ReviewState(StrEnum):
    submitted = "submitted"
    under_review = "under_review"
    accepted = "accepted"
    not_accepted = "not_accepted"
    withdrawn = "withdrawn"


S = ReviewState
#: The life of a submission or an error report; anything else is refused (409).
REVIEW_TRANSITIONS: dict[ReviewState, frozenset[ReviewState]] = {
    S.submitted: frozenset({S.under_review, S.withdrawn}),
    S.under_review: frozenset({S.accepted, S.not_accepted, S.withdrawn}),
    S.accepted: frozenset(),
    S.not_accepted: frozenset(),
    S.withdrawn: frozenset(),
}


def _clean_text(v: str, field: str) -> str:
    problem = text_problem(v)
    if problem:
        raise ValueError(f"{field}: {problem}")
    return v.strip()


class SubmissionIn(Strict):
    """A national value: indicator (the framework's code), year, value in the warehouse
    series' unit, and its source: a document (title, issuing body) with a URL or an uploaded
    PDF, and a method note."""

    country_iso3: str = ISO3
    indicator: str = Field(min_length=2, max_length=60, pattern=r"^[a-z_0-9]+$")
    year: int = Field(ge=1990, le=2100)
    value: float
    unit: str = Field(min_length=1, max_length=80)
    source_title: str = Field(min_length=3, max_length=300)
    source_body: str = Field(min_length=2, max_length=300)
    source_url: str | None = Field(None, max_length=500, pattern=r"^https?://[^\s]+$")
    method_note: str = Field("", max_length=MAX_TEXT)
    dataset: Dataset = Dataset.real

    @field_validator("value")
    @classmethod
    def _finite(cls, v: float) -> float:
        if not math.isfinite(v):
            raise ValueError("value: must be a finite number")
        return v

    @field_validator("source_title", "source_body", "method_note", "unit")
    @classmethod
    def _text(cls, v: str) -> str:
        return _clean_text(v, "text")


class ReplyIn(Strict):
    """The country's statement (``finding`` empty) or a comment on one finding."""

    country_iso3: str = ISO3
    lang: str = Field(pattern=r"^(en|fr|es|ru|zh|ar)$", description="one of the six languages")
    finding: str = Field("", pattern=FINDING, description="tier, score, rank, pillar:X, ...")
    text: str = Field(min_length=1, max_length=MAX_REPLY)
    dataset: Dataset = Dataset.real

    @field_validator("text")
    @classmethod
    def _text(cls, v: str) -> str:
        v = _clean_text(v, "text")
        if not v:
            raise ValueError("text: empty")
        return v


class ReportIn(Strict):
    """A suspected error in an open-data value."""

    country_iso3: str = ISO3
    indicator: str = Field(min_length=2, max_length=60, pattern=r"^[a-z_0-9]+$")
    year: int = Field(ge=1990, le=2100)
    why: str = Field(min_length=10, max_length=MAX_TEXT)
    evidence: str = Field("", max_length=MAX_TEXT)
    proposed_value: float | None = None
    dataset: Dataset = Dataset.real

    @field_validator("why", "evidence")
    @classmethod
    def _text(cls, v: str) -> str:
        return _clean_text(v, "text")

    @field_validator("proposed_value")
    @classmethod
    def _finite(cls, v: float | None) -> float | None:
        if v is not None and not math.isfinite(v):
            raise ValueError("proposed_value: must be a finite number")
        return v


class ReviewIn(Strict):
    """A move of a submission or report (``under_review``, ``accepted``, ``not_accepted``,
    ``withdrawn``); ``not_accepted`` needs a reason the country is told. For a report's
    acceptance, ``action``: ``exclude`` the value or ``correct`` it to ``value``."""

    version: int = Field(ge=1, le=2**31 - 1)
    state: ReviewState
    reason: str = Field("", max_length=MAX_TEXT)
    action: str | None = Field(None, pattern=r"^(exclude|correct)$")
    value: float | None = None

    @model_validator(mode="after")
    def _needs(self) -> ReviewIn:
        if self.state == ReviewState.not_accepted and not self.reason.strip():
            raise ValueError("reason: say why the value is not accepted (the country is told)")
        if self.action == "correct" and (self.value is None or not math.isfinite(self.value)):
            raise ValueError("value: a correction needs the corrected value")
        return self
