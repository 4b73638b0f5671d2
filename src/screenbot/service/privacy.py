"""Data-subject requests and retention, for the CLI and the nightly job."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from screenbot.clock import Clock, utcnow
from screenbot.store.database import Database
from screenbot.store.privacy import anonymise_finished, export_candidate
from screenbot.store.repository import transaction


class Privacy:
    """Exports, erasure and retention of candidates' data, timed by `clock`."""

    def __init__(self, database: Database, clock: Clock = utcnow) -> None:
        self.database = database
        self._clock = clock

    async def export(self, candidate_id: int) -> dict[str, Any]:
        """Everything stored about one candidate, as JSON-ready data."""
        return await export_candidate(self.database, candidate_id)

    async def forget(self, candidate_id: int) -> None:
        """Erase a candidate's personal data and answers; their id stays, so numbers add up."""
        now = self._clock()
        await transaction(self.database, lambda repo: repo.erase_candidate(candidate_id, now))

    async def anonymise_older_than(self, keep: timedelta) -> int:
        """Strip personal data from screenings that ended more than `keep` ago; how many."""
        return await anonymise_finished(self.database, self._clock() - keep)
