"""Recruiters' decisions, and what a candidate is told about them.

The decision and the candidate's notification are written in one transaction; the notification
goes through the outbox of the candidate's own channel, so it survives a crash like any reply.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, insert, select

from screenbot.content.catalog import Catalog
from screenbot.engine.messages import Notice, to_payload
from screenbot.recruiting.digest import DECISIONS
from screenbot.store.database import Database
from screenbot.store.outbox import DEFAULT_LEASE, Delivery
from screenbot.store.repository import Repository
from screenbot.store.schema import Answer, Candidate, Decision, Screening


@dataclass(frozen=True)
class Decided:
    screening_id: int
    flow_id: str
    decision: str
    channel: str
    notification: Delivery | None


@dataclass(frozen=True)
class TranscriptLine:
    number: int
    section: str
    question: str
    answer: str
    points: float
    max_points: float
    seconds: float


async def flow_of(database: Database, screening_id: int) -> str | None:
    query = select(Screening.flow_id).where(Screening.id == screening_id)
    return await database.read(lambda conn: conn.execute(query).scalar_one_or_none())


async def decide(
    database: Database,
    catalog: Catalog,
    screening_id: int,
    decision: str,
    by: str,
    now: datetime,
    *,
    sent_live_on: str | None = None,
    lease: timedelta = DEFAULT_LEASE,
) -> Decided | None:
    """Record a decision and queue the flow's message to the candidate; None if the screening
    is gone (erased)."""
    if decision not in DECISIONS:
        raise ValueError(f"unknown decision {decision!r}")

    def work(conn: Connection) -> Decided | None:
        row = conn.execute(
            select(
                Screening.flow_id,
                Screening.candidate_id,
                Candidate.channel,
                Candidate.address,
                Candidate.blocked_at,
                Candidate.erased_at,
            )
            .join(Candidate, Candidate.id == Screening.candidate_id)
            .where(Screening.id == screening_id)
        ).one_or_none()
        if row is None or row.erased_at is not None:
            return None
        conn.execute(
            insert(Decision).values(
                screening_id=screening_id, decision=decision, decided_by=by, decided_at=now
            )
        )
        notification = None
        flow = catalog.flows.get(row.flow_id)
        if flow is not None and row.blocked_at is None:
            message = Notice(getattr(flow.decisions, decision))
            [delivery_id] = Repository(conn).add_outbox_rows(
                [
                    {
                        "candidate_id": row.candidate_id,
                        "screening_id": screening_id,
                        "channel": row.channel,
                        "address": row.address,
                        "payload": to_payload(message),
                        "created_at": now,
                        "claimed_until": now + lease if row.channel == sent_live_on else None,
                        "attempts": 0,
                    }
                ]
            )
            notification = Delivery(
                delivery_id, row.candidate_id, screening_id, row.address, message
            )
        return Decided(screening_id, row.flow_id, decision, row.channel, notification)

    return await database.write(work)


async def transcript(
    database: Database, catalog: Catalog, screening_id: int
) -> list[TranscriptLine]:
    """Every answered question of a screening with its score, for recruiters only."""
    query = select(Answer).where(Answer.screening_id == screening_id).order_by(Answer.position)
    rows = await database.read(lambda conn: conn.execute(query).all())
    lines = []
    for answer in rows:
        bank = catalog.banks.get(answer.bank_id)
        question = (
            next((q.text for q in bank.questions if q.id == answer.question_id), None)
            if bank
            else None
        )
        lines.append(
            TranscriptLine(
                number=answer.position + 1,
                section=bank.title if bank else answer.bank_id,
                question=question or f"({answer.question_id}, since removed)",
                answer=answer.raw_answer or "(erased)",
                points=answer.points,
                max_points=answer.max_points,
                seconds=answer.seconds,
            )
        )
    return lines
