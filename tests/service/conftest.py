"""A candidate driving the real service and store, one event at a time, like a person would."""

from __future__ import annotations

import itertools

from sqlalchemy import Connection, select

from screenbot.content.catalog import Catalog
from screenbot.content.models import Question
from screenbot.engine.events import InboundEvent, Started, TextReceived
from screenbot.engine.state import ScreeningState, Stage
from screenbot.service import Identity, Inbound, ScreeningService, Turn
from screenbot.store.repository import Repository, StoredScreening
from screenbot.store.schema import Candidate
from tests.conftest import Clock
from tests.engine.conftest import correct_reply

PROFILE = ["Ayesha Khan", "ayesha@example.com", "4", "Karachi", "250k", "hybrid"]
_keys = itertools.count(1)


class Person:
    def __init__(self, service: ScreeningService, clock: Clock, name: str = "ayesha") -> None:
        self.service = service
        self.clock = clock
        self.identity = Identity("console", name, address=f"chat-{name}", display_name=name)

    def inbound(self, event: InboundEvent, key: str | None = None) -> Inbound:
        key = key or f"test:{self.identity.external_id}:{next(_keys)}"
        return Inbound(key, self.identity, event, self.clock.tick())

    async def send(self, event: InboundEvent, key: str | None = None) -> Turn:
        turn = await self.service.handle(self.inbound(event, key))
        await self.service.delivered(turn.deliveries)
        return turn

    async def say(self, text: str) -> Turn:
        return await self.send(TextReceived(text))

    async def stored(self) -> StoredScreening | None:
        """The candidate's latest screening, read straight from the database."""

        def latest(conn: Connection) -> StoredScreening | None:
            candidate_id = conn.execute(
                select(Candidate.id).where(
                    Candidate.channel == self.identity.channel,
                    Candidate.external_id == self.identity.external_id,
                )
            ).scalar_one_or_none()
            if candidate_id is None:
                return None
            mine = Repository(conn).screenings_of([candidate_id]).get(candidate_id, [])
            return max(mine, key=lambda s: (s.state.updated_at, s.id), default=None)

        return await self.service.database.read(latest)

    async def state(self) -> ScreeningState:
        stored = await self.stored()
        assert stored is not None
        return stored.state

    async def current_question(self, catalog: Catalog) -> Question:
        state = await self.state()
        ref = state.plan[state.step]
        return catalog.banks[ref.bank].question(ref.question)

    async def reach_questions(self, flow: str = "backend-karachi") -> None:
        await self.send(Started(flow))
        await self.say("yes")
        for answer in PROFILE:
            await self.say(answer)
        while (await self.state()).stage is Stage.KNOCKOUT:
            await self.say("yes")

    async def answer_one(self, catalog: Catalog) -> Turn:
        return await self.send(correct_reply(await self.current_question(catalog)))

    async def answer_all(self, catalog: Catalog) -> None:
        while (await self.state()).stage is Stage.QUESTIONS:
            await self.send(correct_reply(await self.current_question(catalog)))
