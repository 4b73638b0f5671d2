"""Alembic migrations run from code: `screenbot db upgrade`, and on start-up with SQLite."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from screenbot.store.database import Database

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str) -> Config:
    """Alembic's configuration, built in code (there is no alembic.ini). Alembic reads options
    through configparser, so a `%` in the URL (an escaped password) is doubled."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


async def upgrade(database: Database, revision: str = "head") -> None:
    """Bring the schema to `revision` on the database's own connection."""
    config = alembic_config(database.url)

    def run(connection: Connection) -> None:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    await database.write(run)


async def is_current(database: Database) -> bool:
    """Whether the schema is at the newest migration this code knows."""
    head = ScriptDirectory.from_config(alembic_config(database.url)).get_current_head()

    def current(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    return await database.read(current) == head
