"""`RecruitingService`: what recruiters may do and what they get, whatever app they press in.

Slack (and any later console) asks it who may act on an opening, records decisions with the
candidate's notification, reads a screening's answers back and builds shortlists on demand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from screenbot.clock import Clock, utcnow
from screenbot.content.catalog import Catalog
from screenbot.content.flows import Flow
from screenbot.engine.messages import Notice
from screenbot.recruiting.digest import DECISIONS
from screenbot.recruiting.digests import Digest, Digests
from screenbot.store.answers import answers_of
from screenbot.store.database import Database
from screenbot.store.decisions import flow_of, record_decision
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


@dataclass(frozen=True)
class TranscriptLine:
    """One answered question as a recruiter reads it: numbered in the order asked, with the bank's
    title, the question's text, the answer, its points and the seconds it took."""

    number: int
    section: str
    question: str
    answer: str
    points: float
    max_points: float
    seconds: float


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
                )
            )
        return lines

    async def shortlist(self, flow: Flow) -> Digest:
        """The flow's digest as of now, for a recruiter who asked for it."""
        return await self.digests.build(flow, self._clock())
