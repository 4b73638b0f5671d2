"""A candidate screens in Telegram, start to finish, through the real bot and a fake Bot API."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from screenbot.content.catalog import Catalog
from screenbot.store.database import open_database
from screenbot.store.schema import Screening
from tests.channels.telegram.conftest import (
    Candidate,
    answer_right,
    reach_questions,
    running,
    settings_for,
    shows,
)
from tests.fakes.telegram_api import FakeTelegram


async def test_a_candidate_completes_a_screening_from_the_deep_link(
    fake: FakeTelegram, db_url: str, catalog: Catalog
) -> None:
    db = open_database(db_url)
    async with running(settings_for(fake, db_url)) as port:
        nadia = Candidate(fake, db)
        await reach_questions(nadia)
        assert shows(nadia.last, "Question 1 of 12")
        asked = []
        while shows(nadia.last, "Question"):
            question_message = nadia.last
            asked.append(await answer_right(nadia, catalog))
            if asked[-1].type in {"single_choice", "multi_choice", "yes_no"}:
                # the tapped question became the answer, ticked, and what comes next
                turned = fake.messages[question_message["message_id"]]
                assert turned["text"].startswith("✓ ")
                assert turned is nadia.last
        assert shows(nadia.last, "That's everything — thank you, Nadia!")
        messages = len(fake.called("sendMessage")) + len(fake.called("editMessageText"))
        async with httpx.AsyncClient() as http:
            metrics = (await http.get(f"http://127.0.0.1:{port}/metrics")).text
        for line in (
            'screenbot_screenings_total{flow="backend-karachi",outcome="started"} 1.0',
            'screenbot_screenings_total{flow="backend-karachi",outcome="completed"} 1.0',
            'screenbot_screenings_total{flow="backend-karachi",outcome="passed"} 1.0',
            'screenbot_outbox_backlog{channel="telegram"} 0.0',
        ):
            assert line in metrics
        handled = float(
            metrics.split('screenbot_messages_in_total{channel="telegram"} ')[1].split()[0]
        )
        sent = float(
            metrics.split('screenbot_messages_out_total{channel="telegram"} ')[1].split()[0]
        )
        assert handled == 22  # the screening's turns (ticking an option is not one)
        assert messages == 22  # one message (sent, or a tapped question edited) per turn
        assert sent >= len(fake.sent(nadia.user_id))  # replies, some merged into one message
    screening = await db.read(lambda conn: conn.execute(select(Screening)).one())
    await db.dispose()
    assert len(asked) == 12
    assert screening.stage == "completed"
    assert screening.passed is True
    assert screening.score > 0.85  # the expected share of the pool at a high ability estimate
    commands = fake.called("setMyCommands")[0]["commands"]
    assert [c["command"] for c in commands] == ["start", "status", "help", "back", "delete_my_data"]
