"""The profile stage: the flow's profile fields asked one at a time, each parsed as it comes."""

from __future__ import annotations

from dataclasses import replace

from screenbot.engine import replies
from screenbot.engine.events import Reply, TextReceived
from screenbot.engine.messages import Ask, Say
from screenbot.engine.profile import Invalid, options, parse, prompt_text
from screenbot.engine.stages.spec import StageSpec, nothing_to_undo
from screenbot.engine.state import ScreeningState
from screenbot.engine.transitions import Trigger, move
from screenbot.engine.turn import Context, StepResult


def _key(state: ScreeningState) -> str:
    return f"p{state.step}"


def _prompt(state: ScreeningState, context: Context, key: str) -> Ask:
    flow = context.flow(state)
    field = flow.profile[state.step]
    return Ask(key, prompt_text(field), options(field, flow))


def _status(state: ScreeningState, context: Context) -> str:
    return replies.status_profile(state.step, context.flow(state))


def _answer(state: ScreeningState, reply: Reply, context: Context) -> StepResult:
    flow = context.flow(state)
    field = flow.profile[state.step]
    text = reply.text if isinstance(reply, TextReceived) else ",".join(reply.choice_ids)
    value = parse(field, text, flow)
    if isinstance(value, Invalid):
        return StepResult(state, (Say(value.reason),))
    answered = state.with_profile(field.value, value)
    return StepResult(replace(answered, step=state.step + 1, updated_at=context.now), ())


def _back(state: ScreeningState, context: Context) -> StepResult:
    if state.step == 0:
        return nothing_to_undo(state, context)
    return StepResult(reopen(state, state.step - 1, context), ())


def reopen(state: ScreeningState, step: int, context: Context) -> ScreeningState:
    """The profile at field `step` again, its answer forgotten and any confirmation closed."""
    field = context.flow(state).profile[step]
    at = replace(state, step=step, pending=None, updated_at=context.now)
    return at.without_profile(field.value)


def _settle(state: ScreeningState, context: Context) -> ScreeningState:
    if state.step < len(context.flow(state).profile):
        return state
    return move(state, Trigger.PROFILE_DONE, context.now)


PROFILE = StageSpec(
    key=_key, prompt=_prompt, status=_status, answer=_answer, back=_back, settle=_settle
)
