"""Telegram end to end: the real `screenbot run` path and PTB client against the fake Bot API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, func, select

from screenbot.content.catalog import Catalog
from screenbot.content.models import MultiChoiceQuestion, Question, SingleChoiceQuestion
from screenbot.runner import serve
from screenbot.settings import Settings
from screenbot.store.database import Database
from screenbot.store.schema import InboundEvent, OutboxMessage
from tests.conftest import ROOT
from tests.fakes.server import serving
from tests.fakes.telegram_api import FakeTelegram, Json


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    api = FakeTelegram()
    async with serving(api.app()) as port:
        api.port = port
        yield api


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'telegram.db'}"


def settings_for(fake: FakeTelegram, db_url: str, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "SCREENBOT_DATABASE_URL": db_url,
        "SCREENBOT_BANKS_DIR": str(ROOT / "question_banks"),
        "SCREENBOT_FLOWS_DIR": str(ROOT / "conversations"),
        "SCREENBOT_HTTP_PORT": 0,
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_API_URL": f"http://127.0.0.1:{fake.port}/bot",
        **extra,
    }
    return Settings(**values)


@asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[int]:
    """`screenbot run` in this event loop; yields its HTTP port, stops it on exit."""
    stop = asyncio.Event()
    ready: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(serve(settings, stop, ready.set_result))
    either: set[asyncio.Future[Any]] = {task, ready}
    done, _ = await asyncio.wait(either, timeout=20, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        task.result()
    port = await ready
    try:
        yield port
    finally:
        stop.set()
        await task


@dataclass
class Candidate:
    """A person in a private chat with the bot, typing and tapping."""

    fake: FakeTelegram
    db: Database
    user_id: int = 4201

    async def settled(self, update: Json) -> None:
        """Wait until the update is stored and every reply to this chat has been sent."""
        key = f"telegram:{update['update_id']}"

        def done(conn: Connection) -> bool:
            seen = conn.execute(select(InboundEvent.key).where(InboundEvent.key == key)).first()
            unsent = conn.execute(
                select(func.count(OutboxMessage.id)).where(
                    OutboxMessage.address == str(self.user_id),
                    OutboxMessage.sent_at.is_(None),
                )
            ).scalar_one()
            return seen is not None and unsent == 0

        for _ in range(500):
            if await self.db.read(done):
                return
            await asyncio.sleep(0.02)
        raise AssertionError(f"update {key} was not handled")

    async def say(self, text: str) -> None:
        await self.settled(self.fake.say(self.user_id, text))

    @property
    def last(self) -> Json:
        return self.fake.sent(self.user_id)[-1]

    def buttons(self, message: Json | None = None) -> list[tuple[str, str]]:
        markup = (message or self.last).get("reply_markup") or {"inline_keyboard": []}
        return [(b["text"], b["callback_data"]) for row in markup["inline_keyboard"] for b in row]

    async def tap(self, label: str, message: Json | None = None) -> None:
        message = message or self.last
        data = next(d for text, d in self.buttons(message) if text == label)
        update = self.fake.press(self.user_id, message["message_id"], data)
        await self.settled(update)

    async def toggle(self, label: str, message: Json) -> None:
        edits = len(self.fake.called("editMessageReplyMarkup"))
        data = next(d for text, d in self.buttons(message) if text.removeprefix("✓ ") == label)
        self.fake.press(self.user_id, message["message_id"], data)
        await self.fake.wait_for(lambda: len(self.fake.called("editMessageReplyMarkup")) > edits)


def shows(message: Json, start: str) -> bool:
    """Whether a paragraph of the bot's message starts with `start`: a turn is one message,
    so the prompt may follow a ticked answer or a notice."""
    return any(part.startswith(start) for part in message["text"].split("\n\n"))


def question_in(message: Json, catalog: Catalog) -> Question:
    """The bank question a bot message asks (the line after its "Question n of m" line)."""
    lines = message["text"].split("\n")
    text = next(lines[n + 1] for n, line in enumerate(lines) if line.startswith("Question "))
    return next(q for b in catalog.banks.values() for q in b.questions if q.text == text)


async def answer_right(candidate: Candidate, catalog: Catalog) -> Question:
    message = candidate.last
    question = question_in(message, catalog)
    if isinstance(question, MultiChoiceQuestion):
        for choice in question.choices:
            if choice.correct:
                await candidate.toggle(choice.text, message)
        await candidate.tap("Done", candidate.fake.messages[message["message_id"]])
    elif isinstance(question, SingleChoiceQuestion):
        await candidate.tap(next(c.text for c in question.choices if c.correct))
    elif question.type == "yes_no":
        await candidate.tap("Yes" if question.answer else "No")
    elif question.type == "numeric":
        value = question.answer if question.answer is not None else question.ranges[0].min
        await candidate.say(str(value))
    else:
        await candidate.say(question.reference_answer)
    return question


async def reach_questions(candidate: Candidate, flow: str = "backend-karachi") -> None:
    await candidate.say(f"/start {flow}")
    await candidate.tap("I agree")
    for text in ("Nadia Baig", "nadia@example.com", "5"):
        await candidate.say(text)
    await candidate.tap("Karachi")
    await candidate.say("3.2 lakh")
    await candidate.tap("Hybrid")
    await candidate.tap("Yes")
    await candidate.tap("Yes")
