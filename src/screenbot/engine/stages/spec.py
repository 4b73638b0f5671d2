"""What every stage of a screening must say about itself, so the machine never names a stage."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from screenbot.engine import replies
from screenbot.engine.events import Reply
from screenbot.engine.messages import Ask, Say
from screenbot.engine.state import ScreeningState
from screenbot.engine.turn import Context, StepResult


def stay(state: ScreeningState, _context: Context) -> ScreeningState:
    """Settling for a stage that always has its question ready, or none to ask."""
    return state


def up_to_date(state: ScreeningState, _context: Context) -> ScreeningState | StepResult:
    """Catching up for a stage whose state does not depend on content that may change."""
    return state


def nothing_to_undo(state: ScreeningState, _context: Context) -> StepResult:
    """`/back` in a stage with no earlier answer to reopen."""
    return StepResult(state, (Say(replies.NOTHING_TO_UNDO),))


@dataclass(frozen=True)
class StageSpec:
    """One stage's behaviour, read in one place.

    The machine asks the open prompt of whatever state a handler returns, so `answer` and
    `back` only decide the new state and what to say first. After `answer` changes the state,
    the machine settles it: each stage it lands in may move on (nothing left to ask there) or
    make its question ready, until one keeps it.
    """

    key: Callable[[ScreeningState], str]
    """Names the open prompt, without the screening's tag: an old keyboard carries another."""
    prompt: Callable[[ScreeningState, Context, str], Ask | None]
    """The question the candidate should be looking at, under the given key; None if none."""
    status: Callable[[ScreeningState, Context], str]
    """The `/status` line: where the candidate is and how much is left."""
    answer: Callable[[ScreeningState, Reply, Context], StepResult]
    """A reply to this stage's prompt, its key already checked."""
    back: Callable[[ScreeningState, Context], StepResult] = nothing_to_undo
    """`/back`: reopen the previous answer, or say why not."""
    settle: Callable[[ScreeningState, Context], ScreeningState] = stay
    """Move on past a stage with nothing left to ask, or make its next question ready."""
    catch_up: Callable[[ScreeningState, Context], ScreeningState | StepResult] = up_to_date
    """Before any turn: the stored state brought up to date with today's content, or, when
    that alone ends the screening, the turn's whole result."""
