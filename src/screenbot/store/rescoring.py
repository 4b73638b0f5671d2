"""Finished screenings of a flow read for rescoring, and a rescore stored with its audit rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from screenbot.engine.state import ScreeningState
from screenbot.store.database import Database
from screenbot.store.schema import Answer, ScoreAudit, Screening


@dataclass(frozen=True)
class FinishedScreening:
    """A scored screening: its state as stored (`stored`, compared before writing), and the bank
    versions its answers were scored against."""

    screening_id: int
    candidate_id: int
    state: ScreeningState
    bank_versions: dict[str, str]
    stored: dict[str, Any]


@dataclass(frozen=True)
class Rescore:
    """A screening's new state and bank versions, to replace `before`."""

    before: FinishedScreening
    state: ScreeningState
    bank_versions: dict[str, str]


async def finished_screenings(database: Database, flow_id: str) -> list[FinishedScreening]:
    """Every screening of the flow that has a score, by id."""
    query = (
        select(Screening.id, Screening.candidate_id, Screening.state, Screening.bank_versions)
        .where(Screening.flow_id == flow_id, Screening.score.is_not(None))
        .order_by(Screening.id)
    )
    rows = await database.read(lambda conn: conn.execute(query).all())
    return [
        FinishedScreening(
            r.id, r.candidate_id, ScreeningState.from_json(r.state), r.bank_versions, r.state
        )
        for r in rows
    ]


async def save_rescores(
    database: Database, rescores: Sequence[Rescore], now: datetime
) -> list[int]:
    """Store each new state, score and pass, its answers' points and bank versions, and an
    audit row with the old and new score, in one transaction. A screening changed since it was
    read (its free text graded meanwhile) is left alone; returns the ids left alone."""

    def work(conn: Connection) -> list[int]:
        skipped = []
        for r in rescores:
            sid = r.before.screening_id
            current = conn.execute(
                select(Screening.state).where(Screening.id == sid).with_for_update()
            ).scalar_one_or_none()
            if current != r.before.stored:
                skipped.append(sid)
                continue
            _save(conn, r, now)
        return skipped

    return await database.write(work)


def _save(conn: Connection, r: Rescore, now: datetime) -> None:
    sid, old, new = r.before.screening_id, r.before.state, r.state
    conn.execute(
        update(Screening)
        .where(Screening.id == sid)
        .values(
            state=new.to_json(), score=new.score, passed=new.passed, bank_versions=r.bank_versions
        )
    )
    for position, answer in enumerate(new.answers):
        version = r.bank_versions.get(answer.bank)
        values: dict[str, Any] = {"points": answer.points, "max_points": answer.max_points}
        if version is not None:
            values["bank_version"] = version
        conn.execute(
            update(Answer)
            .where(Answer.screening_id == sid, Answer.position == position)
            .values(**values)
        )
    conn.execute(
        insert(ScoreAudit).values(
            screening_id=sid,
            old_score=old.score,
            new_score=new.score,
            old_passed=old.passed,
            new_passed=new.passed,
            old_bank_versions=r.before.bank_versions,
            new_bank_versions=r.bank_versions,
            rescored_at=now,
        )
    )


@dataclass(frozen=True)
class AuditRow:
    """One rescore of one screening."""

    screening_id: int
    old_score: float | None
    new_score: float | None
    old_passed: bool | None
    new_passed: bool | None
    old_bank_versions: dict[str, str]
    new_bank_versions: dict[str, str]
    rescored_at: datetime


async def audit_of(database: Database, screening_id: int | None = None) -> list[AuditRow]:
    """Audit rows, of one screening or all, oldest first."""
    query = select(
        ScoreAudit.screening_id,
        ScoreAudit.old_score,
        ScoreAudit.new_score,
        ScoreAudit.old_passed,
        ScoreAudit.new_passed,
        ScoreAudit.old_bank_versions,
        ScoreAudit.new_bank_versions,
        ScoreAudit.rescored_at,
    ).order_by(ScoreAudit.id)
    if screening_id is not None:
        query = query.where(ScoreAudit.screening_id == screening_id)
    rows = await database.read(lambda conn: conn.execute(query).all())
    return [AuditRow(*r) for r in rows]
