"""The candidate's commands within a screening: /help, /status, /back, and those that ask a
confirmation first (/cancel, /delete_my_data)."""

from __future__ import annotations

from dataclasses import replace

from screenbot.engine import replies
from screenbot.engine.confirmations import WORDING
from screenbot.engine.events import Command
from screenbot.engine.messages import Say
from screenbot.engine.stages import STAGES
from screenbot.engine.state import ScreeningState
from screenbot.engine.transitions import CONFIRMATIONS, confirmation_asked_by
from screenbot.engine.turn import Context, StepResult
from screenbot.errors import IllegalTransitionError


def run(state: ScreeningState, command: Command, context: Context) -> StepResult:
    """What a command does; the machine asks the open prompt after it."""
    if command is Command.HELP:
        return StepResult(state, (Say(replies.HELP),))
    if command is Command.STATUS:
        return StepResult(state, (Say(STAGES[state.stage].status(state, context)),))
    if command is Command.BACK:
        return STAGES[state.stage].back(state, context)
    if command is Command.CANCEL and state.pending is not None:
        cleared = replace(state, pending=None, updated_at=context.now)
        return StepResult(cleared, (Say(replies.CARRY_ON),))
    pending = confirmation_asked_by(command)
    if pending is None:
        raise IllegalTransitionError(f"/{command.value} has no row in the confirmation table")
    if state.stage not in CONFIRMATIONS[pending].asked_in:
        return StepResult(state, (Say(WORDING[pending].unavailable),))
    return StepResult(replace(state, pending=pending, updated_at=context.now), ())
