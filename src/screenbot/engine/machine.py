"""`step`: one candidate event in, the next state and what to say out. Pure: no I/O, no clock.

This module is the order in which a turn is decided; what each stage does is in `stages/`,
how stages follow each other and which commands ask a confirmation is in `transitions.py`.
"""

from __future__ import annotations

from dataclasses import replace

from screenbot.engine import commands, confirmations, replies
from screenbot.engine.events import (
    ChoicePicked,
    CommandIssued,
    InboundEvent,
    Started,
    TextReceived,
    Unsupported,
)
from screenbot.engine.messages import Say
from screenbot.engine.opening import FLOW_PICKER, start, without_screening
from screenbot.engine.prompts import asking, prompt_key
from screenbot.engine.stages import STAGES, settle
from screenbot.engine.state import ScreeningState
from screenbot.engine.transitions import Trigger, move
from screenbot.engine.turn import Context, StepResult

__all__ = ["FLOW_PICKER", "Context", "StepResult", "prompt_key", "step"]


def step(state: ScreeningState | None, event: InboundEvent, context: Context) -> StepResult:
    """Decide one turn of a candidate's screening (`state`, None when they have none)."""
    catalog = context.catalog
    if state is not None and state.flow_id in catalog.flows:
        caught_up = STAGES[state.stage].catch_up(state, context)
        if isinstance(caught_up, StepResult):
            return caught_up
        state = caught_up
    if isinstance(event, Started):
        return start(state, event.flow_id, context)
    if isinstance(event, ChoicePicked) and event.prompt_key == FLOW_PICKER:
        return start(state, event.choice_ids[0] if event.choice_ids else None, context)
    if state is None or state.flow_id not in catalog.flows:
        return without_screening(event, catalog)
    flow = context.flow(state)
    if context.expired(state):
        expired = move(state, Trigger.EXPIRE, context.now)
        return StepResult(expired, (Say(replies.expired(flow)),))
    if isinstance(event, Unsupported):
        return asking(StepResult(state, (Say(replies.unsupported(event.kind)),)), context)
    if isinstance(event, CommandIssued):
        return asking(commands.run(state, event.command, context), context)
    if isinstance(event, TextReceived) and len(event.text) > flow.max_answer_chars:
        too_long = Say(replies.too_long(flow.max_answer_chars, len(event.text)))
        return StepResult(state, (too_long,))
    closed = isinstance(event, ChoicePicked) and event.prompt_key != prompt_key(state)
    if state.pending is not None:
        if closed:
            return asking(StepResult(state, (Say(replies.CLOSED_QUESTION),)), context)
        return asking(confirmations.answer(state, state.pending, event, context), context)
    if closed and state.stage.active:
        return StepResult(state, (Say(replies.CLOSED_QUESTION),))
    result = STAGES[state.stage].answer(state, event, context)
    if result.state is not None and result.state is not state:
        result = replace(result, state=settle(result.state, context))
    return asking(result, context)
