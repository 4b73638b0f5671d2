"""The consent stage: the candidate agrees to their answers being stored, or nothing is."""

from __future__ import annotations

from screenbot.engine import replies
from screenbot.engine.answers import read_yes_no
from screenbot.engine.events import Reply
from screenbot.engine.messages import Ask, Option, Say
from screenbot.engine.stages.spec import StageSpec
from screenbot.engine.state import ScreeningState
from screenbot.engine.transitions import Trigger, move
from screenbot.engine.turn import Context, StepResult

_OPTIONS = (Option("yes", "I agree"), Option("no", "No thanks"))


def _key(_state: ScreeningState) -> str:
    return "consent"


def _prompt(_state: ScreeningState, _context: Context, key: str) -> Ask:
    return Ask(key, replies.CONSENT, _OPTIONS)


def _status(state: ScreeningState, context: Context) -> str:
    return replies.status_consent(context.flow(state))


def _answer(state: ScreeningState, reply: Reply, context: Context) -> StepResult:
    agreed = read_yes_no(reply)
    if agreed is None:
        return StepResult(state, (Say(replies.YES_OR_NO),))
    if not agreed:
        return StepResult(move(state, Trigger.DECLINE, context.now), (Say(replies.DECLINED),))
    return StepResult(move(state, Trigger.AGREE, context.now), ())


CONSENT = StageSpec(key=_key, prompt=_prompt, status=_status, answer=_answer)
