"""Opening the database and running units of work on it, tuned per dialect.

Store code is plain synchronous functions of a `Connection` (units of work), awaited through
`Database.write` or `Database.read`. PostgreSQL runs them on the async engine through
SQLAlchemy's greenlet bridge, so any number proceed side by side over asyncpg. SQLite runs them
one at a time on a thread of its own through the standard sqlite3 module: SQLite has one writer
anyway, and a whole transaction then costs the event loop one thread switch, where a driver that
awaits each statement (aiosqlite) costs three or four per statement, several times the CPU.
"""

from __future__ import annotations

import asyncio
import contextvars
from abc import ABC, abstractmethod
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy import Connection, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import create_async_engine

T = TypeVar("T")
Work = Callable[[Connection], T]

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
    """Whether `url` names SQLite, whichever driver it spells (`sqlite+aiosqlite`, plain
    `sqlite`)."""
    return make_url(url).get_backend_name() == "sqlite"


def dialect_insert(dialect: str, table: Any) -> Any:
    """An INSERT into `table` that can say ON CONFLICT DO NOTHING on `dialect`."""
    module: Any = postgresql if dialect == "postgresql" else sqlite
    return module.insert(table)


class Database(ABC):
    """Where units of work run. Open one with `open_database(url)`."""

    def __init__(self, url: str) -> None:
        self.url = url

    @property
    def sqlite(self) -> bool:
        """Whether this is SQLite: a file that one deployment owns, so the app migrates it on
        start-up unless told otherwise."""
        return is_sqlite(self.url)

    @abstractmethod
    async def write(self, work: Work[T]) -> T:
        """Run `work` in a transaction that may write; it commits if `work` returns."""

    @abstractmethod
    async def read(self, work: Work[T]) -> T:
        """Run `work` in a transaction that only reads."""

    @abstractmethod
    async def dispose(self) -> None:
        """Close every connection; the database is not used afterwards."""


class PostgresDatabase(Database):
    """Candidates are locked row by row (`SELECT … FOR UPDATE`), so any number of processes
    and transactions serve candidates side by side."""

    def __init__(self, url: str, **engine_options: Any) -> None:
        super().__init__(url)
        self.engine = create_async_engine(url, **engine_options)

    async def write(self, work: Work[T]) -> T:
        """On a pooled connection, between BEGIN and COMMIT; `work` may run beside other
        transactions."""
        async with self.engine.begin() as conn:
            return await conn.run_sync(work)

    async def read(self, work: Work[T]) -> T:
        """On a pooled connection; what `work` began is rolled back when the connection goes
        back."""
        async with self.engine.connect() as conn:
            return await conn.run_sync(work)

    async def dispose(self) -> None:
        """Close the pool's connections."""
        await self.engine.dispose()


class SqliteDatabase(Database):
    """One thread does all the work, in arrival order, on one connection it keeps: writers
    never wait on SQLite's lock, and a transaction pays no pool checkout."""

    def __init__(self, url: str, **engine_options: Any) -> None:
        super().__init__(url)
        self.engine = create_engine(make_url(url).set(drivername="sqlite"), **engine_options)
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="sqlite")
        self._connection: Connection | None = None  # used on the thread only
        _tune_sqlite(self.engine)

    async def write(self, work: Work[T]) -> T:
        """On the database's thread after every unit of work that came before, in BEGIN IMMEDIATE,
        so the write lock is taken before `work` reads anything."""
        return await self._on_thread(self._transaction, work, False)

    async def read(self, work: Work[T]) -> T:
        """On the database's thread after every unit of work that came before, in a plain BEGIN."""
        return await self._on_thread(self._transaction, work, True)

    async def dispose(self) -> None:
        """Close the connection on its thread, then stop the thread."""
        await self._on_thread(self._close)
        self._thread.shutdown()

    def _transaction(self, work: Work[T], readonly: bool) -> T:
        if self._connection is None or self._connection.invalidated:
            self._drop_connection()
            self._connection = self.engine.connect()
        conn = self._connection
        if conn.get_execution_options().get("screenbot_readonly", False) != readonly:
            conn.execution_options(screenbot_readonly=readonly)
        with conn.begin():
            return work(conn)

    def _drop_connection(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _close(self) -> None:
        self._drop_connection()
        self.engine.dispose()

    async def _on_thread(self, function: Callable[..., T], *args: Any) -> T:
        context = contextvars.copy_context()  # log lines keep their screening id
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._thread, context.run, function, *args)


def _tune_sqlite(engine: Any) -> None:
    """WAL for readers beside the writer; BEGIN IMMEDIATE so a writer never fails halfway on a
    lock another process (the CLI) holds."""

    @event.listens_for(engine, "connect")
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

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        readonly = connection.get_execution_options().get("screenbot_readonly", False)
        connection.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")


def open_database(url: str, **engine_options: Any) -> Database:
    """The database at `url`: any SQLAlchemy async URL (`sqlite+aiosqlite:///…`,
    `postgresql+asyncpg://…`)."""
    if is_sqlite(url):
        return SqliteDatabase(url, **engine_options)
    return PostgresDatabase(url, **engine_options)
