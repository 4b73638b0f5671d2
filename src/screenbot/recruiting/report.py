"""Results of a flow, one row per candidate, for `screenbot report` as CSV or JSON."""

from __future__ import annotations

import csv
import io
import json
import statistics
from collections.abc import Sequence
from typing import Any

from screenbot.content.flows import Flow
from screenbot.engine.state import Stage
from screenbot.store.database import Database
from screenbot.store.results import Result, latest_results

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


def _row(flow: Flow, result: Result) -> dict[str, Any]:
    state, seconds = result.state, result.seconds
    profile = state.profile_dict
    sections = dict(state.section_scores)
    row: dict[str, Any] = {"candidate_id": result.candidate_id, "screening_id": result.screening_id}
    row |= {c: profile.get(c) for c in PROFILE_COLUMNS if c in {f.value for f in flow.profile}}
    row |= {
        "stage": state.stage.value,
        **{f"score_{s.bank}": sections.get(s.bank) for s in flow.sections},
        "total": None if result.grading else state.score,
        "ability": state.ability,
        "ability_se": state.ability_se,
        "passed": None if result.grading else state.passed,
        "grading": result.grading,
        "knocked_out": state.stage is Stage.KNOCKED_OUT,
        "answers": len(seconds),
        "seconds_total": round(sum(seconds), 1),
        "seconds_median": round(statistics.median(seconds), 1) if seconds else None,
        "started_at": state.started_at.isoformat(),
        "completed_at": result.completed_at.isoformat() if result.completed_at else None,
        "flow_version": result.flow_version,
    }
    return row


async def results(database: Database, flow: Flow) -> list[dict[str, Any]]:
    """Each candidate's latest screening for the flow, best total first, unfinished last."""
    rows = [_row(flow, r) for r in await latest_results(database, flow.id)]
    return sorted(rows, key=lambda r: (r["total"] is None, -(r["total"] or 0), r["candidate_id"]))


def _cell(value: Any) -> Any:
    """Candidate text that a spreadsheet would run as a formula is quoted as text."""
    if isinstance(value, str) and value[:1] in {"=", "+", "-", "@", "\t", "\r"}:
        return "'" + value
    return value


def to_csv(rows: Sequence[dict[str, Any]]) -> str:
    """The rows for a spreadsheet, with candidate text that looks like a formula defused."""
    """The rows as CSV, candidate text that looks like a formula quoted."""
    if not rows:
        return ""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: _cell(v) for k, v in row.items()} for row in rows)
    return out.getvalue()


def to_json(rows: Sequence[dict[str, Any]]) -> str:
    """The rows as one JSON array, Urdu and other text kept as typed."""
    """The rows as a JSON array."""
    return json.dumps(list(rows), indent=2, ensure_ascii=False) + "\n"
