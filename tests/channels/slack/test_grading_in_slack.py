"""Free-text grades in Slack: the running bot grades a stored answer by itself, View answers
shows each concept's credit with the candidate's quoted sentence, and a recruiter sets the
credit from the modal (a stranger cannot); both grades are kept and the total follows."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Connection, select

from screenbot.channels.slack.client import SlackPoster, web_client
from screenbot.channels.slack.recruiters import NOT_A_RECRUITER
from screenbot.content.catalog import Catalog
from screenbot.engine.state import ScoredAnswer, ScreeningState, Stage
from screenbot.recruiting.digests import Digests, SlotOutcome
from screenbot.store.database import Database, open_database
from screenbot.store.repository import NewAnswer, Person, Repository
from screenbot.store.schema import Answer, AnswerGrade, Screening
from tests.channels.slack.conftest import SlackRequests
from tests.channels.slack.outbound import problems
from tests.channels.slack.test_recruiter_day import button
from tests.fakes.server import eventually
from tests.fakes.slack_api import FakeSlack

QUESTION = ("databases", "db-lost-update-fix")
ANSWER = (
    "That is a lost update <!here>: both requests overwrite each other's write *for sure*. "
    "I would do it in one statement, UPDATE products SET stock = stock - 1 WHERE id = 7."
)


async def stored_screening(db: Database, catalog: Catalog, at: datetime) -> int:
    """A finished adaptive screening whose free-text answer the turn left for the grader."""
    question = catalog.banks[QUESTION[0]].question(QUESTION[1])
    answers = (
        ScoredAnswer("databases", "db-index-default", "1", 1.0, 1.0, 20.0),
        ScoredAnswer(*QUESTION, ANSWER, 0.0, question.max_points, 90.0),
    )
    state = ScreeningState(
        "backend-karachi",
        Stage.COMPLETED,
        started_at=at - timedelta(minutes=15),
        updated_at=at,
        profile=(("full_name", "Sana Mir"), ("city", "Karachi")),
        answers=answers,
        score=0.5,
        section_scores=(("databases", 1.0),),
        passed=False,
    )
    person = Person("slack", "USANA", "DUSANA", "Sana Mir")

    def store(conn: Connection) -> int:
        repo = Repository(conn)
        candidate = repo.lock_people([person], at)[person]
        sid = repo.insert_screening(candidate, state, 1, "v1", {})
        repo.save_states([(sid, state)])
        repo.add_answers(
            [NewAnswer(sid, n, "v", a, at, ungraded=n == 1) for n, a in enumerate(answers)]
        )
        return sid

    return await db.write(store)


def _graded(conn: Connection) -> tuple[str | None, float | None, list[tuple[str, str, float]]]:
    grading, score = conn.execute(select(Screening.grading, Screening.score)).one()
    grades = conn.execute(
        select(AnswerGrade.source, AnswerGrade.by, AnswerGrade.points).order_by(AnswerGrade.id)
    ).all()
    return grading, score, [tuple(g) for g in grades]  # type: ignore[misc]


async def pick_credit(bot: SlackRequests, user: str, view: dict[str, Any], value: str) -> None:
    """A credit picked in the View answers modal, as Slack posts it (no channel: a view)."""
    payload = {
        "type": "block_actions",
        "team": {"id": "T1"},
        "user": {"id": user},
        "api_app_id": "A1",
        "trigger_id": f"trig.{time.time_ns()}",
        "container": {"type": "view", "view_id": view["id"]},
        "view": view,
        "actions": [
            {
                "type": "static_select",
                "action_id": "set_credit",
                "block_id": "b1",
                "selected_option": {"text": {"type": "plain_text", "text": "x"}, "value": value},
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    response = await bot.send(
        urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
    )
    assert response.status_code == 200


async def test_a_recruiter_reads_the_evidence_and_sets_the_credit_a_stranger_cannot(
    bot: SlackRequests, slack: FakeSlack, db_url: str, catalog: Catalog
) -> None:
    db = open_database(db_url)
    now = datetime.now(UTC)
    try:
        sid = await stored_screening(db, catalog, now - timedelta(seconds=5))
        # The running bot's worker grades it, by itself, and makes the total final.
        deadline = time.monotonic() + 20
        while (await db.read(_graded))[0] is not None:
            assert time.monotonic() < deadline, "the worker did not grade the answer"
            await asyncio.sleep(0.1)
        _, graded_score, grades = await db.read(_graded)
        [(source, by, points)] = grades
        assert source == "grader"
        assert by.startswith("semantic-")
        assert points > 0  # the lost update and the atomic statement, by meaning
        assert graded_score is not None
        assert graded_score > 0.5

        poster = SlackPoster(web_client(slack.token, f"http://127.0.0.1:{slack.port}/api/"))
        flow = catalog.flow("backend-karachi")
        assert await Digests(db, catalog, poster).run_slot(flow, now) is SlotOutcome.POSTED
        channel = slack.channel_id("#hiring-backend-karachi")
        slack.members[channel] = ["URECRUITER"]
        digest = slack.posted("#hiring-backend-karachi")[-1]
        await bot.press("URECRUITER", channel, digest, button(digest, "view_answers", sid))
        await eventually(lambda: len(slack.called("views.open")) == 1)
        [opened] = slack.called("views.open")
        view = {"id": "V1", **opened["view"]}
        total, *blocks = view["blocks"]
        assert total["elements"][0]["text"].startswith(f"Total {graded_score * 100:.0f}%")
        free = blocks[2]
        assert "graded by meaning" in free["text"]["text"]
        assert free["accessory"]["action_id"] == "set_credit"
        [evidence] = [b for b in blocks if b["type"] == "context"]
        quoted = evidence["elements"][0]
        assert quoted["type"] == "plain_text"
        assert "full credit — “That is a lost update &lt;!here&gt;" in quoted["text"]

        half = next(
            o["value"] for o in free["accessory"]["options"] if o["value"].endswith(":half")
        )
        await pick_credit(bot, "USTRANGER", view, half)
        await eventually(lambda: len(slack.called("chat.postEphemeral")) == 1)
        [refused] = slack.called("chat.postEphemeral")
        assert refused["user"] == "USTRANGER"
        assert refused["channel"] == channel
        assert refused["text"] == NOT_A_RECRUITER
        assert len((await db.read(_graded))[2]) == 1  # nothing recorded

        await pick_credit(bot, "URECRUITER", view, half)
        await eventually(lambda: len(slack.called("views.update")) == 1)
        grading, score, grades = await db.read(_graded)
        assert grades[0] == (source, by, points)  # the grader's grade is kept
        assert grades[1][:2] == ("recruiter", "URECRUITER")
        half_points = catalog.banks["databases"].question("db-lost-update-fix").max_points / 2
        assert grades[1][2] == half_points
        assert grading is None
        assert score is not None
        assert score != graded_score  # the total follows the recruiter's credit
        row = select(Answer.points, Answer.grading, Answer.graded_at).where(Answer.position == 1)
        stored = await db.read(lambda c: c.execute(row).one())
        assert stored.points == half_points
        assert stored.grading == "overridden"
        [updated] = slack.called("views.update")
        assert updated["view_id"] == "V1"
        total, *blocks = updated["view"]["blocks"]
        assert total["elements"][0]["text"].startswith(f"Total {score * 100:.0f}%")
        assert "credit set by <@URECRUITER>" in blocks[2]["text"]["text"]
        # The recruiter is told, privately, what their credit changed.
        await eventually(lambda: len(slack.called("chat.postEphemeral")) == 2)
        told = slack.called("chat.postEphemeral")[1]
        assert (told["user"], told["channel"]) == ("URECRUITER", channel)
        assert told["text"] == (
            f"Answer 2 now earns {half_points:g} points (it had {points:g})."
            f" Total {score * 100:.0f}% (it was {graded_score * 100:.0f}%)."
        )

        everything = [p for m, p in slack.calls if m != "auth.test"]
        assert problems(everything, mentions={"<@URECRUITER>"}, formatting=["*for sure*"]) == []
    finally:
        await db.dispose()
