"""A finished screening's total once its free-text answers are graded (or a recruiter set their
credit): the answers get their new points and the total follows, the flow's way.

A fixed flow's total is the weighted mean of its sections' shares, recomputed from the answers.
An adaptive flow's total is `(1 - W) * the ability part + W * the free-text share`: only the
free-text share moves, so the ability part the screening ended with is kept as it was.

Pure like the rest of the engine: states and content in, a state out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from screenbot.content.catalog import Catalog
from screenbot.content.flows import Flow, Mode
from screenbot.content.models import FreeTextQuestion
from screenbot.engine.scoring import scorecard
from screenbot.engine.state import ScoredAnswer, ScreeningState


def is_free_text(catalog: Catalog, bank: str, question: str) -> bool:
    """Whether a bank question is graded by the free-text grader (off the turn's path)."""
    found = catalog.banks.get(bank)
    if found is None:
        return False
    return any(q.id == question and isinstance(q, FreeTextQuestion) for q in found.questions)


def _free_share(answers: tuple[ScoredAnswer, ...], free: set[int]) -> float:
    mine = [a for i, a in enumerate(answers) if i in free]
    possible = sum(a.max_points for a in mine)
    return sum(a.points for a in mine) / possible if possible else 0.0


def regraded(
    state: ScreeningState, points: Mapping[int, float], catalog: Catalog
) -> ScreeningState:
    """`state` with the answers at the given positions earning `points`, and, for a finished
    screening whose flow still exists, its total, section scores and pass recomputed."""
    answers = tuple(
        replace(a, points=round(points[i], 4)) if i in points else a
        for i, a in enumerate(state.answers)
    )
    updated = replace(state, answers=answers)
    flow = catalog.flows.get(state.flow_id)
    if state.score is None or flow is None:
        return updated
    if flow.mode is Mode.ADAPTIVE:
        return _adaptive(state, updated, flow, catalog)
    card = scorecard(((s.bank, s.weight) for s in flow.sections), answers)
    return replace(
        updated,
        score=card.total,
        section_scores=card.sections,
        passed=card.total >= flow.pass_score,
    )


def _adaptive(
    before: ScreeningState, after: ScreeningState, flow: Flow, catalog: Catalog
) -> ScreeningState:
    free = {i for i, a in enumerate(after.answers) if is_free_text(catalog, a.bank, a.question)}
    weight = flow.free_text.weight if flow.free_text is not None and free else 0.0
    assert before.score is not None
    moved = weight * (_free_share(after.answers, free) - _free_share(before.answers, free))
    total = round(min(1.0, max(0.0, before.score + moved)), 4)
    return replace(after, score=total, passed=total >= flow.pass_score)
