"""The service on SQLite and PostgreSQL: one transaction per turn, dedupe, locking, recovery."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, func, select
from sqlalchemy.orm import InstrumentedAttribute

from screenbot.content.catalog import Catalog
from screenbot.engine.events import Command, CommandIssued, Started, TextReceived
from screenbot.engine.messages import Ask, Completed
from screenbot.engine.state import Stage
from screenbot.service import ScreeningService
from screenbot.store.database import Database
from screenbot.store.schema import Answer, Base, Candidate, OutboxMessage, Screening
from tests.conftest import Clock
from tests.engine.conftest import correct_reply
from tests.service.conftest import Person


async def count(database: Database, column: InstrumentedAttribute[int]) -> int:
    query = select(func.count(column))
    return int(await database.read(lambda conn: conn.execute(query).scalar_one()))


async def test_a_finished_screening_is_stored_with_its_content_versions(
    service: ScreeningService, catalog: Catalog, clock: Clock
) -> None:
    person = Person(service, clock)
    await person.reach_questions()
    await person.answer_all(catalog)
    flow = catalog.flow("backend-karachi")
    screening = await service.database.read(lambda conn: conn.execute(select(Screening)).one())
    query = select(Answer).order_by(Answer.position)
    answers = await service.database.read(lambda conn: conn.execute(query).all())
    assert screening.stage == "completed"
    assert screening.score > 0.85
    assert screening.passed is True
    assert screening.flow_version == catalog.flow_version(flow.id)
    assert screening.bank_versions == catalog.bank_versions(flow)
    assert [a.position for a in answers] == list(range(12))
    assert {a.bank_version for a in answers if a.bank_id == "docker"} == {
        catalog.bank_version("docker")
    }
    assert all(a.seconds == 7.0 for a in answers)


async def test_the_same_event_twice_changes_nothing(
    service: ScreeningService, catalog: Catalog, clock: Clock
) -> None:
    person = Person(service, clock)
    await person.reach_questions()
    before = await person.state()
    reply = correct_reply(await person.current_question(catalog))
    first = await person.send(reply, key="telegram:update:42")
    outbox = await count(service.database, OutboxMessage.id)
    again = await person.send(reply, key="telegram:update:42")
    assert not first.duplicate
    assert again.duplicate
    assert again.deliveries == ()
    assert await count(service.database, OutboxMessage.id) == outbox
    assert await count(service.database, Answer.id) == 1
    assert (await person.state()).step == before.step + 1


async def test_a_burst_of_texts_answers_only_the_question_the_candidate_could_see(
    service: ScreeningService, catalog: Catalog, clock: Clock
) -> None:
    """It broke: texts typed before the next question was sent (someone retyping while the bot
    looked stuck) were taken as answers to questions the candidate had never seen."""
    person = Person(service, clock)
    await person.reach_questions()
    first = correct_reply(await person.current_question(catalog))
    assert isinstance(first, TextReceived)
    burst = [first.text] * 8  # the same answer, sent again and again
    turns = await asyncio.gather(*(service.handle(person.inbound(TextReceived(t))) for t in burst))
    assert not any(t.duplicate for t in turns)
    assert [bool(t.deliveries) for t in turns] == [True] + [False] * 7
    query = select(Answer.position)
    answers = await service.database.read(lambda conn: list(conn.execute(query)))
    assert [a.position for a in answers] == [0]  # one answer, to the question they could see
    assert (await person.state()).step == 1
    await service.delivered(turns[0].deliveries)  # the next question reaches the chat
    assert (await person.answer_one(catalog)).deliveries
    assert (await person.state()).step == 2


async def test_a_text_sent_while_the_next_question_waits_to_go_out_is_not_an_answer(
    service: ScreeningService, catalog: Catalog, clock: Clock
) -> None:
    """It broke: under Telegram's rate limits a candidate who saw nothing new retyped their
    answer, and it was recorded as the answer to the question still queued for them."""
    service.replies_go_later("console")  # as Telegram and Slack do: replies queue to go out
    person = Person(service, clock)
    await person.reach_questions()
    answer = correct_reply(await person.current_question(catalog))
    turn = await service.handle(person.inbound(answer))  # the next question, queued
    retyped = await service.handle(person.inbound(answer))
    assert (turn.advanced, bool(turn.deliveries)) == (True, True)
    assert (retyped.advanced, retyped.deliveries) == (False, ())
    assert (await person.state()).step == 1
    service.note_sent(turn.deliveries)  # handed to the platform: the candidate can see it
    assert (await person.answer_one(catalog)).advanced
    assert (await person.state()).step == 2


async def test_start_sent_again_before_the_welcome_arrived_asks_for_consent_once(
    service: ScreeningService, clock: Clock
) -> None:
    """It broke: at Telegram's limits, people who saw no welcome yet sent /start again, got
    "Welcome back" and the consent question a second time, and answered it twice."""
    service.replies_go_later("console")
    person = Person(service, clock)
    first = await service.handle(person.inbound(Started("backend-karachi")))
    again = await service.handle(person.inbound(Started("backend-karachi")))
    assert [type(d.message) for d in first.deliveries][-1] is Ask
    assert again.deliveries == ()


async def test_a_text_the_platform_numbers_before_the_question_is_not_its_answer(
    service: ScreeningService, catalog: Catalog, clock: Clock
) -> None:
    """It broke: a retyped answer that left the phone just before the next question arrived
    reached the bot just after the question was sent, and was taken as its answer."""
    person = Person(service, clock)
    await person.reach_questions()
    answer = correct_reply(await person.current_question(catalog))
    await person.send(answer)
    service.asked("console", person.identity.address, 41)  # the next question is message 41
    before = replace(person.inbound(answer), sequence=40)
    retyped = await service.handle(before)
    assert (retyped.advanced, retyped.deliveries) == (False, ())
    assert (await person.state()).step == 1
    after = correct_reply(await person.current_question(catalog))
    answered = await service.handle(replace(person.inbound(after), sequence=42))
    assert answered.advanced
    assert (await person.state()).step == 2


async def test_many_candidates_at_once_each_keep_their_own_screening(
    service: ScreeningService, catalog: Catalog, clock: Clock
) -> None:
    people = [Person(service, clock, name=f"c{i}") for i in range(8)]
    await asyncio.gather(*(p.reach_questions() for p in people))
    await asyncio.gather(*(p.answer_all(catalog) for p in people))
    for person in people:
        state = await person.state()
        assert state.stage is Stage.COMPLETED
        assert state.passed is True
    assert await count(service.database, Answer.id) == 96


async def test_replies_not_sent_before_a_crash_are_sent_after_restart(
    database: Database, catalog: Catalog, clock: Clock
) -> None:
    before_crash = ScreeningService(database, catalog, clock=clock)
    person = Person(before_crash, clock)
    turn = await before_crash.handle(person.inbound(Started("backend-karachi")))
    restarted = ScreeningService(database, catalog, clock=clock)
    pending = await restarted.outbox.pending("console")
    assert [d.message for d in pending] == [d.message for d in turn.deliveries]
    assert isinstance(pending[-1].message, Ask)
    assert pending[-1].message.prompt_key.startswith("consent.")
    await restarted.delivered(pending)
    assert await restarted.outbox.pending("console") == []


async def test_a_restarted_service_resumes_the_same_question(
    database: Database, catalog: Catalog, clock: Clock
) -> None:
    first = Person(ScreeningService(database, catalog, clock=clock), clock)
    await first.reach_questions()
    await first.answer_one(catalog)
    asked = await first.current_question(catalog)
    again = Person(ScreeningService(database, catalog, clock=clock), clock)
    turn = await again.send(Started("backend-karachi"))
    last = turn.deliveries[-1].message
    assert isinstance(last, Ask)
    assert last.prompt_key.startswith("q1.")
    assert asked.text in last.text


async def test_delete_my_data_erases_profile_and_answers(
    service: ScreeningService, catalog: Catalog, clock: Clock
) -> None:
    person = Person(service, clock)
    await person.reach_questions()
    await person.answer_one(catalog)
    await person.send(CommandIssued(Command.DELETE_MY_DATA))
    turn = await person.say("yes")
    assert "erased" in turn.deliveries[0].message.text
    assert await count(service.database, Screening.id) == 0
    assert await count(service.database, Answer.id) == 0
    candidate = await service.database.read(lambda conn: conn.execute(select(Candidate)).one())
    assert candidate.display_name is None
    assert candidate.erased_at is not None
    assert await person.stored() is None


async def test_a_fresh_attempt_never_repeats_a_question_already_answered(
    service: ScreeningService, catalog: Catalog, clock: Clock
) -> None:
    person = Person(service, clock)
    await person.reach_questions()
    first_plan = (await person.state()).plan
    await person.answer_one(catalog)
    await person.answer_one(catalog)
    await person.send(CommandIssued(Command.CANCEL))
    await person.say("yes")
    assert (await person.state()).stage is Stage.WITHDRAWN
    await person.reach_questions()
    second_plan = (await person.state()).plan
    assert not set(first_plan[:2]) & set(second_plan)
    assert await count(service.database, Screening.id) == 2


async def test_completion_message_is_the_last_thing_sent(
    service: ScreeningService, catalog: Catalog, clock: Clock
) -> None:
    person = Person(service, clock)
    await person.reach_questions()
    await person.answer_all(catalog)
    query = select(OutboxMessage.payload).order_by(OutboxMessage.id.desc())
    last = await service.database.read(lambda conn: conn.execute(query).first())
    assert last is not None
    assert last.payload["kind"] == "completed"
    assert isinstance(Completed(last.payload["text"]), Completed)
    assert "Ayesha" in last.payload["text"]


async def test_migrations_build_exactly_the_schema_the_models_describe(database: Database) -> None:
    def diff(conn: Connection) -> list[object]:
        return list(compare_metadata(MigrationContext.configure(conn), Base.metadata))

    assert await database.read(diff) == []


async def test_a_second_flow_never_repeats_a_question_from_the_first(
    service: ScreeningService, catalog: Catalog, clock: Clock
) -> None:
    person = Person(service, clock)
    await person.reach_questions("backend-karachi")
    await person.answer_all(catalog)
    first = {(a.bank, a.question) for a in (await person.state()).answers}
    profile = ["Ayesha Khan", "ayesha@example.com", "6", "1", "AED 30k", "3", "4"]
    await person.send(Started("senior-backend-remote"))
    for typed in ["yes", *profile, "yes", "yes", "no"]:
        await person.say(typed)
    assert (await person.state()).flow_id == "senior-backend-remote"
    await person.answer_all(catalog)
    second = {(a.bank, a.question) for a in (await person.state()).answers}
    assert len(second) == 12
    assert not first & second
