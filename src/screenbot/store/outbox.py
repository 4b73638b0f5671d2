"""The outbox as a queue: what is still to send on a channel, and marking it sent or failed."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from screenbot.engine.messages import Outbound, from_payload
from screenbot.store.database import Database
from screenbot.store.schema import OutboxMessage


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
        self, channel: str, *, address: str | None = None, limit: int = 500
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
        async with self.database.reading() as conn:
            rows = await conn.execute(query)
            return [
                Delivery(r.id, r.candidate_id, r.screening_id, r.address, from_payload(r.payload))
                for r in rows
            ]
