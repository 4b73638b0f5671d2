"""Digest slots: one row per (flow, scheduled time), claimed by the one run that posts it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, select, update

from screenbot.store.database import Database, dialect_insert
from screenbot.store.schema import DigestSlot


class SlotStatus(StrEnum):
    """Where a digest slot stands: only a claimed slot is posted, by the run that claimed it."""

    CLAIMED = "claimed"  # a run is posting it
    POSTED = "posted"
    FAILED = "failed"  # waiting for `retry_at`


@dataclass(frozen=True)
class FailedSlot:
    """A slot whose post failed and is due for another try; `attempts` counts the tries so far, for
    the backoff."""

    id: int
    flow_id: str
    slot_at: datetime
    attempts: int


class DigestSlots:
    """The slot table, for `Digests` alone."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def claim(self, flow_id: str, slot_at: datetime, now: datetime) -> int | None:
        """The new slot's id, or None if another run claimed it first."""

        def work(conn: Connection) -> Any:
            return conn.execute(
                dialect_insert(conn.dialect.name, DigestSlot)
                .values(
                    flow_id=flow_id,
                    slot_at=slot_at,
                    status=SlotStatus.CLAIMED,
                    claimed_at=now,
                    attempts=0,
                )
                .on_conflict_do_nothing(index_elements=["flow_id", "slot_at"])
                .returning(DigestSlot.id)
            ).scalar_one_or_none()

        slot_id = await self.database.write(work)
        return None if slot_id is None else int(slot_id)

    async def reclaim(self, slot_id: int, now: datetime) -> bool:
        """Take a failed slot back for one more try; False if another run took it first."""
        take = (
            update(DigestSlot)
            .where(DigestSlot.id == slot_id, DigestSlot.status == SlotStatus.FAILED)
            .values(status=SlotStatus.CLAIMED, claimed_at=now)
        )
        return bool(await self.database.write(lambda conn: conn.execute(take).rowcount))

    async def posted(self, slot_id: int, attempts: int, channel: str, ts: str) -> None:
        """Record the slot as posted, after `attempts` tries, as message `ts` in `channel`: where
        the digest's buttons and later updates find it."""
        await self._record(
            slot_id,
            status=SlotStatus.POSTED,
            attempts=attempts,
            channel=channel,
            ts=ts,
            retry_at=None,
            last_error=None,
        )

    async def failed(self, slot_id: int, attempts: int, retry_at: datetime, error: str) -> None:
        """Record a failed try, kept for `retry_at`, with the start of `error` for whoever looks
        into it."""
        await self._record(
            slot_id,
            status=SlotStatus.FAILED,
            attempts=attempts,
            retry_at=retry_at,
            last_error=error[:500],
        )

    async def _record(self, slot_id: int, **values: Any) -> None:
        record = update(DigestSlot).where(DigestSlot.id == slot_id).values(**values)
        await self.database.write(lambda conn: conn.execute(record))

    async def due(self, now: datetime) -> list[FailedSlot]:
        """Failed slots whose backoff has passed."""
        waiting = select(
            DigestSlot.id, DigestSlot.flow_id, DigestSlot.slot_at, DigestSlot.attempts
        ).where(DigestSlot.status == SlotStatus.FAILED, DigestSlot.retry_at <= now)
        rows = await self.database.read(lambda conn: conn.execute(waiting).all())
        return [FailedSlot(*row) for row in rows]

    async def stuck(self) -> list[tuple[str, datetime]]:
        """(flow, slot) of every failed post waiting for a retry."""
        failed = select(DigestSlot.flow_id, DigestSlot.slot_at).where(
            DigestSlot.status == SlotStatus.FAILED
        )
        rows = await self.database.read(lambda conn: conn.execute(failed).all())
        return [(r.flow_id, r.slot_at) for r in rows]

    async def last(self, flow_id: str) -> datetime | None:
        """The time of the flow's latest slot, claimed or not; None before its first digest."""
        last = (
            select(DigestSlot.slot_at)
            .where(DigestSlot.flow_id == flow_id)
            .order_by(DigestSlot.slot_at.desc())
            .limit(1)
        )
        slot_at: datetime | None = await self.database.read(
            lambda conn: conn.execute(last).scalar_one_or_none()
        )
        return slot_at

    async def channels_of(self, flow_id: str) -> set[str]:
        """Channel ids this flow's digests were posted in."""
        posted_in = (
            select(DigestSlot.channel)
            .where(DigestSlot.flow_id == flow_id, DigestSlot.channel.is_not(None))
            .distinct()
        )
        channels = await self.database.read(lambda conn: conn.execute(posted_in).scalars().all())
        return {str(c) for c in channels}
