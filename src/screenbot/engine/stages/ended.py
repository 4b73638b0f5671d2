"""Every stage a screening ends in: completed, declined, knocked out, withdrawn or expired.
Nothing more is asked; a reply is told how it ended and how to start again."""

from __future__ import annotations

from screenbot.engine import replies
from screenbot.engine.events import Reply
from screenbot.engine.messages import Ask, Say
from screenbot.engine.stages.spec import StageSpec
from screenbot.engine.state import ScreeningState
from screenbot.engine.turn import Context, StepResult


def _key(state: ScreeningState) -> str:
    return state.stage.value


def _prompt(_state: ScreeningState, _context: Context, _key: str) -> Ask | None:
    return None


def _status(state: ScreeningState, context: Context) -> str:
    return replies.finished(state, context.flow(state).title)


def _answer(state: ScreeningState, _reply: Reply, context: Context) -> StepResult:
    return StepResult(state, (Say(_status(state, context)),))


ENDED = StageSpec(key=_key, prompt=_prompt, status=_status, answer=_answer)
