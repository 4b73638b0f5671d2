"""Turns that share one transaction: each stays correct, and one bad event fails only itself."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import StatementError

from screenbot.content.catalog import Catalog
from screenbot.engine.events import Command, CommandIssued, Started, TextReceived
from screenbot.engine.state import Stage
from screenbot.service import Inbound, ScreeningService
from screenbot.store.database import Database, open_database
from screenbot.store.schema import Answer, Screening
from tests.conftest import Clock
from tests.engine.conftest import correct_reply
from tests.service.conftest import Person


async def test_a_broken_event_fails_alone_and_its_batch_mates_are_kept(
    service: ScreeningService, clock: Clock
) -> None:
    ali, bina, chand = (Person(service, clock, name=n) for n in ("ali", "bina", "chand"))
    good = ali.inbound(Started("backend-karachi"))
    at = datetime(2026, 1, 1)  # noqa: DTZ001  # naive on purpose: the store refuses it
    naive = Inbound("bad:1", chand.identity, Started("backend-karachi"), at)
    results = await asyncio.gather(
        service.handle(good),
        service.handle(naive),
        service.handle(bina.inbound(Started("backend-karachi"))),
        return_exceptions=True,
    )
    assert isinstance(results[1], StatementError)
    assert "naive datetime" in str(results[1])
    assert (await ali.state()).stage is Stage.CONSENT
    assert (await bina.state()).stage is Stage.CONSENT
    assert await chand.stored() is None


async def test_the_same_event_twice_in_one_batch_is_handled_once(
    service: ScreeningService, clock: Clock
) -> None:
    person = Person(service, clock)
    twice = person.inbound(Started("backend-karachi"), key="telegram:update:7")
    first, second = await asyncio.gather(service.handle(twice), service.handle(twice))
    assert [first.duplicate, second.duplicate] == [False, True]
    assert second.deliveries == ()
    query = select(func.count(Screening.id))
    assert await service.database.read(lambda conn: conn.execute(query).scalar_one()) == 1


async def test_erasure_mid_batch_leaves_the_next_event_a_clean_slate(
    service: ScreeningService, catalog: Catalog, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    person = Person(service, clock)
    other = Person(service, clock, name="other")
    await person.reach_questions()
    await other.reach_questions()
    reply = correct_reply(await other.current_question(catalog))
    await person.send(CommandIssued(Command.DELETE_MY_DATA))  # "Are you sure?" reaches them
    other_turn, erased, restarted = await asyncio.gather(
        service.handle(other.inbound(reply)),
        service.handle(person.inbound(TextReceived("yes"))),
        service.handle(person.inbound(Started("backend-karachi"))),
    )
    assert "retrying them one by one" not in caplog.text
    assert "erased" in erased.deliveries[0].message.text
    assert restarted.deliveries[0].message.text.startswith("Hi! This is the screening")
    assert (await person.state()).stage is Stage.CONSENT
    assert other_turn.screening_id is not None
    query = select(Answer.screening_id)
    answers = await service.database.read(lambda conn: conn.execute(query).scalars().all())
    assert answers == [other_turn.screening_id]


@pytest.fixture
async def second_process(database: Database) -> Database:
    """Another process's connection pool on the same database."""
    return open_database(database.url)


async def test_two_processes_never_interleave_one_candidate(
    database: Database, second_process: Database, catalog: Catalog, clock: Clock
) -> None:
    one = ScreeningService(database, catalog, clock=clock)
    two = ScreeningService(second_process, catalog, clock=clock)
    person = Person(one, clock)
    await person.reach_questions()
    replies = ["1", "2", "yes", "1", "no", "3", "1", "2", "yes", "1"]
    try:
        await asyncio.gather(
            *(
                (one if n % 2 else two).handle(person.inbound(TextReceived(r)))
                for n, r in enumerate(replies)
            )
        )
    finally:
        await second_process.dispose()
    query = select(Answer.position).order_by(Answer.position)
    positions = await database.read(lambda conn: conn.execute(query).all())
    assert [p.position for p in positions] == list(range(len(positions)))
    assert (await person.state()).step == len(positions)
