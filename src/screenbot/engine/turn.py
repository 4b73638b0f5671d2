"""One turn's inputs besides the state and the event, and the decision it comes to."""

from __future__ import annotations

import random
from collections.abc import Set
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from screenbot.content.catalog import Catalog
from screenbot.content.flows import Flow
from screenbot.engine.item_params import NO_CALIBRATIONS, Calibrations
from screenbot.engine.messages import Outbound
from screenbot.engine.state import QuestionRef, ScoredAnswer, ScreeningState


@dataclass(frozen=True)
class Context:
    """Everything a turn is decided against that the engine may not fetch or make itself: the
    content, the event's time, a random source seeded by the caller, the questions the
    candidate met in earlier screenings, and the calibrated item parameters in use."""

    catalog: Catalog
    now: datetime
    rng: random.Random
    seen: Set[QuestionRef] = field(default=frozenset())
    calibrations: Calibrations = NO_CALIBRATIONS

    def flow(self, state: ScreeningState) -> Flow:
        """The flow a screening runs."""
        return self.catalog.flow(state.flow_id)

    def expired(self, state: ScreeningState) -> bool:
        """Whether the screening sat untouched longer than its flow allows."""
        days = self.flow(state).expire_after_days
        return state.stage.active and self.now - state.updated_at > timedelta(days=days)


@dataclass(frozen=True)
class StepResult:
    """The engine's decision: the new state, the messages, and what the store must do."""

    state: ScreeningState | None
    outbound: tuple[Outbound, ...]
    answer: ScoredAnswer | None = None
    fresh: bool = False
    erase: bool = False
