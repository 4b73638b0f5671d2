"""`RecruitingService`: what recruiters may do and what they get, whatever app they press in.

Slack (and any later console) asks it who may act on an opening, records decisions with the
candidate's notification, reads a screening's answers back and builds shortlists on demand.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from screenbot.clock import Clock, utcnow
from screenbot.content.catalog import Catalog
from screenbot.content.flows import Flow
from screenbot.engine.messages import Notice
from screenbot.engine.totals import regraded
from screenbot.recruiting.digest import DECISIONS
from screenbot.recruiting.digests import Digest, Digests
from screenbot.store.answers import StoredTotal, answers_of, total_of
from screenbot.store.database import Database
from screenbot.store.decisions import flow_of, record_decision
from screenbot.store.grading import Grading, gradings_of, override_credit
from screenbot.store.outbox import DEFAULT_LEASE, Delivery


class Roster(Protocol):
    """Who is in a platform's channel: the platform knows, the service decides what it means."""

    async def includes(self, channel: str, user: str) -> bool:
        """Whether `user` is a member of `channel`, as the platform says now."""
        ...


@dataclass(frozen=True)
class Decided:
    """A recorded decision and the message that tells the candidate (None when there is none to
    send), on the candidate's `channel`: a decision taken on the same platform sends it at once."""

    screening_id: int
    flow_id: str
    decision: str
    at: datetime
    channel: str  # the candidate's
    notification: Delivery | None


#: A screening's total as recruiters read it: None until final, `grading` meanwhile.
Total = StoredTotal

#: The credit a recruiter can set on a free-text answer, as shares of its points.
CREDITS = {"full": 1.0, "half": 0.5, "none": 0.0}


@dataclass(frozen=True)
class ConceptLine:
    """One rubric concept of a graded free-text answer: the credit the grader gave, and the
    candidate's own sentence that earned it (or came closest), with the grader's flags."""

    concept: str
    credit: str
    evidence: str | None
    flags: tuple[str, ...]


@dataclass(frozen=True)
class FreeTextGrade:
    """How a free-text answer was graded: "pending" (the grader has not read it yet), "graded",
    "overridden" (by a recruiter, `set_by` at `set_at`) or "failed" (the grader could not read
    it); per-concept credit and evidence once the grader has read it."""

    status: str
    needs_review: bool
    concepts: tuple[ConceptLine, ...] = ()
    flags: tuple[str, ...] = ()
    grader_points: float | None = None
    set_by: str | None = None
    set_at: datetime | None = None


@dataclass(frozen=True)
class TranscriptLine:
    """One answered question as a recruiter reads it: numbered in the order asked, with the bank's
    title, the question's text, the answer, its points and the seconds it took; a free-text
    answer also with its grading."""

    number: int
    section: str
    question: str
    answer: str
    points: float
    max_points: float
    seconds: float
    grading: FreeTextGrade | None = None

    @property
    def position(self) -> int:
        """The answer's place in its screening, from 0: how the store names it."""
        return self.number - 1


@dataclass(frozen=True)
class CreditSet:
    """A recruiter's credit on a free-text answer, recorded: its points before and after."""

    screening_id: int
    position: int
    before: float
    after: float


def _free_text_grade(grading: Grading) -> FreeTextGrade:
    model, override = grading.model, grading.override
    detail = (model.detail or {}) if model is not None else {}
    concepts = tuple(
        ConceptLine(
            str(c.get("concept", "")),
            str(c.get("credit", "none")),
            c.get("evidence"),
            tuple(c.get("flags", ())),
        )
        for c in detail.get("concepts", ())
    )
    return FreeTextGrade(
        status=grading.status,
        needs_review=grading.needs_review,
        concepts=concepts,
        flags=tuple(detail.get("flags", ())),
        grader_points=model.points if model is not None else None,
        set_by=override.by if override is not None else None,
        set_at=override.graded_at if override is not None else None,
    )


class RecruitingService:
    """What recruiters may do, for any platform: decide on screenings (queueing the candidate's
    notification), read their answers back and build shortlists. Notifications are leased for
    `lease` when the deciding channel sends them itself."""

    def __init__(
        self,
        database: Database,
        catalog: Catalog,
        digests: Digests,
        *,
        clock: Clock = utcnow,
        lease: timedelta = DEFAULT_LEASE,
    ) -> None:
        self.database = database
        self.catalog = catalog
        self.digests = digests
        self._clock = clock
        self._lease = lease

    async def flow_of(self, screening_id: int) -> Flow | None:
        """The opening a screening belongs to, if both still exist."""
        flow_id = await flow_of(self.database, screening_id)
        return self.catalog.flows.get(flow_id or "")

    async def may_act(self, user: str, flow: Flow, roster: Roster) -> bool:
        """Recruiters are the users a flow lists, and members of its digest channels."""
        if flow.shortlist is None:
            return False
        if user in flow.shortlist.recruiters:
            return True
        for channel in await self.digests.channels_of(flow.id):
            if await roster.includes(channel, user):
                return True
        return False

    async def decide(
        self, screening_id: int, decision: str, by: str, *, sends_now: str | None = None
    ) -> Decided | None:
        """Record a decision and queue the flow's message to the candidate; None if the
        screening is gone (erased). A channel named `sends_now` sends that message at once."""
        if decision not in DECISIONS:
            raise ValueError(f"unknown decision {decision!r}")
        now = self._clock()

        def message_for(flow_id: str) -> Notice | None:
            flow = self.catalog.flows.get(flow_id)
            return None if flow is None else Notice(getattr(flow.decisions, decision))

        def claimed_until(channel: str) -> datetime | None:
            return now + self._lease if channel == sends_now else None

        recorded = await record_decision(
            self.database,
            screening_id,
            decision,
            by,
            now,
            message_for=message_for,
            claimed_until=claimed_until,
        )
        if recorded is None:
            return None
        return Decided(
            screening_id,
            recorded.flow_id,
            decision,
            now,
            recorded.channel,
            recorded.notification,
        )

    async def transcript(self, screening_id: int) -> list[TranscriptLine]:
        """Every answered question of a screening with its score, for recruiters only."""
        lines = []
        gradings = await gradings_of(self.database, screening_id)
        for answer in await answers_of(self.database, screening_id):
            bank = self.catalog.banks.get(answer.bank_id)
            question = (
                next((q.text for q in bank.questions if q.id == answer.question_id), None)
                if bank
                else None
            )
            lines.append(
                TranscriptLine(
                    number=answer.position + 1,
                    section=bank.title if bank else answer.bank_id,
                    question=question or f"({answer.question_id}, since removed)",
                    answer=answer.raw or "(erased)",
                    points=answer.points,
                    max_points=answer.max_points,
                    seconds=answer.seconds,
                    grading=(
                        _free_text_grade(gradings[answer.position])
                        if answer.position in gradings
                        else None
                    ),
                )
            )
        return lines

    async def total(self, screening_id: int) -> Total | None:
        """The screening's total, passed or not, or that it is still grading."""
        return await total_of(self.database, screening_id)

    async def set_credit(
        self, screening_id: int, position: int, credit: str, by: str
    ) -> CreditSet | None:
        """A recruiter sets a free-text answer's credit (full, half or none of its points),
        recorded with who and when beside the grader's grade, which is kept; the screening's
        total (and so its rank) follows at once once its answers are all graded. None when the
        screening has no free-text answer there. The caller checks `may_act` first."""
        if credit not in CREDITS:
            raise ValueError(f"unknown credit {credit!r}")
        done = await override_credit(
            self.database,
            screening_id,
            position,
            CREDITS[credit],
            by,
            self._clock(),
            functools.partial(regraded, catalog=self.catalog),
        )
        if done is None:
            return None
        return CreditSet(screening_id, position, done.before, done.after)

    async def shortlist(self, flow: Flow) -> Digest:
        """The flow's digest as of now, for a recruiter who asked for it."""
        return await self.digests.build(flow, self._clock())
