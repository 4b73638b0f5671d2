"""Units of work on either dialect: all or nothing, and SQLite's kept off the event loop."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Connection, Insert, func, insert, select

from screenbot.store.database import Database, open_database
from screenbot.store.schema import Candidate


def add_candidate(external_id: str) -> Insert:
    return insert(Candidate).values(
        channel="test", external_id=external_id, address=external_id, created_at=datetime.now(UTC)
    )


async def candidates(database: Database) -> int:
    query = select(func.count(Candidate.id))
    return int(await database.read(lambda conn: conn.execute(query).scalar_one()))


async def test_work_that_fails_leaves_nothing_and_the_next_write_commits(
    database: Database,
) -> None:
    def half_done(conn: Connection) -> None:
        conn.execute(add_candidate("first"))
        raise RuntimeError("the turn broke halfway")

    with pytest.raises(RuntimeError, match="halfway"):
        await database.write(half_done)
    assert await candidates(database) == 0
    await database.write(lambda conn: conn.execute(add_candidate("second")))
    assert await candidates(database) == 1


async def test_many_writers_at_once_each_commit(database: Database) -> None:
    def adding(external_id: str) -> Callable[[Connection], object]:
        return lambda conn: conn.execute(add_candidate(external_id))

    await asyncio.gather(*(database.write(adding(f"c{n}")) for n in range(20)))
    assert await candidates(database) == 20


async def test_slow_sqlite_work_does_not_stall_the_event_loop(tmp_path: Path) -> None:
    """SQLite's work runs on a thread of its own (PostgreSQL's awaits the server instead)."""
    database = open_database(f"sqlite+aiosqlite:///{tmp_path / 'slow.db'}")
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticking = asyncio.create_task(tick())
    try:
        await database.read(lambda _conn: time.sleep(0.3))
    finally:
        ticking.cancel()
        await database.dispose()
    assert ticks >= 10
