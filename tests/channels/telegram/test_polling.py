"""Long polling confirms a batch only once it is handled: a failed update comes again."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from telegram import Bot, Update

from screenbot.channels.telegram.polling import MAX_ATTEMPTS, ConfirmingPoller
from tests.fakes.telegram_api import FakeTelegram


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    async with Bot(fake.token, base_url=f"http://127.0.0.1:{fake.port}/bot") as client:
        yield client


class Handler:
    """Records every update it is given and fails the ones it is told to, for a while."""

    def __init__(self, failing: dict[int, int], error: Exception) -> None:
        self.failing = failing  # update id -> how many times it fails before it goes through
        self.error = error
        self.seen: list[int] = []

    async def __call__(self, update: Update) -> None:
        self.seen.append(update.update_id)
        if self.failing.get(update.update_id, 0) > 0:
            self.failing[update.update_id] -= 1
            raise self.error


async def test_a_polled_update_whose_turn_failed_is_fetched_again_not_lost(
    fake: FakeTelegram, bot: Bot
) -> None:
    first = fake.say(4201, "Ayesha Khan")["update_id"]
    second = fake.say(4202, "Bilal Ahmed")["update_id"]
    handler = Handler({first: MAX_ATTEMPTS + 2}, ConnectionRefusedError("database away"))
    poller = ConfirmingPoller(bot, handler, first_pause=0.01)
    task = asyncio.create_task(poller.run())
    try:
        await fake.wait_for(lambda: poller.offset == second + 1)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    # an outage is waited out past MAX_ATTEMPTS, then the update is stored
    assert handler.seen.count(first) == MAX_ATTEMPTS + 3
    assert handler.seen.count(second) == MAX_ATTEMPTS + 3  # its batch came again with it


async def test_an_update_that_always_fails_is_given_up_so_the_rest_get_through(
    fake: FakeTelegram, bot: Bot
) -> None:
    poison = fake.say(4201, "crash me")["update_id"]
    handler = Handler({poison: 10**6}, ValueError("a bug in handling this update"))
    done = asyncio.Event()

    async def take(update: Update) -> None:
        await handler(update)
        if update.update_id != poison:
            done.set()

    poller = ConfirmingPoller(bot, take, first_pause=0.01)
    task = asyncio.create_task(poller.run())
    await fake.wait_for(lambda: handler.seen.count(poison) == MAX_ATTEMPTS)
    later = fake.say(4202, "hello")["update_id"]
    try:
        await asyncio.wait_for(done.wait(), 10)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert handler.seen.count(poison) == MAX_ATTEMPTS
    assert handler.seen[-1] == later
