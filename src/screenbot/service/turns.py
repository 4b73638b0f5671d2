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
from typing import Any

from screenbot.content.catalog import Catalog
from screenbot.engine.events import ChoicePicked, Started, TextReceived
from screenbot.engine.machine import FLOW_PICKER, StepResult, step
from screenbot.engine.messages import Ask, to_payload
from screenbot.engine.state import QuestionRef, ScreeningState
from screenbot.service.envelope import Inbound, Turn
from screenbot.store.outbox import Delivery
from screenbot.store.repository import Person, Repository, StoredScreening

log = logging.getLogger(__name__)
DUPLICATE = Turn(duplicate=True, screening_id=None, deliveries=())


def flow_asked_for(inbound: Inbound) -> str | None:
    event = inbound.event
    if isinstance(event, Started):
        return event.flow_id
    if isinstance(event, ChoicePicked) and event.prompt_key == FLOW_PICKER and event.choice_ids:
        return event.choice_ids[0]
    return None


def _latest(screenings: list[StoredScreening], flow_id: str | None) -> StoredScreening | None:
    mine = [s for s in screenings if flow_id is None or s.state.flow_id == flow_id]
    return max(mine, key=lambda s: (s.state.updated_at, s.id), default=None)


def _may_draw(screenings: list[StoredScreening]) -> bool:
    """Whether a turn could draw questions: a new screening, or one not yet at its questions."""
    return not screenings or any(s.state.stage.active and not s.state.plan for s in screenings)


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


def person(inbound: Inbound) -> Person:
    who = inbound.identity
    return Person(who.channel, who.external_id, who.address, who.display_name)


@dataclass
class _Writes:
    """What the batch has decided and not yet written, and which turn each reply belongs to."""

    states: dict[int, ScreeningState] = field(default_factory=dict)
    answers: list[dict[str, Any]] = field(default_factory=list)
    outbox: list[dict[str, Any]] = field(default_factory=list)
    owners: list[tuple[int, int, int | None]] = field(default_factory=list)
    replies: dict[int, list[Delivery]] = field(default_factory=dict)

    def flush(self, repo: Repository, results: list[StepResult | None]) -> None:
        repo.save_states(list(self.states.items()))
        repo.add_answers(self.answers)
        ids = repo.add_outbox_rows(self.outbox)
        for delivery_id, row, (turn, candidate_id, screening_id) in zip(
            ids, self.outbox, self.owners, strict=True
        ):
            result = results[turn]
            assert result is not None
            message = result.outbound[len(self.replies.setdefault(turn, []))]
            self.replies[turn].append(
                Delivery(delivery_id, candidate_id, screening_id, row["address"], message)
            )
        self.states.clear()
        self.answers.clear()
        self.outbox.clear()
        self.owners.clear()


def run_turns(
    repo: Repository,
    catalog: Catalog,
    inbounds: Sequence[Inbound],
    seeds: Callable[[], int],
    now: datetime,
    replies_claimed_until: datetime,
    waiting: frozenset[tuple[str, str]] = frozenset(),
    asked_as: Mapping[tuple[str, str], int] | None = None,
) -> tuple[list[Turn], list[tuple[str, str]]]:
    """Decide and stage every turn of the batch; the caller's transaction commits them.

    Replies are claimed until `replies_claimed_until`: the caller sends them straight away.
    `waiting` are (channel, address) chats whose question this process holds, not sent yet;
    a question this batch asks makes its chat waiting for the rest of the batch. `asked_as`
    gives a chat's latest question's platform number (see `Inbound.sequence`).

    Also returns the (flow, outcome) of every screening that started or ended, for metrics.
    """
    if not inbounds:
        return [], []
    candidate_ids = repo.lock_people(list({person(i) for i in inbounds}), now)
    owners = sorted(set(candidate_ids.values()))
    fresh = repo.record_events([(i.key, candidate_ids[person(i)]) for i in inbounds], now)
    screenings = repo.screenings_of(owners)
    starting = {candidate_ids[person(i)] for i in inbounds if flow_asked_for(i) is not None}
    seen = repo.seen_by([c for c in owners if c in starting or _may_draw(screenings.get(c, []))])
    # A text typed while the chat's question had not gone out yet was not typed in answer to it
    # (typically the last answer again, or /start again, from someone who thinks the bot is
    # stuck): it is recorded and otherwise changes nothing. A tap names its question, so it
    # needs no check; other commands (/status, /cancel) mean the same whenever they come.
    unseen = set(waiting)
    writes = _Writes()
    results: list[StepResult | None] = []
    screening_of_turn: list[int | None] = []
    advanced: list[bool] = []
    outcomes: list[tuple[str, str]] = []
    for number, inbound in enumerate(inbounds):
        candidate_id = candidate_ids[person(inbound)]
        if inbound.key not in fresh:  # handled before, or earlier in this batch
            results.append(None)
            screening_of_turn.append(None)
            advanced.append(False)
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
            result = step(
                state, inbound.event, catalog, inbound.at, rng, seen.get(candidate_id, set())
            )
        if any(isinstance(m, Ask) for m in result.outbound):
            unseen.add(inbound.chat)
        screening_id = stored.id if stored else None
        if result.erase:
            writes.flush(repo, [*results, result])
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
            asked = QuestionRef(answer.bank, answer.question)
            seen[candidate_id] = seen.get(candidate_id, frozenset()) | {asked}
            writes.answers.append(
                {
                    "screening_id": screening_id,
                    "position": len(state.answers),
                    "bank_id": answer.bank,
                    "bank_version": catalog.bank_version(answer.bank),
                    "question_id": answer.question,
                    "raw_answer": answer.raw,
                    "points": answer.points,
                    "max_points": answer.max_points,
                    "seconds": answer.seconds,
                    "late": answer.late,
                    "answered_at": inbound.at,
                }
            )
        for message in result.outbound:
            writes.outbox.append(
                {
                    "candidate_id": candidate_id,
                    "screening_id": screening_id,
                    "channel": inbound.identity.channel,
                    "address": inbound.identity.address,
                    "payload": to_payload(message),
                    "created_at": inbound.at,
                    "claimed_until": replies_claimed_until,
                    "attempts": 0,
                }
            )
            writes.owners.append((number, candidate_id, screening_id))
        results.append(result)
        screening_of_turn.append(screening_id)
        advanced.append(result.state != state)
        outcomes += _outcomes(state, result)
    writes.flush(repo, results)
    turns = [
        DUPLICATE
        if result is None
        else Turn(False, screening_of_turn[n], tuple(writes.replies.get(n, ())), advanced[n])
        for n, result in enumerate(results)
    ]
    return turns, outcomes
