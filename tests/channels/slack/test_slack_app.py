"""Slack through the real bolt app: signatures, retries, a candidate in a DM, recruiters acting."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from screenbot.channels.slack.client import SlackPoster, web_client
from screenbot.content.catalog import Catalog
from screenbot.recruiting.digests import Digests, SlotOutcome
from screenbot.store.database import open_database
from screenbot.store.schema import Answer, Decision, OutboxMessage
from tests.channels.slack.conftest import SlackRequests, slack_settings
from tests.channels.telegram.conftest import running
from tests.engine.conftest import FIXTURES
from tests.fakes.server import eventually
from tests.fakes.slack_api import FakeSlack
from tests.recruiting.conftest import finish


def dm(slack: FakeSlack, user: str) -> list[dict[str, Any]]:
    return slack.posted(f"D{user}")


async def more_than(slack: FakeSlack, user: str, count: int) -> None:
    await eventually(lambda: len(dm(slack, user)) > count)


def button(message: dict[str, Any], label: str) -> dict[str, Any]:
    for block in message["blocks"]:
        for element in block.get("elements", []):
            if element.get("type") == "button" and element["text"]["text"] == label:
                return {k: element[k] for k in ("action_id", "value", "text")}
    raise AssertionError(f"no button {label!r}")


async def test_bad_stale_and_missing_signatures_are_refused(
    bot: SlackRequests, slack: FakeSlack
) -> None:
    assert (await bot.dm("U1", "hi", "Ev1", secret="not-the-secret")).status_code == 401
    assert (await bot.dm("U1", "hi", "Ev2", age=600)).status_code == 401
    unsigned = await bot.http.post(bot.url, json={"type": "event_callback"})
    assert unsigned.status_code == 401
    assert [m for m in slack.called("chat.postMessage") if m["channel"].startswith("D")] == []


async def test_a_candidate_screens_in_a_dm_and_a_retried_event_is_handled_once(
    bot: SlackRequests, slack: FakeSlack
) -> None:
    assert (await bot.dm("U7", "hello", "Ev10")).status_code == 200
    await eventually(lambda: len(dm(slack, "U7")) == 1)  # a greeting and the openings, one message
    retry = await bot.dm("U7", "hello", "Ev10", headers={"X-Slack-Retry-Num": "1"})
    assert retry.status_code == 200
    picker = dm(slack, "U7")[-1]
    assert picker["text"].endswith("Which opening would you like to apply for?")
    await bot.press("U7", "DU7", picker, button(picker, "Backend Developer, Karachi"))
    await eventually(lambda: len(dm(slack, "U7")) == 2)
    consent = dm(slack, "U7")[-1]
    await bot.press("U7", "DU7", consent, button(consent, "I agree"))
    await eventually(lambda: dm(slack, "U7")[-1]["text"] == "What is your full name?")
    closed = slack.messages[("DU7", consent["ts"])]
    assert closed["blocks"][-1]["elements"][0]["text"] == "Your answer: I agree"
    await bot.dm("U7", "Faraz <!channel> Ahmed", "Ev11")
    await eventually(lambda: dm(slack, "U7")[-1]["text"].startswith("What email"))
    assert len(dm(slack, "U7")) == 4


async def test_screen_command_opens_a_dm_on_that_flow(bot: SlackRequests, slack: FakeSlack) -> None:
    response = await bot.command("/screen", "senior-backend-remote", "U9", "CGENERAL")
    assert response.status_code == 200
    await eventually(lambda: len(dm(slack, "U9")) == 1)
    assert dm(slack, "U9")[0]["text"].startswith(
        "Hi! This is the screening for Senior Backend Engineer"
    )


@pytest.fixture
async def digest(
    # Asked for so the app starts first: its catch-up post comes before this fixture's.
    bot: SlackRequests,  # noqa: ARG001
    slack: FakeSlack,
    db_url: str,
    catalog: Catalog,
) -> dict[str, Any]:
    """A posted digest with a Slack candidate and a console candidate; returns its message."""
    db = open_database(db_url)
    now = datetime.now(UTC)
    try:
        hostile = "<!here> see <https://evil.example|docs>"
        await finish(
            db,
            "<!channel> *boss*",
            0.9,
            now - timedelta(seconds=2),
            channel="slack",
            address="DU42",
            raw=hostile,
        )
        await finish(db, "Rabia", 0.7, now - timedelta(seconds=3))
        poster = SlackPoster(web_client(slack.token, f"http://127.0.0.1:{slack.port}/api/"))
        flow = catalog.flow("backend-karachi")
        assert await Digests(db, catalog, poster).run_slot(flow, now) is SlotOutcome.POSTED
    finally:
        await db.dispose()
    slack.members[slack.channel_id("#hiring-backend-karachi")] = ["URECRUITER"]
    return slack.posted("#hiring-backend-karachi")[-1]  # the first is start-up's catch-up


async def decisions(db_url: str) -> list[tuple[str, str]]:
    db = open_database(db_url)
    try:
        query = select(Decision.decision, Decision.decided_by)
        rows = await db.read(lambda conn: conn.execute(query).all())
        return [(r.decision, r.decided_by) for r in rows]
    finally:
        await db.dispose()


async def test_the_digest_escapes_what_candidates_typed(digest: dict[str, Any]) -> None:
    rendered = repr(digest)
    assert "&lt;!channel&gt; *boss*" in rendered
    assert "<!channel>" not in rendered
    assert "boss" not in digest["text"]  # the notification names no candidate


@pytest.mark.parametrize(
    ("label", "decision", "shown"),
    [
        ("Advance", "advance", "✅ Advanced by <@URECRUITER>"),
        ("Reject", "reject", "❌ Rejected by <@URECRUITER>"),
        ("Hold", "hold", "⏸ On hold by <@URECRUITER>"),
    ],
)
async def test_a_recruiter_decides_and_the_candidate_hears_it(
    bot: SlackRequests,
    slack: FakeSlack,
    digest: dict[str, Any],
    db_url: str,
    catalog: Catalog,
    label: str,
    decision: str,
    shown: str,
) -> None:
    channel = slack.channel_id("#hiring-backend-karachi")
    await bot.press("URECRUITER", channel, digest, button(digest, label))
    await eventually(lambda: bool(dm(slack, "U42")))
    assert dm(slack, "U42")[0]["text"] == getattr(
        catalog.flow("backend-karachi").decisions, decision
    )
    updated = slack.messages[(channel, digest["ts"])]
    assert shown in repr(updated["blocks"])
    assert await decisions(db_url) == [(decision, "URECRUITER")]


async def test_a_stranger_is_refused_and_nothing_changes(
    bot: SlackRequests, slack: FakeSlack, digest: dict[str, Any], db_url: str
) -> None:
    channel = slack.channel_id("#hiring-backend-karachi")
    await bot.press("USTRANGER", channel, digest, button(digest, "Advance"))
    await eventually(lambda: bool(slack.called("chat.postEphemeral")))
    [refusal] = slack.called("chat.postEphemeral")
    assert refusal["user"] == "USTRANGER"
    assert refusal["text"] == "Only the recruiters of this opening can do that."
    assert await decisions(db_url) == []
    assert slack.called("chat.update") == []
    assert dm(slack, "U42") == []


async def test_view_answers_opens_an_escaped_transcript_for_recruiters_only(
    bot: SlackRequests, slack: FakeSlack, digest: dict[str, Any]
) -> None:
    channel = slack.channel_id("#hiring-backend-karachi")
    await bot.press("USTRANGER", channel, digest, button(digest, "View answers"))
    await bot.press("URECRUITER", channel, digest, button(digest, "View answers"))
    await eventually(lambda: bool(slack.called("views.open")))
    [opened] = slack.called("views.open")
    modal = opened["view"]
    assert modal["type"] == "modal"
    total, *blocks = modal["blocks"]
    assert total["elements"][0]["text"].startswith("Total ")
    assert len(blocks) == 6  # a heading and the answer for each of three
    heading, answer = blocks[0]["text"], blocks[1]["text"]
    assert "1/1 in 30s" in heading["text"]
    assert answer == {
        "type": "plain_text",
        "text": "&lt;!here&gt; see &lt;https://evil.example|docs&gt;",
        "emoji": False,
    }
    assert "<!here>" not in repr(modal)


@pytest.mark.usefixtures("digest")
async def test_shortlist_command_is_ephemeral_and_for_recruiters(
    bot: SlackRequests, slack: FakeSlack
) -> None:
    channel = slack.channel_id("#hiring-backend-karachi")
    await bot.command("/shortlist", "backend-karachi", "URECRUITER", channel)
    await bot.command("/shortlist", "backend-karachi", "USTRANGER", channel)
    await eventually(lambda: len(slack.called("chat.postEphemeral")) == 2)
    by_user = {e["user"]: e for e in slack.called("chat.postEphemeral")}
    assert "&lt;!channel&gt; *boss*" in repr(by_user["URECRUITER"]["blocks"])
    assert by_user["USTRANGER"]["text"].startswith("Only the recruiters")
    assert len(slack.posted("#hiring-backend-karachi")) == 2  # start-up's and the fixture's


async def test_no_unsent_replies_are_left_behind(
    bot: SlackRequests, slack: FakeSlack, db_url: str
) -> None:
    await bot.dm("U3", "hello", "Ev30")
    await eventually(lambda: len(dm(slack, "U3")) == 1)
    db = open_database(db_url)
    try:
        query = select(OutboxMessage.id).where(OutboxMessage.sent_at.is_(None))
        for _ in range(100):  # a send is marked with the next commit, within a fraction of a second
            unsent = await db.read(lambda conn: conn.execute(query).all())
            if not unsent:
                break
            await asyncio.sleep(0.05)
    finally:
        await db.dispose()
    assert unsent == []


async def test_multi_choice_in_a_dm_is_checkboxes_and_submit(slack: FakeSlack, db_url: str) -> None:
    settings = slack_settings(slack, db_url).model_copy(
        update={"banks_dir": FIXTURES / "banks", "flows_dir": FIXTURES / "flows"}
    )
    async with running(settings) as port, httpx.AsyncClient() as http:
        bot = SlackRequests(http, f"http://127.0.0.1:{port}/slack/events")
        await bot.command("/screen", "mini", "U5", "CGENERAL")
        await eventually(lambda: len(dm(slack, "U5")) == 1)
        steps = [
            ("press", "I agree"),
            ("say", "Omar Farooq"),
            ("say", "omar@example.com"),
            ("say", "3"),
            ("press", "Lahore"),
            ("say", "2 lakh"),
            ("press", "Hybrid"),
            ("press", "Yes"),
            ("press", "443"),
        ]
        for n, (kind, value) in enumerate(steps):
            count = len(dm(slack, "U5"))
            if kind == "press":
                await bot.press(
                    "U5", "DU5", dm(slack, "U5")[-1], button(dm(slack, "U5")[-1], value)
                )
            else:
                await bot.dm("U5", value, f"EvM{n}")
            await more_than(slack, "U5", count)
        question = dm(slack, "U5")[-1]
        assert question["text"].startswith("Question 2 of 6")
        [boxes, submit] = question["blocks"][-1]["elements"]
        assert boxes["type"] == "checkboxes"
        chosen = [o for o in boxes["options"] if o["text"]["text"] in {"PostgreSQL", "MySQL"}]
        state = {"ask": {"pick": {"type": "checkboxes", "selected_options": chosen}}}
        action = {k: submit[k] for k in ("action_id", "value", "text")}
        await bot.press("U5", "DU5", question, action, state)
        await eventually(lambda: dm(slack, "U5")[-1]["text"].startswith("Question 3 of 6"))
        closed = slack.messages[("DU5", question["ts"])]
        assert closed["blocks"][-1]["elements"][0]["text"] == "Your answer: PostgreSQL, MySQL"
    db = open_database(db_url)
    try:
        query = select(Answer.raw_answer, Answer.points).where(Answer.question_id == "pick-many")
        answer = await db.read(lambda conn: conn.execute(query).one())
    finally:
        await db.dispose()
    assert (answer.raw_answer, answer.points) == ("a,b", 2.0)


async def test_a_recruiter_press_is_answered_before_slack_lets_the_bot_check_them(
    bot: SlackRequests, slack: FakeSlack, digest: dict[str, Any], db_url: str
) -> None:
    """It broke: the answer to a button press waited for the bot's own calls to Slack, so a 429
    on checking the recruiter's channel held it past Slack's 3 s and the press showed failed."""
    slack.retry_after = 4
    slack.failures["conversations.members"] = [429]
    slack.failures["chat.postEphemeral"] = [429]
    channel = slack.channel_id("#hiring-backend-karachi")
    started = time.monotonic()
    pressed = await bot.press("URECRUITER", channel, digest, button(digest, "Hold"))
    asked = await bot.command("/shortlist", "backend-karachi", "URECRUITER", channel)
    answered_in = time.monotonic() - started
    assert (pressed.status_code, asked.status_code) == (200, 200)
    assert answered_in < 3.0
    assert await decisions(db_url) == []  # not yet: the check waits out Retry-After
    await eventually(lambda: bool(slack.called("chat.update")), within=15)
    assert await decisions(db_url) == [("hold", "URECRUITER")]
