"""Re-scoring a finished screening under the content and item parameters in use now.

Each automatically scored answer is read again from what the candidate picked or typed and
scored against the question as the bank has it now (a fixed key counts); free-text answers keep
the points their grading gave them, and so do answers to questions no longer in the bank or
whose text was anonymised. The total, sections and pass then follow the flow's way, as at the
end of a screening.

Pure: state and context in, a state out. Only `screenbot rescore` stores what comes out.
"""

from __future__ import annotations

from dataclasses import replace

from screenbot.content.models import FreeTextQuestion, Question
from screenbot.engine.answers import read_answer
from screenbot.engine.events import TextReceived
from screenbot.engine.profile import Invalid
from screenbot.engine.scoring import score
from screenbot.engine.stages.questions import with_scores
from screenbot.engine.state import ScoredAnswer, ScreeningState
from screenbot.engine.turn import Context


def _question(context: Context, answer: ScoredAnswer) -> Question | None:
    bank = context.catalog.banks.get(answer.bank)
    if bank is None:
        return None
    return next((q for q in bank.questions if q.id == answer.question), None)


def rescored_answer(answer: ScoredAnswer, context: Context) -> ScoredAnswer:
    """The answer scored against its question as the bank has it now, where it can be."""
    question = _question(context, answer)
    if question is None or isinstance(question, FreeTextQuestion) or not answer.raw:
        return answer
    read = read_answer(question, TextReceived(answer.raw))
    if isinstance(read, Invalid):
        return answer
    return replace(answer, points=round(score(question, read), 4), max_points=question.max_points)


def rescored(state: ScreeningState, context: Context) -> ScreeningState:
    """A finished screening with its answers and scores as the content now has them; a
    screening that has no score yet, or whose flow is gone, comes back as it was."""
    if state.score is None or state.flow_id not in context.catalog.flows:
        return state
    answers = tuple(rescored_answer(a, context) for a in state.answers)
    return with_scores(replace(state, answers=answers), context)
