"""Simulated candidates of known ability screening through the real service, like people would:
each answers an automatically scored question right with the 2PL probability at the question's
prior parameters, and free text with a shrug."""

from __future__ import annotations

import itertools
import math
import os
import random
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, select

from screenbot.content.catalog import Catalog, load_catalog
from screenbot.content.models import Question
from screenbot.engine.events import InboundEvent, Started, TextReceived
from screenbot.engine.item_params import question_prior
from screenbot.engine.state import ScreeningState, Stage
from screenbot.service import Identity, Inbound, ScreeningService
from screenbot.store.database import Database
from screenbot.store.repository import Repository
from screenbot.store.schema import Candidate
from tests.answers import right_answer, wrong_answer
from tests.conftest import Clock

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
ADAPTIVE_BANKS = FIXTURES / "banks"
ADAPTIVE_FLOWS = FIXTURES / "adaptive"

#: (question, ability, random source) -> what the candidate sends
Answerer = Callable[[Question, float, random.Random], InboundEvent]

_keys = itertools.count(1)


def adaptive_mini() -> Catalog:
    """The fixture banks with the adaptive-mini flow."""
    return load_catalog(ADAPTIVE_BANKS, ADAPTIVE_FLOWS)


def two_pl(question: Question, theta: float, rng: random.Random) -> InboundEvent:
    """Right with P(theta) at the question's prior, wrong otherwise; free text gets a shrug."""
    prior = question_prior(question)
    if prior is None:
        return wrong_answer(question)
    p = 1.0 / (1.0 + math.exp(-prior.a * (theta - prior.b)))
    return right_answer(question) if rng.random() < p else wrong_answer(question)


@dataclass
class Simulated:
    """One simulated candidate: who, how able, and the profile they give (by field id)."""

    name: str
    theta: float
    profile: Mapping[str, str]
    knockout: str = "yes"


async def screen(
    service: ScreeningService,
    catalog: Catalog,
    clock: Clock,
    flow_id: str,
    who: Simulated,
    rng: random.Random,
    answer: Answerer = two_pl,
    seconds: float = 20.0,
) -> ScreeningState:
    """Screen `who` through `flow_id` to the end, each answer taking about `seconds`."""
    identity = Identity("console", who.name, address=f"chat-{who.name}", display_name=who.name)
    state: ScreeningState | None = None

    async def send(event: InboundEvent, pause: float = 5.0) -> None:
        nonlocal state
        clock.tick(pause)
        turn = await service.handle(
            Inbound(f"sim:{who.name}:{next(_keys)}", identity, event, clock.now)
        )
        await service.delivered(turn.deliveries)

    async def current() -> ScreeningState:
        stored = await _latest(service, identity)
        assert stored is not None
        return stored

    flow = catalog.flow(flow_id)
    await send(Started(flow_id))
    await send(TextReceived("yes"))
    for field in flow.profile:
        await send(TextReceived(who.profile[field.value]))
    while (state := await current()).stage is Stage.KNOCKOUT:
        await send(TextReceived(who.knockout))
    while (state := await current()).stage is Stage.QUESTIONS:
        ref = state.plan[state.step]
        question = catalog.banks[ref.bank].question(ref.question)
        await send(answer(question, who.theta, rng), seconds * (0.5 + rng.random()))
    return state


async def _latest(service: ScreeningService, identity: Identity) -> ScreeningState | None:
    def latest(conn: Connection) -> ScreeningState | None:
        candidate_id = conn.execute(
            select(Candidate.id).where(
                Candidate.channel == identity.channel,
                Candidate.external_id == identity.external_id,
            )
        ).scalar_one_or_none()
        if candidate_id is None:
            return None
        mine = Repository(conn).screenings_of([candidate_id]).get(candidate_id, [])
        found = max(mine, key=lambda s: (s.state.updated_at, s.id), default=None)
        return found.state if found is not None else None

    return await service.database.read(latest)


async def screen_many(
    service: ScreeningService,
    catalog: Catalog,
    clock: Clock,
    flow_id: str,
    people: list[Simulated],
    seed: int = 7,
    answer: Answerer = two_pl,
) -> list[ScreeningState]:
    """Screen everyone in turn; the same seed gives the same answers."""
    rng = random.Random(seed)
    return [await screen(service, catalog, clock, flow_id, who, rng, answer) for who in people]


def people(n: int, seed: int = 3, profile: Mapping[str, str] | None = None) -> list[Simulated]:
    """`n` candidates with standard-normal abilities."""
    rng = random.Random(seed)
    given = profile or {"full_name": "Sim Candidate", "email": "sim@example.com"}
    return [
        Simulated(f"sim{n_}", rng.gauss(0.0, 1.0), {**given, "email": f"sim{n_}@example.com"})
        for n_ in range(n)
    ]


def service_for(database: Database, catalog: Catalog, clock: Clock) -> ScreeningService:
    """A service on `catalog` with reproducible seeds."""
    seeds = iter(range(1000, 1_000_000))
    return ScreeningService(database, catalog, seeds=lambda: next(seeds), clock=clock)


SCREENBOT = Path(sys.executable).with_name("screenbot")
ROOT = FIXTURES.parent.parent


def screenbot(
    database: Database,
    *args: str,
    banks: Path = ADAPTIVE_BANKS,
    flows: Path = ADAPTIVE_FLOWS,
    env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """The `screenbot` command on `database`, as an admin runs it."""
    return subprocess.run(
        [str(SCREENBOT), *args],
        env={
            **os.environ,
            "SCREENBOT_DATABASE_URL": database.url,
            "SCREENBOT_BANKS_DIR": str(banks),
            "SCREENBOT_FLOWS_DIR": str(flows),
            **(env or {}),
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=ROOT,
    )
