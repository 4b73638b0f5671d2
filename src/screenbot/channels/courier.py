"""Sending a channel's outbox: in order per chat, a turn as one message, retried if it fails.

A channel says how one message is sent and what its platform's errors mean (`send`); this class
keeps the order, merges what a turn said into as few messages as the platform allows (a parcel),
marks what went out, and runs the pump that picks up what could not be sent. One chat's sends
take turns, first come first served, so a turn's reply never overtakes the previous turn's
while that one waits out a rate limit; and once a chat's message had to be left for later, the
chat's newer messages wait for the pump too, which sends them all in order. The pump claims
only messages whose lease has lapsed (see `Outbox`), so it never races a send in progress in
this process or another.
"""

from __future__ import annotations

import asyncio
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from enum import Enum

from screenbot.engine.messages import Notice, Outbound, mergeable, merged
from screenbot.service import Delivery, ScreeningService

log = logging.getLogger(__name__)


class Outcome(Enum):
    """What became of one parcel: whether the chat's next messages may follow it now."""

    SENT = "sent"
    DROPPED = "dropped"  # the platform refused this message for good; the next one may go
    BLOCKED = "blocked"  # the person blocked the bot: nothing more goes to them
    LATER = "later"  # try again later, keeping the order


@dataclass(frozen=True)
class Parcel:
    """Consecutive replies to one chat that leave as one platform message."""

    deliveries: tuple[Delivery, ...]
    message: Outbound
    resent: bool = False  # from the pump: a process that died may have shown it already

    @property
    def bulk(self) -> bool:
        """Not a reply someone is waiting for: it goes after those that are."""
        return isinstance(self.message, Notice)


@dataclass(frozen=True)
class Tapped:
    """The message whose button a turn answered: a channel may turn it into the turn's reply
    (one call, where closing the question and asking the next would be two)."""

    message_id: str
    answer: str


class Courier(ABC):
    """One platform's outbox sender: subclasses say how a parcel goes out (`send`), this class keeps
    each chat's order, merges a turn's replies and pumps what was left for later."""

    max_text = 3000  # characters one platform message carries, for merging a turn's replies

    def __init__(self, channel: str, service: ScreeningService) -> None:
        self.channel = channel
        self.service = service
        self.metrics = service.metrics
        self._in_flight: set[int] = set()
        self._chats: dict[str, tuple[asyncio.Lock, int]] = {}
        self._behind: set[str] = set()  # chats with a message left for the pump

    @abstractmethod
    async def send(self, parcel: Parcel, deadline: float, tapped: Tapped | None) -> Outcome:
        """Send one parcel, retrying what is worth retrying before `deadline` (monotonic)."""

    def parcels(self, deliveries: Sequence[Delivery]) -> list[Parcel]:
        """`deliveries` as few messages as the platform allows, in order."""
        found: list[Parcel] = []
        for delivery in deliveries:
            if found:
                together = (*found[-1].deliveries, delivery)
                messages = tuple(d.message for d in together)
                if mergeable(messages):
                    one = merged(messages)
                    if len(one.text) <= self.max_text:
                        found[-1] = Parcel(together, one)
                        continue
            found.append(Parcel((delivery,), delivery.message))
        return found

    async def deliver(self, deliveries: Sequence[Delivery], tapped: Tapped | None = None) -> None:
        """Send one chat's claimed messages in order, after what that chat was sent before."""
        await self._deliver(deliveries, tapped, catching_up=False)

    async def _deliver(
        self, deliveries: Sequence[Delivery], tapped: Tapped | None, *, catching_up: bool
    ) -> None:
        """Sending stops at half the lease, so the claim still holds when the last message goes
        out; a pump takes the rest once it lapses."""
        if not deliveries:
            return
        deadline = time.monotonic() + self.service.lease.total_seconds() / 2
        chat = deliveries[0].address
        sent: list[Delivery] = []
        self._in_flight.update(d.id for d in deliveries)
        try:
            async with self._turn_of(chat):
                if chat in self._behind and not catching_up:
                    return  # an older message waits for the pump: these follow it, in order
                parcels = [replace(p, resent=catching_up) for p in self.parcels(deliveries)]
                if await self._send_until(parcels, deadline, tapped, sent):
                    self._behind.discard(chat)
                else:
                    self._behind.add(chat)
        finally:
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
        self, parcels: list[Parcel], deadline: float, tapped: Tapped | None, sent: list[Delivery]
    ) -> bool:
        """Send parcels in order; False if one was left for later (the rest with it)."""
        for number, parcel in enumerate(parcels):
            if time.monotonic() > deadline:
                return False
            outcome = await self.send(parcel, deadline, tapped if number == 0 else None)
            if outcome is Outcome.SENT:  # noted at once: the person may be answering it already
                self.service.note_sent(parcel.deliveries)
                sent.extend(parcel.deliveries)
                continue
            if outcome is Outcome.LATER:
                return False
            self.service.let_go(parcel.deliveries)  # refused for good: nobody will see it
            if outcome is Outcome.BLOCKED:
                return True  # nothing more goes to this chat, and nothing waits for it
        return True

    @property
    def pump_every(self) -> float:
        """Seconds between pumps: often enough that a lapsed lease is picked up soon after."""
        return min(5.0, self.service.lease.total_seconds() / 3)

    async def pump(self, *, steal: bool = False) -> None:
        """Send what the outbox still holds, chat by chat, in the order it was written.

        `steal` takes messages still leased too: only for a process that knows it is alone.
        """
        pending = await self.service.claim_unsent(self.channel, steal=steal)
        chats: dict[str, list[Delivery]] = {}
        for delivery in pending:
            if delivery.id not in self._in_flight:
                chats.setdefault(delivery.address, []).append(delivery)
        await asyncio.gather(
            *(self._deliver(chat, None, catching_up=True) for chat in chats.values())
        )

    def handing_over(self, parcel: Parcel) -> None:
        """The platform is about to have `parcel`: from now on the person may read it, and
        answer it, before the call returns (on a fast platform, often do). A send that then
        fails is retried; a text typed in that moment is taken as the answer it most likely is.
        """
        self.service.let_go(parcel.deliveries)

    async def pump_forever(self) -> None:
        """Send, every `pump_every` seconds, what the process that wrote it could not: after a
        crash, or while the platform was away. Runs until cancelled."""
        while True:
            await asyncio.sleep(self.pump_every)
            try:
                await self.pump()
            except Exception:  # the next round tries again; the outbox keeps the messages
                log.exception("sending the %s outbox failed", self.channel)

    def error(self, kind: str) -> None:
        """Count a platform error of `kind` for this channel, for /metrics."""
        self.metrics.platform_errors.labels(self.channel, kind).inc()

    async def blocked(self, parcel: Parcel) -> Outcome:
        """The person blocked the bot: they are marked unreachable, so nothing more is written for
        them."""
        self.error("blocked")
        await self.service.unreachable(parcel.deliveries[0].candidate_id)
        return Outcome.BLOCKED

    async def dropped(self, parcel: Parcel, error: str) -> Outcome:
        """The platform refused the parcel for good: its messages are recorded as undeliverable,
        with `error`, and the chat's next message may go."""
        self.error("refused")
        for delivery in parcel.deliveries:
            await self.service.undeliverable(delivery, error)
        return Outcome.DROPPED

    async def failed(self, parcel: Parcel, error: str) -> None:
        """Count an attempt that may succeed later."""
        for delivery in parcel.deliveries:
            await self.service.send_failed(delivery, error)
