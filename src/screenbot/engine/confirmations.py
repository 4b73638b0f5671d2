"""What each confirmation says, and what a yes or a no to it does. Which command asks which
confirmation, where, and what a yes moves to, is in `transitions.CONFIRMATIONS`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from screenbot.content.flows import Flow
from screenbot.engine import replies
from screenbot.engine.answers import read_yes_no
from screenbot.engine.events import Reply
from screenbot.engine.messages import Ask, Option, Say
from screenbot.engine.state import Pending, ScreeningState
from screenbot.engine.transitions import CONFIRMATIONS, move
from screenbot.engine.turn import Context, StepResult


@dataclass(frozen=True)
class Wording:
    """A confirmation's question and buttons, and what the bot says after each answer, or
    when the command cannot ask it where the screening is."""

    question: Callable[[Flow], str]
    yes: str
    no: str
    done: str
    kept: str
    unavailable: str


WORDING: Mapping[Pending, Wording] = {
    Pending.WITHDRAW: Wording(
        question=lambda flow: replies.confirm_withdraw(flow.title),
        yes="Yes, withdraw",
        no="No, carry on",
        done=replies.WITHDRAWN,
        kept=replies.CARRY_ON,
        unavailable=replies.NOTHING_TO_CANCEL,
    ),
    Pending.DELETE: Wording(
        question=lambda _flow: replies.CONFIRM_DELETE,
        yes="Erase my data",
        no="Keep it",
        done=replies.ERASED,
        kept=replies.NOTHING_DELETED,
        unavailable=replies.NO_DATA,
    ),
}


def prompt(pending: Pending, flow: Flow, key: str) -> Ask:
    """The open confirmation, as a yes/no question."""
    words = WORDING[pending]
    return Ask(key, words.question(flow), (Option("yes", words.yes), Option("no", words.no)))


def answer(state: ScreeningState, pending: Pending, reply: Reply, context: Context) -> StepResult:
    """A yes makes the confirmed move (or erases the screening); a no closes the question."""
    agreed = read_yes_no(reply)
    if agreed is None:
        return StepResult(state, (Say(replies.YES_OR_NO),))
    words = WORDING[pending]
    if not agreed:
        kept = replace(state, pending=None, updated_at=context.now)
        return StepResult(kept, (Say(words.kept),))
    trigger = CONFIRMATIONS[pending].on_yes
    if trigger is None:
        return StepResult(None, (Say(words.done),), erase=True)
    gone = replace(move(state, trigger, context.now), pending=None)
    return StepResult(gone, (Say(words.done),))
