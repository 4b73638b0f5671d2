"""The stage table: one spec per stage, each in a module of its own. How a screening moves
from one stage to the next is the transition table, `engine/transitions.py`."""

from __future__ import annotations

from collections.abc import Mapping

from screenbot.engine.adaptive_order import AdaptiveOrder, is_adaptive
from screenbot.engine.selection import DrawnUpFront
from screenbot.engine.stages import questions
from screenbot.engine.stages.consent import CONSENT
from screenbot.engine.stages.ended import ENDED
from screenbot.engine.stages.knockout import KNOCKOUT
from screenbot.engine.stages.profile import PROFILE
from screenbot.engine.stages.spec import StageSpec
from screenbot.engine.state import QuestionRef, ScreeningState, Stage
from screenbot.engine.turn import Context


class ByMode:
    """The question order a flow's `mode` asks for: drawn up front, or adaptive."""

    def __init__(self) -> None:
        self._fixed = DrawnUpFront()
        self._adaptive = AdaptiveOrder()

    def _order(self, state: ScreeningState, context: Context) -> DrawnUpFront | AdaptiveOrder:
        return self._adaptive if is_adaptive(context.flow(state)) else self._fixed

    def plan(self, state: ScreeningState, context: Context) -> tuple[QuestionRef, ...]:
        """The flow's order's plan."""
        return self._order(state, context).plan(state, context)

    def total(self, state: ScreeningState, context: Context) -> int:
        """The flow's order's total."""
        return self._order(state, context).total(state, context)


STAGES: Mapping[Stage, StageSpec] = {
    Stage.CONSENT: CONSENT,
    Stage.PROFILE: PROFILE,
    Stage.KNOCKOUT: KNOCKOUT,
    Stage.QUESTIONS: questions.spec(ByMode()),
    Stage.COMPLETED: ENDED,
    Stage.DECLINED: ENDED,
    Stage.KNOCKED_OUT: ENDED,
    Stage.WITHDRAWN: ENDED,
    Stage.EXPIRED: ENDED,
}


def settle(state: ScreeningState, context: Context) -> ScreeningState:
    """Let each stage the screening lands in move it on or make its question ready, until one
    keeps it: a flow without profile fields or knockouts goes straight to its questions."""
    stage = None
    while state.stage is not stage:
        stage = state.stage
        state = STAGES[stage].settle(state, context)
    return state
