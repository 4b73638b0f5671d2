"""Finished screenings put straight into the store, and a Slack poster on the fake Web API."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Connection

from screenbot.channels.slack.client import SlackPoster, web_client
from screenbot.engine.state import ScoredAnswer, ScreeningState, Stage
from screenbot.store.database import Database
from screenbot.store.repository import NewAnswer, Person, Repository
from tests.fakes.server import serving
from tests.fakes.slack_api import FakeSlack

_ids = itertools.count(1)


async def finish(
    database: Database,
    name: str,
    score: float | None,
    at: datetime,
    *,
    flow_id: str = "backend-karachi",
    stage: Stage = Stage.COMPLETED,
    seconds: float = 30.0,
    channel: str = "console",
    address: str | None = None,
    raw: str = "x",
) -> int:
    """A screening that ended at `at` with `score`; returns its id."""
    profile = (
        ("full_name", name),
        ("city", "Karachi"),
        ("years_experience", 4),
        ("expected_salary_pkr", 250_000),
        ("work_model", "hybrid"),
    )
    answers = tuple(ScoredAnswer("databases", f"q{n}", "x", 1.0, 1.0, seconds) for n in range(3))
    state = ScreeningState(
        flow_id,
        stage,
        started_at=at - timedelta(minutes=20),
        updated_at=at,
        profile=profile,
        answers=answers,
        score=score,
        section_scores=(("databases", score or 0.0),),
        passed=None if score is None else score >= 0.6,
    )
    key = f"finished-{next(_ids)}"
    person = Person(channel, key, address or key, name[:200])

    def store(conn: Connection) -> int:
        repo = Repository(conn)
        candidate = repo.lock_people([person], at)[person]
        sid = repo.insert_screening(candidate, state, 1, "v1", {})
        repo.save_states([(sid, state)])
        repo.add_answers(
            [
                NewAnswer(
                    sid, n, "v", ScoredAnswer("databases", f"q{n}", raw, 1.0, 1.0, seconds), at
                )
                for n in range(3)
            ]
        )
        return sid

    return await database.write(store)


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    api = FakeSlack()
    async with serving(api.app()) as port:
        api.port = port  # where the client should call
        yield api


@pytest.fixture
def poster(slack: FakeSlack) -> SlackPoster:
    url = f"http://127.0.0.1:{slack.port}/api/"
    return SlackPoster(web_client(slack.token, url))
