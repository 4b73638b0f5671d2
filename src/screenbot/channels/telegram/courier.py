"""Sending to Telegram: network errors and 5xx retried with backoff, 429 waits `retry_after`,
a candidate who blocked the bot (403) is marked and not retried."""

from __future__ import annotations

import asyncio
import logging
import time
import warnings
from datetime import timedelta

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.warnings import PTBDeprecationWarning

from screenbot.channels.courier import Courier, Outcome
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


class TelegramCourier(Courier):
    def __init__(
        self, bot: Bot, service: ScreeningService, *, attempts: int = 4, backoff: float = 0.5
    ) -> None:
        super().__init__(CHANNEL, service)
        self.bot = bot
        self.attempts = attempts
        self.backoff = backoff

    async def send(self, delivery: Delivery, deadline: float) -> Outcome:
        parts = render(delivery.message)
        done = 0
        for attempt in range(self.attempts):
            try:
                for text, markup in parts[done:]:
                    await self.bot.send_message(int(delivery.address), text, reply_markup=markup)
                    done += 1
                return Outcome.SENT
            except RetryAfter as exc:
                self.error("rate_limited")
                wait = _wait_of(exc)
            except Forbidden:
                log.info("candidate %s blocked the bot; not sending again", delivery.candidate_id)
                return await self.blocked(delivery)
            except BadRequest as exc:
                log.warning("Telegram refused outbox message %s: %s", delivery.id, exc)
                return await self.dropped(delivery, str(exc))
            except NetworkError as exc:
                self.error("network_or_5xx")
                await self.service.outbox.failed(delivery, str(exc))
                wait = self.backoff * 2**attempt
            if time.monotonic() + wait > deadline:
                break  # past the claim's safe half: the pump sends it after the lease lapses
            await asyncio.sleep(wait)
        return Outcome.LATER
