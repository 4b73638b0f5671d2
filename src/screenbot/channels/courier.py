"""Sending a channel's outbox: in order per chat, retried later if the platform fails.

A channel says how one message is sent and what its platform's errors mean (`send`); this class
keeps the order, marks what went out, and runs the pump that picks up what could not be sent.
One chat's sends take turns (first come, first served), so a turn's replies never overtake the
previous turn's while those wait out a rate limit. The pump claims only messages whose lease has
lapsed (see `Outbox`), so it never races a send in progress in this process or another.
"""

from __future__ import annotations

import asyncio
import time
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from enum import Enum

from screenbot.service import ScreeningService
from screenbot.store.outbox import Delivery


class Outcome(Enum):
    SENT = "sent"
    DROPPED = "dropped"  # the platform refused this message for good; the next one may go
    BLOCKED = "blocked"  # the person blocked the bot: nothing more goes to them
    LATER = "later"  # try again later, keeping the order


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Courier(ABC):
    def __init__(
        self,
        channel: str,
        service: ScreeningService,
        *,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.channel = channel
        self.service = service
        self.metrics = service.metrics
        self._clock = clock
        self._in_flight: set[int] = set()
        self._chats: dict[str, tuple[asyncio.Lock, int]] = {}

    @abstractmethod
    async def send(self, delivery: Delivery, deadline: float) -> Outcome:
        """Send one message, retrying what is worth retrying before `deadline` (monotonic)."""

    async def deliver(self, deliveries: Sequence[Delivery]) -> None:
        """Send one chat's claimed messages in order, after what that chat was sent before.
        Sending stops at half the lease, so the claim still holds when the last one goes out;
        a pump takes the rest once it lapses."""
        if not deliveries:
            return
        deadline = time.monotonic() + self.service.outbox.lease.total_seconds() / 2
        sent: list[Delivery] = []
        self._in_flight.update(d.id for d in deliveries)
        try:
            async with self._turn_of(deliveries[0].address):
                await self._send_until(deliveries, deadline, sent)
        finally:
            self.service.note_sent(sent)
            self.metrics.messages_out.labels(self.channel).inc(len(sent))
            self._in_flight.difference_update(d.id for d in deliveries)

    @asynccontextmanager
    async def _turn_of(self, chat: str) -> AsyncIterator[None]:
        """Wait for `chat`'s earlier sends; asyncio's lock wakes its waiters in arrival order."""
        lock, users = self._chats.get(chat) or (asyncio.Lock(), 0)
        self._chats[chat] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._chats[chat]
            if users == 1:
                del self._chats[chat]
            else:
                self._chats[chat] = (lock, users - 1)

    async def _send_until(
        self, deliveries: Sequence[Delivery], deadline: float, sent: list[Delivery]
    ) -> None:
        for delivery in deliveries:
            if time.monotonic() > deadline:
                return
            outcome = await self.send(delivery, deadline)
            if outcome is Outcome.SENT:
                sent.append(delivery)
            elif outcome is not Outcome.DROPPED:
                return

    @property
    def pump_every(self) -> float:
        """Seconds between pumps: often enough that a lapsed lease is picked up soon after."""
        return min(5.0, self.service.outbox.lease.total_seconds() / 3)

    async def pump(self, *, steal: bool = False) -> None:
        """Send what the outbox still holds, chat by chat, in the order it was written.

        `steal` takes messages still leased too: only for a process that knows it is alone.
        """
        pending = await self.service.outbox.claim(self.channel, self._clock(), steal=steal)
        chats: dict[str, list[Delivery]] = {}
        for delivery in pending:
            if delivery.id not in self._in_flight:
                chats.setdefault(delivery.address, []).append(delivery)
        await asyncio.gather(*(self.deliver(chat) for chat in chats.values()))

    def error(self, kind: str) -> None:
        self.metrics.platform_errors.labels(self.channel, kind).inc()

    async def blocked(self, delivery: Delivery) -> Outcome:
        self.error("blocked")
        await self.service.outbox.blocked(delivery.candidate_id, self._clock())
        return Outcome.BLOCKED

    async def dropped(self, delivery: Delivery, error: str) -> Outcome:
        self.error("refused")
        await self.service.outbox.give_up(delivery, error, self._clock())
        return Outcome.DROPPED
