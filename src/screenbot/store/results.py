"""Every candidate's latest screening of a flow, for reports and exports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select

from screenbot.engine.state import ScreeningState
from screenbot.store.database import Database
from screenbot.store.schema import Answer, Candidate, Screening


@dataclass(frozen=True)
class Result:
    """A candidate's latest screening of a flow, with the seconds each answer took, in order."""

    candidate_id: int
    screening_id: int
    state: ScreeningState
    completed_at: datetime | None
    flow_version: str
    seconds: tuple[float, ...]
    grading: bool = False
    """Free-text answers still wait for the grader: the total is not final."""


async def latest_results(database: Database, flow_id: str) -> list[Result]:
    """One row per candidate not erased: their most recently updated screening of the flow."""
    return await database.read(lambda conn: _latest_results(conn, flow_id))


def _latest_results(conn: Connection, flow_id: str) -> list[Result]:
    screenings = conn.execute(
        select(
            Screening.id,
            Screening.candidate_id,
            Screening.state,
            Screening.completed_at,
            Screening.flow_version,
            Screening.grading,
        )
        .join(Candidate, Candidate.id == Screening.candidate_id)
        .where(Screening.flow_id == flow_id, Candidate.erased_at.is_(None))
        .order_by(Screening.candidate_id, Screening.updated_at)
    ).all()
    timings = conn.execute(
        select(Answer.screening_id, Answer.seconds)
        .join(Screening, Screening.id == Answer.screening_id)
        .where(Screening.flow_id == flow_id)
    )
    seconds: dict[int, list[float]] = {}
    for t in timings:
        seconds.setdefault(t.screening_id, []).append(t.seconds)
    latest = {s.candidate_id: s for s in screenings}
    return [
        Result(
            s.candidate_id,
            s.id,
            ScreeningState.from_json(s.state),
            s.completed_at,
            s.flow_version,
            tuple(seconds.get(s.id, ())),
            grading=s.grading is not None,
        )
        for s in latest.values()
    ]
