"""Free-text grading as a queue: answers waiting for the grader, their grades, recruiters' credit,
and the totals that become final once a screening's answers are all graded.

A free-text answer is stored `pending` by its turn (its screening marked `grading`). A worker in
any process claims a batch for a lease, as the outbox does (PostgreSQL skips rows another
process has locked), grades it and records the grades; an answer whose worker died is claimed
again once its lease lapses. Every grade is kept in `answer_grades`, the latest standing, so a
recruiter's credit never erases the grader's.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, exists, func, insert, or_, select, update

from screenbot.engine.state import ScreeningState, Stage
from screenbot.store.database import Database
from screenbot.store.schema import Answer, AnswerGrade, Screening

PENDING = "pending"
GRADED = "graded"
OVERRIDDEN = "overridden"
FAILED = "failed"
GRADER = "grader"
RECRUITER = "recruiter"
DEFAULT_GRADING_LEASE = timedelta(minutes=2)
_ACTIVE = [s.value for s in Stage if s.active]

#: Recomputes a screening's state given new points for answers at their positions.
Recompute = Callable[[ScreeningState, Mapping[int, float]], ScreeningState]


@dataclass(frozen=True)
class Ungraded:
    """A claimed free-text answer: what the grader needs to read it."""

    answer_id: int
    screening_id: int
    bank_id: str
    question_id: str
    raw: str  # empty once the candidate's data was anonymised
    max_points: float
    attempts: int  # claims so far, this one included


@dataclass(frozen=True)
class NewGrade:
    """The grader's verdict on one claimed answer; `failed` when it could not be graded at all
    (it then earns nothing and waits for a person)."""

    answer_id: int
    score: float
    points: float
    by: str
    needs_review: bool
    detail: dict[str, Any] | None
    failed: bool = False


@dataclass(frozen=True)
class GradeRecord:
    """One grade an answer was given: by the grader (its version) or a recruiter (their id)."""

    source: str
    score: float
    points: float
    by: str
    needs_review: bool
    detail: dict[str, Any] | None
    graded_at: datetime


@dataclass(frozen=True)
class Grading:
    """A free-text answer's grading as recruiters read it: its state and every grade, oldest
    first."""

    status: str
    needs_review: bool
    grades: tuple[GradeRecord, ...]

    @property
    def model(self) -> GradeRecord | None:
        """The grader's latest grade, if it has graded the answer."""
        return next((g for g in reversed(self.grades) if g.source == GRADER), None)

    @property
    def override(self) -> GradeRecord | None:
        """The credit a recruiter set, if one did (the latest stands)."""
        if self.status != OVERRIDDEN:
            return None
        return next((g for g in reversed(self.grades) if g.source == RECRUITER), None)


@dataclass(frozen=True)
class Overridden:
    """A recruiter's credit, recorded: the answer's points before and after."""

    answer_id: int
    screening_id: int
    before: float
    after: float


class GradingQueue:
    """Pending free-text answers, each owned for `lease` by the worker that claimed it."""

    def __init__(self, database: Database, lease: timedelta = DEFAULT_GRADING_LEASE) -> None:
        self.database = database
        self.lease = lease

    async def claim(self, now: datetime, limit: int) -> list[Ungraded]:
        """Take up to `limit` pending answers whose lease has lapsed, oldest first."""
        lapsed = or_(Answer.grading_claimed_until.is_(None), Answer.grading_claimed_until < now)
        chosen = (
            select(Answer.id)
            .where(Answer.grading == PENDING, lapsed)
            .order_by(Answer.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        statement = (
            update(Answer)
            .where(Answer.id.in_(chosen.scalar_subquery()))
            .values(
                grading_claimed_until=now + self.lease,
                grading_attempts=Answer.grading_attempts + 1,
            )
            .returning(
                Answer.id,
                Answer.screening_id,
                Answer.bank_id,
                Answer.question_id,
                Answer.raw_answer,
                Answer.max_points,
                Answer.grading_attempts,
            )
        )

        def work(conn: Connection) -> list[Ungraded]:
            return [
                Ungraded(
                    r.id,
                    r.screening_id,
                    r.bank_id,
                    r.question_id,
                    r.raw_answer or "",
                    r.max_points,
                    r.grading_attempts,
                )
                for r in conn.execute(statement)
            ]

        return sorted(await self.database.write(work), key=lambda u: u.answer_id)

    async def release(self, answer_ids: Collection[int]) -> None:
        """Give claimed answers back at once (their grading will be tried again)."""
        if not answer_ids:
            return
        statement = (
            update(Answer)
            .where(Answer.id.in_(list(answer_ids)), Answer.grading == PENDING)
            .values(grading_claimed_until=None)
        )
        await self.database.write(lambda conn: conn.execute(statement))

    async def record(self, grades: Sequence[NewGrade], now: datetime) -> int:
        """Store grades of claimed answers; an answer a recruiter credited meanwhile keeps the
        recruiter's credit. Returns how many were stored."""

        def work(conn: Connection) -> int:
            stored = 0
            for grade in grades:
                done = conn.execute(
                    update(Answer)
                    .where(Answer.id == grade.answer_id, Answer.grading == PENDING)
                    .values(
                        points=grade.points,
                        grading=FAILED if grade.failed else GRADED,
                        graded_at=now,
                        needs_review=grade.needs_review,
                        grading_claimed_until=None,
                    )
                )
                if not done.rowcount:
                    continue
                stored += 1
                conn.execute(
                    insert(AnswerGrade).values(
                        answer_id=grade.answer_id,
                        source=GRADER,
                        score=grade.score,
                        points=grade.points,
                        by=grade.by[:128],
                        needs_review=grade.needs_review,
                        detail=grade.detail,
                        graded_at=now,
                    )
                )
            return stored

        return await self.database.write(work)

    async def backlog(self) -> int:
        """Free-text answers still waiting for the grader."""
        query = select(func.count(Answer.id)).where(Answer.grading == PENDING)
        return int(await self.database.read(lambda conn: conn.execute(query).scalar_one()))

    async def finalise(
        self,
        recompute: Recompute,
        *,
        screening_ids: Collection[int] | None = None,
        limit: int = 200,
    ) -> list[int]:
        """Make final the totals of ended screenings whose free-text answers are all graded:
        each state gets its answers' points and `recompute`'s total, and loses its `grading`
        mark. Returns the screenings finalised."""
        return await self.database.write(
            lambda conn: finalise_in(conn, recompute, screening_ids=screening_ids, limit=limit)
        )


def finalise_in(
    conn: Connection,
    recompute: Recompute,
    *,
    screening_ids: Collection[int] | None = None,
    limit: int = 200,
) -> list[int]:
    """`GradingQueue.finalise` on the caller's transaction."""
    waiting = exists().where(Answer.screening_id == Screening.id, Answer.grading == PENDING)
    query = (
        select(Screening.id, Screening.state)
        .where(Screening.grading == PENDING, Screening.stage.not_in(_ACTIVE), ~waiting)
        .order_by(Screening.id)
        .limit(limit)
    )
    if screening_ids is not None:
        query = query.where(Screening.id.in_(list(screening_ids)))
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(of=Screening, skip_locked=True)
    done = []
    for row in conn.execute(query).all():
        graded = conn.execute(
            select(Answer.position, Answer.points).where(
                Answer.screening_id == row.id, Answer.grading.is_not(None)
            )
        )
        points = {int(p): float(v) for p, v in graded}
        state = recompute(ScreeningState.from_json(row.state), points)
        conn.execute(
            update(Screening)
            .where(Screening.id == row.id)
            .values(state=state.to_json(), score=state.score, passed=state.passed, grading=None)
        )
        done.append(int(row.id))
    return done


async def override_credit(
    database: Database,
    screening_id: int,
    position: int,
    score: float,
    by: str,
    now: datetime,
    recompute: Recompute,
) -> Overridden | None:
    """A recruiter sets a free-text answer's credit (`score`, 0 to 1, of its points): recorded
    with who and when beside the grader's grade, and the screening's total recomputed at once
    if it can be. None when there is no such free-text answer (or no longer)."""
    score = min(1.0, max(0.0, score))

    def work(conn: Connection) -> Overridden | None:
        query = select(Answer.id, Answer.points, Answer.max_points, Answer.grading).where(
            Answer.screening_id == screening_id, Answer.position == position
        )
        if conn.dialect.name == "postgresql":
            query = query.with_for_update()
        row = conn.execute(query).first()
        if row is None or row.grading is None:
            return None
        points = round(score * row.max_points, 4)
        conn.execute(
            update(Answer)
            .where(Answer.id == row.id)
            .values(
                points=points,
                grading=OVERRIDDEN,
                needs_review=False,
                graded_at=now,
                grading_claimed_until=None,
            )
        )
        conn.execute(
            insert(AnswerGrade).values(
                answer_id=row.id,
                source=RECRUITER,
                score=score,
                points=points,
                by=by[:128],
                needs_review=False,
                detail={"before": {"status": row.grading, "points": row.points}},
                graded_at=now,
            )
        )
        conn.execute(update(Screening).where(Screening.id == screening_id).values(grading=PENDING))
        finalise_in(conn, recompute, screening_ids=[screening_id])
        return Overridden(row.id, screening_id, row.points, points)

    return await database.write(work)


async def gradings_of(database: Database, screening_id: int) -> dict[int, Grading]:
    """Each free-text answer's grading by its position in the screening."""

    def work(conn: Connection) -> dict[int, Grading]:
        answers = conn.execute(
            select(Answer.id, Answer.position, Answer.grading, Answer.needs_review).where(
                Answer.screening_id == screening_id, Answer.grading.is_not(None)
            )
        ).all()
        if not answers:
            return {}
        grades: dict[int, list[GradeRecord]] = {}
        for g in conn.execute(
            select(
                AnswerGrade.answer_id,
                AnswerGrade.source,
                AnswerGrade.score,
                AnswerGrade.points,
                AnswerGrade.by,
                AnswerGrade.needs_review,
                AnswerGrade.detail,
                AnswerGrade.graded_at,
            )
            .where(AnswerGrade.answer_id.in_([a.id for a in answers]))
            .order_by(AnswerGrade.id)
        ):
            grades.setdefault(g.answer_id, []).append(
                GradeRecord(
                    g.source, g.score, g.points, g.by, g.needs_review, g.detail, g.graded_at
                )
            )
        return {
            a.position: Grading(a.grading, bool(a.needs_review), tuple(grades.get(a.id, ())))
            for a in answers
        }

    return await database.read(work)
