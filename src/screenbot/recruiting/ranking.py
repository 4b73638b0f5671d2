"""The shortlist of a flow for a period: counts, and candidates ranked by score."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, replace
from datetime import datetime

from screenbot.content.flows import Flow
from screenbot.content.profile_fields import ProfileField
from screenbot.engine.profile import display
from screenbot.engine.state import Stage
from screenbot.store.database import Database
from screenbot.store.shortlists import Finished, period

FAST_MEDIAN_SECONDS = 4.0


@dataclass(frozen=True)
class Ranked:
    """One candidate on a shortlist, with what recruiters weigh beside the score."""

    """One candidate's line in a shortlist."""

    screening_id: int
    rank: int
    name: str
    score: float | None
    sections: tuple[tuple[str, float], ...]
    details: tuple[tuple[str, str], ...]
    flags: tuple[str, ...]
    decision: str | None
    score_se: float | None = None
    """The score's standard error (adaptive flows; None where the score carries none)."""
    ability: float | None = None
    ability_se: float | None = None
    close_to: tuple[int, ...] = ()
    """Ranks of listed candidates whose score is within this one's uncertainty (or this one
    within theirs): the order between them means little."""
    grading: bool = False
    """Free-text answers still wait for the grader: `score` is not final and is not shown."""


@dataclass(frozen=True)
class Shortlist:
    """A flow's period in numbers, and its best candidates in rank order."""

    """A flow's shortlist for a period: the counts and the best candidates, ranked."""

    flow: Flow
    since: datetime | None
    until: datetime
    started: int
    completed: int
    passed: int
    knocked_out: int
    awaiting_decision: int
    candidates: tuple[Ranked, ...]
    grading: int = 0
    """Screenings that ended in the period whose free-text answers are not all graded."""


_DETAILS = (
    (ProfileField.CITY, "City"),
    (ProfileField.YEARS_EXPERIENCE, "Years"),
    (ProfileField.EXPECTED_SALARY_PKR, "Salary"),
    (ProfileField.EXPECTED_SALARY_AED, "Salary"),
    (ProfileField.EXPECTED_SALARY_USD, "Salary"),
    (ProfileField.WORK_MODEL, "Work model"),
)


def _flags(finished: Finished) -> tuple[str, ...]:
    state, seconds = finished.state, list(finished.seconds)
    flags = []
    if finished.needs_review:
        flags.append("a free-text answer needs review")
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
        close_calls(tuple(_ranked(rank, f) for rank, f in enumerate(found.best, start=1))),
        found.grading,
    )


def close_calls(ranked: tuple[Ranked, ...]) -> tuple[Ranked, ...]:
    """Each candidate marked with the others whose score lies within the uncertainty of
    theirs: score ± standard error ranges that overlap."""

    def close(one: Ranked, other: Ranked) -> bool:
        if one.score is None or other.score is None or one.grading or other.grading:
            return False
        if one.score_se is None and other.score_se is None:
            return False
        margin = (one.score_se or 0.0) + (other.score_se or 0.0)
        return abs(one.score - other.score) <= margin

    return tuple(
        replace(r, close_to=tuple(o.rank for o in ranked if o is not r and close(r, o)))
        for r in ranked
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
        flags=_flags(finished),
        decision=finished.decision,
        score_se=state.score_se,
        ability=state.ability,
        ability_se=state.ability_se,
        grading=finished.grading,
    )
