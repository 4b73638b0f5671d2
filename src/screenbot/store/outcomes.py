"""Recruiters' latest decision on each screening, for fairness and item-outcome analysis."""

from __future__ import annotations

from sqlalchemy import select

from screenbot.store.database import Database
from screenbot.store.schema import Decision, Screening


async def latest_decisions(database: Database, flow_id: str | None = None) -> dict[int, str]:
    """The decision standing on each decided screening (of one flow, or all): the latest."""
    query = (
        select(Decision.screening_id, Decision.decision)
        .join(Screening, Screening.id == Decision.screening_id)
        .order_by(Decision.screening_id, Decision.decided_at, Decision.id)
    )
    if flow_id is not None:
        query = query.where(Screening.flow_id == flow_id)
    rows = await database.read(lambda conn: conn.execute(query).all())
    return {row.screening_id: row.decision for row in rows}
