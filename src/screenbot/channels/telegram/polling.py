"""Long polling that confirms a batch of updates to Telegram only once every one is handled.

python-telegram-bot's Updater confirms a batch as soon as it asks for the next one, while the
batch may still be in its handlers: a process killed then loses those updates. Here the next
`getUpdates` (whose offset is the confirmation) waits until the batch is stored, so a crash or a
database outage means the batch comes again, and the copies already handled are recognised by
their update ids. A batch that fails for any other reason than a database outage is given up
after `MAX_ATTEMPTS`, so one bad update cannot hold up everyone behind it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from telegram import Bot, Update
from telegram.error import TelegramError

from screenbot.service import is_outage

log = logging.getLogger(__name__)
LONG_POLL_SECONDS = 10
MAX_ATTEMPTS = 5
MAX_PAUSE = 30.0


class ConfirmingPoller:
    """Long polling that hands each update to `take` and confirms a batch only once all of it is
    handled; failures back off from `first_pause` seconds, doubling up to `MAX_PAUSE`."""

    def __init__(
        self, bot: Bot, take: Callable[[Update], Awaitable[None]], *, first_pause: float = 1.0
    ) -> None:
        self.bot = bot
        self.take = take
        self.offset: int | None = None
        self.first_pause = first_pause
        self._failures = 0
        self._pause = first_pause

    async def run(self) -> None:
        """Poll until cancelled."""
        await self.bot.delete_webhook()
        while True:
            try:
                updates = await self.bot.get_updates(
                    offset=self.offset,
                    timeout=LONG_POLL_SECONDS,
                    allowed_updates=Update.ALL_TYPES,
                )
            except TelegramError as exc:  # network, 5xx, or another poller (409): wait, retry
                log.warning("getUpdates failed (%s); retrying in %.0f s", exc, self._pause)
                await self._back_off()
                continue
            if await self._handle(updates):
                self._pause = self.first_pause
            else:
                await self._back_off()

    async def _handle(self, updates: tuple[Update, ...]) -> bool:
        """Handle a batch side by side; True once it may be confirmed."""
        if not updates:
            return True
        results = await asyncio.gather(*(self.take(u) for u in updates), return_exceptions=True)
        failed = [r for r in results if isinstance(r, BaseException)]
        for error in failed:
            if isinstance(error, asyncio.CancelledError):
                raise error
        if failed and all(is_outage(e) for e in failed):
            log.warning("the database is unreachable; fetching %d updates again", len(updates))
            return False  # an outage is waited out however long it lasts; nothing is given up
        if failed:
            self._failures += 1
            if self._failures < MAX_ATTEMPTS:
                log.warning(
                    "%d of %d updates failed (%s); fetching them again",
                    len(failed),
                    len(updates),
                    failed[0],
                )
                return False
            log.error(
                "giving up on %d update(s) after %d attempts",
                len(failed),
                MAX_ATTEMPTS,
                exc_info=failed[0],
            )
        self._failures = 0
        self.offset = updates[-1].update_id + 1
        return True

    async def _back_off(self) -> None:
        await asyncio.sleep(self._pause)
        self._pause = min(self._pause * 2, MAX_PAUSE)
