"""Pacing what the bot sends to Telegram's published limits, so Telegram need not answer 429.

Telegram allows a bot about 30 messages a second in all, about one a second in one chat (short
bursts pass) and 20 a minute in a group; beyond that it answers 429 with `retry_after`. Every
message the bot sends or edits first waits here for a slot, and candidates waiting
mid-screening go first: a `BULK` message (a recruiter's decision, a reminder) takes a slot only
when no reply waits. After a 429 everything waits as long as Telegram asked. Answering a tap is
not paced: Telegram does not count it. (python-telegram-bot's AIORateLimiter keeps the overall
and group limits, but knows no private-chat limit and no priorities, and it paces inside the
HTTP call, where the courier cannot tell a message still queued from one on its way.)
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
import warnings
from datetime import timedelta

from telegram.error import RetryAfter
from telegram.warnings import PTBDeprecationWarning

REPLY = "reply"
BULK = "bulk"
_RANK = {REPLY: 0, BULK: 1}


class _Bucket:
    """A token bucket: `burst` calls at once, then one every `1 / rate` seconds."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst = rate, burst
        self.tokens, self.at = burst, time.monotonic()

    def reserve(self) -> float:
        """Take a token, going into debt if need be; the seconds until it is really there."""
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        self.tokens -= 1
        return max(0.0, -self.tokens / self.rate)

    def idle(self) -> bool:
        return self.tokens + (time.monotonic() - self.at) * self.rate >= self.burst


class _Turnstile:
    """The bot-wide limit: waiting calls pass one slot at a time, replies before bulk work,
    each kind in arrival order."""

    def __init__(self, rate: float) -> None:
        self.bucket = _Bucket(rate, burst=1)
        self.waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self.numbers = itertools.count()
        self.opener: asyncio.Task[None] | None = None

    async def wait(self, kind: str) -> None:
        if not self.waiting and self.bucket.idle():
            self.bucket.reserve()
            return
        turn = asyncio.get_running_loop().create_future()
        heapq.heappush(self.waiting, (_RANK[kind], next(self.numbers), turn))
        if self.opener is None or self.opener.done():
            self.opener = asyncio.create_task(self._open())
        await turn

    async def _open(self) -> None:
        while self.waiting:
            await asyncio.sleep(self.bucket.reserve())
            while self.waiting:
                _, _, turn = heapq.heappop(self.waiting)
                if not turn.done():  # a caller that gave up leaves its slot to the next
                    turn.set_result(None)
                    break


class Pacer:
    """Telegram's limits for one bot: `per_second` messages overall, `per_chat_second` a private
    chat with bursts of `chat_burst`, `per_group_minute` a group. One Pacer serves all of a
    process's sends."""

    def __init__(
        self,
        per_second: float = 30.0,
        per_chat_second: float = 1.0,
        chat_burst: float = 3.0,
        per_group_minute: float = 20.0,
    ) -> None:
        self._overall = _Turnstile(per_second)
        self._chat = (per_chat_second, chat_burst)
        self._group = per_group_minute / 60
        self._chats: dict[int, _Bucket] = {}
        self._resume = 0.0  # after a 429: nothing goes before this (monotonic)

    async def wait(self, chat: int, kind: str = REPLY) -> None:
        """Return when a message to `chat` fits within every limit."""
        await asyncio.sleep(self._bucket_of(chat).reserve())
        await self._overall.wait(kind)
        await asyncio.sleep(max(0.0, self._resume - time.monotonic()))

    def pause(self, seconds: float) -> None:
        """Telegram answered 429: nothing goes for `seconds`."""
        self._resume = max(self._resume, time.monotonic() + seconds)

    def _bucket_of(self, chat: int) -> _Bucket:
        bucket = self._chats.get(chat)
        if bucket is None:
            if len(self._chats) > 4096:  # forget chats whose allowance is full again
                self._chats = {k: b for k, b in self._chats.items() if not b.idle()}
            rate, burst = (self._group, self._group * 60) if chat < 0 else self._chat
            bucket = self._chats[chat] = _Bucket(rate, burst)
        return bucket


def retry_seconds(exc: RetryAfter) -> float:
    """Seconds Telegram asked to wait; PTB 22 is moving `retry_after` from int to timedelta."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
