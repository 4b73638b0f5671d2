"""Every way a screening moves between stages, and every confirmation that guards a move, in
tables read top to bottom. What each stage asks and how it reads a reply is in `stages/`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from screenbot.engine.events import Command
from screenbot.engine.state import Pending, ScreeningState, Stage
from screenbot.errors import IllegalTransitionError


class Trigger(StrEnum):
    """What moves a screening on: an answer, a confirmed command, or time passing."""

    AGREE = "agree"
    DECLINE = "decline"
    PROFILE_DONE = "profile_done"
    BACK = "back"
    KNOCKOUT_PASSED = "knockout_passed"
    KNOCKOUT_FAILED = "knockout_failed"
    ALL_ANSWERED = "all_answered"
    WITHDRAW = "withdraw"
    EXPIRE = "expire"


ACTIVE = frozenset(stage for stage in Stage if stage.active)

TRANSITIONS: Mapping[tuple[Stage, Trigger], Stage] = {
    (Stage.CONSENT, Trigger.AGREE): Stage.PROFILE,
    (Stage.CONSENT, Trigger.DECLINE): Stage.DECLINED,
    (Stage.PROFILE, Trigger.PROFILE_DONE): Stage.KNOCKOUT,
    (Stage.KNOCKOUT, Trigger.BACK): Stage.PROFILE,
    (Stage.KNOCKOUT, Trigger.KNOCKOUT_PASSED): Stage.QUESTIONS,
    (Stage.KNOCKOUT, Trigger.KNOCKOUT_FAILED): Stage.KNOCKED_OUT,
    (Stage.QUESTIONS, Trigger.ALL_ANSWERED): Stage.COMPLETED,
    (Stage.CONSENT, Trigger.WITHDRAW): Stage.WITHDRAWN,
    (Stage.PROFILE, Trigger.WITHDRAW): Stage.WITHDRAWN,
    (Stage.KNOCKOUT, Trigger.WITHDRAW): Stage.WITHDRAWN,
    (Stage.QUESTIONS, Trigger.WITHDRAW): Stage.WITHDRAWN,
    (Stage.CONSENT, Trigger.EXPIRE): Stage.EXPIRED,
    (Stage.PROFILE, Trigger.EXPIRE): Stage.EXPIRED,
    (Stage.KNOCKOUT, Trigger.EXPIRE): Stage.EXPIRED,
    (Stage.QUESTIONS, Trigger.EXPIRE): Stage.EXPIRED,
}


@dataclass(frozen=True)
class Confirmation:
    """A yes/no question a command asks before a step that cannot be undone. While it is open
    the screening stays where it was; a no (or /cancel) closes it and changes nothing else."""

    asked_by: Command
    asked_in: frozenset[Stage]
    on_yes: Trigger | None
    """The move a yes makes; None when a yes erases the screening rather than moving it."""


CONFIRMATIONS: Mapping[Pending, Confirmation] = {
    Pending.WITHDRAW: Confirmation(Command.CANCEL, ACTIVE, on_yes=Trigger.WITHDRAW),
    Pending.DELETE: Confirmation(Command.DELETE_MY_DATA, frozenset(Stage), on_yes=None),
}


def next_stage(stage: Stage, trigger: Trigger) -> Stage:
    """The stage a trigger leads to; a trigger with no row here is a bug, never user input."""
    try:
        return TRANSITIONS[(stage, trigger)]
    except KeyError:
        raise IllegalTransitionError(f"{trigger.value} is not allowed in {stage.value}") from None


def move(state: ScreeningState, trigger: Trigger, now: datetime) -> ScreeningState:
    """The screening after `trigger`, at the first step of the stage it leads to. An open
    confirmation stays open only if it could be asked there: a screening that expires while
    asking to withdraw has nothing left to withdraw from."""
    stage = next_stage(state.stage, trigger)
    pending = state.pending
    if pending is not None and stage not in CONFIRMATIONS[pending].asked_in:
        pending = None
    return replace(state, stage=stage, step=0, pending=pending, updated_at=now)


def confirmation_asked_by(command: Command) -> Pending | None:
    """The confirmation a command asks for, if it asks one."""
    return next((p for p, c in CONFIRMATIONS.items() if c.asked_by is command), None)
