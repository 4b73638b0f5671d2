"""`ScreeningService.handle`: dedupe, load, decide, and persist in ONE transaction.

The answer, the new state and the replies (in the outbox) commit together, so a crash after the
commit re-sends replies instead of losing them, and a crash before it leaves nothing half-done.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable
from datetime import UTC, datetime

from screenbot.content.catalog import Catalog
from screenbot.engine.events import ChoicePicked, Started
from screenbot.engine.machine import FLOW_PICKER, step
from screenbot.engine.messages import to_payload
from screenbot.engine.state import ScreeningState
from screenbot.service.envelope import Inbound, Turn
from screenbot.store.database import Database
from screenbot.store.outbox import Delivery, Outbox
from screenbot.store.repository import Repository


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _new_seed() -> int:
    return secrets.randbits(62)


def _flow_asked_for(inbound: Inbound) -> str | None:
    event = inbound.event
    if isinstance(event, Started):
        return event.flow_id
    if isinstance(event, ChoicePicked) and event.prompt_key == FLOW_PICKER and event.choice_ids:
        return event.choice_ids[0]
    return None


def _plan_pending(state: ScreeningState | None) -> bool:
    return state is None or (state.stage.active and not state.plan)


class ScreeningService:
    """Serves every channel; holds no per-candidate state between calls."""

    def __init__(
        self,
        database: Database,
        catalog: Catalog,
        *,
        seeds: Callable[[], int] = _new_seed,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.database = database
        self.catalog = catalog
        self.outbox = Outbox(database)
        self._seeds = seeds
        self._clock = clock

    async def handle(self, inbound: Inbound) -> Turn:
        who = inbound.identity
        async with self.database.transaction() as conn:
            repo = Repository(conn)
            candidate_id = await repo.lock_candidate(
                who.channel, who.external_id, who.address, who.display_name, inbound.at
            )
            if not await repo.claim_event(inbound.key, candidate_id, inbound.at):
                return Turn(duplicate=True, screening_id=None, deliveries=())
            stored = await repo.latest_screening(candidate_id, _flow_asked_for(inbound))
            state = stored.state if stored else None
            seed = stored.seed if stored else self._seeds()
            seen = await repo.seen_questions(candidate_id) if _plan_pending(state) else frozenset()
            result = step(state, inbound.event, self.catalog, inbound.at, random.Random(seed), seen)

            screening_id = stored.id if stored else None
            if result.erase:
                await repo.erase_candidate(candidate_id, inbound.at)
                screening_id = None
            elif result.fresh and result.state is not None:
                flow = self.catalog.flow(result.state.flow_id)
                screening_id = await repo.insert_screening(
                    candidate_id, result.state, self._seeds(), flow.version,
                    self.catalog.bank_versions(flow),
                )  # fmt: skip
            elif stored is not None and result.state is not None and result.state != state:
                await repo.save_state(stored.id, result.state)
            if result.answer is not None and screening_id is not None and state is not None:
                version = self.catalog.banks[result.answer.bank].version
                await repo.add_answer(
                    screening_id, len(state.answers), result.answer, version, inbound.at
                )
            payloads = [to_payload(m) for m in result.outbound]
            ids = await repo.add_outbox(
                candidate_id, screening_id, who.channel, who.address, payloads, inbound.at
            )
        deliveries = tuple(
            Delivery(i, candidate_id, screening_id, who.address, m)
            for i, m in zip(ids, result.outbound, strict=True)
        )
        return Turn(duplicate=False, screening_id=screening_id, deliveries=deliveries)

    async def delivered(self, deliveries: tuple[Delivery, ...] | list[Delivery]) -> None:
        await self.outbox.mark_sent([d.id for d in deliveries], self._clock())
