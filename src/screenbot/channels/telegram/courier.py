"""Sending the outbox to Telegram: retried on network errors and 5xx, paced on 429, and given up
for a candidate who blocked the bot. What cannot be sent now stays in the outbox for later."""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from enum import Enum

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.warnings import PTBDeprecationWarning

from screenbot.channels.telegram.translate import CHANNEL, render
from screenbot.service import ScreeningService
from screenbot.store.outbox import Delivery

log = logging.getLogger(__name__)


def _wait_of(exc: RetryAfter) -> float:
    """Seconds to wait; PTB 22 is moving `retry_after` from int to timedelta."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Outcome(Enum):
    SENT = "sent"
    DROPPED = "dropped"  # Telegram refused this message for good; the next one may go
    BLOCKED = "blocked"  # the person blocked the bot: nothing more goes to them
    LATER = "later"  # try again later, keeping the order


class Courier:
    """Delivers replies in order, one chat at a time; a failure leaves the rest for the pump.

    The pump picks up what the live path could not send: everything at start-up (what a crash
    left), and later only messages older than `grace`, so it never races a send in progress
    in this process or another.
    """

    def __init__(
        self,
        bot: Bot,
        service: ScreeningService,
        *,
        attempts: int = 4,
        backoff: float = 0.5,
        grace: timedelta = timedelta(seconds=30),
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.bot = bot
        self.service = service
        self.attempts = attempts
        self.backoff = backoff
        self.grace = grace
        self._clock = clock
        self._in_flight: set[int] = set()

    async def deliver(self, deliveries: Sequence[Delivery]) -> None:
        sent: list[Delivery] = []
        self._in_flight.update(d.id for d in deliveries)
        try:
            for delivery in deliveries:
                outcome = await self._send(delivery)
                if outcome is Outcome.SENT:
                    sent.append(delivery)
                elif outcome is not Outcome.DROPPED:
                    break
            await self.service.delivered(sent)
        finally:
            self._in_flight.difference_update(d.id for d in deliveries)

    async def pump(self, *, everything: bool = False) -> None:
        """Send what the outbox still holds, chat by chat, in the order it was written."""
        before = None if everything else self._clock() - self.grace
        pending = await self.service.outbox.pending(CHANNEL, before=before)
        chats: dict[str, list[Delivery]] = {}
        for delivery in pending:
            if delivery.id not in self._in_flight:
                chats.setdefault(delivery.address, []).append(delivery)
        await asyncio.gather(*(self.deliver(chat) for chat in chats.values()))

    async def _send(self, delivery: Delivery) -> Outcome:
        parts = render(delivery.message)
        done = 0
        for attempt in range(self.attempts):
            try:
                for text, markup in parts[done:]:
                    await self.bot.send_message(int(delivery.address), text, reply_markup=markup)
                    done += 1
                return Outcome.SENT
            except RetryAfter as exc:
                await asyncio.sleep(_wait_of(exc))
            except Forbidden:
                log.info("candidate %s blocked the bot; not sending again", delivery.candidate_id)
                await self.service.outbox.blocked(delivery.candidate_id, self._clock())
                return Outcome.BLOCKED
            except BadRequest as exc:
                log.warning("Telegram refused outbox message %s: %s", delivery.id, exc)
                await self.service.outbox.give_up(delivery, str(exc), self._clock())
                return Outcome.DROPPED
            except NetworkError as exc:
                await self.service.outbox.failed(delivery, str(exc))
                await asyncio.sleep(self.backoff * 2**attempt)
        return Outcome.LATER
