"""Work a channel does after it has answered the platform: sending replies, answering taps.

A platform wants its request answered quickly (Slack within 3 s, Telegram before it re-sends),
so what can wait runs here: tracked, logged when it fails, and given a grace period to finish
when the channel stops. Nothing here may be the only copy of a turn: replies are in the outbox.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)


class Background:
    """Tasks a channel starts after answering the platform, kept track of so that none is lost
    silently and `drain` can wait for them; `what` names the work in the log when one fails."""

    def __init__(self, what: str) -> None:
        self.what = what
        self._tasks: set[asyncio.Task[None]] = set()

    def later(self, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` after the current request is answered; a failure is logged, not raised."""
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("%s failed; the outbox tries again", self.what, exc_info=task.exception())

    async def drain(self, grace: float) -> None:
        """Wait up to `grace` seconds for work in progress; what is left is cancelled."""
        if not self._tasks:
            return
        _, pending = await asyncio.wait(set(self._tasks), timeout=grace)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending)
