"""The outbox as a queue: what is still to send on a channel, and marking it sent or failed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, or_, select, true, update

from screenbot.engine.messages import Ask, Outbound, Say, from_payload, to_payload
from screenbot.store.database import Database
from screenbot.store.schema import Candidate, OutboxMessage

DEFAULT_LEASE = timedelta(seconds=30)
ERASED = to_payload(Say(""))  # what a sent reply to a forgotten person keeps of itself


@dataclass(frozen=True)
class Delivery:
    """One message to send: where, what, and the id to mark once it is out."""

    id: int
    candidate_id: int
    screening_id: int | None
    address: str
    message: Outbound


@dataclass(frozen=True)
class Reply:
    """A reply to write to the outbox in the turn's transaction; `claimed_until` is set when
    the writing process sends it straight away."""

    candidate_id: int
    screening_id: int | None
    channel: str
    address: str
    message: Outbound
    created_at: datetime
    claimed_until: datetime | None

    def row(self) -> dict[str, Any]:
        """The outbox row to insert: unsent, never tried, claimed only if the writer sends it at
        once."""
        return {
            "candidate_id": self.candidate_id,
            "screening_id": self.screening_id,
            "channel": self.channel,
            "address": self.address,
            "payload": to_payload(self.message),
            "created_at": self.created_at,
            "claimed_until": self.claimed_until,
            "attempts": 0,
        }

    def delivery(self, delivery_id: int) -> Delivery:
        """This reply as something to send, once its row has `delivery_id`."""
        return Delivery(
            delivery_id, self.candidate_id, self.screening_id, self.address, self.message
        )


_DELIVERY_COLUMNS = (
    OutboxMessage.id,
    OutboxMessage.candidate_id,
    OutboxMessage.screening_id,
    OutboxMessage.address,
    OutboxMessage.payload,
)


def _delivery(row: Row[Any]) -> Delivery:
    return Delivery(
        row.id, row.candidate_id, row.screening_id, row.address, from_payload(row.payload)
    )


def _superseded_questions(
    conn: Connection, channel: str, claimed: list[Delivery], now: datetime
) -> set[int]:
    """Retire claimed questions that a newer question to the same chat has overtaken: one
    already sent, or one claimed with it.

    Such a question was sent before a crash kept it from being marked, or the conversation went
    on without it; sending it now would ask the candidate something already behind them.
    """
    questions = [d for d in claimed if isinstance(d.message, Ask)]
    if not questions:
        return set()
    sent_later = conn.execute(
        select(OutboxMessage.address, OutboxMessage.id, OutboxMessage.payload).where(
            OutboxMessage.channel == channel,
            OutboxMessage.address.in_({d.address for d in questions}),
            OutboxMessage.id > min(d.id for d in questions),
            OutboxMessage.sent_at.is_not(None),
        )
    )
    latest_question: dict[str, int] = {}
    for address, row_id, payload in sent_later:
        if payload.get("kind") == "ask":
            latest_question[address] = max(row_id, latest_question.get(address, 0))
    for question in questions:
        latest_question[question.address] = max(
            question.id, latest_question.get(question.address, 0)
        )
    stale = {d.id for d in questions if latest_question.get(d.address, 0) > d.id}
    if stale:
        conn.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(stale))
            .values(sent_at=now, last_error="superseded by a newer question to the same chat")
        )
    return stale


class Outbox:
    """Unsent replies, each owned for `lease` by the process that claimed it.

    The process that writes a reply claims it at once and sends it straight away; a pump in
    any process takes only rows whose lease has lapsed (the sender crashed or gave up for now).
    """

    def __init__(self, database: Database, lease: timedelta = DEFAULT_LEASE) -> None:
        self.database = database
        self.lease = lease

    async def pending(self, channel: str, *, address: str | None = None) -> list[Delivery]:
        """Unsent messages in the order they were written, claimed or not."""
        query = (
            select(*_DELIVERY_COLUMNS)
            .where(OutboxMessage.channel == channel, OutboxMessage.sent_at.is_(None))
            .order_by(OutboxMessage.id)
        )
        if address is not None:
            query = query.where(OutboxMessage.address == address)
        return await self.database.read(
            lambda conn: [_delivery(row) for row in conn.execute(query)]
        )

    async def claim(
        self, channel: str, now: datetime, *, steal: bool = False, limit: int = 500
    ) -> list[Delivery]:
        """Take unsent messages whose lease has lapsed (all of them if `steal`), in order.

        Only a process that knows it is alone may steal: a long-polling bot at start-up.
        """
        lapsed = or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now)
        chosen = (
            select(OutboxMessage.id)
            .where(OutboxMessage.channel == channel, OutboxMessage.sent_at.is_(None))
            .where(true() if steal else lapsed)
            .order_by(OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        statement = (
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(chosen.scalar_subquery()))
            .values(claimed_until=now + self.lease)
            .returning(*_DELIVERY_COLUMNS)
        )

        def work(conn: Connection) -> list[Delivery]:
            claimed = [_delivery(row) for row in conn.execute(statement)]
            stale = _superseded_questions(conn, channel, claimed, now)
            return [d for d in claimed if d.id not in stale]

        return sorted(await self.database.write(work), key=lambda d: d.id)

    async def give_up(self, delivery: Delivery, error: str, now: datetime) -> None:
        """Stop retrying a message the platform will never take (the person blocked the bot)."""
        await self.database.write(
            lambda conn: conn.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == delivery.id)
                .values(sent_at=now, last_error=error[:500], attempts=OutboxMessage.attempts + 1)
            )
        )

    async def failed(self, delivery: Delivery, error: str) -> None:
        """Count an attempt that may succeed later; the message stays pending."""
        await self.database.write(
            lambda conn: conn.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == delivery.id)
                .values(last_error=error[:500], attempts=OutboxMessage.attempts + 1)
            )
        )

    async def blocked(self, candidate_id: int, now: datetime) -> None:
        """Remember that a candidate blocked the bot: nothing more is sent to them."""

        def work(conn: Connection) -> None:
            conn.execute(
                update(Candidate).where(Candidate.id == candidate_id).values(blocked_at=now)
            )
            conn.execute(
                update(OutboxMessage)
                .where(OutboxMessage.candidate_id == candidate_id, OutboxMessage.sent_at.is_(None))
                .values(sent_at=now, last_error="candidate blocked the bot")
            )

        await self.database.write(work)
