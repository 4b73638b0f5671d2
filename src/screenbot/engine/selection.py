"""Drawing each screening's questions: reproducible from its seed, spread over difficulties."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Sequence, Set
from typing import TypeVar

from screenbot.content.catalog import Catalog
from screenbot.content.flows import Flow
from screenbot.content.models import Bank, Question
from screenbot.engine.state import QuestionRef, ScreeningState
from screenbot.engine.turn import Context

T = TypeVar("T")


def spread(items: Sequence[T], level: Callable[[T], int], pick: int, rng: random.Random) -> list[T]:
    """Take `pick` items, one difficulty `level` at a time, so easy and hard both appear;
    easiest first. The fixed draw, and the benchmark's model of it."""
    by_level: dict[int, list[T]] = defaultdict(list)
    for item in items:
        by_level[level(item)].append(item)
    for key in sorted(by_level):
        rng.shuffle(by_level[key])
    levels = sorted(by_level)
    rng.shuffle(levels)
    chosen: list[T] = []
    while len(chosen) < pick:
        for key in levels:
            if by_level[key] and len(chosen) < pick:
                chosen.append(by_level[key].pop())
    return sorted(chosen, key=level)


def _difficulty(question: Question) -> int:
    return question.difficulty


def draw_section(
    bank: Bank, pick: int, rng: random.Random, seen: Set[QuestionRef]
) -> list[QuestionRef]:
    """`pick` questions of one bank, fresh ones first, spread over difficulties."""
    fresh = [q for q in bank.questions if QuestionRef(bank.id, q.id) not in seen]
    chosen = spread(fresh, _difficulty, min(pick, len(fresh)), rng)
    if len(chosen) < pick:  # the candidate has seen most of the bank: reuse the fewest needed
        reused = [q for q in bank.questions if q not in chosen]
        chosen += spread(reused, _difficulty, pick - len(chosen), rng)
    return [QuestionRef(bank.id, q.id) for q in chosen]


def draw(
    flow: Flow, catalog: Catalog, rng: random.Random, seen: Set[QuestionRef] = frozenset()
) -> tuple[QuestionRef, ...]:
    """The questions of one screening, section by section, never one the candidate saw before."""
    plan: list[QuestionRef] = []
    for section in flow.sections:
        plan += draw_section(catalog.banks[section.bank], section.pick, rng, seen)
    return tuple(plan)


class DrawnUpFront:
    """Fixed flows' question order: every question drawn when the questions begin, each
    section's `pick` of its bank, and asked as drawn."""

    def plan(self, state: ScreeningState, context: Context) -> tuple[QuestionRef, ...]:
        """The drawn plan; drawn from the screening's random source the first time."""
        if state.plan:
            return state.plan
        return draw(context.flow(state), context.catalog, context.rng, context.seen)

    def total(self, state: ScreeningState, _context: Context) -> int:
        """Every question of the plan."""
        return len(state.plan)
