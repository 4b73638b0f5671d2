"""The tables, as SQLAlchemy 2.x declarative models; Alembic migrations follow this file."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """Timestamps are UTC going in and aware coming out, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, _dialect: Dialect) -> datetime | None:
        """Refuse a naive time rather than guess its zone; store an aware one in UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; pass an aware UTC time")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, _dialect: Dialect) -> datetime | None:
        """SQLite gives back naive times (it stores no zone): those were written in UTC, so they are
        marked as such."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """The tables' metadata, with names for constraints and indexes that migrations can refer to on
    either dialect."""

    metadata = MetaData(naming_convention=NAMING)


class Candidate(Base):
    """One person on one platform; `address` is where replies go (a chat or DM channel)."""

    __tablename__ = "candidates"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(128))
    address: Mapped[str] = mapped_column(String(128))
    display_name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    blocked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    erased_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Screening(Base):
    """One candidate's run through one flow, with the content versions it was scored against."""

    __tablename__ = "screenings"
    __table_args__ = (
        Index("ix_screenings_candidate_updated", "candidate_id", "updated_at"),
        Index("ix_screenings_flow_stage", "flow_id", "stage"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id", ondelete="CASCADE"))
    flow_id: Mapped[str] = mapped_column(String(64))
    flow_version: Mapped[str] = mapped_column(String(16))
    bank_versions: Mapped[dict[str, str]] = mapped_column(JSON)
    seed: Mapped[int] = mapped_column(BigInteger)
    stage: Mapped[str] = mapped_column(String(16))
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    score: Mapped[float | None] = mapped_column(Float)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    grading: Mapped[str | None] = mapped_column(String(16), index=True)
    """"pending" while a free-text answer awaits its grade or the total awaits recomputing; NULL
    once the total is final."""


class Answer(Base):
    """An answered bank question; unique per screening and question, so none is stored twice."""

    __tablename__ = "answers"
    __table_args__ = (
        UniqueConstraint("screening_id", "bank_id", "question_id"),
        Index("ix_answers_grading", "grading", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    screening_id: Mapped[int] = mapped_column(ForeignKey("screenings.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    bank_id: Mapped[str] = mapped_column(String(64))
    bank_version: Mapped[str] = mapped_column(String(16))
    question_id: Mapped[str] = mapped_column(String(64))
    raw_answer: Mapped[str | None] = mapped_column(Text)
    points: Mapped[float] = mapped_column(Float)
    max_points: Mapped[float] = mapped_column(Float)
    seconds: Mapped[float] = mapped_column(Float)
    late: Mapped[bool] = mapped_column(Boolean)
    answered_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Free-text answers only (NULL for answers scored as they came): "pending" until the grader
    # has read them, then "graded", "overridden" (a recruiter set the credit) or "failed".
    grading: Mapped[str | None] = mapped_column(String(16))
    grading_claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    grading_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    graded_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    needs_review: Mapped[bool | None] = mapped_column(Boolean)


class InboundEvent(Base):
    """Idempotency keys of every platform event handled; a second copy is refused."""

    __tablename__ = "inbound_events"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    candidate_id: Mapped[int | None] = mapped_column(
        ForeignKey("candidates.id", ondelete="SET NULL")
    )
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)


class OutboxMessage(Base):
    """A reply written with the turn that caused it; sent afterwards, re-sent after a crash.

    `claimed_until` is a lease: the process that claims a row (the one that wrote it, or a pump)
    owns its sending until then, so two processes never send the same message at once.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_pending", "channel", "sent_at", "id"),
        Index("ix_outbox_chat", "channel", "address", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id", ondelete="CASCADE"))
    screening_id: Mapped[int | None] = mapped_column(
        ForeignKey("screenings.id", ondelete="SET NULL")
    )
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(128))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


class Decision(Base):
    """A recruiter's call on a screening: who, when, what. The latest one stands."""

    __tablename__ = "decisions"
    __table_args__ = (Index("ix_decisions_screening", "screening_id", "decided_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    screening_id: Mapped[int] = mapped_column(ForeignKey("screenings.id", ondelete="CASCADE"))
    decision: Mapped[str] = mapped_column(String(16))
    decided_by: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime)


class DigestSlot(Base):
    """One scheduled digest of one flow; the unique row is the claim that makes it post once."""

    __tablename__ = "digest_slots"
    __table_args__ = (UniqueConstraint("flow_id", "slot_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    flow_id: Mapped[str] = mapped_column(String(64))
    slot_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(16))
    claimed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    retry_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    channel: Mapped[str | None] = mapped_column(String(64))
    ts: Mapped[str | None] = mapped_column(String(32))


class ItemParameter(Base):
    """A question's 2PL parameters at one bank version, from the latest calibration: `a`/`b` are
    what to use (the fit, the prior kept for too few answers, or the previous parameters kept
    when the fit did not converge), `fitted_a`/`fitted_b` what the fit reached, `status` why."""

    __tablename__ = "item_parameters"
    __table_args__ = (UniqueConstraint("bank_id", "bank_version", "question_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bank_id: Mapped[str] = mapped_column(String(64))
    bank_version: Mapped[str] = mapped_column(String(16))
    question_id: Mapped[str] = mapped_column(String(64))
    a: Mapped[float] = mapped_column(Float)
    b: Mapped[float] = mapped_column(Float)
    a_se: Mapped[float | None] = mapped_column(Float)
    b_se: Mapped[float | None] = mapped_column(Float)
    fitted_a: Mapped[float | None] = mapped_column(Float)
    fitted_b: Mapped[float | None] = mapped_column(Float)
    answers: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(Text)
    calibrated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ScoreAudit(Base):
    """A finished screening's score before a rescore changed it: the old and new score, pass and
    content versions, and when."""

    __tablename__ = "score_audit"
    __table_args__ = (Index("ix_score_audit_screening", "screening_id", "rescored_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    screening_id: Mapped[int] = mapped_column(ForeignKey("screenings.id", ondelete="CASCADE"))
    old_score: Mapped[float | None] = mapped_column(Float)
    new_score: Mapped[float | None] = mapped_column(Float)
    old_passed: Mapped[bool | None] = mapped_column(Boolean)
    new_passed: Mapped[bool | None] = mapped_column(Boolean)
    old_bank_versions: Mapped[dict[str, str]] = mapped_column(JSON)
    new_bank_versions: Mapped[dict[str, str]] = mapped_column(JSON)
    rescored_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AnswerGrade(Base):
    """Every grade a free-text answer was given, the grader's and any recruiter's, oldest first:
    the latest one stands, the others are its audit. `by` is the grader's version or the
    recruiter; `detail` holds the grader's per-concept credit, evidence and flags."""

    __tablename__ = "answer_grades"
    __table_args__ = (Index("ix_answer_grades_answer", "answer_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(16))  # "grader" | "recruiter"
    score: Mapped[float] = mapped_column(Float)
    points: Mapped[float] = mapped_column(Float)
    by: Mapped[str] = mapped_column(String(128))
    needs_review: Mapped[bool] = mapped_column(Boolean)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    graded_at: Mapped[datetime] = mapped_column(UtcDateTime)
