"""`screenbot rescore FLOW`: finished screenings scored again under the current bank versions
(a fixed key counts) and item parameters, each change kept in an audit row, and who moved in
the ranking."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from screenbot.content.catalog import Catalog
from screenbot.engine.item_params import Calibrations
from screenbot.engine.rescoring import rescored
from screenbot.engine.turn import Context
from screenbot.store.database import Database
from screenbot.store.rescoring import Rescore, finished_screenings, save_rescores


@dataclass(frozen=True)
class Move:
    """One finished screening's place in the flow's ranking before and after (1 = best)."""

    screening_id: int
    candidate_id: int
    name: str
    old_score: float
    new_score: float
    old_rank: int
    new_rank: int
    old_passed: bool | None
    new_passed: bool | None


@dataclass(frozen=True)
class RescoreResult:
    """What a rescore found: every finished screening's move, how many changed, which were left
    alone because they changed while the rescore ran, and whether it was stored."""

    moves: tuple[Move, ...]
    changed: int
    skipped: tuple[int, ...]
    stored: bool

    @property
    def moved(self) -> tuple[Move, ...]:
        """The screenings whose rank changed, by new rank."""
        return tuple(
            sorted((m for m in self.moves if m.old_rank != m.new_rank), key=lambda m: m.new_rank)
        )


def _ranks(scores: dict[int, float]) -> dict[int, int]:
    order = sorted(scores, key=lambda sid: (-scores[sid], sid))
    return {sid: n for n, sid in enumerate(order, 1)}


async def rescore_flow(
    database: Database,
    catalog: Catalog,
    calibrations: Calibrations,
    flow_id: str,
    now: datetime,
    *,
    dry_run: bool = False,
) -> RescoreResult:
    """Re-score every finished screening of the flow; store the changed ones (with an audit row
    each) unless `dry_run`."""
    flow = catalog.flow(flow_id)
    context = Context(catalog, now, random.Random(0), calibrations=calibrations)
    versions = catalog.bank_versions(flow)
    found = await finished_screenings(database, flow_id)
    changes: list[Rescore] = []
    new_scores: dict[int, float] = {}
    for screening in found:
        state = rescored(screening.state, context)
        merged = {**screening.bank_versions, **versions}
        if state != screening.state or merged != screening.bank_versions:
            changes.append(Rescore(screening, state, merged))
        new_scores[screening.screening_id] = state.score or 0.0
    skipped: Sequence[int] = ()
    if changes and not dry_run:
        skipped = await save_rescores(database, changes, now)
    old_scores = {s.screening_id: s.state.score or 0.0 for s in found}
    for sid in skipped:
        new_scores[sid] = old_scores[sid]
    old_rank, new_rank = _ranks(old_scores), _ranks(new_scores)
    new_passed = {c.before.screening_id: c.state.passed for c in changes}
    moves = tuple(
        Move(
            s.screening_id,
            s.candidate_id,
            str(s.state.profile_dict.get("full_name") or f"candidate {s.candidate_id}"),
            old_scores[s.screening_id],
            new_scores[s.screening_id],
            old_rank[s.screening_id],
            new_rank[s.screening_id],
            s.state.passed,
            new_passed.get(s.screening_id, s.state.passed)
            if s.screening_id not in skipped
            else s.state.passed,
        )
        for s in found
    )
    return RescoreResult(moves, len(changes) - len(skipped), tuple(skipped), not dry_run)


def describe(result: RescoreResult, flow_id: str) -> list[str]:
    """Lines for people: what changed, then each move in the ranking (old rank -> new rank)."""
    verb = "would change" if not result.stored else "changed"
    lines = [f"{flow_id}: {len(result.moves)} finished screening(s), {result.changed} {verb}."]
    for m in result.moved:
        passed = ""
        if m.old_passed != m.new_passed:
            passed = f", {'passes' if m.new_passed else 'no longer passes'}"
        lines.append(
            f"  #{m.old_rank} -> #{m.new_rank}  {m.name} (screening {m.screening_id}): "
            f"{m.old_score:.3f} -> {m.new_score:.3f}{passed}"
        )
    if not result.moved:
        lines.append("  nobody moved in the ranking.")
    for sid in result.skipped:
        lines.append(f"  screening {sid} changed while rescoring ran: left as it was; run again")
    if not result.stored:
        lines.append("dry run: nothing stored.")
    return lines
