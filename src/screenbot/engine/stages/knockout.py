"""The knockout stage: the flow's yes/no role questions; the wrong answer to any ends it."""

from __future__ import annotations

from dataclasses import replace

from screenbot.engine import replies
from screenbot.engine.answers import YES_NO_OPTIONS, read_yes_no
from screenbot.engine.events import Reply
from screenbot.engine.messages import Ask, Say
from screenbot.engine.stages.profile import reopen
from screenbot.engine.stages.spec import StageSpec, nothing_to_undo
from screenbot.engine.state import ScreeningState
from screenbot.engine.transitions import Trigger, move
from screenbot.engine.turn import Context, StepResult


def _key(state: ScreeningState) -> str:
    return f"k{state.step}"


def _prompt(state: ScreeningState, context: Context, key: str) -> Ask:
    return Ask(key, context.flow(state).knockout[state.step].text, YES_NO_OPTIONS)


def _status(state: ScreeningState, context: Context) -> str:
    return replies.status_knockout(state.step + 1, context.flow(state))


def _answer(state: ScreeningState, reply: Reply, context: Context) -> StepResult:
    flow = context.flow(state)
    said_yes = read_yes_no(reply)
    if said_yes is None:
        return StepResult(state, (Say(replies.YES_OR_NO),))
    if said_yes is not flow.knockout[state.step].expect:
        out = move(state, Trigger.KNOCKOUT_FAILED, context.now)
        return StepResult(out, (Say(replies.knocked_out(flow)),))
    return StepResult(replace(state, step=state.step + 1, updated_at=context.now), ())


def _back(state: ScreeningState, context: Context) -> StepResult:
    """Back to the last profile field: a knockout answer is not one to reconsider."""
    fields = len(context.flow(state).profile)
    if not fields:
        return nothing_to_undo(state, context)
    return StepResult(reopen(move(state, Trigger.BACK, context.now), fields - 1, context), ())


def _settle(state: ScreeningState, context: Context) -> ScreeningState:
    if state.step < len(context.flow(state).knockout):
        return state
    return move(state, Trigger.KNOCKOUT_PASSED, context.now)


KNOCKOUT = StageSpec(
    key=_key, prompt=_prompt, status=_status, answer=_answer, back=_back, settle=_settle
)
