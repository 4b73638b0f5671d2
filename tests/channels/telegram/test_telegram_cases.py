"""Every way a Telegram candidate can surprise the bot, through the real path and a fake Bot API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from screenbot.channels.telegram.channel import CONNECTIONS
from screenbot.store.database import Database, open_database
from screenbot.store.schema import Answer, OutboxMessage, Screening
from screenbot.store.schema import Candidate as CandidateRow
from tests.channels.telegram.conftest import Candidate, running, settings_for, shows
from tests.engine.conftest import FIXTURES
from tests.fakes.telegram_api import FakeTelegram

CLOSED = "That question is closed, so I've left your answers as they were."


def mini_settings(fake: FakeTelegram, db_url: str, **extra: Any) -> Any:
    return settings_for(
        fake,
        db_url,
        SCREENBOT_BANKS_DIR=str(FIXTURES / "banks"),
        SCREENBOT_FLOWS_DIR=str(FIXTURES / "flows"),
        **extra,
    )


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = open_database(db_url)
    yield database
    await database.dispose()


async def count(db: Database, column: Any) -> int:
    return int(await db.read(lambda conn: conn.execute(select(func.count(column))).scalar_one()))


async def to_questions(sara: Candidate) -> None:
    await sara.say("/start mini")
    await sara.tap("I agree")
    for text in ("Sara Iqbal", "sara@example.com", "2"):
        await sara.say(text)
    await sara.tap("Karachi")
    await sara.say("180k")
    await sara.tap("Remote")
    await sara.tap("Yes")
    assert shows(sara.last, "Question 1 of 6")


async def test_multi_choice_buttons_toggle_and_done_submits(
    fake: FakeTelegram, db_url: str, db: Database
) -> None:
    async with running(mini_settings(fake, db_url)):
        sara = Candidate(fake, db)
        await to_questions(sara)
        await sara.tap("443")
        question = sara.last
        assert question["text"].startswith(
            "✓ 443\n\nQuestion 2 of 6 · Basics\nWhich are relational"
        )
        assert question["text"].endswith("(tap every option that applies, then Done)")
        await sara.toggle("PostgreSQL", question)
        await sara.toggle("MySQL", question)
        await sara.toggle("MySQL", question)
        await sara.toggle("Redis", question)
        ticked = [t for t, _ in sara.buttons(fake.messages[question["message_id"]])]
        assert ticked == ["✓ PostgreSQL", "MySQL", "✓ Redis", "MongoDB", "Done"]
        await sara.tap("Done", fake.messages[question["message_id"]])
        turned = fake.messages[question["message_id"]]
        assert turned["text"].startswith("✓ PostgreSQL, Redis\n\nQuestion 3 of 6")
        assert turned is sara.last
    query = select(Answer).where(Answer.question_id == "pick-many")
    answer = await db.read(lambda conn: conn.execute(query).one())
    assert answer.raw_answer == "a,c"
    assert answer.points == 0.0


async def test_an_old_keyboard_and_forged_data_change_nothing(
    fake: FakeTelegram, db_url: str, db: Database
) -> None:
    async with running(mini_settings(fake, db_url)):
        sara = Candidate(fake, db)
        await to_questions(sara)
        await sara.tap("443")
        answers, shown = await count(db, Answer.id), sara.last["text"]
        for forged in ("a|q0.zzzz|b", "rm -rf /"):  # an old question's button, made-up data
            await sara.settled(fake.press(sara.user_id, sara.last["message_id"], forged))
            assert fake.called("answerCallbackQuery")[-1]["text"] == CLOSED  # on the tap itself
            assert sara.last["text"] == shown  # and no message
        assert await count(db, Answer.id) == answers


async def test_the_same_update_twice_is_handled_once(
    fake: FakeTelegram, db_url: str, db: Database
) -> None:
    async with running(mini_settings(fake, db_url)):
        sara = Candidate(fake, db)
        update = fake.say(sara.user_id, "/start mini")
        await sara.settled(update)
        sent = len(fake.sent(sara.user_id))
        fake.redeliver(update)
        await fake.wait_for(lambda: len(fake.called("getUpdates")) > 3)
        await sara.say("/status")
        replies = fake.sent(sara.user_id)
        assert len(replies) == sent + 1
        assert replies[sent]["text"].startswith("You're at the start of the screening")
    assert await count(db, Screening.id) == 1


async def test_stickers_photos_edits_and_long_text_get_a_friendly_answer(
    fake: FakeTelegram, db_url: str, db: Database
) -> None:
    async with running(mini_settings(fake, db_url)):
        sara = Candidate(fake, db)
        await to_questions(sara)
        question = sara.last["text"].split("\n\n", 1)[1]  # after the ticked knockout answer
        sticker = {
            "file_id": "s1",
            "file_unique_id": "u1",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "type": "regular",
        }
        await sara.settled(fake.deliver({"message": fake.incoming(sara.user_id, sticker=sticker)}))
        assert sara.last["text"] == (
            "I can't read a sticker here, sorry. Please type your answer, or use the buttons."
            f"\n\n{question}"
        )
        photo = [{"file_id": "p1", "file_unique_id": "u2", "width": 90, "height": 90}]
        await sara.settled(fake.deliver({"message": fake.incoming(sara.user_id, photo=photo)}))
        assert sara.last["text"].startswith("I can't read a photo")
        edited = fake.incoming(sara.user_id, text="443", edit_date=1)
        await sara.settled(fake.deliver({"edited_message": edited}))
        assert sara.last["text"].startswith("I can't read an edited message")
        await sara.say("x" * 300)
        assert sara.last["text"].startswith("That's 300 characters; I can take up to 200.")
    assert await count(db, Answer.id) == 0


async def test_a_group_chat_is_told_to_go_private_and_nothing_is_stored(
    fake: FakeTelegram, db_url: str, db: Database
) -> None:
    async with running(mini_settings(fake, db_url)):
        fake.deliver({"message": fake.incoming(99, chat_type="supergroup", text="/start mini")})
        await fake.wait_for(lambda: bool(fake.sent(-99)))
        assert fake.sent(-99)[0]["text"].startswith("Screenings happen in a private chat")
    assert await count(db, CandidateRow.id) == 0


async def test_start_with_an_unknown_flow_offers_the_open_ones_as_buttons(
    fake: FakeTelegram, db_url: str, db: Database
) -> None:
    async with running(mini_settings(fake, db_url)):
        sara = Candidate(fake, db)
        await sara.say("/start closed")
        assert sara.last["text"].startswith("I couldn't find an open screening called “closed”.")
        assert [t for t, _ in sara.buttons()] == ["Mini Screening"]
        await sara.tap("Mini Screening")
        assert shows(sara.last, "Before we start")


async def test_429_waits_and_then_the_reply_arrives(
    fake: FakeTelegram, db_url: str, db: Database
) -> None:
    async with running(mini_settings(fake, db_url, TELEGRAM_RATE_LIMIT=False)) as port:
        sara = Candidate(fake, db)
        fake.failures["sendMessage"] = [429, 500, 502]
        await sara.say("/start mini")
        [welcome] = fake.sent(sara.user_id)  # the greeting and the consent question, one message
        assert welcome["text"].startswith("Hi! This is the screening for Mini Screening.")
        assert shows(welcome, "Before we start")
        assert len(fake.called("sendMessage")) == 4
        async with httpx.AsyncClient() as http:
            metrics = (await http.get(f"http://127.0.0.1:{port}/metrics")).text
        assert (
            'screenbot_platform_errors_total{channel="telegram",kind="rate_limited"} 1.0' in metrics
        )
        assert (
            'screenbot_platform_errors_total{channel="telegram",kind="network_or_5xx"} 2.0'
            in metrics
        )


async def test_a_slow_send_to_one_candidate_does_not_hold_up_another(
    fake: FakeTelegram, db_url: str, db: Database
) -> None:
    """Regression: the poller fetched new updates only once the last batch's replies were sent,
    so one chat's slow sendMessage kept every other candidate waiting."""
    async with running(mini_settings(fake, db_url, TELEGRAM_RATE_LIMIT=False)):
        sara, omar = Candidate(fake, db), Candidate(fake, db, user_id=4202)
        release = fake.held[sara.user_id] = asyncio.Event()
        try:
            started = fake.say(sara.user_id, "/start mini")
            await fake.wait_for(  # Sara's turn is stored and her welcome is on its way, held
                lambda: any(str(c.params.get("chat_id")) == str(sara.user_id) for c in fake.calls)
            )
            await omar.say("/start mini")
            assert fake.sent(omar.user_id)[0]["text"].startswith("Hi! This is the screening")
            assert fake.sent(sara.user_id) == []
        finally:
            release.set()
        await sara.settled(started)
        assert fake.sent(sara.user_id)[0]["text"].startswith("Hi! This is the screening")


async def test_a_burst_of_replies_keeps_the_connection_pool_small(
    fake: FakeTelegram, db_url: str
) -> None:
    """Regression: a burst of replies opened python-telegram-bot's default 256 connections, and
    httpcore's pool work, quadratic in open connections, then made every send cost milliseconds.
    Replies beyond the pool wait their turn instead, and all of them arrive."""
    chats = range(5000, 5000 + CONNECTIONS + 8)
    release = asyncio.Event()
    fake.held.update(dict.fromkeys(chats, release))
    async with running(mini_settings(fake, db_url, TELEGRAM_RATE_LIMIT=False)):
        try:
            for chat in chats:
                fake.say(chat, "/start mini")
            await fake.wait_for(lambda: len(fake.called("sendMessage")) >= CONNECTIONS)
            await asyncio.sleep(0.5)  # room for any send beyond the pool to show up
            assert len(fake.called("sendMessage")) == CONNECTIONS
        finally:
            release.set()
        await fake.wait_for(lambda: all(fake.sent(chat) for chat in chats))


async def test_a_candidate_who_blocked_the_bot_is_not_retried(
    fake: FakeTelegram, db_url: str, db: Database
) -> None:
    async with running(mini_settings(fake, db_url)):
        sara = Candidate(fake, db)
        fake.failures["sendMessage"] = [403]
        await sara.say("/start mini")
        assert fake.sent(sara.user_id) == []
        assert len(fake.called("sendMessage")) == 1
    blocked = await db.read(lambda conn: conn.execute(select(CandidateRow.blocked_at)).scalar_one())
    query = select(OutboxMessage.id).where(OutboxMessage.sent_at.is_(None))
    unsent = await db.read(lambda conn: conn.execute(query).all())
    assert blocked is not None
    assert unsent == []


async def test_a_restart_after_a_failed_send_resends_the_question_once(
    fake: FakeTelegram, db_url: str, db: Database
) -> None:
    settings = mini_settings(fake, db_url, TELEGRAM_RATE_LIMIT=False)
    async with running(settings):
        sara = Candidate(fake, db)
        await to_questions(sara)
        fake.failures["editMessageText"] = [500] * 4  # every attempt fails, as if the bot died
        update = fake.press(sara.user_id, sara.last["message_id"], sara.buttons()[1][1])
        await fake.wait_for(lambda: not fake.failures["editMessageText"])
    assert await count(db, Answer.id) == 1
    async with running(settings):
        await sara.settled(update)
        question_two = [m for m in fake.sent(sara.user_id) if shows(m, "Question 2")]
        assert len(question_two) == 1
        await sara.toggle("PostgreSQL", question_two[0])
        await sara.tap("Done", fake.messages[question_two[0]["message_id"]])
        assert shows(sara.last, "Question 3 of 6")
    assert await count(db, Answer.id) == 2


async def test_webhook_mode_checks_the_secret(
    fake: FakeTelegram, db_url: str, db: Database
) -> None:
    settings = mini_settings(
        fake,
        db_url,
        TELEGRAM_WEBHOOK_URL="https://bot.example.com/telegram/webhook",
        TELEGRAM_WEBHOOK_SECRET="s3cret-token-for-tests",
    )
    async with running(settings) as port, httpx.AsyncClient() as http:
        health = (await http.get(f"http://127.0.0.1:{port}/healthz")).json()
        grading = health.pop("grading")
        assert grading["backlog"] == 0
        assert grading["model"] in {"not loaded", "ready"}  # the worker loads it as it starts
        assert health == {
            "status": "ok",
            "database": "ok",
            "migrations": "current",
            "channels": {"telegram": "webhook"},
            "digests_failed": [],
        }
        [registered] = fake.called("setWebhook")
        assert registered["secret_token"] == "s3cret-token-for-tests"
        assert fake.called("getUpdates") == []
        url = f"http://127.0.0.1:{port}/telegram/webhook"
        update = {"update_id": 900, "message": fake.incoming(4201, text="/start mini")}
        header = "X-Telegram-Bot-Api-Secret-Token"
        missing = await http.post(url, json=update)
        wrong = await http.post(url, json=update, headers={header: "guess"})
        assert (missing.status_code, wrong.status_code) == (403, 403)
        assert await count(db, CandidateRow.id) == 0
        right = await http.post(url, json=update, headers={header: "s3cret-token-for-tests"})
        assert right.status_code == 200
        await Candidate(fake, db).settled(update)
        assert shows(fake.sent(4201)[-1], "Before we start")
        assert (
            await http.post(url, content=b"{", headers={header: "s3cret-token-for-tests"})
        ).status_code == 400


async def test_a_text_typed_while_the_next_question_is_stuck_is_not_taken_as_its_answer(
    fake: FakeTelegram, db_url: str, db: Database
) -> None:
    """It broke: when the next question was held up (rate limits, Telegram failing), a candidate
    who saw nothing retyped their answer, and it was recorded as the answer to that question."""
    settings = mini_settings(
        fake, db_url, TELEGRAM_RATE_LIMIT=False, SCREENBOT_OUTBOX_LEASE_SECONDS=3
    )
    async with running(settings):
        sara = Candidate(fake, db)
        await sara.say("/start mini")
        await sara.tap("I agree")
        fake.failures["sendMessage"] = [500] * 4  # the email question cannot go out for now
        name = fake.say(sara.user_id, "Sara Iqbal")
        await fake.wait_for(lambda: not fake.failures["sendMessage"])
        await sara.settled(fake.say(sara.user_id, "Sara Iqbal"))  # retyped: nothing came back
        asked = [m["text"] for m in fake.sent(sara.user_id)]
        assert sum("What email address" in text for text in asked) == 1  # sent once, late
        await sara.settled(name)
        await sara.say("sara@example.com")
        assert shows(sara.last, "How many years")
    screening = await db.read(lambda conn: conn.execute(select(Screening.state)).scalar_one())
    assert dict(screening["profile"]) == {"full_name": "Sara Iqbal", "email": "sara@example.com"}


async def test_an_answer_typed_before_the_bots_send_returns_is_taken(
    fake: FakeTelegram, db_url: str, db: Database
) -> None:
    """Regression: a question counted as unseen until the bot's sendMessage call returned, so a
    person who read it and answered faster than that (two webhook processes under load) had
    their answer ignored and waited for a bot that was waiting for them."""
    async with running(mini_settings(fake, db_url, TELEGRAM_RATE_LIMIT=False)):
        sara = Candidate(fake, db)
        await sara.say("/start mini")
        await sara.tap("I agree")
        release = fake.answered_late[sara.user_id] = asyncio.Event()
        try:
            fake.say(sara.user_id, "Sara Ahmed")
            await fake.wait_for(lambda: shows(sara.last, "What email address"))
            typed = fake.say(sara.user_id, "sara@example.com")  # the send has not returned
            key = f"telegram:{typed['update_id']}"

            async def handled() -> bool:
                """Whether the email is in Sara's profile (profile answers live in the state)."""
                query = select(Screening.state)
                states = await db.read(lambda conn: conn.execute(query).scalars().all())
                return any(
                    dict(map(tuple, s["profile"])).get("email") == "sara@example.com"
                    for s in states
                )

            for _ in range(250):
                if await handled():
                    break
                await asyncio.sleep(0.02)
            assert await handled(), f"{key} was not taken as the email answer"
        finally:
            release.set()
        await fake.wait_for(lambda: shows(sara.last, "How many years"))
