"""Calibrated item parameters: written by a calibration run, read by every process that screens."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, insert, select

from screenbot.store.database import Database
from screenbot.store.schema import ItemParameter

#: The status a calibration gives a question with too few answers: its row carries the prior.
TOO_FEW_ANSWERS = "too_few_answers"


@dataclass(frozen=True)
class StoredItemParameters:
    """One question's parameters at one bank version from the latest calibration: `a`/`b` (with
    standard errors) are what to use, `fitted_a`/`fitted_b` what the fit reached, `status`
    why (`calibrated`, `too_few_answers`, `not_converged`), `detail` in words."""

    bank_id: str
    bank_version: str
    question_id: str
    a: float
    b: float
    a_se: float | None
    b_se: float | None
    fitted_a: float | None
    fitted_b: float | None
    answers: int
    status: str
    detail: str
    calibrated_at: datetime


_COLUMNS = (
    ItemParameter.bank_id,
    ItemParameter.bank_version,
    ItemParameter.question_id,
    ItemParameter.a,
    ItemParameter.b,
    ItemParameter.a_se,
    ItemParameter.b_se,
    ItemParameter.fitted_a,
    ItemParameter.fitted_b,
    ItemParameter.answers,
    ItemParameter.status,
    ItemParameter.detail,
    ItemParameter.calibrated_at,
)


async def parameters_of(
    database: Database, bank_id: str | None = None, bank_version: str | None = None
) -> list[StoredItemParameters]:
    """Stored parameters, of one bank (and version) or of all, by bank, version and question."""
    query = select(*_COLUMNS).order_by(
        ItemParameter.bank_id, ItemParameter.bank_version, ItemParameter.question_id
    )
    if bank_id is not None:
        query = query.where(ItemParameter.bank_id == bank_id)
    if bank_version is not None:
        query = query.where(ItemParameter.bank_version == bank_version)
    rows = await database.read(lambda conn: conn.execute(query).all())
    return [StoredItemParameters(*tuple(row)) for row in rows]


async def usable_parameters(database: Database, min_answers: int) -> list[StoredItemParameters]:
    """Parameters a screening may use: from a fit (kept or new) on at least `min_answers`."""
    query = select(*_COLUMNS).where(
        ItemParameter.status != TOO_FEW_ANSWERS, ItemParameter.answers >= min_answers
    )
    rows = await database.read(lambda conn: conn.execute(query).all())
    return [StoredItemParameters(*tuple(row)) for row in rows]


async def replace_parameters(
    database: Database, bank_id: str, bank_version: str, rows: Sequence[StoredItemParameters]
) -> None:
    """Store a calibration run of one bank version: its rows replace that version's old ones,
    in one transaction, so readers see the old set or the new one."""

    def work(conn: Connection) -> None:
        conn.execute(
            delete(ItemParameter).where(
                ItemParameter.bank_id == bank_id, ItemParameter.bank_version == bank_version
            )
        )
        if rows:
            conn.execute(insert(ItemParameter), [_values(r) for r in rows])

    await database.write(work)


def _values(row: StoredItemParameters) -> dict[str, object]:
    return {column.key: getattr(row, column.key) for column in _COLUMNS}


def by_question(rows: Iterable[StoredItemParameters]) -> dict[str, StoredItemParameters]:
    """Rows of one bank version by question id."""
    return {r.question_id: r for r in rows}
