"""Stored answers to bank questions, one row per answer, for item analysis and calibration."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from screenbot.store.database import Database
from screenbot.store.schema import Answer, Screening


@dataclass(frozen=True)
class ItemAnswer:
    """One answer to one bank question: whose screening (`screening_id`; persons are
    screenings), which bank version it was asked at, what was picked or typed (`raw`: choice ids
    joined by commas for choice questions; None once anonymised), the points it earned out of
    `max_points`, how long it took, and when."""

    screening_id: int
    flow_id: str
    bank_id: str
    bank_version: str
    question_id: str
    raw: str | None
    points: float
    max_points: float
    seconds: float
    answered_at: datetime


async def item_answers(
    database: Database,
    *,
    bank_id: str | None = None,
    bank_version: str | None = None,
    flow_id: str | None = None,
) -> list[ItemAnswer]:
    """Answers to bank questions, of one bank (at one version), one flow, or all; by screening
    and position."""
    query = (
        select(
            Answer.screening_id,
            Screening.flow_id,
            Answer.bank_id,
            Answer.bank_version,
            Answer.question_id,
            Answer.raw_answer,
            Answer.points,
            Answer.max_points,
            Answer.seconds,
            Answer.answered_at,
        )
        .join(Screening, Screening.id == Answer.screening_id)
        .order_by(Answer.screening_id, Answer.position)
    )
    if bank_id is not None:
        query = query.where(Answer.bank_id == bank_id)
    if bank_version is not None:
        query = query.where(Answer.bank_version == bank_version)
    if flow_id is not None:
        query = query.where(Screening.flow_id == flow_id)
    rows = await database.read(lambda conn: conn.execute(query).all())
    return [ItemAnswer(*tuple(row)) for row in rows]
