"""Adverse impact: `screenbot report FLOW --fairness`.

Selection rates at three steps of a flow (passed the knockouts, passed the screening, advanced
by a recruiter) for groups the profile already holds: city, work model and experience band.
Each rate is a share of the group's candidates who started the screening (their latest
screening of the flow). The four-fifths rule: a group whose rate is below 80% of the highest
group's rate at that step is flagged; groups of fewer than `min_group` candidates are shown but
neither flagged nor used as the reference, being too small to say anything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from screenbot.content.flows import Flow
from screenbot.engine.state import ScreeningState, Stage
from screenbot.store.database import Database
from screenbot.store.outcomes import latest_decisions
from screenbot.store.results import latest_results

FOUR_FIFTHS = 0.8
#: Experience bands by years: (lowest, label); a candidate falls in the last band at or below.
BANDS = ((0, "0-1 years"), (2, "2-4 years"), (5, "5-9 years"), (10, "10+ years"))
STEPS = ("passed_knockouts", "passed", "advanced")


@dataclass(frozen=True)
class GroupRate:
    """One group at one step: how many started, how many got through, the rate, its ratio to
    the best group's rate, and whether the four-fifths rule flags it."""

    dimension: str
    group: str
    step: str
    started: int
    selected: int
    rate: float
    impact_ratio: float | None
    flagged: bool


def band(years: object) -> str:
    """The experience band of a number of years; `unknown` when not given."""
    if not isinstance(years, int | float):
        return "unknown"
    label = BANDS[0][1]
    for lowest, name in BANDS:
        if years >= lowest:
            label = name
    return label


def _passed_knockouts(state: ScreeningState) -> bool:
    return state.stage in {Stage.QUESTIONS, Stage.COMPLETED} or bool(state.answers)


DIMENSIONS: dict[str, Callable[[ScreeningState], str]] = {
    "city": lambda s: str(s.profile_dict.get("city") or "unknown"),
    "work_model": lambda s: str(s.profile_dict.get("work_model") or "unknown"),
    "experience": lambda s: band(s.profile_dict.get("years_experience")),
}


async def fairness(database: Database, flow: Flow, min_group: int = 5) -> list[GroupRate]:
    """Selection rates by group and step, with the four-fifths rule applied per step."""
    results = await latest_results(database, flow.id)
    decided = await latest_decisions(database, flow.id)
    people = [
        (
            r.state,
            {
                "passed_knockouts": _passed_knockouts(r.state),
                "passed": r.state.passed is True,
                "advanced": decided.get(r.screening_id) == "advance",
            },
        )
        for r in results
        if r.state.stage not in {Stage.CONSENT, Stage.DECLINED}
    ]
    rates: list[GroupRate] = []
    for dimension, group_of in DIMENSIONS.items():
        groups: dict[str, list[dict[str, bool]]] = {}
        for state, steps in people:
            groups.setdefault(group_of(state), []).append(steps)
        for step in STEPS:
            counted = {
                g: (len(members), sum(m[step] for m in members)) for g, members in groups.items()
            }
            big = [sel / n for n, sel in counted.values() if n >= min_group]
            best = max(big, default=0.0)
            for g in sorted(counted):
                n, selected = counted[g]
                rate = selected / n if n else 0.0
                ratio = rate / best if best > 0 and n >= min_group else None
                rates.append(
                    GroupRate(
                        dimension,
                        g,
                        step,
                        n,
                        selected,
                        round(rate, 4),
                        None if ratio is None else round(ratio, 4),
                        ratio is not None and ratio < FOUR_FIFTHS,
                    )
                )
    return rates
