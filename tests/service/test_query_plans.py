"""Every query a screening runs finds its rows through an index, so a turn costs the same with
ten candidates in the database as with a hundred thousand."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, event

from screenbot.content.catalog import Catalog
from screenbot.service import ScreeningService
from screenbot.store.database import SqliteDatabase, open_database
from tests.conftest import Clock
from tests.engine.conftest import correct_reply
from tests.service.conftest import Person


async def test_no_query_of_a_screening_scans_a_whole_table(
    tmp_path: Path, sqlite_template: Path, catalog: Catalog, clock: Clock
) -> None:
    """Regression: finding candidates by (channel, id) pairs scanned every candidate on SQLite."""
    path = tmp_path / "plans.db"
    shutil.copy(sqlite_template, path)
    database = open_database(f"sqlite+aiosqlite:///{path}")
    assert isinstance(database, SqliteDatabase)
    ran: dict[str, Any] = {}

    @event.listens_for(database.engine, "before_cursor_execute")
    def remember(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, many: bool
    ) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE")):
            ran.setdefault(statement, parameters[0] if many else parameters)

    service = ScreeningService(database, catalog, clock=clock)
    people = [Person(service, clock, name=f"p{n}") for n in range(2)]
    try:
        for person in people:
            await person.reach_questions()
            await person.send(correct_reply(await person.current_question(catalog)))
        await service.outbox.claim("console", clock.now)

        def scans(conn: Connection) -> dict[str, list[str]]:
            plans = {
                statement: [
                    row[-1]
                    for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
                ]
                for statement, parameters in ran.items()
            }
            return {s: p for s, p in plans.items() if any(step.startswith("SCAN") for step in p)}

        assert await database.read(scans) == {}
        assert len(ran) >= 6
    finally:
        await database.dispose()
