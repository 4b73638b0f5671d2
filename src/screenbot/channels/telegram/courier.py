"""Sending the outbox to Telegram: retried on network errors and 5xx, paced on 429, and given up
for a candidate who blocked the bot. What cannot be sent now stays in the outbox for later."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from screenbot.channels.telegram.translate import CHANNEL, render
from screenbot.service import ScreeningService
from screenbot.store.outbox import Delivery

log = logging.getLogger(__name__)


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Courier:
    """Delivers replies in order, one chat at a time; a failure leaves the rest for the pump."""

    def __init__(
        self,
        bot: Bot,
        service: ScreeningService,
        *,
        attempts: int = 4,
        backoff: float = 0.5,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.bot = bot
        self.service = service
        self.attempts = attempts
        self.backoff = backoff
        self._clock = clock
        self._lock = asyncio.Lock()

    async def deliver(self, deliveries: Sequence[Delivery]) -> None:
        sent: list[Delivery] = []
        for delivery in deliveries:
            outcome = await self._send(delivery)
            if outcome is None:
                break
            if outcome:
                sent.append(delivery)
        await self.service.delivered(sent)

    async def pump(self) -> None:
        """Send whatever the outbox still holds: after a crash, or after a failed send."""
        async with self._lock:
            pending = await self.service.outbox.pending(CHANNEL)
            chats: dict[str, list[Delivery]] = {}
            for delivery in pending:
                chats.setdefault(delivery.address, []).append(delivery)
            await asyncio.gather(*(self.deliver(chat) for chat in chats.values()))

    async def _send(self, delivery: Delivery) -> bool | None:
        """True when sent, False when given up for good, None when it should be tried later."""
        parts = render(delivery.message)
        done = 0
        for attempt in range(self.attempts):
            try:
                for text, markup in parts[done:]:
                    await self.bot.send_message(int(delivery.address), text, reply_markup=markup)
                    done += 1
                return True
            except RetryAfter as exc:
                await asyncio.sleep(_seconds(exc.retry_after))
            except Forbidden as exc:
                log.info("candidate %s blocked the bot; not sending again", delivery.candidate_id)
                await self.service.outbox.blocked(delivery.candidate_id, self._clock())
                await self.service.outbox.give_up(delivery, str(exc), self._clock())
                return False
            except BadRequest as exc:
                log.warning("Telegram refused outbox message %s: %s", delivery.id, exc)
                await self.service.outbox.give_up(delivery, str(exc), self._clock())
                return False
            except NetworkError as exc:
                await self.service.outbox.failed(delivery, str(exc))
                await asyncio.sleep(self.backoff * 2**attempt)
        return None
