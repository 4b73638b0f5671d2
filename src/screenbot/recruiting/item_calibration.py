"""Calibrating the banks from stored answers: `screenbot items calibrate` and the nightly job.

Each bank is calibrated at its current version (the version screenings use now), all its
automatically scored questions together, from every stored answer to that version; the persons
are screenings. Every question's outcome is stored (`store/item_parameters.py`): calibrated
parameters with standard errors, the prior kept because there were too few answers, or the
previous parameters kept because the fit did not converge (flagged). Screenings use calibrated
parameters only for questions with at least the configured number of answers
(SCREENBOT_MIN_ANSWERS_TO_CALIBRATE), and a finished screening keeps the score it was given.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from screenbot.content.catalog import Catalog
from screenbot.engine.irt import ItemParams, response_value
from screenbot.engine.item_params import question_prior
from screenbot.errors import ScreenbotError
from screenbot.recruiting.calibration import ItemStatus, calibrate
from screenbot.store.database import Database
from screenbot.store.item_answers import item_answers
from screenbot.store.item_parameters import (
    TOO_FEW_ANSWERS,
    StoredItemParameters,
    by_question,
    parameters_of,
    replace_parameters,
)


@dataclass(frozen=True)
class QuestionOutcome:
    """What a calibration run made of one question: `params` is what screenings use now."""

    question: str
    status: ItemStatus
    answers: int
    params: ItemParams
    fitted: ItemParams | None
    detail: str


@dataclass(frozen=True)
class BankOutcome:
    """One bank's calibration run: its version, how many screenings answered it, the EM cycles
    run, and every automatically scored question's outcome."""

    bank: str
    version: str
    persons: int
    cycles: int
    questions: tuple[QuestionOutcome, ...]

    def count(self, status: ItemStatus) -> int:
        """How many questions ended with `status`."""
        return sum(q.status is status for q in self.questions)


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _previous(row: StoredItemParameters | None) -> ItemParams | None:
    if row is None or row.status == TOO_FEW_ANSWERS:
        return None
    return ItemParams(row.a, row.b, row.a_se, row.b_se)


async def calibrate_bank(
    database: Database, catalog: Catalog, bank_id: str, now: datetime, *, min_answers: int
) -> BankOutcome:
    """Calibrate one bank at its current version from the stored answers and store the result."""
    bank = catalog.banks.get(bank_id)
    if bank is None:
        raise ScreenbotError(f"no bank {bank_id!r}; banks: {', '.join(sorted(catalog.banks))}")
    version = catalog.bank_version(bank_id)
    scored = [(q, p) for q in bank.questions if (p := question_prior(q)) is not None]
    index = {q.id: n for n, (q, _) in enumerate(scored)}
    priors = [p for _, p in scored]
    answers = [
        a
        for a in await item_answers(database, bank_id=bank_id, bank_version=version)
        if a.question_id in index and a.max_points > 0
    ]
    stored = by_question(await parameters_of(database, bank_id, version))
    previous = [_previous(stored.get(q.id)) for q, _ in scored]
    result = await asyncio.to_thread(  # seconds of numpy on a big bank: not on the event loop
        calibrate,
        [a.screening_id for a in answers],
        [index[a.question_id] for a in answers],
        [response_value(a.points, a.max_points) for a in answers],
        priors,
        previous,
        min_answers=min_answers,
    )
    outcomes = tuple(
        QuestionOutcome(q.id, r.status, r.answers, r.params, r.fitted, r.detail)
        for (q, _), r in zip(scored, result.items, strict=True)
    )
    await replace_parameters(
        database, bank_id, version, [_row(bank_id, version, o, now) for o in outcomes]
    )
    return BankOutcome(bank_id, version, result.persons if answers else 0, result.cycles, outcomes)


def _row(bank: str, version: str, outcome: QuestionOutcome, now: datetime) -> StoredItemParameters:
    p, fitted = outcome.params, outcome.fitted
    return StoredItemParameters(
        bank_id=bank,
        bank_version=version,
        question_id=outcome.question,
        a=p.a,
        b=p.b,
        a_se=_finite(p.a_se),
        b_se=_finite(p.b_se),
        fitted_a=fitted.a if fitted is not None else None,
        fitted_b=fitted.b if fitted is not None else None,
        answers=outcome.answers,
        status=outcome.status.value,
        detail=outcome.detail,
        calibrated_at=now,
    )


async def calibrate_banks(
    database: Database,
    catalog: Catalog,
    now: datetime,
    *,
    bank: str | None = None,
    min_answers: int,
    unless_since: datetime | None = None,
) -> list[BankOutcome]:
    """Calibrate one bank, or every bank with automatically scored questions, by bank id.

    `unless_since`: skip a bank whose current version was calibrated at or after this time (by
    another process of the same deployment, whose nightly job ran first)."""
    banks = [bank] if bank is not None else sorted(catalog.banks)
    outcomes = []
    for bank_id in banks:
        if bank is None and not any(
            question_prior(q) is not None for q in catalog.banks[bank_id].questions
        ):
            continue
        if unless_since is not None:
            stored = await parameters_of(database, bank_id, catalog.bank_version(bank_id))
            if any(p.calibrated_at >= unless_since for p in stored):
                continue
        outcomes.append(
            await calibrate_bank(database, catalog, bank_id, now, min_answers=min_answers)
        )
    return outcomes


def summary(outcomes: Sequence[BankOutcome], min_answers: int) -> list[str]:
    """Lines for people: per bank, what was calibrated, what kept its prior for too few answers,
    what did not converge (previous parameters kept); then each question that did not converge."""
    lines = []
    for o in outcomes:
        lines.append(
            f"{o.bank} (version {o.version}, {o.persons} screenings): "
            f"{o.count(ItemStatus.CALIBRATED)} calibrated, "
            f"{o.count(ItemStatus.TOO_FEW_ANSWERS)} kept their prior "
            f"(fewer than {min_answers} answers), "
            f"{o.count(ItemStatus.NOT_CONVERGED)} did not converge (previous parameters kept)"
        )
        for q in o.questions:
            if q.status is ItemStatus.NOT_CONVERGED:
                lines.append(f"  ! {o.bank}/{q.question}: {q.detail}")
    return lines
