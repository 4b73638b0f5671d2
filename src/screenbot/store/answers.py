"""A screening's stored answers, in the order they were given, and its total: what recruiters
read back."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from screenbot.store.database import Database
from screenbot.store.schema import Answer, Screening


@dataclass(frozen=True)
class StoredAnswer:
    """One stored answer as a recruiter reads it back: the question it answered, what was typed or
    picked, the points it earned out of `max_points`, and how long it took."""

    position: int
    bank_id: str
    question_id: str
    raw: str | None  # None once the candidate's data was anonymised
    points: float
    max_points: float
    seconds: float


async def answers_of(database: Database, screening_id: int) -> list[StoredAnswer]:
    """A screening's answers in the order they were given; empty for a screening that has none, or
    no longer exists."""
    query = (
        select(
            Answer.position,
            Answer.bank_id,
            Answer.question_id,
            Answer.raw_answer,
            Answer.points,
            Answer.max_points,
            Answer.seconds,
        )
        .where(Answer.screening_id == screening_id)
        .order_by(Answer.position)
    )
    rows = await database.read(lambda conn: conn.execute(query).all())
    return [StoredAnswer(*row) for row in rows]


@dataclass(frozen=True)
class StoredTotal:
    """A screening's total as stored: None until it is final (`grading` while free-text answers
    wait for the grader or the total for recomputing)."""

    score: float | None
    passed: bool | None
    grading: bool


async def total_of(database: Database, screening_id: int) -> StoredTotal | None:
    """The screening's total; None when there is no such screening."""
    query = select(Screening.score, Screening.passed, Screening.grading).where(
        Screening.id == screening_id
    )
    row = await database.read(lambda conn: conn.execute(query).first())
    if row is None:
        return None
    return StoredTotal(row.score, row.passed, row.grading is not None)
