"""The open prompt of a screening: what the candidate should answer next, and the key that
tells an answer to it from an answer to any other."""

from __future__ import annotations

from dataclasses import replace

from screenbot.engine import confirmations
from screenbot.engine.messages import Ask
from screenbot.engine.stages import STAGES
from screenbot.engine.state import ScreeningState
from screenbot.engine.turn import Context, StepResult

_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def _screening_tag(state: ScreeningState) -> str:
    """Four base-36 characters from the screening's start, to tell its prompts from another's."""
    value = int(state.started_at.timestamp() * 1000) % 36**4
    return "".join(_DIGITS[value // 36**p % 36] for p in (3, 2, 1, 0))


def prompt_key(state: ScreeningState) -> str:
    """Names the open prompt of this screening; a button carries it, so an old keyboard (even
    one from an earlier screening of the same candidate) is recognised as old."""
    if state.pending is not None:
        base = f"confirm-{state.pending.value}"
    else:
        base = STAGES[state.stage].key(state)
    return f"{base}.{_screening_tag(state)}"


def prompt(state: ScreeningState, context: Context) -> Ask | None:
    """The question the candidate should be looking at now; None once the screening has ended."""
    key = prompt_key(state)
    if state.pending is not None:
        return confirmations.prompt(state.pending, context.flow(state), key)
    return STAGES[state.stage].prompt(state, context, key)


def asking(result: StepResult, context: Context) -> StepResult:
    """The result with its state's open prompt asked after what it says."""
    ask = prompt(result.state, context) if result.state is not None else None
    return result if ask is None else replace(result, outbound=(*result.outbound, ask))
