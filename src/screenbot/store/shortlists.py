"""What a flow's shortlist is made of: counts for a period and its best finished screenings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, func, select
from sqlalchemy.orm import InstrumentedAttribute

from screenbot.engine.state import ScreeningState, Stage
from screenbot.store.database import Database
from screenbot.store.schema import Answer, Decision, Screening


@dataclass(frozen=True)
class Finished:
    """A screening that ended, with its latest decision and how long each answer took."""

    screening_id: int
    state: ScreeningState
    decision: str | None
    seconds: tuple[float, ...]
    grading: bool = False
    """Its free-text answers are not all graded yet: the score is not final."""
    needs_review: bool = False
    """A free-text answer's grade is uncertain and waits for a person."""


@dataclass(frozen=True)
class Period:
    """A flow's screenings in (since, until]: how many did what, and the best `top` finished."""

    started: int
    completed: int
    passed: int
    knocked_out: int
    awaiting_decision: int
    best: tuple[Finished, ...]
    grading: int = 0


def _in(
    column: InstrumentedAttribute[Any], since: datetime | None, until: datetime
) -> ColumnElement[bool]:
    upper = column <= until
    return upper if since is None else and_(column > since, upper)


async def period(
    database: Database, flow_id: str, since: datetime | None, until: datetime, top: int
) -> Period:
    """Candidates who finished (or were knocked out) in (since, until], best score first."""
    return await database.read(lambda conn: _period(conn, flow_id, since, until, top))


def _period(
    conn: Connection, flow_id: str, since: datetime | None, until: datetime, top: int
) -> Period:
    mine = Screening.flow_id == flow_id
    latest = (
        select(Decision.screening_id, func.max(Decision.id).label("last"))
        .group_by(Decision.screening_id)
        .subquery()
    )

    def count(*where: ColumnElement[bool]) -> int:
        query = select(func.count(Screening.id)).where(mine, *where)
        return int(conn.execute(query).scalar_one())

    finished = _in(Screening.completed_at, since, until)
    knocked = and_(
        Screening.stage == Stage.KNOCKED_OUT.value, _in(Screening.updated_at, since, until)
    )
    rows = conn.execute(
        select(Screening.id, Screening.state, Screening.grading, Decision.decision)
        .outerjoin(latest, latest.c.screening_id == Screening.id)
        .outerjoin(Decision, Decision.id == latest.c.last)
        .where(mine, finished | knocked)
        .order_by(
            Screening.grading.is_not(None),  # a total still being graded ranks nobody
            Screening.score.desc().nulls_last(),
            Screening.completed_at,
            Screening.id,
        )
        .limit(top)
    ).all()
    timings: dict[int, list[float]] = {}
    review: set[int] = set()
    if rows:
        for t in conn.execute(
            select(Answer.screening_id, Answer.seconds, Answer.needs_review).where(
                Answer.screening_id.in_([r.id for r in rows])
            )
        ):
            timings.setdefault(t.screening_id, []).append(t.seconds)
            if t.needs_review:
                review.add(t.screening_id)
    best = tuple(
        Finished(
            row.id,
            ScreeningState.from_json(row.state),
            row.decision,
            tuple(timings.get(row.id, ())),
            grading=row.grading is not None,
            needs_review=row.id in review,
        )
        for row in rows
    )
    return Period(
        started=count(_in(Screening.started_at, since, until)),
        completed=count(finished),
        passed=count(finished, Screening.passed.is_(True), Screening.grading.is_(None)),
        knocked_out=count(knocked),
        awaiting_decision=count(
            Screening.stage == Stage.COMPLETED.value,
            ~Screening.id.in_(select(Decision.screening_id)),
        ),
        best=best,
        grading=count(finished, Screening.grading.is_not(None)),
    )
