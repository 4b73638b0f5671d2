"""Free-text answers graded off the turn's path: stored pending by the turn, graded by the worker
with the real model, the screening's total final only once they are all graded; a model that
cannot load keeps the bot screening and the backlog visible until it loads."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sys
import threading
import time
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Connection, func, select

from screenbot.channels.slack.shortlist import notification, summary
from screenbot.content.catalog import Catalog
from screenbot.content.models import FreeTextQuestion
from screenbot.engine.events import TextReceived
from screenbot.engine.state import Stage
from screenbot.grading import Grade, SemanticGrader
from screenbot.grading.encoders import StaticEmbeddingEncoder, wordllama_encoder
from screenbot.grading.process import ProcessGrader
from screenbot.metrics import Metrics
from screenbot.recruiting.digest import counts_line, percent, score_text
from screenbot.recruiting.ranking import shortlist
from screenbot.service import ScreeningService
from screenbot.service.grading import READY, UNAVAILABLE, GradingWorker
from screenbot.store.database import Database
from screenbot.store.grading import GRADED, PENDING, gradings_of
from screenbot.store.privacy import anonymise_finished
from screenbot.store.schema import Answer, AnswerGrade, Screening
from screenbot.web.app import build_web
from tests.conftest import Clock
from tests.engine.conftest import correct_reply
from tests.service.conftest import Person

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SCREENBOT = Path(sys.executable).with_name("screenbot")

# The rubric of `explain-index` (tests/fixtures/banks/basics.yaml) stated in other words, with
# none of its keywords; and its keywords with no claim at all.
PARAPHRASE = (
    "Whenever a row is added or changed, the database has to rewrite every index on that table "
    "as well, so each change costs additional disk operations."
)
KEYWORDS = "update the index, index maintenance, extra write, disk write"


async def screen(person: Person, catalog: Catalog, free_text: str) -> None:
    """Through the mini flow, every question right except the free-text one, answered so."""
    await person.reach_questions("mini")
    while (await person.state()).stage is Stage.QUESTIONS:
        question = await person.current_question(catalog)
        if isinstance(question, FreeTextQuestion):
            await person.send(TextReceived(free_text))
        else:
            await person.send(correct_reply(question))


def _screenings(conn: Connection) -> list[tuple[str | None, float | None]]:
    """Each screening's grading mark and total, as stored."""
    rows = conn.execute(select(Screening.grading, Screening.score).order_by(Screening.id))
    return [(r.grading, r.score) for r in rows]


async def test_answers_wait_for_the_worker_and_a_paraphrase_beats_a_keyword_list(
    database: Database, mini: Catalog, clock: Clock
) -> None:
    service = ScreeningService(database, mini, clock=clock)
    paraphrase, keywords = Person(service, clock, "para"), Person(service, clock, "keys")
    await screen(paraphrase, mini, PARAPHRASE)
    await screen(keywords, mini, KEYWORDS)

    # The turns stored the answers ungraded; the screenings ended, their totals not final.
    for person in (paraphrase, keywords):
        assert (await person.state()).stage is Stage.COMPLETED
    pending = select(func.count(Answer.id)).where(Answer.grading == PENDING)
    assert await database.read(lambda c: c.execute(pending).scalar_one()) == 2
    graded = select(func.count(AnswerGrade.id))
    assert await database.read(lambda c: c.execute(graded).scalar_one()) == 0
    assert {grading for grading, _ in await database.read(_screenings)} == {PENDING}

    metrics = Metrics()
    worker = GradingWorker(database, mini, metrics=metrics, clock=clock)
    assert await worker.run_until_idle() == 2
    assert worker.model == READY
    assert await worker.queue.backlog() == 0

    assert {grading for grading, _ in await database.read(_screenings)} == {None}
    states = {p: await p.state() for p in (paraphrase, keywords)}
    free = {
        p: next(a for a in s.answers if a.question == "explain-index") for p, s in states.items()
    }
    assert free[paraphrase].points == 2.0  # both concepts, by meaning
    assert free[keywords].points == 0.0  # a bare list of terms earns nothing
    para_total, keys_total = states[paraphrase].score, states[keywords].score
    assert para_total is not None
    assert keys_total is not None
    assert para_total > keys_total
    assert states[paraphrase].passed is True

    sid = (await paraphrase.stored()).id  # type: ignore[union-attr]
    [grading] = (await gradings_of(database, sid)).values()
    assert grading.status == GRADED
    assert grading.model is not None
    assert grading.model.by.startswith("semantic-")
    concepts = grading.model.detail["concepts"]  # type: ignore[index]
    assert {c["credit"] for c in concepts} == {"full"}
    assert all(c["evidence"] and c["evidence"] in PARAPHRASE for c in concepts)
    exported = metrics.exposition().decode()
    assert 'screenbot_answers_graded_total{outcome="graded"} 2.0' in exported


async def test_a_grading_answer_keeps_its_screening_going_and_the_total_waits_for_the_last_one(
    database: Database, mini: Catalog, clock: Clock
) -> None:
    """The free-text answer is graded while the candidate is still answering: the total is
    made final when the screening ends, not before."""
    service = ScreeningService(database, mini, clock=clock)
    person = Person(service, clock)
    worker = GradingWorker(database, mini, clock=clock)
    await person.reach_questions("mini")
    graded_midway = False
    while (await person.state()).stage is Stage.QUESTIONS:
        question = await person.current_question(mini)
        if isinstance(question, FreeTextQuestion):
            await person.send(TextReceived(PARAPHRASE))
            if (await person.state()).stage is Stage.QUESTIONS:
                assert await worker.run_until_idle() == 1
                graded_midway = True
                [(grading, _)] = await database.read(_screenings)
                assert grading == PENDING  # graded, but the screening has not ended
        else:
            await person.send(correct_reply(question))
    await worker.run_until_idle()
    [(grading, total)] = await database.read(_screenings)
    assert grading is None
    state = await person.state()
    assert total == state.score
    assert graded_midway  # the mini flow asks its free-text question third of six
    assert next(a for a in state.answers if a.question == "explain-index").points == 2.0


async def test_an_adaptive_total_moves_by_the_free_text_share_alone(
    service: ScreeningService, database: Database, catalog: Catalog, clock: Clock
) -> None:
    """(1 - W) * the ability part stays as the screening ended; W * the free-text share is
    what grading changes."""
    person = Person(service, clock)
    await person.reach_questions()
    while (await person.state()).stage is Stage.QUESTIONS:
        question = await person.current_question(catalog)
        if isinstance(question, FreeTextQuestion):
            await person.send(TextReceived(", ".join(c.keywords[0] for c in question.rubric)))
        else:
            await person.send(correct_reply(question))
    ended = await person.state()
    [(grading, provisional)] = await database.read(_screenings)
    assert grading == PENDING
    assert provisional == ended.score
    assert await GradingWorker(database, catalog, clock=clock).run_until_idle() == 2
    final = await person.state()
    free = [
        a for a in final.answers if catalog.banks[a.bank].question(a.question).type == "free_text"
    ]
    was = [
        a for a in ended.answers if catalog.banks[a.bank].question(a.question).type == "free_text"
    ]
    share = sum(a.points for a in free) / sum(a.max_points for a in free)
    before = sum(a.points for a in was) / sum(a.max_points for a in was)
    assert ended.score is not None
    assert final.score is not None
    assert final.score == round(ended.score + 0.2 * (share - before), 4)
    assert final.ability == ended.ability
    assert final.score < ended.score  # keyword lists earned their points only by keyword


async def healthz(web: httpx.AsyncClient) -> dict[str, object]:
    response = await web.get("/healthz")
    assert response.status_code == 200
    body: dict[str, object] = response.json()
    return body


async def test_without_the_model_screening_goes_on_and_grading_waits_visibly_until_it_loads(
    database: Database, mini: Catalog, clock: Clock, tmp_path: Path
) -> None:
    bundled = wordllama_encoder()
    model_dir = tmp_path / "model"
    weights = model_dir / "weights.safetensors"  # not there yet: the model cannot load
    encoder = StaticEmbeddingEncoder(bundled._tokenizer_file, weights, name="wordllama-copy")
    grader = SemanticGrader(encoder)
    metrics = Metrics()
    worker = GradingWorker(database, mini, metrics=metrics, clock=clock, grader=lambda: grader)
    web = build_web(database, metrics=metrics, grading=worker)
    service = ScreeningService(database, mini, clock=clock)

    await screen(Person(service, clock), mini, PARAPHRASE)
    assert await worker.run_once() == 0
    assert worker.model == UNAVAILABLE
    transport = httpx.ASGITransport(app=web)
    async with httpx.AsyncClient(transport=transport, base_url="http://bot") as client:
        health = await healthz(client)
        assert health["status"] == "degraded"
        grading = health["grading"]
        assert isinstance(grading, dict)
        assert grading["backlog"] == 1
        assert grading["model"] == UNAVAILABLE
        exported = (await client.get("/metrics")).text
        assert "screenbot_grading_backlog 1.0" in exported
        assert "screenbot_grading_model_up 0.0" in exported

        # Screening goes on meanwhile, and nothing is lost.
        await screen(Person(service, clock, "second"), mini, PARAPHRASE)
        assert (await healthz(client))["grading"] == {
            "backlog": 2,
            "model": UNAVAILABLE,
            "error": grading["error"],
        }

        model_dir.mkdir()
        shutil.copy(bundled._weights_file, weights)  # the model is back
        assert await worker.run_until_idle() == 2
        health = await healthz(client)
        assert health["status"] == "ok"
        assert health["grading"] == {"backlog": 0, "model": READY}
        exported = (await client.get("/metrics")).text
        assert "screenbot_grading_backlog 0.0" in exported
    totals = await database.read(_screenings)
    assert len(totals) == 2
    assert all(grading is None and total is not None for grading, total in totals)


async def test_retention_forgets_the_quoted_evidence_and_keeps_the_credit(
    database: Database, mini: Catalog, clock: Clock
) -> None:
    service = ScreeningService(database, mini, clock=clock)
    person = Person(service, clock)
    await screen(person, mini, PARAPHRASE)
    await GradingWorker(database, mini, clock=clock).run_until_idle()
    assert await anonymise_finished(database, clock.now + timedelta(days=1)) == 1
    sid = (await person.stored()).id  # type: ignore[union-attr]
    [grading] = (await gradings_of(database, sid)).values()
    assert grading.model is not None
    concepts = grading.model.detail["concepts"]  # type: ignore[index]
    assert [c["credit"] for c in concepts] == ["full", "full"]
    assert [c["evidence"] for c in concepts] == [None, None]


async def test_the_digest_says_grading_until_the_total_is_final(
    database: Database, mini: Catalog, clock: Clock
) -> None:
    service = ScreeningService(database, mini, clock=clock)
    await screen(Person(service, clock, "first"), mini, PARAPHRASE)
    flow = mini.flow("mini")

    listed = await shortlist(database, flow, clock.now + timedelta(minutes=1), top=5)
    [candidate] = listed.candidates
    assert candidate.grading
    assert score_text(candidate) == "grading"
    assert "Still grading 1" in counts_line(listed)
    assert listed.passed == 0  # a pass on a half-graded total is not counted
    assert "— grading" in summary(candidate, {})
    assert "best score" not in notification(listed)

    await GradingWorker(database, mini, clock=clock).run_until_idle()
    listed = await shortlist(database, flow, clock.now + timedelta(minutes=1), top=5)
    [candidate] = listed.candidates
    assert not candidate.grading
    assert candidate.score is not None
    assert score_text(candidate) == percent(candidate.score)
    assert "grading" not in counts_line(listed)
    assert listed.passed == 1


class _Deliberate(SemanticGrader):
    """The real grader, taking its time over each batch, and saying when it has begun one."""

    def __init__(self) -> None:
        super().__init__(wordllama_encoder())
        self.begun = threading.Event()

    def grade_batch(self, items: Sequence[tuple[FreeTextQuestion, str]]) -> list[Grade]:
        self.begun.set()
        time.sleep(0.3)
        return super().grade_batch(items)


async def test_a_worker_stopped_mid_batch_leaves_nothing_claimed_for_the_next_one(
    database: Database, mini: Catalog, clock: Clock
) -> None:
    """It broke: `screenbot chat` stopped its worker by cancelling it mid-batch, so the answers
    it had claimed could not be graded before closing, and the report showed no total."""
    service = ScreeningService(database, mini, clock=clock)
    for name in ("a", "b", "c"):
        await screen(Person(service, clock, name), mini, PARAPHRASE)
    grader = _Deliberate()
    worker = GradingWorker(database, mini, clock=clock, grader=lambda: grader)
    worker.start()
    assert await asyncio.to_thread(grader.begun.wait, 30)
    await worker.stop()
    await GradingWorker(database, mini, clock=clock).run_until_idle()
    pending = select(func.count(Answer.id)).where(Answer.grading == PENDING)
    assert await database.read(lambda c: c.execute(pending).scalar_one()) == 0
    assert all(total is not None for _, total in await database.read(_screenings))


async def test_a_grading_child_that_dies_loses_no_answer_and_a_new_one_takes_over(
    database: Database, mini: Catalog, clock: Clock
) -> None:
    """`screenbot run` grades in a child process: when it dies (killed, out of memory), the
    batch goes back, the worker starts another child, and every answer is graded once."""
    service = ScreeningService(database, mini, clock=clock)
    for name in ("a", "b"):
        await screen(Person(service, clock, name), mini, PARAPHRASE)
    doomed = ProcessGrader()
    await asyncio.to_thread(doomed.load)
    assert doomed.pid is not None
    assert doomed.pid != os.getpid()
    handed: list[ProcessGrader] = []

    def child() -> ProcessGrader:
        handed.append(ProcessGrader() if handed else doomed)
        return handed[-1]

    worker = GradingWorker(database, mini, clock=clock, grader=child)
    os.kill(doomed.pid, signal.SIGKILL)

    assert await worker.run_once() == 0
    assert worker.model == UNAVAILABLE
    assert await worker.queue.backlog() == 2  # released, not lost
    assert await worker.run_until_idle() == 2
    assert worker.model == READY
    assert all(total is not None for _, total in await database.read(_screenings))
    states = [await Person(service, clock, name).state() for name in ("a", "b")]
    assert [a.points for s in states for a in s.answers if a.question == "explain-index"] == [
        2.0,
        2.0,
    ]
    [_, second] = handed
    assert second.pid is not None
    assert second.pid != doomed.pid
    await worker.stop()
    with pytest.raises(ProcessLookupError):  # stopped and reaped with its worker
        os.kill(second.pid, 0)


async def test_a_grade_process_grades_what_bots_left_elsewhere(
    database: Database, mini: Catalog, clock: Clock
) -> None:
    """`screenbot grade` beside bots run with SCREENBOT_GRADING=elsewhere: it grades what they
    stored, and stops cleanly when asked to."""
    service = ScreeningService(database, mini, clock=clock)
    await screen(Person(service, clock), mini, PARAPHRASE)
    env = {
        **os.environ,
        "SCREENBOT_DATABASE_URL": database.url,
        "SCREENBOT_BANKS_DIR": str(FIXTURES / "banks"),
        "SCREENBOT_FLOWS_DIR": str(FIXTURES / "flows"),
    }
    process = await asyncio.create_subprocess_exec(
        str(SCREENBOT),
        "grade",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    pending = select(func.count(Answer.id)).where(Answer.grading == PENDING)
    try:
        for _ in range(300):
            if await database.read(lambda c: c.execute(pending).scalar_one()) == 0:
                break
            await asyncio.sleep(0.1)
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = await asyncio.wait_for(process.communicate(), 30)
    assert await database.read(lambda c: c.execute(pending).scalar_one()) == 0, output.decode()
    assert process.returncode == 0, output.decode()
    assert "screenbot is grading" in output.decode()
    assert all(total is not None for _, total in await database.read(_screenings))
