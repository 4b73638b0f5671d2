"""The app factory: settings in, a wired set of parts out. Nothing here lives at module level."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

from screenbot.clock import Clock, utcnow
from screenbot.content.catalog import Catalog, load_catalog
from screenbot.errors import StoreError
from screenbot.metrics import Metrics
from screenbot.scheduling import check_schedule
from screenbot.service import ScreeningService
from screenbot.service.privacy import Privacy
from screenbot.settings import Settings
from screenbot.store.database import Database, open_database
from screenbot.store.migrate import is_current, upgrade

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class App:
    """The wired parts one process shares: what `open_app` builds and closes."""

    settings: Settings
    catalog: Catalog
    database: Database
    service: ScreeningService
    privacy: Privacy
    metrics: Metrics
    clock: Clock


@asynccontextmanager
async def open_app(
    settings: Settings, *, migrate: bool | None = None, clock: Clock = utcnow
) -> AsyncIterator[App]:
    """Load content, open the database and build the service; close everything on exit.

    SQLite databases are migrated automatically (one local file, one operator); PostgreSQL
    refuses to start on an old schema, so production upgrades stay a deliberate step.
    """
    catalog = load_catalog(settings.banks_dir, settings.flows_dir, checks=[check_schedule])
    database = open_database(settings.database_url)
    try:
        if migrate if migrate is not None else database.sqlite:
            await upgrade(database)
        elif not await is_current(database):
            raise StoreError("The database schema is out of date: run `screenbot db upgrade`.")
        metrics = Metrics()
        lease = timedelta(seconds=settings.outbox_lease_seconds)
        service = ScreeningService(
            database,
            catalog,
            metrics=metrics,
            lease=lease,
            clock=clock,
            min_answers_to_calibrate=settings.min_answers_to_calibrate,
        )
        await service.reload_calibrations()
        privacy = Privacy(database, clock)
        try:
            yield App(settings, catalog, database, service, privacy, metrics, clock)
        finally:
            try:
                await service.flush()
            except Exception:  # unmarked replies may be sent again after the restart; no more
                log.warning("could not mark the last replies as sent", exc_info=True)
    finally:
        await database.dispose()
