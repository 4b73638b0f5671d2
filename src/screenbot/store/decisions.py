"""Recruiters' decisions: recorded with the candidate's notification in one transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select

from screenbot.engine.messages import Outbound
from screenbot.store.database import Database
from screenbot.store.outbox import Delivery, Reply
from screenbot.store.repository import Repository
from screenbot.store.schema import Candidate, Decision, Screening


@dataclass(frozen=True)
class Recorded:
    """A decision as stored: the screening's flow, the candidate's channel, and the
    notification queued for them (None when there is nothing to tell or nobody to tell)."""

    flow_id: str
    channel: str
    notification: Delivery | None


async def flow_of(database: Database, screening_id: int) -> str | None:
    """The flow a screening belongs to; None if there is no such screening (or it was erased)."""
    query = select(Screening.flow_id).where(Screening.id == screening_id)
    return await database.read(lambda conn: conn.execute(query).scalar_one_or_none())


async def record_decision(
    database: Database,
    screening_id: int,
    decision: str,
    by: str,
    now: datetime,
    *,
    message_for: Callable[[str], Outbound | None],
    claimed_until: Callable[[str], datetime | None],
) -> Recorded | None:
    """Store a decision and queue `message_for(flow_id)` to the candidate (unless they blocked
    the bot); `claimed_until(channel)` is set when the caller sends it straight away. None if
    the screening is gone."""

    def work(conn: Connection) -> Recorded | None:
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
        message = message_for(row.flow_id)
        notification = None
        if message is not None and row.blocked_at is None:
            reply = Reply(
                row.candidate_id,
                screening_id,
                row.channel,
                row.address,
                message,
                now,
                claimed_until(row.channel),
            )
            [notification] = Repository(conn).add_replies([reply])
        return Recorded(row.flow_id, row.channel, notification)

    return await database.write(work)
