"""Adaptive screenings of the bundled flows through the real service and store: one question at
a time, the ability estimate stored, and the report's ability columns."""

from __future__ import annotations

from datetime import timedelta

from screenbot.content.catalog import Catalog
from screenbot.content.flows import Mode
from screenbot.content.models import FreeTextQuestion
from screenbot.engine.state import Stage
from screenbot.recruiting.ranking import shortlist
from screenbot.recruiting.report import results, to_csv
from screenbot.service import ScreeningService
from screenbot.service.grading import GradingWorker
from tests.answers import wrong_answer
from tests.conftest import Clock
from tests.engine.conftest import correct_reply
from tests.service.conftest import Person


async def test_a_bundled_flow_screens_adaptively_and_reports_ability(
    service: ScreeningService, catalog: Catalog, clock: Clock
) -> None:
    flow = catalog.flow("backend-karachi")
    assert flow.mode is Mode.ADAPTIVE
    strong, weak = Person(service, clock, name="strong"), Person(service, clock, name="weak")
    await strong.reach_questions()
    state = await strong.state()
    assert len(state.plan) == 1  # chosen one at a time, not drawn up front
    await strong.answer_all(catalog)

    await weak.reach_questions()
    while (await weak.state()).stage is Stage.QUESTIONS:
        question = await weak.current_question(catalog)
        if isinstance(question, FreeTextQuestion):
            await weak.say("no idea")
        else:
            easy = question.difficulty == 1
            await weak.send(correct_reply(question) if easy else wrong_answer(question))

    done = await strong.state()
    assert done.stage is Stage.COMPLETED
    assert len(done.answers) <= flow.max_questions
    assert done.ability is not None
    assert done.ability_se is not None
    assert done.score_se is not None

    rows = await results(service.database, flow)
    assert [row["grading"] for row in rows] == [True, True]  # free text waits for the grader
    assert [row["total"] for row in rows] == [None, None]  # no half-graded total is shown
    assert await GradingWorker(service.database, catalog).run_until_idle() == 4
    rows = await results(service.database, flow)
    assert [row["full_name"] for row in rows] == ["Ayesha Khan", "Ayesha Khan"]
    best, worst = rows
    assert best["total"] > worst["total"]
    assert best["ability"] > worst["ability"]
    assert 0 < best["ability_se"] < 1
    assert best["passed"] is True
    assert worst["passed"] is False
    header = to_csv(rows).splitlines()[0].split(",")
    assert "ability" in header
    assert "ability_se" in header

    listed = await shortlist(service.database, flow, clock.now + timedelta(minutes=1))
    assert [c.rank for c in listed.candidates] == [1, 2]
    assert all(c.score_se is not None for c in listed.candidates)
    assert listed.candidates[0].close_to == ()  # far apart: each is its own rank
