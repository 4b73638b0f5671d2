"""The grading worker: free-text answers graded off the turn's path, a batch at a time.

A turn stores a free-text answer `pending` and marks its screening as grading; the candidate's
reply never waits for the model. This worker, running in the bot's process (any number of
processes may run one: answers are claimed with a lease), claims a batch, grades it with the
shared grader on a thread, records each grade (score, per-concept credit and evidence, flags,
grader version, needs review), and makes final the totals of ended screenings whose answers
are all graded.

If the model cannot be loaded the bot keeps screening: answers stay pending (nothing is
claimed, nothing lost), the worker tries the model again with a growing pause, and `/healthz`
and `/metrics` show the backlog and the model's state.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from screenbot.clock import Clock, utcnow
from screenbot.content.catalog import Catalog
from screenbot.content.models import FreeTextQuestion
from screenbot.engine.state import ScreeningState
from screenbot.engine.totals import regraded
from screenbot.errors import GraderUnavailableError
from screenbot.grading import Grade, shared_grader
from screenbot.metrics import Metrics
from screenbot.store.database import Database
from screenbot.store.grading import GradingQueue, NewGrade, Recompute, Ungraded

log = logging.getLogger(__name__)

BATCH = 64
MAX_ATTEMPTS = 5  # an answer that breaks the grader this often is left to a person
NOT_LOADED = "not loaded"
READY = "ready"
UNAVAILABLE = "unavailable"


class LoadableGrader(Protocol):
    """What the worker needs of a grader: load it, name it, grade a batch."""

    @property
    def name(self) -> str:
        """Grader and model versions, stored with every grade."""
        ...

    def load(self) -> None:
        """Load the model; raises GraderUnavailableError when it cannot be."""
        ...

    def grade_batch(self, items: Sequence[tuple[FreeTextQuestion, str]]) -> list[Grade]:
        """One grade per (question, answer), in order."""
        ...

    def close(self) -> None:
        """Let go of what the grader holds (a child process, say) when the worker stops."""
        ...


def recompute_with(catalog: Catalog) -> Recompute:
    """The store's `Recompute` for this content: new points in, the flow's total out."""

    def recompute(state: ScreeningState, points: Mapping[int, float]) -> ScreeningState:
        return regraded(state, points, catalog)

    return recompute


class GradingWorker:
    """Grades pending free-text answers in batches of `batch`, pausing `idle` seconds when there
    are none, and up to `retry_max` seconds between tries of a model that will not load."""

    def __init__(
        self,
        database: Database,
        catalog: Catalog,
        *,
        metrics: Metrics | None = None,
        clock: Clock = utcnow,
        grader: Callable[[], LoadableGrader] = shared_grader,
        queue: GradingQueue | None = None,
        batch: int = BATCH,
        idle: float = 1.0,
        retry_max: float = 60.0,
    ) -> None:
        self.catalog = catalog
        self.metrics = metrics or Metrics()
        self.queue = queue or GradingQueue(database)
        self.batch = batch
        self.idle = idle
        self.retry_max = retry_max
        self.model = NOT_LOADED
        self.model_error: str | None = None
        self._clock = clock
        self._make_grader = grader
        self._grader: LoadableGrader | None = None
        self._task: asyncio.Task[None] | None = None
        self._halt = asyncio.Event()
        self._recompute = recompute_with(catalog)

    # --- running ------------------------------------------------------------------------------

    def start(self) -> None:
        """Grade in the background until `stop`."""
        if self._task is None or self._task.done():
            self._halt.clear()
            self._task = asyncio.create_task(self._forever(), name="grading worker")

    async def stop(self) -> None:
        """Stop once the batch in hand is graded and stored: cancelling it mid-batch would leave
        its answers claimed, so nobody could grade them until the claim lapsed."""
        if self._task is not None:
            self._halt.set()
            await self._task
            self._task = None
        if self._grader is not None:
            grader, self._grader, self.model = self._grader, None, NOT_LOADED
            await asyncio.to_thread(grader.close)

    async def _pause(self, seconds: float) -> None:
        """Sleep `seconds`, or less if asked to stop."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._halt.wait(), seconds)

    async def _forever(self) -> None:
        retry = 1.0
        while not self._halt.is_set():
            try:
                graded = await self.run_once()
            except Exception:  # the database away, say: nothing is lost, try again soon
                log.exception("grading a batch failed; retrying")
                graded = 0
            if self.model == UNAVAILABLE:
                await self._pause(retry)
                retry = min(retry * 2, self.retry_max)
                continue
            retry = 1.0
            if graded == 0:
                await self._pause(self.idle)

    async def run_until_idle(self) -> int:
        """Grade until nothing is pending or the model is unavailable; how many were graded."""
        total = 0
        while (graded := await self.run_once()) > 0:
            total += graded
        return total

    # --- one batch ----------------------------------------------------------------------------

    async def status(self) -> dict[str, Any]:
        """For /healthz: how many answers wait, and whether the model is there."""
        report: dict[str, Any] = {"backlog": await self.queue.backlog(), "model": self.model}
        if self.model == UNAVAILABLE and self.model_error:
            report["error"] = self.model_error[:200]
        return report

    async def _ready_grader(self) -> LoadableGrader | None:
        if self._grader is not None:
            return self._grader
        try:
            grader = self._make_grader()
            started = time.perf_counter()
            await asyncio.to_thread(grader.load)
        except GraderUnavailableError as exc:
            if self.model != UNAVAILABLE:
                log.warning("the grading model is unavailable; free-text grading waits: %s", exc)
            self.model, self.model_error = UNAVAILABLE, str(exc)
            self.metrics.grading_model_up.set(0)
            return None
        log.info("grading model loaded in %.2f s (%s)", time.perf_counter() - started, grader.name)
        self._grader, self.model, self.model_error = grader, READY, None
        self.metrics.grading_model_up.set(1)
        return grader

    async def run_once(self) -> int:
        """Claim one batch, grade it, store the grades and make final what can be; returns how
        many answers were graded (0 when none waited or the model is unavailable)."""
        grader = await self._ready_grader()
        if grader is None:
            return 0
        claimed = await self.queue.claim(self._clock(), self.batch)
        if claimed:
            try:
                grades = await self._grade(grader, claimed)
            except GraderUnavailableError as exc:
                await self.queue.release([a.answer_id for a in claimed])
                self._grader, self.model, self.model_error = None, UNAVAILABLE, str(exc)
                self.metrics.grading_model_up.set(0)
                log.warning("the grading model failed; free-text grading waits: %s", exc)
                return 0
            stored = await self.queue.record(grades, self._clock())
            for grade in grades:
                self.metrics.answers_graded.labels("failed" if grade.failed else "graded").inc()
            log.info("graded %d free-text answer(s), %d stored", len(grades), stored)
        await self.queue.finalise(self._recompute)
        return len(claimed)

    def _question(self, answer: Ungraded) -> FreeTextQuestion | None:
        bank = self.catalog.banks.get(answer.bank_id)
        if bank is None:
            return None
        found = next((q for q in bank.questions if q.id == answer.question_id), None)
        return found if isinstance(found, FreeTextQuestion) else None

    async def _grade(self, grader: LoadableGrader, claimed: list[Ungraded]) -> list[NewGrade]:
        """Grades for the claimed answers; one that breaks the grader is retried alone, and
        given up to a person after `MAX_ATTEMPTS` claims (left pending until then)."""
        out: list[NewGrade] = []
        todo: list[tuple[Ungraded, FreeTextQuestion]] = []
        for answer in claimed:
            question = self._question(answer)
            if question is None:
                out.append(_failed(answer, "the question is no longer in its bank"))
            else:
                todo.append((answer, question))
        if not todo:
            return out
        items = [(question, answer.raw) for answer, question in todo]
        try:
            grades = await asyncio.to_thread(grader.grade_batch, items)
        except GraderUnavailableError:
            raise
        except Exception:
            log.exception("grading a batch failed; grading its answers one at a time")
            for answer, question in todo:
                try:
                    [grade] = await asyncio.to_thread(grader.grade_batch, [(question, answer.raw)])
                except Exception as exc:
                    log.exception("an answer could not be graded (attempt %d)", answer.attempts)
                    if answer.attempts >= MAX_ATTEMPTS:
                        out.append(_failed(answer, f"the grader failed: {type(exc).__name__}"))
                    continue
                out.append(_graded(answer, grade, grader.name))
            return out
        out += [
            _graded(answer, grade, grader.name)
            for (answer, _), grade in zip(todo, grades, strict=True)
        ]
        return out


def _graded(answer: Ungraded, grade: Grade, by: str) -> NewGrade:
    return NewGrade(
        answer.answer_id,
        score=round(grade.score, 4),
        points=round(grade.score * answer.max_points, 4),
        by=by,
        needs_review=grade.needs_review,
        detail=grade.to_json(),
    )


def _failed(answer: Ungraded, why: str) -> NewGrade:
    return NewGrade(
        answer.answer_id,
        score=0.0,
        points=0.0,
        by="none",
        needs_review=True,
        detail={"error": why},
        failed=True,
    )
