"""The outbox as a queue: what is still to send on a channel, and marking it sent or failed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from screenbot.engine.messages import Outbound, from_payload
from screenbot.store.database import Database
from screenbot.store.schema import Candidate, OutboxMessage


@dataclass(frozen=True)
class Delivery:
    """One message to send: where, what, and the id to mark once it is out."""

    id: int
    candidate_id: int
    screening_id: int | None
    address: str
    message: Outbound


class Outbox:
    def __init__(self, database: Database) -> None:
        self.database = database

    async def pending(
        self,
        channel: str,
        *,
        address: str | None = None,
        before: datetime | None = None,
        limit: int = 500,
    ) -> list[Delivery]:
        """Unsent messages in the order they were written: what a restart must still send."""
        query = (
            select(
                OutboxMessage.id,
                OutboxMessage.candidate_id,
                OutboxMessage.screening_id,
                OutboxMessage.address,
                OutboxMessage.payload,
            )
            .where(OutboxMessage.channel == channel, OutboxMessage.sent_at.is_(None))
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
        if address is not None:
            query = query.where(OutboxMessage.address == address)
        if before is not None:
            query = query.where(OutboxMessage.created_at < before)
        async with self.database.reading() as conn:
            rows = await conn.execute(query)
            return [
                Delivery(r.id, r.candidate_id, r.screening_id, r.address, from_payload(r.payload))
                for r in rows
            ]

    async def give_up(self, delivery: Delivery, error: str, now: datetime) -> None:
        """Stop retrying a message the platform will never take (the person blocked the bot)."""
        async with self.database.transaction() as conn:
            await conn.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == delivery.id)
                .values(sent_at=now, last_error=error[:500], attempts=OutboxMessage.attempts + 1)
            )

    async def failed(self, delivery: Delivery, error: str) -> None:
        """Count an attempt that may succeed later; the message stays pending."""
        async with self.database.transaction() as conn:
            await conn.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == delivery.id)
                .values(last_error=error[:500], attempts=OutboxMessage.attempts + 1)
            )

    async def blocked(self, candidate_id: int, now: datetime) -> None:
        """Remember that a candidate blocked the bot: nothing more is sent to them."""
        async with self.database.transaction() as conn:
            await conn.execute(
                update(Candidate).where(Candidate.id == candidate_id).values(blocked_at=now)
            )
            await conn.execute(
                update(OutboxMessage)
                .where(OutboxMessage.candidate_id == candidate_id, OutboxMessage.sent_at.is_(None))
                .values(sent_at=now, last_error="candidate blocked the bot")
            )
