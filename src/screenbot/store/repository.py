"""The queries one screening turn needs, run on the connection of the turn's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from screenbot.engine.state import QuestionRef, ScoredAnswer, ScreeningState
from screenbot.store.schema import Answer, Candidate, InboundEvent, OutboxMessage, Screening


@dataclass(frozen=True)
class StoredScreening:
    id: int
    seed: int
    state: ScreeningState


def _insert(conn: AsyncConnection, table: Any) -> Any:
    """An INSERT that can say ON CONFLICT DO NOTHING on either dialect."""
    module = postgresql if conn.dialect.name == "postgresql" else sqlite
    return module.insert(table)


class Repository:
    """Reads and writes for one transaction; callers own the transaction and its lock."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self._for_update = conn.dialect.name == "postgresql"

    async def lock_candidate(
        self, channel: str, external_id: str, address: str, name: str | None, now: datetime
    ) -> int:
        """Find or create the candidate and hold their row lock until the transaction ends."""
        query = select(Candidate.id, Candidate.address).where(
            Candidate.channel == channel, Candidate.external_id == external_id
        )
        if self._for_update:
            query = query.with_for_update()
        row = (await self.conn.execute(query)).one_or_none()
        if row is None:  # first contact: create, then lock whichever row won a race
            await self.conn.execute(
                _insert(self.conn, Candidate)
                .values(
                    channel=channel,
                    external_id=external_id,
                    address=address,
                    display_name=name,
                    created_at=now,
                )
                .on_conflict_do_nothing(index_elements=["channel", "external_id"])
            )
            row = (await self.conn.execute(query)).one()
        if row.address != address:
            await self.conn.execute(
                update(Candidate).where(Candidate.id == row.id).values(address=address)
            )
        return int(row.id)

    async def claim_event(self, key: str, candidate_id: int, now: datetime) -> bool:
        """Record an inbound event key; False when that key was handled before."""
        result = await self.conn.execute(
            _insert(self.conn, InboundEvent)
            .values(key=key, candidate_id=candidate_id, received_at=now)
            .on_conflict_do_nothing(index_elements=["key"])
        )
        return bool(result.rowcount)

    async def latest_screening(
        self, candidate_id: int, flow_id: str | None = None
    ) -> StoredScreening | None:
        query = select(Screening.id, Screening.seed, Screening.state).where(
            Screening.candidate_id == candidate_id
        )
        if flow_id is not None:
            query = query.where(Screening.flow_id == flow_id)
        query = query.order_by(Screening.updated_at.desc(), Screening.id.desc()).limit(1)
        row = (await self.conn.execute(query)).one_or_none()
        if row is None:
            return None
        return StoredScreening(row.id, row.seed, ScreeningState.from_json(row.state))

    async def seen_questions(self, candidate_id: int) -> frozenset[QuestionRef]:
        rows = await self.conn.execute(
            select(Answer.bank_id, Answer.question_id)
            .join(Screening, Screening.id == Answer.screening_id)
            .where(Screening.candidate_id == candidate_id)
        )
        return frozenset(QuestionRef(r.bank_id, r.question_id) for r in rows)

    async def insert_screening(
        self,
        candidate_id: int,
        state: ScreeningState,
        seed: int,
        flow_version: str,
        bank_versions: dict[str, str],
    ) -> int:
        result = await self.conn.execute(
            _insert(self.conn, Screening)
            .values(
                candidate_id=candidate_id,
                flow_id=state.flow_id,
                flow_version=flow_version,
                bank_versions=bank_versions,
                seed=seed,
                stage=state.stage.value,
                state=state.to_json(),
                started_at=state.started_at,
                updated_at=state.updated_at,
            )
            .returning(Screening.id)
        )
        return int(result.scalar_one())

    async def save_state(self, screening_id: int, state: ScreeningState) -> None:
        completed = state.updated_at if state.score is not None else None
        await self.conn.execute(
            update(Screening)
            .where(Screening.id == screening_id)
            .values(
                stage=state.stage.value,
                state=state.to_json(),
                updated_at=state.updated_at,
                completed_at=completed,
                score=state.score,
                passed=state.passed,
            )
        )

    async def add_answer(
        self,
        screening_id: int,
        position: int,
        answer: ScoredAnswer,
        bank_version: str,
        now: datetime,
    ) -> None:
        await self.conn.execute(
            _insert(self.conn, Answer).values(
                screening_id=screening_id,
                position=position,
                bank_id=answer.bank,
                bank_version=bank_version,
                question_id=answer.question,
                raw_answer=answer.raw,
                points=answer.points,
                max_points=answer.max_points,
                seconds=answer.seconds,
                late=answer.late,
                answered_at=now,
            )
        )

    async def add_outbox(
        self,
        candidate_id: int,
        screening_id: int | None,
        channel: str,
        address: str,
        payloads: Sequence[dict[str, Any]],
        now: datetime,
    ) -> list[int]:
        if not payloads:
            return []
        rows = [
            {
                "candidate_id": candidate_id,
                "screening_id": screening_id,
                "channel": channel,
                "address": address,
                "payload": p,
                "created_at": now,
                "attempts": 0,
            }
            for p in payloads
        ]
        result = await self.conn.execute(
            _insert(self.conn, OutboxMessage).returning(
                OutboxMessage.id, sort_by_parameter_order=True
            ),
            rows,
        )
        return [int(i) for i in result.scalars()]

    async def erase_candidate(self, candidate_id: int, now: datetime) -> None:
        """Forget a person: their screenings, answers and unsent replies go; the id stays."""
        await self.conn.execute(delete(Screening).where(Screening.candidate_id == candidate_id))
        await self.conn.execute(
            delete(OutboxMessage).where(
                OutboxMessage.candidate_id == candidate_id, OutboxMessage.sent_at.is_(None)
            )
        )
        await self.conn.execute(
            update(OutboxMessage)
            .where(OutboxMessage.candidate_id == candidate_id)
            .values(payload={"kind": "say", "text": ""})
        )
        await self.conn.execute(
            update(Candidate)
            .where(Candidate.id == candidate_id)
            .values(display_name=None, erased_at=now)
        )

    async def count_screenings(self) -> int:
        return int((await self.conn.execute(select(func.count(Screening.id)))).scalar_one())
