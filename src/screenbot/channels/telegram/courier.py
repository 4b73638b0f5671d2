"""Sending to Telegram: a turn is one message, a tapped question turns into the next one,
network errors and 5xx are retried with backoff, 429 waits `retry_after` (keeping the chat's
order), and a candidate who blocked the bot (403) is marked and not retried."""

from __future__ import annotations

import asyncio
import logging
import time

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from screenbot.channels.courier import Courier, Outcome, Parcel, Tapped
from screenbot.channels.telegram.pacing import BULK, REPLY, Pacer, retry_seconds
from screenbot.channels.telegram.translate import CHANNEL, MAX_TEXT, render
from screenbot.engine.messages import Ask
from screenbot.service import ScreeningService

log = logging.getLogger(__name__)
ANSWERED = "✓ "


class TelegramCourier(Courier):
    """Sends parcels with the Bot API, paced by `pacer` when one is given, retrying rate limits and
    network errors up to `attempts` times with a backoff that starts at `backoff` seconds."""

    max_text = MAX_TEXT

    def __init__(
        self,
        bot: Bot,
        service: ScreeningService,
        *,
        pacer: Pacer | None = None,
        attempts: int = 4,
        backoff: float = 0.5,
    ) -> None:
        super().__init__(CHANNEL, service)
        self.bot = bot
        self.pacer = pacer
        self.attempts = attempts
        self.backoff = backoff

    async def send(self, parcel: Parcel, deadline: float, tapped: Tapped | None) -> Outcome:
        """A tapped question is edited into its answer and this reply (one call); otherwise the
        parcel goes as one message, or several when it is longer than Telegram allows. The last
        message of a question is noted, so a tap on it can be edited later."""
        parts = render(parcel.message)
        chat = int(parcel.deliveries[0].address)
        edit = None
        if tapped is not None and len(parts) == 1:
            text, markup = parts[0]
            edit = (tapped.message_id, f"{ANSWERED}{tapped.answer}\n\n{text}", markup)
            edit = edit if len(edit[1]) <= MAX_TEXT else None
        done = 0
        for attempt in range(self.attempts):
            try:
                if edit is not None:
                    message_id, text, markup = edit
                    await self._pace(chat, parcel)
                    await self.bot.edit_message_text(
                        text, chat_id=chat, message_id=int(message_id), reply_markup=markup
                    )
                else:
                    for text, markup in parts[done:]:
                        await self._pace(chat, parcel)
                        sent = await self.bot.send_message(chat, text, reply_markup=markup)
                        done += 1
                        last = done == len(parts)
                        if last and isinstance(parcel.message, Ask) and not parcel.resent:
                            self.service.asked(CHANNEL, str(chat), sent.message_id)
            except RetryAfter as exc:
                self.error("rate_limited")
                wait = retry_seconds(exc)
                if self.pacer is not None:
                    self.pacer.pause(wait)
            except Forbidden:
                who = parcel.deliveries[0].candidate_id
                log.info("candidate %s blocked the bot; not sending again", who)
                return await self.blocked(parcel)
            except BadRequest as exc:
                if edit is not None:  # the tapped message cannot be edited (any more): send anew
                    log.info("could not turn an answered question into the next: %s", exc)
                    edit = None
                    continue
                log.warning("Telegram refused outbox message %s: %s", parcel.deliveries[0].id, exc)
                return await self.dropped(parcel, str(exc))
            except NetworkError as exc:
                self.error("network_or_5xx")
                await self.failed(parcel, str(exc))
                wait = self.backoff * 2**attempt
            else:
                return Outcome.SENT
            if time.monotonic() + wait > deadline:
                break  # past the claim's safe half: the pump sends it after the lease lapses
            await asyncio.sleep(wait)
        return Outcome.LATER

    async def _pace(self, chat: int, parcel: Parcel) -> None:
        """Wait for the chat's turn within Telegram's limits, then hand the parcel over."""
        if self.pacer is not None:
            await self.pacer.wait(chat, BULK if parcel.bulk else REPLY)
        self.handing_over(parcel)
