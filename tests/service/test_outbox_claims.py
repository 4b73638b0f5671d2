"""Several processes share one outbox: a reply is sent by whoever claimed it, and only them."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from screenbot.content.catalog import Catalog
from screenbot.engine.events import Started, TextReceived
from screenbot.engine.messages import Ask
from screenbot.service import ScreeningService
from screenbot.service.screening import MARK_WITHIN
from screenbot.store.database import Database
from screenbot.store.schema import OutboxMessage
from tests.conftest import Clock
from tests.service.conftest import Person

LEASE = timedelta(seconds=30)


def process(database: Database, catalog: Catalog, clock: Clock) -> ScreeningService:
    """One bot process: its own service over the shared database."""
    return ScreeningService(database, catalog, clock=clock, lease=LEASE)


async def test_a_pump_leaves_replies_alone_while_their_writer_holds_the_lease(
    database: Database, catalog: Catalog, clock: Clock
) -> None:
    writer, other = process(database, catalog, clock), process(database, catalog, clock)
    turn = await writer.handle(Person(writer, clock).inbound(Started("backend-karachi")))
    assert turn.deliveries
    assert await other.outbox.claim("console", clock()) == []
    clock.tick(LEASE.total_seconds() + 1)
    taken = await other.outbox.claim("console", clock())
    assert [d.id for d in taken] == [d.id for d in turn.deliveries]
    assert await writer.outbox.claim("console", clock()) == []


async def test_two_pumps_claiming_at_once_split_the_backlog_without_overlap(
    database: Database, catalog: Catalog, clock: Clock
) -> None:
    writer = process(database, catalog, clock)
    people = [Person(writer, clock, name=f"p{i}") for i in range(12)]
    for person in people:
        await writer.handle(person.inbound(Started("backend-karachi")))
    clock.tick(LEASE.total_seconds() + 1)
    pumps = [process(database, catalog, clock) for _ in range(2)]
    first, second = await asyncio.gather(
        *(pump.outbox.claim("console", clock(), limit=15) for pump in pumps)
    )
    ids = [d.id for d in first + second]
    assert len(ids) == 24
    assert len(set(ids)) == len(ids)


async def test_a_process_that_knows_it_is_alone_takes_over_leased_replies(
    database: Database, catalog: Catalog, clock: Clock
) -> None:
    crashed = process(database, catalog, clock)
    turn = await crashed.handle(Person(crashed, clock).inbound(Started("backend-karachi")))
    restarted = process(database, catalog, clock)
    taken = await restarted.outbox.claim("console", clock(), steal=True)
    assert [d.id for d in taken] == [d.id for d in turn.deliveries]


async def test_a_question_resent_after_the_chat_moved_on_is_retired_not_asked_twice(
    database: Database, catalog: Catalog, clock: Clock
) -> None:
    service = process(database, catalog, clock)
    person = Person(service, clock)
    first = await service.handle(person.inbound(Started("backend-karachi")))
    consent = first.deliveries[-1]
    assert isinstance(consent.message, Ask)
    await person.say("yes")  # answered; the next question went out and was marked sent
    clock.tick(LEASE.total_seconds() + 1)
    taken = await service.outbox.claim("console", clock())
    assert consent.id not in [d.id for d in taken]
    welcome = first.deliveries[0]
    assert [d.id for d in taken] == [welcome.id]  # a plain message is still delivered
    query = select(OutboxMessage.last_error).where(OutboxMessage.id == consent.id)
    error = await database.read(lambda conn: conn.execute(query).scalar_one())
    assert error is not None
    assert "superseded" in error


async def test_a_noted_send_rides_on_the_next_turns_commit(
    database: Database, catalog: Catalog, clock: Clock
) -> None:
    service = process(database, catalog, clock)
    person = Person(service, clock)
    first = await service.handle(person.inbound(Started("backend-karachi")))
    service.note_sent(first.deliveries)
    assert len(await service.outbox.pending("console")) == 2  # not stored yet
    await service.handle(person.inbound(TextReceived("yes")))  # the next turn carries the mark
    pending = await service.outbox.pending("console")
    assert {d.id for d in first.deliveries}.isdisjoint(d.id for d in pending)


async def test_sends_noted_at_shutdown_are_stored_by_flush(
    database: Database, catalog: Catalog, clock: Clock
) -> None:
    service = process(database, catalog, clock)
    turn = await service.handle(Person(service, clock).inbound(Started("backend-karachi")))
    service.note_sent(turn.deliveries)
    await service.flush()
    assert await service.outbox.pending("console") == []


async def test_a_send_noted_while_marks_are_being_stored_is_not_stranded(
    database: Database, catalog: Catalog, clock: Clock
) -> None:
    service = process(database, catalog, clock)
    people = [Person(service, clock, name=f"p{i}") for i in range(2)]
    first, second = [await service.handle(p.inbound(Started("backend-karachi"))) for p in people]
    service.note_sent(first.deliveries)
    await asyncio.sleep(MARK_WITHIN + 0.003)  # the marker is storing the first marks now
    service.note_sent(second.deliveries)
    for _ in range(40):  # no other turn comes along to carry them
        if not await service.outbox.pending("console"):
            break
        await asyncio.sleep(0.05)
    assert await service.outbox.pending("console") == []
