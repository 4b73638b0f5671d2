"""Posting each flow's digest exactly once per scheduled slot, across processes and restarts.

A run first claims its slot with a unique (flow, slot) row; only the winner posts, then stores
Slack's `ts`. A failed post keeps its claim, marked failed with a time to retry (backoff), so it
shows in /healthz and is retried by whichever process gets there first.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from screenbot.clock import Clock, utcnow
from screenbot.content.catalog import Catalog
from screenbot.content.flows import Flow
from screenbot.metrics import Metrics
from screenbot.recruiting.digest import as_text
from screenbot.recruiting.ranking import Shortlist, shortlist
from screenbot.scheduling import JobScheduler, cron_trigger, fires_between, latest_fire
from screenbot.store.database import Database
from screenbot.store.digest_slots import DigestSlots

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

    async def post(self, channel: str, digest: Digest) -> tuple[str, str]:
        """Post `digest` to `channel`, as a flow's shortlist names it (`#name` or an id)."""
        ...


class SlotOutcome(StrEnum):
    """What one run made of a slot; the digest metric counts slots by it."""

    POSTED = "posted"
    TAKEN = "taken"  # another run claimed this slot first
    FAILED = "failed"


@dataclass(frozen=True)
class Digest:
    """A flow's shortlist with the titles of its banks: everything a poster needs to render it."""

    shortlist: Shortlist
    bank_titles: Mapping[str, str]

    @property
    def text(self) -> str:
        """The digest in plain words, as `screenbot digest --dry-run` prints it."""
        return as_text(self.shortlist, self.bank_titles)


class Digests:
    """Builds each flow's shortlist digest and posts it once per scheduled slot."""

    def __init__(
        self,
        database: Database,
        catalog: Catalog,
        poster: Poster | None,
        clock: Clock = utcnow,
        metrics: Metrics | None = None,
    ) -> None:
        self.database = database
        self.metrics = metrics or Metrics()
        self.catalog = catalog
        self.poster = poster
        self.slots = DigestSlots(database)
        self._clock = clock
        self._triggers = {
            flow.id: cron_trigger(flow.shortlist.schedule, flow.shortlist.timezone)
            for flow in catalog.flows.values()
            if flow.shortlist is not None
        }

    def scheduled(self) -> list[Flow]:
        """The flows with a shortlist schedule: each gets a cron job, and `catch_up` looks at
        each."""
        return [f for f in self.catalog.flows.values() if f.id in self._triggers]

    def schedule(self, scheduler: JobScheduler, retry_every: float = 60.0) -> None:
        """One cron job per flow from its schedule and time zone, plus retries of failed posts."""
        for flow in self.scheduled():

            async def run(flow: Flow = flow) -> None:
                await self.run_due(flow)

            scheduler.cron(f"digest:{flow.id}", self._triggers[flow.id], run)

        async def retry() -> None:
            await self.retry_failed()

        scheduler.every("digest-retries", retry_every, retry)

    async def build(self, flow: Flow, until: datetime) -> Digest:
        """The digest of candidates finished since the schedule's previous slot."""
        since = None
        if flow.id in self._triggers:
            since = latest_fire(self._triggers[flow.id], until - timedelta(seconds=1))
        found = await shortlist(self.database, flow, until, since)
        titles = {bank_id: bank.title for bank_id, bank in self.catalog.banks.items()}
        return Digest(found, titles)

    async def run_slot(self, flow: Flow, slot_at: datetime) -> SlotOutcome:
        """Claim the flow's slot at `slot_at` and post its digest; TAKEN if another run claimed the
        slot first, whether in this process or another."""
        slot_id = await self.slots.claim(flow.id, slot_at, self._clock())
        if slot_id is None:
            return SlotOutcome.TAKEN
        return await self._post(flow, slot_id, slot_at, attempts=0)

    async def run_due(self, flow: Flow) -> SlotOutcome | None:
        """The scheduler's job: the slot that just fired, if nobody has claimed it."""
        slot = latest_fire(self._triggers[flow.id], self._clock())
        return None if slot is None else await self.run_slot(flow, slot)

    async def catch_up(self) -> dict[str, SlotOutcome]:
        """After downtime: post each flow's most recent missed slot once; skip (and log) older."""
        outcomes = {}
        now = self._clock()
        for flow in self.scheduled():
            trigger = self._triggers[flow.id]
            slot = latest_fire(trigger, now)
            if slot is None:
                continue
            last = await self.slots.last(flow.id)
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
        outcomes = []
        for slot in await self.slots.due(now):
            flow = self.catalog.flows.get(slot.flow_id)
            if flow is None:
                continue
            if await self.slots.reclaim(slot.id, now):
                outcomes.append(await self._post(flow, slot.id, slot.slot_at, slot.attempts))
        return outcomes

    async def stuck(self) -> list[str]:
        """Slots whose post failed and is waiting for a retry, for /healthz."""
        return [f"{flow_id}@{at.isoformat()}" for flow_id, at in await self.slots.stuck()]

    async def _post(
        self, flow: Flow, slot_id: int, slot_at: datetime, attempts: int
    ) -> SlotOutcome:
        assert flow.shortlist is not None
        channel = flow.shortlist.slack_channel
        try:
            channel, ts = await self._build_and_post(flow, slot_at, channel)
        except Exception as exc:  # recorded on the claim; retried with backoff
            delay = RETRY_BACKOFF[min(attempts, len(RETRY_BACKOFF) - 1)]
            log.exception(
                "digest %s for %s failed (attempt %d), retrying in %s",
                flow.id,
                slot_at.isoformat(),
                attempts + 1,
                delay,
            )
            await self.slots.failed(slot_id, attempts + 1, self._clock() + delay, str(exc))
            outcome = SlotOutcome.FAILED
        else:
            await self.slots.posted(slot_id, attempts + 1, channel, ts)
            outcome = SlotOutcome.POSTED
        self.metrics.digests.labels(flow.id, outcome.value).inc()
        return outcome

    async def _build_and_post(self, flow: Flow, slot_at: datetime, channel: str) -> tuple[str, str]:
        """Without a Slack connection this fails like a post would: the slot waits for a retry."""
        if self.poster is None:
            raise RuntimeError("no Slack connection to post digests with")
        digest = await self.build(flow, slot_at)
        return await self.poster.post(channel, digest)

    async def channels_of(self, flow_id: str) -> set[str]:
        """Channel ids this flow's digests were posted in: their members are its recruiters."""
        return await self.slots.channels_of(flow_id)
