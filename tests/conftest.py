"""Shared fixtures: the bundled content, and a migrated database on SQLite and PostgreSQL.

PostgreSQL tests run against the server at 127.0.0.1:5432 in a database made for this run. They
skip when it is unreachable, except in CI (`CI=true`), where an unreachable server fails the run.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from screenbot.content.catalog import Catalog, load_catalog
from screenbot.service import ScreeningService
from screenbot.store.database import Database, open_database
from screenbot.store.migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent
PG_DSN = os.environ.get("SCREENBOT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
TABLES = (
    "item_parameters, score_audit, decisions, digest_slots, outbox, answers, inbound_events,"
    " screenings, candidates"
)


class Clock:
    """A hand-wound clock: tests decide when time passes."""

    def __init__(self, start: datetime = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def tick(self, seconds: float = 7.0) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog(ROOT / "question_banks", ROOT / "conversations")


@pytest.fixture(scope="session")
def mini() -> Catalog:
    """A tiny catalog whose every answer the tests know (tests/fixtures)."""
    fixtures = ROOT / "tests" / "fixtures"
    return load_catalog(fixtures / "banks", fixtures / "flows")


@pytest.fixture
def clock() -> Clock:
    return Clock()


async def _migrate(url: str) -> None:
    database = open_database(url)
    try:
        await upgrade(database)
    finally:
        await database.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("db") / "template.db"
    asyncio.run(_migrate(f"sqlite+aiosqlite:///{path}"))
    return path


def _run_aside(coro: Coroutine[Any, Any, None]) -> None:
    """Run set-up on its own loop in a thread: session fixtures may be first asked for by an
    async test, whose loop is already running."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, coro).result()


async def _create_pg_database(name: str) -> None:
    conn = await asyncpg.connect(PG_DSN, timeout=5)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def _drop_pg_database(name: str) -> None:
    conn = await asyncpg.connect(PG_DSN, timeout=5)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    name = f"screenbot_test_{os.getpid()}"
    try:
        _run_aside(_create_pg_database(name))
    except (OSError, asyncpg.PostgresError) as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL must be reachable in CI: {exc}")
        pytest.skip(f"PostgreSQL is not reachable: {exc}")
    base = PG_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    url = f"{base}/{name}"
    _run_aside(_migrate(url))
    yield url
    _run_aside(_drop_pg_database(name))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def database(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> AsyncIterator[Database]:
    """A migrated, empty database; every test using it runs once per dialect."""
    if request.param == "sqlite":
        path = tmp_path / "screenbot.db"
        shutil.copy(sqlite_template, path)
        db = open_database(f"sqlite+aiosqlite:///{path}")
    else:
        db = open_database(request.getfixturevalue("pg_url"))
        await db.write(lambda c: c.exec_driver_sql(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE"))
    yield db
    await db.dispose()


@pytest.fixture
def service(database: Database, catalog: Catalog, clock: Clock) -> ScreeningService:
    seeds = iter(range(1000, 100_000))
    return ScreeningService(database, catalog, seeds=lambda: next(seeds), clock=clock)
