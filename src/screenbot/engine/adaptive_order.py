"""Adaptive flows' question order, and their scores.

After every answer the next question is the most informative one at the candidate's current
ability estimate, within the flow's section min/max (see `engine/adaptive.py`); once the
adaptive part stops (standard error small enough, or `max_questions` minus the free-text ones
reached), the flow's free-text questions follow, drawn from its banks. The score at the end is
`(1 - W) * expected share of the pool answered right at the ability estimate + W * free-text
share`, W being the free-text weight.

Pure like the rest of the engine: the pool of a flow is built once per content version and
kept in a small cache, and every random choice comes from the turn's seeded source.
"""

from __future__ import annotations

import random
from collections import OrderedDict
from collections.abc import Set
from dataclasses import dataclass

from screenbot.content.catalog import Catalog
from screenbot.content.flows import Flow, Mode
from screenbot.content.models import FreeTextQuestion, Question
from screenbot.engine.adaptive import (
    AdaptiveRules,
    ItemPool,
    NextQuestion,
    PoolItem,
    Response,
    SectionRule,
    StopReason,
)
from screenbot.engine.irt import Estimate, response_value
from screenbot.engine.item_params import NO_CALIBRATIONS, Calibrations
from screenbot.engine.scoring import scorecard
from screenbot.engine.state import QuestionRef, ScoredAnswer, ScreeningState
from screenbot.engine.turn import Context

#: How many of the most informative questions the next one is drawn among (exposure control).
TOP_K = 4
#: Pools kept: one per flow and content version.
_CACHE_SIZE = 32


@dataclass(frozen=True)
class AdaptiveSetup:
    """What selection needs for one flow at one content version: built once, shared."""

    pool: ItemPool
    rules: AdaptiveRules
    weights: dict[str, float]


_setups: OrderedDict[tuple[object, ...], AdaptiveSetup] = OrderedDict()


def _build(flow: Flow, catalog: Catalog, calibrations: Calibrations) -> AdaptiveSetup:
    items = []
    for section in flow.sections:
        version = catalog.bank_version(section.bank)
        for question in catalog.banks[section.bank].questions:
            params = calibrations.params_for(section.bank, version, question)
            if params is not None:
                items.append(PoolItem(section.bank, question.id, params))
    budget = max(1, flow.max_questions - free_text_count(flow))
    rules = AdaptiveRules(
        tuple(SectionRule(s.bank, min=s.min, max=s.max, weight=s.weight) for s in flow.sections),
        max_questions=budget,
        target_se=flow.target_se,
        top_k=TOP_K,
    )
    return AdaptiveSetup(ItemPool(items), rules, {s.bank: s.weight for s in flow.sections})


def setup(
    flow: Flow, catalog: Catalog, calibrations: Calibrations = NO_CALIBRATIONS
) -> AdaptiveSetup:
    """The flow's pool and rules at the catalog's content version, each question on its
    calibrated parameters where `calibrations` has them (cached)."""
    key = (
        flow.id,
        catalog.flow_version(flow.id),
        tuple(sorted(catalog.bank_versions(flow).items())),
        calibrations.stamp,
    )
    found = _setups.get(key)
    if found is None:
        found = _build(flow, catalog, calibrations)
        _setups[key] = found
        while len(_setups) > _CACHE_SIZE:
            _setups.popitem(last=False)
    else:
        _setups.move_to_end(key)
    return found


def free_text_count(flow: Flow) -> int:
    """How many free-text questions the flow asks after its adaptive part."""
    return flow.free_text.pick if flow.free_text is not None else 0


def _question(catalog: Catalog, bank: str, question: str) -> Question | None:
    found = catalog.banks.get(bank)
    if found is None:
        return None
    return next((q for q in found.questions if q.id == question), None)


def _is_free_text(catalog: Catalog, ref: QuestionRef | ScoredAnswer) -> bool:
    return isinstance(_question(catalog, ref.bank, ref.question), FreeTextQuestion)


def responses(state: ScreeningState, catalog: Catalog) -> tuple[Response, ...]:
    """The adaptive part's answers as the model reads them: each answer's share of its points."""
    return tuple(
        Response(a.bank, a.question, response_value(a.points, a.max_points))
        for a in state.answers
        if a.max_points > 0 and not _is_free_text(catalog, a)
    )


def _turn_rng(context: Context, state: ScreeningState) -> random.Random:
    """A random source for this point of the screening: the turn's source is seeded by the
    screening alone, so the number of answers is mixed in to vary the draw from turn to turn."""
    return random.Random(f"{context.rng.getrandbits(64)}:{len(state.answers)}")


def draw_free_text(
    flow: Flow, catalog: Catalog, rng: random.Random, seen: Set[QuestionRef] = frozenset()
) -> tuple[QuestionRef, ...]:
    """`free_text.pick` free-text questions of the flow's banks, spread over the banks, fresh
    ones first."""
    wanted = free_text_count(flow)
    if wanted == 0:
        return ()
    per_bank: list[list[QuestionRef]] = []
    for section in flow.sections:
        refs = [
            QuestionRef(section.bank, q.id)
            for q in catalog.banks[section.bank].questions
            if isinstance(q, FreeTextQuestion)
        ]
        rng.shuffle(refs)
        refs.sort(key=lambda r: r in seen)  # stable: fresh ones first, each kept shuffled
        if refs:
            per_bank.append(refs)
    rng.shuffle(per_bank)
    chosen: list[QuestionRef] = []
    for fresh_only in (True, False):
        depth = 0
        while len(chosen) < wanted and any(depth < len(refs) for refs in per_bank):
            for refs in per_bank:
                if depth < len(refs) and len(chosen) < wanted:
                    ref = refs[depth]
                    if ref not in chosen and (not fresh_only or ref not in seen):
                        chosen.append(ref)
            depth += 1
    return tuple(chosen)


class AdaptiveOrder:
    """Adaptive flows' question order: one question at a time, chosen after each answer, then
    the free-text questions."""

    def plan(self, state: ScreeningState, context: Context) -> tuple[QuestionRef, ...]:
        """The questions asked so far, then the next one; or, once the adaptive part has
        stopped, the free-text questions (planned all at once)."""
        asked = state.plan[: state.step]
        if state.step < len(state.plan):
            return state.plan
        catalog = context.catalog
        if any(_is_free_text(catalog, ref) for ref in asked):
            return asked  # the free-text questions were the last ones: the screening is done
        flow = context.flow(state)
        rng = _turn_rng(context, state)
        chosen = self.next(state, context, rng)
        if chosen.item is not None:
            return (*asked, QuestionRef(chosen.item.bank, chosen.item.question))
        return (*asked, *draw_free_text(flow, catalog, rng, context.seen))

    def next(self, state: ScreeningState, context: Context, rng: random.Random) -> NextQuestion:
        """The next adaptive question, or why the adaptive part stops. Questions the candidate
        saw in earlier screenings are left out while any other question is open."""
        found = setup(context.flow(state), context.catalog, context.calibrations)
        given = responses(state, context.catalog)
        chosen = found.pool.choose(found.rules, given, rng, context.seen)
        if chosen.stop is StopReason.POOL_EXHAUSTED and context.seen:
            chosen = found.pool.choose(found.rules, given, rng)
        return chosen

    def total(self, state: ScreeningState, context: Context) -> int:
        """The flow's `max_questions` while the adaptive part runs; the plan's length once the
        free-text questions are planned."""
        if any(_is_free_text(context.catalog, ref) for ref in state.plan):
            return len(state.plan)
        return context.flow(state).max_questions


@dataclass(frozen=True)
class AdaptiveScores:
    """A finished adaptive screening's scores."""

    total: float
    sections: tuple[tuple[str, float], ...]
    ability: float
    ability_se: float
    total_se: float


def estimate(state: ScreeningState, context: Context) -> Estimate:
    """The ability estimate from the screening's automatically scored answers."""
    found = setup(context.flow(state), context.catalog, context.calibrations)
    return found.pool.estimate(responses(state, context.catalog))


def scores(state: ScreeningState, context: Context) -> AdaptiveScores:
    """`total` = (1 - W) * the expected share of the pool answered right at the ability
    estimate (sections weighted as the flow says) + W * the free-text answers' share of their
    points, W the flow's free-text weight; the ability's standard error on that scale; and
    each section's share of its points."""
    flow = context.flow(state)
    catalog = context.catalog
    found = setup(flow, catalog, context.calibrations)
    auto = [a for a in state.answers if not _is_free_text(catalog, a)]
    free = [a for a in state.answers if _is_free_text(catalog, a)]
    ability = found.pool.estimate(responses(state, catalog))
    expected = found.pool.expected_total(ability.theta, found.weights) if len(found.pool) else 0.0
    weight = flow.free_text.weight if flow.free_text is not None else 0.0
    possible = sum(a.max_points for a in free)
    free_share = sum(a.points for a in free) / possible if possible else 0.0
    if weight and not free:
        weight = 0.0  # no free-text question could be asked: the rest carries the whole score
    total = (1.0 - weight) * expected + weight * free_share
    # The ability's standard error on the total's scale: how far the total moves when the
    # ability moves by one standard error either way (the free-text part is taken as known).
    spread = 0.0
    if len(found.pool):
        high = found.pool.expected_total(ability.theta + ability.se, found.weights)
        low = found.pool.expected_total(ability.theta - ability.se, found.weights)
        spread = (1.0 - weight) * (high - low) / 2.0
    card = scorecard(((s.bank, s.weight) for s in flow.sections), auto)
    return AdaptiveScores(
        total=round(total, 4),
        sections=card.sections,
        ability=round(ability.theta, 4),
        ability_se=round(ability.se, 4),
        total_se=round(spread, 4),
    )


def is_adaptive(flow: Flow) -> bool:
    """Whether a flow chooses its questions adaptively."""
    return flow.mode is Mode.ADAPTIVE
