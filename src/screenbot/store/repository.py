"""The queries one screening turn needs, run on the connection of the turn's transaction."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Insert, Row, Select, bindparam, delete, select, update

from screenbot.engine.state import QuestionRef, ScoredAnswer, ScreeningState
from screenbot.errors import CandidateNotFoundError
from screenbot.store.database import Database, T, dialect_insert
from screenbot.store.grading import PENDING
from screenbot.store.outbox import ERASED, Delivery, Reply
from screenbot.store.schema import Answer, Candidate, InboundEvent, OutboxMessage, Screening


@dataclass(frozen=True)
class StoredScreening:
    """A screening as a turn loads it: its row id, the seed its questions are drawn with, and its
    state."""

    id: int
    seed: int
    state: ScreeningState


@dataclass(frozen=True)
class NewAnswer:
    """An answer the turn's transaction writes, at its place in the screening."""

    screening_id: int
    position: int
    bank_version: str
    answer: ScoredAnswer
    answered_at: datetime
    ungraded: bool = False
    """A free-text answer: stored for the grading worker, its screening marked as grading."""

    def row(self) -> dict[str, Any]:
        """The `answers` row to insert."""
        answer = self.answer
        return {
            "screening_id": self.screening_id,
            "position": self.position,
            "bank_id": answer.bank,
            "bank_version": self.bank_version,
            "question_id": answer.question,
            "raw_answer": answer.raw,
            "points": answer.points,
            "max_points": answer.max_points,
            "seconds": answer.seconds,
            "late": answer.late,
            "answered_at": self.answered_at,
            "grading": PENDING if self.ungraded else None,
            "grading_attempts": 0,
        }


@dataclass(frozen=True)
class Person:
    """A platform identity as the store keys it, with where replies go."""

    channel: str
    external_id: str
    address: str
    name: str | None


_SAVE_STATE = (
    update(Screening)
    .where(Screening.id == bindparam("b_id"))
    .values(
        stage=bindparam("b_stage"),
        state=bindparam("b_state"),
        updated_at=bindparam("b_updated_at"),
        completed_at=bindparam("b_completed_at"),
        score=bindparam("b_score"),
        passed=bindparam("b_passed"),
    )
)
_MARK_GRADING = (
    update(Screening)
    .where(Screening.id.in_(bindparam("ids", expanding=True)))
    .values(grading=PENDING)
)
_MOVE = update(Candidate).where(Candidate.id == bindparam("b_id")).values(address=bindparam("b_to"))
_SCREENINGS_OF = select(
    Screening.id, Screening.candidate_id, Screening.seed, Screening.state
).where(Screening.candidate_id.in_(bindparam("ids", expanding=True)))
_SEEN_BY = (
    select(Screening.candidate_id, Answer.bank_id, Answer.question_id)
    .join(Screening, Screening.id == Answer.screening_id)
    .where(Screening.candidate_id.in_(bindparam("ids", expanding=True)))
)
_MARK_SENT = (
    update(OutboxMessage)
    .where(OutboxMessage.id.in_(bindparam("ids", expanding=True)))
    .values(sent_at=bindparam("now"), attempts=OutboxMessage.attempts + 1)
)


def _state_row(screening_id: int, state: ScreeningState) -> dict[str, Any]:
    return {
        "b_id": screening_id,
        "b_stage": state.stage.value,
        "b_state": state.to_json(),
        "b_updated_at": state.updated_at,
        "b_completed_at": state.updated_at if state.score is not None else None,
        "b_score": state.score,
        "b_passed": state.passed,
    }


@dataclass(frozen=True)
class _Statements:
    """The statements of a turn that differ by dialect, built once per dialect: on SQLite,
    building a statement and its cache key costs more than running it."""

    find_people: Select[int, str, str, str]
    add_people: Insert
    record_events: Insert
    insert_screening: Insert
    add_answers: Insert
    add_outbox_rows: Insert


@functools.cache
def _statements(dialect: str) -> _Statements:
    """PostgreSQL locks the candidates' rows; both say ON CONFLICT DO NOTHING in their words."""
    find_people = (
        select(Candidate.id, Candidate.channel, Candidate.external_id, Candidate.address)
        .where(
            Candidate.channel == bindparam("channel"),
            Candidate.external_id.in_(bindparam("ids", expanding=True)),
        )
        .order_by(Candidate.id)
    )
    return _Statements(
        find_people=find_people.with_for_update() if dialect == "postgresql" else find_people,
        add_people=dialect_insert(dialect, Candidate).on_conflict_do_nothing(
            index_elements=["channel", "external_id"]
        ),
        record_events=dialect_insert(dialect, InboundEvent)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(InboundEvent.key),
        insert_screening=dialect_insert(dialect, Screening).returning(Screening.id),
        add_answers=dialect_insert(dialect, Answer),
        add_outbox_rows=dialect_insert(dialect, OutboxMessage).returning(
            OutboxMessage.id, sort_by_parameter_order=True
        ),
    )


class Repository:
    """Reads and writes for one transaction; callers own the transaction and its lock."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._sql = _statements(conn.dialect.name)

    def insert_screening(
        self,
        candidate_id: int,
        state: ScreeningState,
        seed: int,
        flow_version: str,
        bank_versions: dict[str, str],
    ) -> int:
        """Write a new screening for `candidate_id` with the content versions it started on; returns
        its id."""
        row = {
            "candidate_id": candidate_id,
            "flow_id": state.flow_id,
            "flow_version": flow_version,
            "bank_versions": bank_versions,
            "seed": seed,
            "stage": state.stage.value,
            "state": state.to_json(),
            "started_at": state.started_at,
            "updated_at": state.updated_at,
        }
        return int(self.conn.execute(self._sql.insert_screening, row).scalar_one())

    def lock_people(self, people: Sequence[Person], now: datetime) -> dict[Person, int]:
        """Find or create many candidates at once and hold their row locks, in id order."""
        wanted = {(p.channel, p.external_id): p for p in people}
        rows = self._find_people(list(wanted))
        missing = [p for k, p in wanted.items() if k not in rows]
        if missing:
            self.conn.execute(
                self._sql.add_people,
                [
                    {
                        "channel": p.channel,
                        "external_id": p.external_id,
                        "address": p.address,
                        "display_name": p.name,
                        "created_at": now,
                    }
                    for p in missing
                ],
            )
            rows |= self._find_people([(p.channel, p.external_id) for p in missing])
        moved = [
            {"b_id": rows[k].id, "b_to": p.address}
            for k, p in wanted.items()
            if rows[k].address != p.address
        ]
        if moved:
            self.conn.execute(_MOVE, moved)
        return {p: int(rows[(p.channel, p.external_id)].id) for p in people}

    def _find_people(
        self, keys: list[tuple[str, str]]
    ) -> dict[tuple[str, str], Row[int, str, str, str]]:
        """One query per channel: SQLite searches (channel, external_id) pairs only by scanning
        every candidate, one channel's ids by the index. Locks go in (channel, id) order."""
        ids: dict[str, list[str]] = {}
        for channel, external_id in keys:
            ids.setdefault(channel, []).append(external_id)
        found: dict[tuple[str, str], Row[int, str, str, str]] = {}
        for channel in sorted(ids):
            rows = self.conn.execute(
                self._sql.find_people, {"channel": channel, "ids": ids[channel]}
            )
            found |= {(r.channel, r.external_id): r for r in rows}
        return found

    def record_events(self, events: Sequence[tuple[str, int]], now: datetime) -> set[str]:
        """Record (key, candidate id) of events; returns the keys not recorded before, so
        telling a new event from a copy costs the batch one statement."""
        rows = {k: {"key": k, "candidate_id": c, "received_at": now} for k, c in events}
        if not rows:
            return set()
        return set(self.conn.execute(self._sql.record_events, list(rows.values())).scalars())

    def screenings_of(self, candidate_ids: Sequence[int]) -> dict[int, list[StoredScreening]]:
        """Every screening of each candidate, by candidate id; a candidate without one is left
        out."""
        found: dict[int, list[StoredScreening]] = {}
        for r in self.conn.execute(_SCREENINGS_OF, {"ids": list(candidate_ids)}):
            stored = StoredScreening(r.id, r.seed, ScreeningState.from_json(r.state))
            found.setdefault(r.candidate_id, []).append(stored)
        return found

    def seen_by(self, candidate_ids: Sequence[int]) -> dict[int, frozenset[QuestionRef]]:
        """The questions each candidate has answered in any screening, so a new screening draws
        others."""
        if not candidate_ids:
            return {}
        seen: dict[int, set[QuestionRef]] = {}
        for r in self.conn.execute(_SEEN_BY, {"ids": list(candidate_ids)}):
            seen.setdefault(r.candidate_id, set()).add(QuestionRef(r.bank_id, r.question_id))
        return {c: frozenset(refs) for c, refs in seen.items()}

    def save_states(self, states: Sequence[tuple[int, ScreeningState]]) -> None:
        """Store the state of each (screening id, state), with the columns reports filter on."""
        if states:
            self.conn.execute(_SAVE_STATE, [_state_row(i, s) for i, s in states])

    def add_answers(self, answers: Sequence[NewAnswer]) -> None:
        """Insert the turn's answers; one to a question already answered in its screening fails."""
        if answers:
            self.conn.execute(self._sql.add_answers, [a.row() for a in answers])
        grading = sorted({a.screening_id for a in answers if a.ungraded})
        if grading:
            self.conn.execute(_MARK_GRADING, {"ids": grading})

    def add_replies(self, replies: Sequence[Reply]) -> list[Delivery]:
        """Write replies to the outbox in order; their deliveries come back in the same order."""
        if not replies:
            return []
        rows = [r.row() for r in replies]
        ids = self.conn.execute(self._sql.add_outbox_rows, rows).scalars()
        return [r.delivery(int(i)) for r, i in zip(replies, ids, strict=True)]

    def mark_sent(self, ids: Sequence[int], now: datetime) -> None:
        """Mark outbox messages as sent at `now`, counting the attempt that sent them."""
        if ids:
            self.conn.execute(_MARK_SENT, {"ids": list(ids), "now": now})

    def erase_candidate(self, candidate_id: int, now: datetime) -> None:
        """Forget a person: their screenings, answers and unsent replies go; the id stays."""
        self.conn.execute(delete(Screening).where(Screening.candidate_id == candidate_id))
        self.conn.execute(
            delete(OutboxMessage).where(
                OutboxMessage.candidate_id == candidate_id, OutboxMessage.sent_at.is_(None)
            )
        )
        self.conn.execute(
            update(OutboxMessage)
            .where(OutboxMessage.candidate_id == candidate_id)
            .values(payload=ERASED)
        )
        found = self.conn.execute(
            update(Candidate)
            .where(Candidate.id == candidate_id)
            .values(display_name=None, erased_at=now)
        )
        if not found.rowcount:
            raise CandidateNotFoundError(candidate_id)


async def transaction(database: Database, work: Callable[[Repository], T]) -> T:
    """Run `work` on a repository in one transaction: committed if it returns, rolled back if
    it raises. What services use, so none of them holds a connection."""
    return await database.write(lambda conn: work(Repository(conn)))
