"""The Pacer: candidates waiting mid-screening go before bulk notices, and a 429 holds everyone."""

from __future__ import annotations

import asyncio
import time

from screenbot.channels.telegram.pacing import BULK, REPLY, Pacer


async def test_replies_to_waiting_candidates_pass_before_bulk_notices_queued_first() -> None:
    pacer = Pacer(per_second=50)
    passed: list[str] = []

    async def send(chat: int, kind: str) -> None:
        await pacer.wait(chat, kind)
        passed.append(f"{kind}{chat}")

    await pacer.wait(1)  # the slot that is free goes at once; everyone after this queues
    notices = [asyncio.create_task(send(chat, BULK)) for chat in range(10, 15)]
    await asyncio.sleep(0)
    replies = [asyncio.create_task(send(chat, REPLY)) for chat in range(20, 25)]
    await asyncio.gather(*notices, *replies)
    assert passed == [f"reply{c}" for c in range(20, 25)] + [f"bulk{c}" for c in range(10, 15)]


async def test_one_chat_gets_a_short_burst_then_one_message_a_second() -> None:
    pacer = Pacer(per_second=1000, per_chat_second=5, chat_burst=3)
    for _ in range(3):
        await pacer.wait(7)
    started = time.monotonic()
    await pacer.wait(7)
    assert time.monotonic() - started >= 0.15  # the fourth waited for its turn (0.2 s)


async def test_after_a_429_nothing_goes_until_telegram_said() -> None:
    pacer = Pacer(per_second=1000)
    pacer.pause(0.2)
    started = time.monotonic()
    await pacer.wait(3)
    assert time.monotonic() - started >= 0.19
