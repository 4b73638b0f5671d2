"""Item analysis for admins: `screenbot items stats`.

Per automatically scored question, from the stored answers: how many answered it, the share
right (partial credit as the share of the points), how well it separates stronger from weaker
candidates, its calibrated parameters, which wrong choices attract whom, how long it takes, how
often it is asked, how it moves month over month, and flags for what an admin should look at.
Once recruiters have decided on enough candidates, how each question's answers relate to their
decisions.

Adaptive screenings ask each candidate different questions, so a raw sum of points says little
about who is stronger. A candidate's strength, for a question, is the ability estimate (EAP,
the engine's own) from the screening's *other* scored answers: the corrected item-total
correlation is the point-biserial between the question's response and that estimate, and the
stronger and weaker halves are the question's respondents above and below its median. A fixed
form works the same way.

The maths here are pure functions over frozen rows (`store/item_answers.py`, `store/outcomes.py`,
`store/item_parameters.py`); `item_stats_for` reads them and hands them over.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import numpy as np

from screenbot.content.catalog import Catalog
from screenbot.content.models import (
    MultiChoiceQuestion,
    Question,
    SingleChoiceQuestion,
    YesNoQuestion,
)
from screenbot.engine.irt import GRID, response_value
from screenbot.engine.item_params import question_prior
from screenbot.errors import ScreenbotError
from screenbot.recruiting.item_flags import Flag, Thresholds, flags_for
from screenbot.store.database import Database
from screenbot.store.item_answers import ItemAnswer, item_answers
from screenbot.store.item_parameters import StoredItemParameters, parameters_of
from screenbot.store.outcomes import latest_decisions

#: (bank id, question id)
QuestionKey = tuple[str, str]

_LOG_PRIOR = -0.5 * GRID**2

#: The decisions outcome feedback compares (a candidate on hold is neither).
DECIDED = frozenset({"advance", "reject"})


@dataclass(frozen=True)
class ChoicePick:
    """How often one choice was picked by the stronger and by the weaker half of the
    question's respondents (shares of each half)."""

    choice: str
    text: str
    correct: bool
    stronger: float
    weaker: float


@dataclass(frozen=True)
class Window:
    """A question's answers in one period: how many, share right, median seconds."""

    n: int
    share_right: float | None
    median_seconds: float | None


@dataclass(frozen=True)
class DecisionGap:
    """Share right among candidates recruiters advanced and among those they rejected, and the
    difference (advanced minus rejected): a question that predicts what the team values has a
    clearly positive one."""

    advanced_n: int
    advanced_right: float
    rejected_n: int
    rejected_right: float
    gap: float


@dataclass(frozen=True)
class ItemStats:
    """One question's statistics (see the module docstring)."""

    bank: str
    question: str
    type: str
    n: int
    share_right: float | None
    item_total: float | None
    a: float | None
    a_se: float | None
    b: float | None
    b_se: float | None
    calibration: str | None
    median_seconds: float | None
    asked: int
    screenings: int
    exposure: float | None
    last: Window
    previous: Window
    drift: float | None
    choices: tuple[ChoicePick, ...]
    decision: DecisionGap | None
    flags: tuple[Flag, ...] = field(default=())


@dataclass(frozen=True)
class ItemReport:
    """Every question in scope, and how many candidates recruiters advanced or rejected;
    `outcomes` says whether that is enough for the decision columns."""

    scope: str
    screenings: int
    decided: int
    outcomes: bool
    thresholds: Thresholds
    items: tuple[ItemStats, ...]


@dataclass(frozen=True)
class _Response:
    screening_id: int
    value: float
    picked: frozenset[str] | None
    seconds: float
    answered_at: datetime
    strength: float


def _choices_of(question: Question) -> tuple[tuple[str, str, bool], ...]:
    """(id, text, correct) for a question answered by picking: choices, or yes / no."""
    if isinstance(question, SingleChoiceQuestion | MultiChoiceQuestion):
        return tuple((c.id, c.text, c.correct) for c in question.choices)
    if isinstance(question, YesNoQuestion):
        return (("yes", "yes", question.answer), ("no", "no", not question.answer))
    return ()


def rest_abilities(
    answers: Sequence[ItemAnswer],
    params: Mapping[tuple[str, str, str], tuple[float, float]],
) -> dict[int, float]:
    """For each answer (by its index in `answers`), the EAP ability of its screening from the
    screening's other answers; `params` gives (a, b) by (bank, version, question) and answers
    without parameters are left out."""
    by_screening: dict[int, list[int]] = defaultdict(list)
    for n, answer in enumerate(answers):
        key = (answer.bank_id, answer.bank_version, answer.question_id)
        if key in params and answer.max_points > 0:
            by_screening[answer.screening_id].append(n)
    out: dict[int, float] = {}
    for rows in by_screening.values():
        a = np.array([params[_key(answers[n])][0] for n in rows])
        b = np.array([params[_key(answers[n])][1] for n in rows])
        x = np.array([response_value(answers[n].points, answers[n].max_points) for n in rows])
        z = a[:, None] * (GRID[None, :] - b[:, None])
        each = -(x[:, None] * np.logaddexp(0.0, -z) + (1.0 - x)[:, None] * np.logaddexp(0.0, z))
        rest = each.sum(axis=0)[None, :] - each + _LOG_PRIOR[None, :]
        weights = np.exp(rest - rest.max(axis=1, keepdims=True))
        weights /= weights.sum(axis=1, keepdims=True)
        for n, theta in zip(rows, weights @ GRID, strict=True):
            out[n] = float(theta)
    return out


def _key(answer: ItemAnswer) -> tuple[str, str, str]:
    return (answer.bank_id, answer.bank_version, answer.question_id)


def point_biserial(values: Sequence[float], strengths: Sequence[float]) -> float | None:
    """Pearson correlation of responses with strengths; None when either does not vary."""
    if len(values) < 3:
        return None
    x = np.asarray(values, dtype=float)
    y = np.asarray(strengths, dtype=float)
    sx, sy = x.std(), y.std()
    if sx < 1e-12 or sy < 1e-12:
        return None
    return float(((x - x.mean()) * (y - y.mean())).mean() / (sx * sy))


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def _window(responses: Sequence[_Response]) -> Window:
    return Window(
        len(responses),
        _mean([r.value for r in responses]),
        _median([r.seconds for r in responses]),
    )


def _choice_picks(question: Question, responses: Sequence[_Response]) -> tuple[ChoicePick, ...]:
    choices = _choices_of(question)
    picked = sorted((r for r in responses if r.picked is not None), key=lambda r: r.strength)
    half = len(picked) // 2
    if not choices or half == 0:
        return ()
    weaker, stronger = picked[:half], picked[-half:]

    def share(group: Sequence[_Response], choice: str) -> float:
        return sum(choice in (r.picked or ()) for r in group) / len(group)

    return tuple(
        ChoicePick(cid, text, correct, share(stronger, cid), share(weaker, cid))
        for cid, text, correct in choices
    )


def _decision_gap(
    responses: Sequence[_Response], decisions: Mapping[int, str], t: Thresholds
) -> DecisionGap | None:
    advanced = [r.value for r in responses if decisions.get(r.screening_id) == "advance"]
    rejected = [r.value for r in responses if decisions.get(r.screening_id) == "reject"]
    if len(advanced) < t.min_group or len(rejected) < t.min_group:
        return None
    a, r = sum(advanced) / len(advanced), sum(rejected) / len(rejected)
    return DecisionGap(len(advanced), a, len(rejected), r, a - r)


def item_statistics(
    answers: Sequence[ItemAnswer],
    questions: Mapping[QuestionKey, Question],
    versions: Mapping[str, str] | None,
    parameters: Sequence[StoredItemParameters],
    decisions: Mapping[int, str],
    now: datetime,
    *,
    scope: str,
    thresholds: Thresholds | None = None,
    known: Mapping[QuestionKey, Question] | None = None,
) -> ItemReport:
    """Statistics of `questions` (in that order) from `answers`.

    `answers`: every stored answer of the screenings in scope, any bank (the other banks'
    answers inform each candidate's strength). `versions`: the bank version counted for each
    bank (None: every version). `parameters`: stored calibrations (any versions); the strength
    estimate uses them where stored and the question's prior elsewhere. `decisions`: the
    standing recruiter decision by screening. `known`: every question whose answers inform
    strength (default: `questions`), so a bank's report counts its candidates' other banks too.
    """
    t = thresholds or Thresholds()
    stored = {(p.bank_id, p.bank_version, p.question_id): p for p in parameters}
    params: dict[tuple[str, str, str], tuple[float, float]] = {}
    for answer in answers:
        key = _key(answer)
        if key in params:
            continue
        row = stored.get(key)
        question = (known or questions).get((answer.bank_id, answer.question_id))
        prior = question_prior(question) if question is not None else None
        if row is not None:
            params[key] = (row.a, row.b)
        elif prior is not None:
            params[key] = (prior.a, prior.b)
    strength = rest_abilities(answers, params)

    def counted(answer: ItemAnswer) -> bool:
        return versions is None or versions.get(answer.bank_id) == answer.bank_version

    by_question: dict[QuestionKey, list[_Response]] = defaultdict(list)
    bank_screenings: dict[str, set[int]] = defaultdict(set)
    for n, answer in enumerate(answers):
        if not counted(answer) or answer.max_points <= 0:
            continue
        key_q = (answer.bank_id, answer.question_id)
        if key_q not in questions or n not in strength:
            continue
        bank_screenings[answer.bank_id].add(answer.screening_id)
        picked = (
            frozenset(part for part in answer.raw.split(",") if part)
            if answer.raw is not None
            else None
        )
        by_question[key_q].append(
            _Response(
                answer.screening_id,
                response_value(answer.points, answer.max_points),
                picked,
                answer.seconds,
                answer.answered_at,
                strength[n],
            )
        )

    in_scope = {a.screening_id for a in answers if counted(a)}
    decided = sum(1 for sid, d in decisions.items() if sid in in_scope and d in DECIDED)
    outcomes = decided >= t.min_decisions
    window = timedelta(days=t.window_days)
    items = []
    for (bank, qid), question in questions.items():
        responses = by_question.get((bank, qid), [])
        version = versions.get(bank) if versions is not None else None
        row = stored.get((bank, version, qid)) if version is not None else None
        asked = len({r.screening_id for r in responses})
        screenings = len(bank_screenings.get(bank, ()))
        # The last window is open-ended: an answer stamped a little after `now` (another
        # machine's clock) still counts as recent.
        last = _window([r for r in responses if r.answered_at > now - window])
        previous = _window(
            [r for r in responses if now - 2 * window < r.answered_at <= now - window]
        )
        drift = (
            last.share_right - previous.share_right
            if last.share_right is not None and previous.share_right is not None
            else None
        )
        item = ItemStats(
            bank=bank,
            question=qid,
            type=question.type,
            n=len(responses),
            share_right=_mean([r.value for r in responses]),
            item_total=point_biserial(
                [r.value for r in responses], [r.strength for r in responses]
            ),
            a=row.a if row is not None else None,
            a_se=row.a_se if row is not None else None,
            b=row.b if row is not None else None,
            b_se=row.b_se if row is not None else None,
            calibration=row.status if row is not None else None,
            median_seconds=_median([r.seconds for r in responses]),
            asked=asked,
            screenings=screenings,
            exposure=asked / screenings if screenings else None,
            last=last,
            previous=previous,
            drift=drift,
            choices=_choice_picks(question, responses),
            decision=_decision_gap(responses, decisions, t) if outcomes else None,
        )
        items.append(_with_flags(item, t))
    return ItemReport(scope, len(in_scope), decided, outcomes, t, tuple(items))


def _with_flags(item: ItemStats, t: Thresholds) -> ItemStats:
    return replace(item, flags=flags_for(item, t))


async def item_stats_for(
    database: Database,
    catalog: Catalog,
    now: datetime,
    *,
    flow: str | None = None,
    bank: str | None = None,
    all_versions: bool = False,
    thresholds: Thresholds | None = None,
) -> ItemReport:
    """Statistics of one flow's questions (its screenings' answers), one bank's (every flow's
    answers), or every bank's; at each bank's current version unless `all_versions`."""
    if flow is not None and bank is not None:
        raise ScreenbotError("give --flow or --bank, not both")
    if flow is not None:
        banks = list(dict.fromkeys(s.bank for s in catalog.flow(flow).sections))
        answers = await item_answers(database, flow_id=flow)
        decisions = await latest_decisions(database, flow)
        scope = f"flow {flow}"
    else:
        if bank is not None and bank not in catalog.banks:
            raise ScreenbotError(f"no bank {bank!r}; banks: {', '.join(sorted(catalog.banks))}")
        banks = [bank] if bank is not None else sorted(catalog.banks)
        answers = await item_answers(database)
        if bank is not None:
            asked = {a.screening_id for a in answers if a.bank_id == bank}
            answers = [a for a in answers if a.screening_id in asked]
        decisions = await latest_decisions(database)
        scope = f"bank {bank}" if bank is not None else "every bank"
    known = {
        (b.id, q.id): q
        for b in catalog.banks.values()
        for q in b.questions
        if question_prior(q) is not None
    }
    questions = {
        (b, q.id): q for b in banks for q in catalog.banks[b].questions if (b, q.id) in known
    }
    versions = None if all_versions else {b: catalog.bank_version(b) for b in catalog.banks}
    parameters = await parameters_of(database)
    return item_statistics(
        answers,
        questions,
        versions,
        parameters,
        decisions,
        now,
        scope=scope,
        thresholds=thresholds,
        known=known,
    )
