"""Data-subject requests and retention: export a candidate's data, anonymise old screenings.

Anonymising keeps what the numbers need (stage, scores, timings, content versions) and drops
what identifies a person or what they wrote (name, email, phone, answer texts, reply texts).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, select, update

from screenbot.content.profile_fields import ProfileField
from screenbot.engine.state import ScreeningState, Stage
from screenbot.errors import CandidateNotFoundError
from screenbot.store.database import Database
from screenbot.store.outbox import ERASED
from screenbot.store.schema import (
    Answer,
    AnswerGrade,
    Candidate,
    Decision,
    OutboxMessage,
    Screening,
)

PERSONAL = {f.value for f in ProfileField if f.is_personal}
ACTIVE = [s.value for s in Stage if s.active]


def _anonymised(state: dict[str, Any]) -> dict[str, Any]:
    parsed = ScreeningState.from_json(state)
    kept = tuple((k, v) for k, v in parsed.profile if k not in PERSONAL)
    answers = [{**a, "raw": ""} for a in state.get("answers", [])]
    return {**parsed.to_json(), "profile": [list(p) for p in kept], "answers": answers}


async def anonymise_finished(database: Database, before: datetime) -> int:
    """Strip personal data from screenings that ended before `before`; returns how many."""
    return await database.write(lambda conn: _anonymise_finished(conn, before))


def _anonymise_finished(conn: Connection, before: datetime) -> int:
    rows = conn.execute(
        select(Screening.id, Screening.candidate_id, Screening.state).where(
            Screening.stage.not_in(ACTIVE), Screening.updated_at < before
        )
    ).all()
    todo = [
        r
        for r in rows
        if any(k in PERSONAL for k, _ in r.state["profile"])
        or any(a["raw"] for a in r.state["answers"])
    ]
    for row in todo:
        conn.execute(
            update(Screening).where(Screening.id == row.id).values(state=_anonymised(row.state))
        )
    ids = [r.id for r in todo]
    if ids:
        conn.execute(update(Answer).where(Answer.screening_id.in_(ids)).values(raw_answer=None))
        _forget_evidence(conn, ids)
        conn.execute(
            update(OutboxMessage)
            .where(OutboxMessage.screening_id.in_(ids), OutboxMessage.sent_at.is_not(None))
            .values(payload=ERASED)
        )
        still_active = select(Screening.candidate_id).where(
            Screening.stage.in_(ACTIVE) | (Screening.updated_at >= before)
        )
        conn.execute(
            update(Candidate)
            .where(
                and_(
                    Candidate.id.in_({r.candidate_id for r in todo}),
                    Candidate.id.not_in(still_active),
                )
            )
            .values(display_name=None)
        )
    return len(todo)


async def export_candidate(database: Database, candidate_id: int) -> dict[str, Any]:
    """Everything stored about one candidate, as JSON-ready data."""
    return await database.read(lambda conn: _export_candidate(conn, candidate_id))


def _export_candidate(conn: Connection, candidate_id: int) -> dict[str, Any]:
    candidate = conn.execute(select(Candidate).where(Candidate.id == candidate_id)).one_or_none()
    if candidate is None:
        raise CandidateNotFoundError(candidate_id)
    screenings = conn.execute(select(Screening).where(Screening.candidate_id == candidate_id)).all()
    ids = [s.id for s in screenings]
    answers = conn.execute(
        select(Answer).where(Answer.screening_id.in_(ids)).order_by(Answer.position)
    ).all()
    decisions = conn.execute(select(Decision).where(Decision.screening_id.in_(ids))).all()

    def when(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "candidate": {
            "id": candidate.id,
            "channel": candidate.channel,
            "external_id": candidate.external_id,
            "display_name": candidate.display_name,
            "created_at": when(candidate.created_at),
            "erased_at": when(candidate.erased_at),
        },
        "screenings": [
            {
                "id": s.id,
                "flow": s.flow_id,
                "flow_version": s.flow_version,
                "stage": s.stage,
                "started_at": when(s.started_at),
                "completed_at": when(s.completed_at),
                "score": s.score,
                "passed": s.passed,
                "profile": dict(ScreeningState.from_json(s.state).profile),
                "answers": [
                    {
                        "question": a.question_id,
                        "bank": a.bank_id,
                        "answer": a.raw_answer,
                        "points": a.points,
                        "max_points": a.max_points,
                        "seconds": a.seconds,
                    }
                    for a in answers
                    if a.screening_id == s.id
                ],
                "decisions": [
                    {"decision": d.decision, "by": d.decided_by, "at": when(d.decided_at)}
                    for d in decisions
                    if d.screening_id == s.id
                ],
            }
            for s in screenings
        ],
    }


def _forget_evidence(conn: Connection, screening_ids: list[int]) -> None:
    """Grades keep their credit and flags; the candidate's sentences quoted as evidence go."""
    rows = conn.execute(
        select(AnswerGrade.id, AnswerGrade.detail)
        .join(Answer, Answer.id == AnswerGrade.answer_id)
        .where(Answer.screening_id.in_(screening_ids), AnswerGrade.detail.is_not(None))
    ).all()
    for row in rows:
        concepts = [{**c, "evidence": None} for c in row.detail.get("concepts", ())]
        if concepts:
            detail = {**row.detail, "concepts": concepts}
            conn.execute(update(AnswerGrade).where(AnswerGrade.id == row.id).values(detail=detail))
