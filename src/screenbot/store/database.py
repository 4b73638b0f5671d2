"""Opening the database: one async engine per process, tuned per dialect."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

# PostgreSQL SQLSTATEs worth waiting out: connection exceptions, the server shutting down or
# starting up, too many connections, and deadlock or serialization failures (retry the turn).
_PG_TRANSIENT = ("08", "57P01", "57P02", "57P03", "53300", "40001", "40P01")


def is_outage(exc: BaseException) -> bool:
    """Whether an error means the database could not be reached, rather than refused the work.

    A lost connection, a refused one, a server shutting down or starting up, or a transaction
    the server asks to retry: waiting and retrying helps.
    """
    if isinstance(exc, DBAPIError):
        code = str(getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None) or "")
        return (
            exc.connection_invalidated
            or isinstance(exc, OperationalError | InterfaceError)
            or code.startswith(_PG_TRANSIENT)
        )
    return isinstance(exc, OSError | ConnectionError)


def is_sqlite(url: str | URL) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _tune_sqlite(engine: AsyncEngine) -> None:
    """WAL for concurrent readers; BEGIN IMMEDIATE so a writer never fails halfway on a lock."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        for pragma in (
            "journal_mode=WAL",
            "synchronous=FULL",
            "foreign_keys=ON",
            "busy_timeout=10000",
        ):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        readonly = connection.get_execution_options().get("screenbot_readonly", False)
        connection.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")


class Database:
    """The engine plus how to take the write lock for one candidate on this dialect.

    PostgreSQL locks the candidate's row (`SELECT … FOR UPDATE`), so any number of processes can
    serve candidates side by side. SQLite has one writer at a time anyway: writers in this process
    queue on an asyncio lock instead of polling SQLite's busy handler.
    """

    def __init__(self, url: str, **engine_options: Any) -> None:
        self.url = url
        self.sqlite = is_sqlite(url)
        self.engine = create_async_engine(url, **engine_options)
        self._write_lock = asyncio.Lock() if self.sqlite else None
        if self.sqlite:
            _tune_sqlite(self.engine)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        if self._write_lock is None:
            async with self.engine.begin() as conn:
                yield conn
            return
        async with self._write_lock, self.engine.begin() as conn:
            yield conn

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncConnection]:
        async with self.engine.connect() as conn:
            yield await conn.execution_options(screenbot_readonly=True)

    async def dispose(self) -> None:
        await self.engine.dispose()
