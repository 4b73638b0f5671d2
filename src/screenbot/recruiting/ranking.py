"""The shortlist of a flow for a period: counts, and candidates ranked by score."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, func, select
from sqlalchemy.orm import InstrumentedAttribute

from screenbot.content.models import Flow
from screenbot.content.profile_fields import ProfileField
from screenbot.engine.profile import display
from screenbot.engine.state import ScreeningState, Stage
from screenbot.store.database import Database
from screenbot.store.schema import Answer, Decision, Screening

FAST_MEDIAN_SECONDS = 4.0


@dataclass(frozen=True)
class Ranked:
    screening_id: int
    rank: int
    name: str
    score: float | None
    sections: tuple[tuple[str, float], ...]
    details: tuple[tuple[str, str], ...]
    flags: tuple[str, ...]
    decision: str | None


@dataclass(frozen=True)
class Shortlist:
    flow: Flow
    since: datetime | None
    until: datetime
    started: int
    completed: int
    passed: int
    knocked_out: int
    awaiting_decision: int
    candidates: tuple[Ranked, ...]


_DETAILS = (
    (ProfileField.CITY, "City"),
    (ProfileField.YEARS_EXPERIENCE, "Years"),
    (ProfileField.EXPECTED_SALARY_PKR, "Salary"),
    (ProfileField.EXPECTED_SALARY_AED, "Salary"),
    (ProfileField.EXPECTED_SALARY_USD, "Salary"),
    (ProfileField.WORK_MODEL, "Work model"),
)


def _in(
    column: InstrumentedAttribute[Any], since: datetime | None, until: datetime
) -> ColumnElement[bool]:
    upper = column <= until
    return upper if since is None else and_(column > since, upper)


def _flags(state: ScreeningState, seconds: list[float]) -> tuple[str, ...]:
    flags = []
    if state.stage is Stage.KNOCKED_OUT:
        flags.append("knocked out")
    if seconds and statistics.median(seconds) < FAST_MEDIAN_SECONDS:
        flags.append(f"fast answers (median {statistics.median(seconds):.1f}s)")
    if any(a.late for a in state.answers):
        flags.append("late answers")
    return tuple(flags)


async def shortlist(
    database: Database,
    flow: Flow,
    until: datetime,
    since: datetime | None = None,
    top: int | None = None,
) -> Shortlist:
    """Candidates who finished (or were knocked out) in (since, until], best score first."""
    return await database.read(lambda conn: _shortlist(conn, flow, until, since, top))


def _shortlist(
    conn: Connection,
    flow: Flow,
    until: datetime,
    since: datetime | None = None,
    top: int | None = None,
) -> Shortlist:
    top = top or (flow.shortlist.top if flow.shortlist else 10)
    mine = Screening.flow_id == flow.id
    latest = (
        select(Decision.screening_id, func.max(Decision.id).label("last"))
        .group_by(Decision.screening_id)
        .subquery()
    )

    def count(*where: ColumnElement[bool]) -> int:
        query = select(func.count(Screening.id)).where(mine, *where)
        return int(conn.execute(query).scalar_one())

    started = count(_in(Screening.started_at, since, until))
    finished = _in(Screening.completed_at, since, until)
    completed = count(finished)
    passed = count(finished, Screening.passed.is_(True))
    knocked = and_(
        Screening.stage == Stage.KNOCKED_OUT.value, _in(Screening.updated_at, since, until)
    )
    knocked_out = count(knocked)
    awaiting = count(
        Screening.stage == Stage.COMPLETED.value,
        ~Screening.id.in_(select(Decision.screening_id)),
    )
    rows = conn.execute(
        select(Screening.id, Screening.state, Decision.decision)
        .outerjoin(latest, latest.c.screening_id == Screening.id)
        .outerjoin(Decision, Decision.id == latest.c.last)
        .where(mine, finished | knocked)
        .order_by(Screening.score.desc().nulls_last(), Screening.completed_at, Screening.id)
        .limit(top)
    ).all()
    timings: dict[int, list[float]] = {}
    if rows:
        for t in conn.execute(
            select(Answer.screening_id, Answer.seconds).where(
                Answer.screening_id.in_([r.id for r in rows])
            )
        ):
            timings.setdefault(t.screening_id, []).append(t.seconds)
    ranked = []
    for rank, row in enumerate(rows, start=1):
        state = ScreeningState.from_json(row.state)
        profile = state.profile_dict
        details = tuple(
            (label, display(field, profile[field.value]))
            for field, label in _DETAILS
            if field.value in profile
        )
        ranked.append(
            Ranked(
                screening_id=row.id,
                rank=rank,
                name=str(profile.get("full_name", "(no name)")),
                score=state.score,
                sections=state.section_scores,
                details=details,
                flags=_flags(state, timings.get(row.id, [])),
                decision=row.decision,
            )
        )
    return Shortlist(
        flow, since, until, started, completed, passed, knocked_out, awaiting, tuple(ranked)
    )
