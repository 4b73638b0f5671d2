"""Results of a flow, one row per candidate, for `screenbot report` as CSV or JSON."""

from __future__ import annotations

import csv
import io
import json
import statistics
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select

from screenbot.content.models import Flow
from screenbot.engine.state import ScreeningState, Stage
from screenbot.store.database import Database
from screenbot.store.schema import Answer, Candidate, Screening

PROFILE_COLUMNS = (
    "full_name",
    "email",
    "phone",
    "years_experience",
    "city",
    "work_model",
    "expected_salary_pkr",
    "expected_salary_aed",
    "expected_salary_usd",
    "notice_period_weeks",
)


def _row(flow: Flow, screening: Any, seconds: list[float]) -> dict[str, Any]:
    state = ScreeningState.from_json(screening.state)
    profile = state.profile_dict
    sections = dict(state.section_scores)
    row: dict[str, Any] = {"candidate_id": screening.candidate_id, "screening_id": screening.id}
    row |= {c: profile.get(c) for c in PROFILE_COLUMNS if c in {f.value for f in flow.profile}}
    row |= {
        "stage": state.stage.value,
        **{f"score_{s.bank}": sections.get(s.bank) for s in flow.sections},
        "total": state.score,
        "passed": state.passed,
        "knocked_out": state.stage is Stage.KNOCKED_OUT,
        "answers": len(seconds),
        "seconds_total": round(sum(seconds), 1),
        "seconds_median": round(statistics.median(seconds), 1) if seconds else None,
        "started_at": state.started_at.isoformat(),
        "completed_at": screening.completed_at.isoformat() if screening.completed_at else None,
        "flow_version": screening.flow_version,
    }
    return row


async def results(database: Database, flow: Flow) -> list[dict[str, Any]]:
    """Each candidate's latest screening for the flow, best total first, unfinished last."""
    return await database.read(lambda conn: _results(conn, flow))


def _results(conn: Connection, flow: Flow) -> list[dict[str, Any]]:
    screenings = conn.execute(
        select(Screening)
        .join(Candidate, Candidate.id == Screening.candidate_id)
        .where(Screening.flow_id == flow.id, Candidate.erased_at.is_(None))
        .order_by(Screening.candidate_id, Screening.updated_at)
    ).all()
    timings = conn.execute(
        select(Answer.screening_id, Answer.seconds)
        .join(Screening, Screening.id == Answer.screening_id)
        .where(Screening.flow_id == flow.id)
    )
    seconds: dict[int, list[float]] = {}
    for t in timings:
        seconds.setdefault(t.screening_id, []).append(t.seconds)
    latest = {s.candidate_id: s for s in screenings}
    rows = [_row(flow, s, seconds.get(s.id, [])) for s in latest.values()]
    return sorted(rows, key=lambda r: (r["total"] is None, -(r["total"] or 0), r["candidate_id"]))


def _cell(value: Any) -> Any:
    """Candidate text that a spreadsheet would run as a formula is quoted as text."""
    if isinstance(value, str) and value[:1] in {"=", "+", "-", "@", "\t", "\r"}:
        return "'" + value
    return value


def to_csv(rows: Sequence[dict[str, Any]]) -> str:
    if not rows:
        return ""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: _cell(v) for k, v in row.items()} for row in rows)
    return out.getvalue()


def to_json(rows: Sequence[dict[str, Any]]) -> str:
    return json.dumps(list(rows), indent=2, ensure_ascii=False) + "\n"
