"""The shortlist of a flow for a period: counts, and candidates ranked by score."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime

from screenbot.content.flows import Flow
from screenbot.content.profile_fields import ProfileField
from screenbot.engine.profile import display
from screenbot.engine.state import ScreeningState, Stage
from screenbot.store.database import Database
from screenbot.store.shortlists import Finished, period

FAST_MEDIAN_SECONDS = 4.0


@dataclass(frozen=True)
class Ranked:
    """One candidate on a shortlist, with what recruiters weigh beside the score."""

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
    """A flow's period in numbers, and its best candidates in rank order."""

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
    top = top or (flow.shortlist.top if flow.shortlist else 10)
    found = await period(database, flow.id, since, until, top)
    return Shortlist(
        flow,
        since,
        until,
        found.started,
        found.completed,
        found.passed,
        found.knocked_out,
        found.awaiting_decision,
        tuple(_ranked(rank, f) for rank, f in enumerate(found.best, start=1)),
    )


def _ranked(rank: int, finished: Finished) -> Ranked:
    state = finished.state
    profile = state.profile_dict
    details = tuple(
        (label, display(field, profile[field.value]))
        for field, label in _DETAILS
        if field.value in profile
    )
    return Ranked(
        screening_id=finished.screening_id,
        rank=rank,
        name=str(profile.get("full_name", "(no name)")),
        score=state.score,
        sections=state.section_scores,
        details=details,
        flags=_flags(state, list(finished.seconds)),
        decision=finished.decision,
    )
