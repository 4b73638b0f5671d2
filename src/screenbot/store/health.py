"""What /healthz and /metrics ask of the database."""

from __future__ import annotations

from sqlalchemy import func, select, text

from screenbot.store.database import Database
from screenbot.store.schema import OutboxMessage


async def ping(database: Database) -> None:
    """Raises if the database cannot be reached."""
    await database.read(lambda conn: conn.execute(text("SELECT 1")))


async def outbox_backlog(database: Database) -> dict[str, int]:
    """Unsent replies per channel."""
    counts = (
        select(OutboxMessage.channel, func.count(OutboxMessage.id))
        .where(OutboxMessage.sent_at.is_(None))
        .group_by(OutboxMessage.channel)
    )
    rows = await database.read(lambda conn: conn.execute(counts).all())
    return {str(channel): int(count) for channel, count in rows}
