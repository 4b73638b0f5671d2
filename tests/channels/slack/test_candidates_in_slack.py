"""A candidate in a Slack DM, with payloads as Slack really sends them: e-mail addresses and links
wrapped by Slack's client, `&`, `<` and `>` as entities, the bot's own posts echoed back,
events delivered twice, and Slack's Web API answering 429 while the bot replies."""

from __future__ import annotations

import itertools
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from screenbot.content.catalog import load_catalog
from screenbot.recruiting.report import results
from screenbot.store.database import open_database
from screenbot.store.schema import Answer
from tests.channels.slack.conftest import SlackRequests, slack_settings
from tests.channels.slack.outbound import problems
from tests.channels.telegram.conftest import running
from tests.engine.conftest import FIXTURES
from tests.fakes.server import eventually
from tests.fakes.slack_api import FakeSlack

NAME = "Hira Baig & Co <b>"
EMAIL = "hira.baig@example.com"
FREE_TEXT = "A&B <i>tags</i> 3>2: every write must also update the index, see use-the-index.com"


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        element
        for block in message["blocks"]
        for element in block.get("elements", [])
        if element.get("type") in ("button", "checkboxes")
    ]


def reply_to(prompt: str) -> str:
    """What the candidate types for a prompt without buttons."""
    answers = {
        "full name": NAME,
        "email": EMAIL,
        "years": "3",
        "salary": "2 lakh",
        "index make writes slower": FREE_TEXT,
        "PostgreSQL listen": "5432",
        "milliseconds": "300",
    }
    return next(typed for key, typed in answers.items() if key in prompt)


class Candidate:
    """Answers whatever the bot last asked in the DM, as a person in Slack's client would."""

    def __init__(self, bot: SlackRequests, slack: FakeSlack, user: str) -> None:
        self.bot, self.slack, self.user = bot, slack, user
        self.events = (f"Ev{user}-{n}" for n in itertools.count())
        self.seen = 0

    @property
    def dm(self) -> list[dict[str, Any]]:
        return self.slack.posted(f"D{self.user}")

    async def answer(self) -> None:
        """Answer the latest prompt; every event is delivered twice, every post echoed back."""
        for message in self.dm[self.seen :]:
            await self.bot.echo(message, next(self.events))
        self.seen = len(self.dm)
        prompt = self.dm[-1]
        elements = buttons(prompt)
        if not elements:
            event_id = next(self.events)
            assert (await self.bot.dm(self.user, reply_to(prompt["text"]), event_id)).is_success
            again = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
            await self.bot.dm(self.user, reply_to(prompt["text"]), event_id, headers=again)
        elif elements[0]["type"] == "checkboxes":
            [boxes, submit] = elements
            state = {
                "ask": {"pick": {"type": "checkboxes", "selected_options": boxes["options"][:2]}}
            }
            action = {k: submit[k] for k in ("action_id", "value", "text")}
            await self.bot.press(self.user, f"D{self.user}", prompt, action, state)
        else:
            wanted = {"I agree", "Lahore", "Hybrid", "Yes", "443", "No"}
            chosen = next((e for e in elements if e["text"]["text"] in wanted), elements[0])
            action = {k: chosen[k] for k in ("action_id", "value", "text")}
            await self.bot.press(self.user, f"D{self.user}", prompt, action)
        await eventually(lambda: len(self.dm) > self.seen)


async def test_a_candidate_who_types_an_email_address_in_slack_finishes_the_screening(
    slack: FakeSlack, tmp_path: Path
) -> None:
    """It broke: Slack wraps a typed address in `<mailto:…|…>`, and the bot asked again for ever."""
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'dm.db'}"
    settings = slack_settings(slack, db_url).model_copy(
        update={"banks_dir": FIXTURES / "banks", "flows_dir": FIXTURES / "flows"}
    )
    async with running(settings) as port, httpx.AsyncClient() as http:
        bot = SlackRequests(http, f"http://127.0.0.1:{port}/slack/events", slack)
        await bot.command("/screen", "mini", "U5", "CGENERAL")
        candidate = Candidate(bot, slack, "U5")
        await eventually(lambda: len(candidate.dm) == 1)
        for _ in range(30):
            if "That's everything" in candidate.dm[-1]["text"]:
                break
            await candidate.answer()
        assert "That's everything" in candidate.dm[-1]["text"]
        prompts = [m["text"] for m in candidate.dm]
        assert not any("doesn't look like" in p for p in prompts), prompts
        assert problems(slack.called("chat.postMessage"), mentions=set()) == []
    db = open_database(db_url)
    try:
        [row] = await results(db, load_catalog(FIXTURES / "banks", FIXTURES / "flows").flow("mini"))
        query = select(Answer.raw_answer).where(Answer.question_id == "explain-index")
        free_text = await db.read(lambda conn: conn.execute(query).scalar_one())
    finally:
        await db.dispose()
    assert (row["full_name"], row["email"], row["city"]) == (NAME, EMAIL, "Lahore")
    assert row["stage"] == "completed"
    assert free_text == FREE_TEXT
    assert row["answers"] == 6  # each event counted once, though Slack delivered it twice


async def test_slack_gets_its_answer_before_the_replies_while_its_api_answers_429(
    bot: SlackRequests, slack: FakeSlack
) -> None:
    """It broke: one 429 with `Retry-After: 4` held the answer to Slack for 4.7 s (limit: 3 s)."""
    slack.retry_after = 4
    slack.failures["chat.postMessage"] = [429]
    started = time.monotonic()
    response = await bot.dm("U8", "hello", "Ev429")
    answered_in = time.monotonic() - started
    assert response.status_code == 200
    assert answered_in < 3.0
    assert slack.posted("DU8") == []  # the replies wait out Retry-After after the answer
    await eventually(lambda: len(slack.posted("DU8")) == 1, within=15)
    assert slack.posted("DU8")[0]["text"].endswith("Which opening would you like to apply for?")
