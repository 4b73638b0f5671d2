"""Many candidates' turns decided and written in one transaction, with set-based statements.

One transaction per turn would cost a dozen database round trips each; here a whole batch shares
them. Turns of the same candidate in one batch are decided in arrival order, each seeing the
state the previous one left.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from screenbot.content.catalog import Catalog
from screenbot.content.flows import Mode
from screenbot.engine.events import ChoicePicked, Started, TextReceived
from screenbot.engine.item_params import NO_CALIBRATIONS, Calibrations
from screenbot.engine.machine import FLOW_PICKER, Context, StepResult, step
from screenbot.engine.messages import Ask
from screenbot.engine.state import QuestionRef, ScreeningState
from screenbot.engine.totals import is_free_text
from screenbot.service.envelope import Inbound, Turn
from screenbot.store.outbox import Delivery, Reply
from screenbot.store.repository import NewAnswer, Person, Repository, StoredScreening

log = logging.getLogger(__name__)
DUPLICATE = Turn(duplicate=True, screening_id=None, deliveries=())


def flow_asked_for(inbound: Inbound) -> str | None:
    """The flow an event names: `/start FLOW`, or a pick from the flow picker; None when it names
    none, as answers and a bare /start do."""
    event = inbound.event
    if isinstance(event, Started):
        return event.flow_id
    if isinstance(event, ChoicePicked) and event.prompt_key == FLOW_PICKER and event.choice_ids:
        return event.choice_ids[0]
    return None


def _latest(screenings: list[StoredScreening], flow_id: str | None) -> StoredScreening | None:
    mine = [s for s in screenings if flow_id is None or s.state.flow_id == flow_id]
    return max(mine, key=lambda s: (s.state.updated_at, s.id), default=None)


def _may_draw(screenings: list[StoredScreening], catalog: Catalog) -> bool:
    """Whether a turn could draw questions: a new screening, one not yet at its questions, or
    one of an adaptive flow (which chooses each next question after an answer)."""
    return not screenings or any(
        s.state.stage.active and (not s.state.plan or _adaptive(s.state.flow_id, catalog))
        for s in screenings
    )


def _adaptive(flow_id: str, catalog: Catalog) -> bool:
    flow = catalog.flows.get(flow_id)
    return flow is not None and flow.mode is Mode.ADAPTIVE


def _outcomes(before: ScreeningState | None, result: StepResult) -> list[tuple[str, str]]:
    after = result.state
    if after is None:
        return []
    if result.fresh:
        return [(after.flow_id, "started")]
    if before is None or before.stage is after.stage or after.stage.active:
        return []
    ended = [(after.flow_id, after.stage.value)]
    return [*ended, (after.flow_id, "passed")] if after.passed else ended


def _typed_before(
    inbound: Inbound,
    unseen: set[tuple[str, str]],
    asked_as: Mapping[tuple[str, str], int] | None,
) -> bool:
    """Whether a text was typed before the chat's current question reached it: the question
    has not gone out, or the platform numbers the text before the question's message."""
    if inbound.chat in unseen:
        return True
    latest = (asked_as or {}).get(inbound.chat)
    return inbound.sequence is not None and latest is not None and inbound.sequence < latest


def _person(inbound: Inbound) -> Person:
    who = inbound.identity
    return Person(who.channel, who.external_id, who.address, who.display_name)


@dataclass
class _Writes:
    """What the batch has decided and not yet written, and which turn each reply belongs to."""

    states: dict[int, ScreeningState] = field(default_factory=dict)
    answers: list[NewAnswer] = field(default_factory=list)
    replies: list[tuple[int, Reply]] = field(default_factory=list)

    def flush(self, repo: Repository, turns: list[_Turn]) -> None:
        repo.save_states(list(self.states.items()))
        repo.add_answers(self.answers)
        deliveries = repo.add_replies([reply for _, reply in self.replies])
        for (number, _), delivery in zip(self.replies, deliveries, strict=True):
            turns[number].deliveries.append(delivery)
        self.states.clear()
        self.answers.clear()
        self.replies.clear()


@dataclass
class _Turn:
    """One inbound event's outcome as the batch builds it; None `result` means a copy."""

    result: StepResult | None = None
    screening_id: int | None = None
    advanced: bool = False
    deliveries: list[Delivery] = field(default_factory=list)

    def done(self) -> Turn:
        if self.result is None:
            return DUPLICATE
        return Turn(False, self.screening_id, tuple(self.deliveries), self.advanced)


def run_turns(
    repo: Repository,
    catalog: Catalog,
    inbounds: Sequence[Inbound],
    seeds: Callable[[], int],
    now: datetime,
    replies_claimed_until: datetime,
    waiting: frozenset[tuple[str, str]] = frozenset(),
    asked_as: Mapping[tuple[str, str], int] | None = None,
    calibrations: Calibrations = NO_CALIBRATIONS,
) -> tuple[list[Turn], list[tuple[str, str]]]:
    """Decide and stage every turn of the batch; the caller's transaction commits them.

    Replies are claimed until `replies_claimed_until`: the caller sends them straight away.
    `waiting` are (channel, address) chats whose question this process holds, not sent yet;
    a question this batch asks makes its chat waiting for the rest of the batch. `asked_as`
    gives a chat's latest question's platform number (see `Inbound.sequence`).
    `calibrations`: the calibrated item parameters adaptive flows use.

    Also returns the (flow, outcome) of every screening that started or ended, for metrics.
    """
    if not inbounds:
        return [], []
    candidate_ids = repo.lock_people(list({_person(i) for i in inbounds}), now)
    owners = sorted(set(candidate_ids.values()))
    fresh = repo.record_events([(i.key, candidate_ids[_person(i)]) for i in inbounds], now)
    screenings = repo.screenings_of(owners)
    starting = {candidate_ids[_person(i)] for i in inbounds if flow_asked_for(i) is not None}
    seen = repo.seen_by(
        [c for c in owners if c in starting or _may_draw(screenings.get(c, []), catalog)]
    )
    # A text typed while the chat's question had not gone out yet was not typed in answer to it
    # (typically the last answer again, or /start again, from someone who thinks the bot is
    # stuck): it is recorded and otherwise changes nothing. A tap names its question, so it
    # needs no check; other commands (/status, /cancel) mean the same whenever they come.
    unseen = set(waiting)
    writes = _Writes()
    turns: list[_Turn] = []
    outcomes: list[tuple[str, str]] = []
    for number, inbound in enumerate(inbounds):
        candidate_id = candidate_ids[_person(inbound)]
        turn = _Turn()
        turns.append(turn)
        if inbound.key not in fresh:  # handled before, or earlier in this batch
            continue
        fresh.discard(inbound.key)
        mine = screenings.setdefault(candidate_id, [])
        stored = _latest(mine, flow_asked_for(inbound))
        state = stored.state if stored else None
        seed = stored.seed if stored else seeds()
        rng = random.Random(seed)
        if isinstance(inbound.event, TextReceived | Started) and _typed_before(
            inbound, unseen, asked_as
        ):
            log.info("a message came before the question it would answer; not taken as one")
            result = StepResult(state, ())
        else:
            context = Context(
                catalog, inbound.at, rng, seen.get(candidate_id, frozenset()), calibrations
            )
            result = step(state, inbound.event, context)
        turn.result = result
        if any(isinstance(m, Ask) for m in result.outbound):
            unseen.add(inbound.chat)
        screening_id = stored.id if stored else None
        if result.erase:
            writes.flush(repo, turns)
            repo.erase_candidate(candidate_id, inbound.at)
            mine.clear()
            screening_id = None
        elif result.fresh and result.state is not None:
            flow = catalog.flow(result.state.flow_id)
            new_seed = seeds()
            screening_id = repo.insert_screening(
                candidate_id,
                result.state,
                new_seed,
                catalog.flow_version(flow.id),
                catalog.bank_versions(flow),
            )
            mine.append(StoredScreening(screening_id, new_seed, result.state))
        elif stored is not None and result.state is not None and result.state != state:
            mine[mine.index(stored)] = StoredScreening(stored.id, stored.seed, result.state)
            writes.states[stored.id] = result.state
        if result.answer is not None and screening_id is not None and state is not None:
            answer = result.answer
            seen[candidate_id] = seen.get(candidate_id, frozenset()) | {
                QuestionRef(answer.bank, answer.question)
            }
            bank_version = catalog.bank_version(answer.bank)
            position = len(state.answers)
            ungraded = is_free_text(catalog, answer.bank, answer.question)
            writes.answers.append(
                NewAnswer(screening_id, position, bank_version, answer, inbound.at, ungraded)
            )
        writes.replies += [
            (
                number,
                Reply(
                    candidate_id,
                    screening_id,
                    inbound.identity.channel,
                    inbound.identity.address,
                    message,
                    inbound.at,
                    replies_claimed_until,
                ),
            )
            for message in result.outbound
        ]
        turn.screening_id = screening_id
        turn.advanced = result.state != state
        outcomes += _outcomes(state, result)
    writes.flush(repo, turns)
    return [t.done() for t in turns], outcomes
