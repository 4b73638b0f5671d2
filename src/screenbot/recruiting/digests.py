"""Posting each flow's digest exactly once per scheduled slot, across processes and restarts.

A run first claims its slot with a unique (flow, slot) row; only the winner posts, then stores
Slack's `ts`. A failed post keeps its claim, marked failed with a time to retry (backoff), so it
shows in /healthz and is retried by whichever process gets there first.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import Connection, select, update

from screenbot.content.catalog import Catalog
from screenbot.content.models import Flow
from screenbot.metrics import Metrics
from screenbot.recruiting.digest import as_text
from screenbot.recruiting.ranking import Shortlist, shortlist
from screenbot.scheduling import JobScheduler, cron_trigger, fires_between, latest_fire
from screenbot.store.database import Database, dialect_insert
from screenbot.store.schema import DigestSlot

log = logging.getLogger(__name__)
RETRY_BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
)


class Poster(Protocol):
    """Where digests go, rendered as the place needs; returns the channel's id and the first
    message's id (Slack's `ts`)."""

    async def post(self, channel: str, digest: Digest) -> tuple[str, str]: ...


class SlotOutcome(StrEnum):
    POSTED = "posted"
    TAKEN = "taken"  # another run claimed this slot first
    FAILED = "failed"


@dataclass(frozen=True)
class Digest:
    shortlist: Shortlist
    bank_titles: Mapping[str, str]

    @property
    def text(self) -> str:
        return as_text(self.shortlist, self.bank_titles)


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Digests:
    def __init__(
        self,
        database: Database,
        catalog: Catalog,
        poster: Poster | None,
        clock: Callable[[], datetime] = _utcnow,
        metrics: Metrics | None = None,
    ) -> None:
        self.database = database
        self.metrics = metrics or Metrics()
        self.catalog = catalog
        self.poster = poster
        self._clock = clock

    def scheduled(self) -> list[Flow]:
        return [f for f in self.catalog.flows.values() if f.shortlist is not None]

    def schedule(self, scheduler: JobScheduler, retry_every: float = 60.0) -> None:
        """One cron job per flow from its schedule and time zone, plus retries of failed posts."""
        for flow in self.scheduled():
            assert flow.shortlist is not None

            async def run(flow: Flow = flow) -> None:
                await self.run_due(flow)

            trigger = cron_trigger(flow.shortlist.schedule, flow.shortlist.timezone)
            scheduler.cron(f"digest:{flow.id}", trigger, run)

        async def retry() -> None:
            await self.retry_failed()

        scheduler.every("digest-retries", retry_every, retry)

    async def build(self, flow: Flow, until: datetime) -> Digest:
        """The digest of candidates finished since the schedule's previous slot."""
        since = None
        if flow.shortlist is not None:
            trigger = cron_trigger(flow.shortlist.schedule, flow.shortlist.timezone)
            since = latest_fire(trigger, until - timedelta(seconds=1))
        found = await shortlist(self.database, flow, until, since)
        titles = {bank_id: bank.title for bank_id, bank in self.catalog.banks.items()}
        return Digest(found, titles)

    async def run_slot(self, flow: Flow, slot_at: datetime) -> SlotOutcome:
        slot_id = await self._claim(flow.id, slot_at)
        if slot_id is None:
            return SlotOutcome.TAKEN
        return await self._post(flow, slot_id, slot_at, attempts=0)

    async def run_due(self, flow: Flow) -> SlotOutcome | None:
        """The scheduler's job: the slot that just fired, if nobody has claimed it."""
        assert flow.shortlist is not None
        slot = latest_fire(
            cron_trigger(flow.shortlist.schedule, flow.shortlist.timezone), self._clock()
        )
        return None if slot is None else await self.run_slot(flow, slot)

    async def catch_up(self) -> dict[str, SlotOutcome]:
        """After downtime: post each flow's most recent missed slot once; skip (and log) older."""
        outcomes = {}
        now = self._clock()
        for flow in self.scheduled():
            assert flow.shortlist is not None
            trigger = cron_trigger(flow.shortlist.schedule, flow.shortlist.timezone)
            slot = latest_fire(trigger, now)
            if slot is None:
                continue
            last = await self._last_slot(flow.id)
            if last is not None and last >= slot:
                continue
            if last is not None:
                skipped = fires_between(trigger, last, slot)[:-1]
                if skipped:
                    log.warning(
                        "digest %s: skipped %d missed slot(s) before %s",
                        flow.id,
                        len(skipped),
                        slot.isoformat(),
                    )
            outcomes[flow.id] = await self.run_slot(flow, slot)
        return outcomes

    async def retry_failed(self) -> list[SlotOutcome]:
        """Retry failed posts whose backoff has passed; each is re-claimed by one run only."""
        now = self._clock()
        waiting = select(
            DigestSlot.id, DigestSlot.flow_id, DigestSlot.slot_at, DigestSlot.attempts
        ).where(DigestSlot.status == "failed", DigestSlot.retry_at <= now)
        due = await self.database.read(lambda conn: conn.execute(waiting).all())
        outcomes = []
        for row in due:
            flow = self.catalog.flows.get(row.flow_id)
            if flow is None:
                continue
            if await self._reclaim(row.id, now):
                outcomes.append(await self._post(flow, row.id, row.slot_at, row.attempts))
        return outcomes

    async def _reclaim(self, slot_id: int, now: datetime) -> bool:
        """Take a failed slot back for one more try; False if another run took it first."""
        take = (
            update(DigestSlot)
            .where(DigestSlot.id == slot_id, DigestSlot.status == "failed")
            .values(status="claimed", claimed_at=now)
        )
        return bool(await self.database.write(lambda conn: conn.execute(take).rowcount))

    async def stuck(self) -> list[str]:
        """Slots whose post failed and is waiting for a retry, for /healthz."""
        failed = select(DigestSlot.flow_id, DigestSlot.slot_at).where(DigestSlot.status == "failed")
        rows = await self.database.read(lambda conn: conn.execute(failed).all())
        return [f"{r.flow_id}@{r.slot_at.isoformat()}" for r in rows]

    async def _claim(self, flow_id: str, slot_at: datetime) -> int | None:
        claimed_at = self._clock()

        def work(conn: Connection) -> Any:
            return conn.execute(
                dialect_insert(conn.dialect.name, DigestSlot)
                .values(
                    flow_id=flow_id,
                    slot_at=slot_at,
                    status="claimed",
                    claimed_at=claimed_at,
                    attempts=0,
                )
                .on_conflict_do_nothing(index_elements=["flow_id", "slot_at"])
                .returning(DigestSlot.id)
            ).scalar_one_or_none()

        slot_id = await self.database.write(work)
        return None if slot_id is None else int(slot_id)

    async def _last_slot(self, flow_id: str) -> datetime | None:
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

    async def _post(
        self, flow: Flow, slot_id: int, slot_at: datetime, attempts: int
    ) -> SlotOutcome:
        assert flow.shortlist is not None
        channel = flow.shortlist.slack_channel
        try:
            if self.poster is None:
                raise RuntimeError("no Slack connection to post digests with")
            digest = await self.build(flow, slot_at)
            channel, ts = await self.poster.post(channel, digest)
        except Exception as exc:  # recorded on the claim; retried with backoff
            delay = RETRY_BACKOFF[min(attempts, len(RETRY_BACKOFF) - 1)]
            log.error(
                "digest %s for %s failed (attempt %d), retrying in %s: %s",
                flow.id,
                slot_at.isoformat(),
                attempts + 1,
                delay,
                exc,
            )
            values: dict[str, Any] = {
                "status": "failed",
                "attempts": attempts + 1,
                "retry_at": self._clock() + delay,
                "last_error": str(exc)[:500],
            }
            outcome = SlotOutcome.FAILED
        else:
            values = {
                "status": "posted",
                "attempts": attempts + 1,
                "channel": channel,
                "ts": ts,
                "retry_at": None,
                "last_error": None,
            }
            outcome = SlotOutcome.POSTED
        record = update(DigestSlot).where(DigestSlot.id == slot_id).values(**values)
        await self.database.write(lambda conn: conn.execute(record))
        self.metrics.digests.labels(flow.id, outcome.value).inc()
        return outcome

    async def channels_of(self, flow_id: str) -> set[str]:
        """Channel ids this flow's digests were posted in: their members are its recruiters."""
        posted_in = (
            select(DigestSlot.channel)
            .where(DigestSlot.flow_id == flow_id, DigestSlot.channel.is_not(None))
            .distinct()
        )
        channels = await self.database.read(lambda conn: conn.execute(posted_in).scalars().all())
        return {str(c) for c in channels}
