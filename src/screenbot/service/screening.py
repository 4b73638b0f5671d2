"""`ScreeningService`: every channel's way in. Turns are queued and committed in groups.

Each inbound event is deduplicated, decided by the engine, and its answer, new state and replies
(the outbox) are written in the same transaction. Events that arrive while a transaction runs
wait and share the next one (group commit): one commit per batch instead of one per message.
A batch that fails is retried one event at a time, so a bad event fails only its own caller.
While the database is unreachable (a restart, a failover) the batch waits and tries again, for
up to `outage_patience`; a retried commit that had in fact gone through is recognised by its
event keys, so nothing is stored twice.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from screenbot.clock import Clock, utcnow
from screenbot.content.catalog import Catalog
from screenbot.engine.irt import ItemParams
from screenbot.engine.item_params import NO_CALIBRATIONS, Calibrations
from screenbot.engine.messages import Ask
from screenbot.logs import current_screening
from screenbot.metrics import Metrics
from screenbot.service.envelope import Inbound, Turn
from screenbot.service.turns import run_turns
from screenbot.store.database import Database, is_outage
from screenbot.store.item_parameters import usable_parameters
from screenbot.store.outbox import DEFAULT_LEASE, Delivery, Outbox
from screenbot.store.repository import Repository, transaction

log = logging.getLogger(__name__)
MAX_BATCH = 256
MARK_WITHIN = 0.25  # seconds a noted send may wait for another commit to ride on
MAX_CHATS_REMEMBERED = 100_000


def _new_seed() -> int:
    return secrets.randbits(62)


@dataclass
class _Job:
    """A queued turn, or replies to mark sent; its future settles once the batch commits."""

    future: asyncio.Future[Turn | None]
    inbound: Inbound | None = None
    sent: Sequence[int] = field(default_factory=tuple)


class ScreeningService:
    """Serves every channel; keeps no candidate state between calls, only work in flight."""

    def __init__(
        self,
        database: Database,
        catalog: Catalog,
        *,
        seeds: Callable[[], int] = _new_seed,
        clock: Clock = utcnow,
        metrics: Metrics | None = None,
        lease: timedelta = DEFAULT_LEASE,
        outage_patience: float = 30.0,
        min_answers_to_calibrate: int = 30,
    ) -> None:
        self.database = database
        self.min_answers_to_calibrate = min_answers_to_calibrate
        self.calibrations: Calibrations = NO_CALIBRATIONS
        self.metrics = metrics or Metrics()
        self.catalog = catalog
        self.outbox = Outbox(database, lease)
        self.outage_patience = outage_patience
        self._seeds = seeds
        self._clock = clock
        self._queue: list[_Job] = []
        self._drainer: asyncio.Task[None] | None = None
        self._noted: list[int] = []
        self._marker: asyncio.Task[None] | None = None
        # questions held in this process, not yet sent: id -> ((channel, address), until)
        self._unsent: dict[int, tuple[tuple[str, str], float]] = {}
        self._deferring: set[str] = set()
        self._asked_as: dict[tuple[str, str], int] = {}  # chat -> its latest question's number

    async def handle(self, inbound: Inbound) -> Turn:
        """Decide one event and store its outcome; `Turn.duplicate` if it was handled before."""
        started = time.perf_counter()
        turn = await self._submit(inbound=inbound)
        assert turn is not None
        channel = inbound.identity.channel
        self.metrics.turn_seconds.observe(time.perf_counter() - started)
        self.metrics.messages_in.labels(channel).inc()
        if turn.duplicate:
            self.metrics.duplicates.labels(channel).inc()
        if turn.screening_id is not None:
            current_screening.set(turn.screening_id)
        log.info(
            "turn handled",
            extra={
                "screening_id": turn.screening_id,
                "channel": channel,
                "duplicate": turn.duplicate,
                "advanced": turn.advanced,
                "replies": len(turn.deliveries),
            },
        )
        return turn

    async def delivered(self, deliveries: Sequence[Delivery]) -> None:
        """Mark replies as sent, so a restart does not send them again; returns once stored."""
        self.let_go(deliveries)
        if deliveries:
            await self._submit(sent=[d.id for d in deliveries])

    def note_sent(self, deliveries: Sequence[Delivery]) -> None:
        """Mark replies as sent with the next commit, at most `MARK_WITHIN` seconds away.

        What couriers use: a mark needs no commit of its own. A crash before it is stored only
        means the reply may go out again (a question the chat has moved past does not).
        """
        if not deliveries:
            return
        self.let_go(deliveries)
        self._noted.extend(d.id for d in deliveries)
        if self._marker is None or self._marker.done():
            self._marker = asyncio.create_task(self._mark_soon())

    def replies_go_later(self, channel: str) -> None:
        """`channel` sends a turn's replies after the turn, queued behind its rate limits: its
        questions count as unsent from the commit until a courier hands them to the platform,
        so a text that chat sends meanwhile is not taken as an answer (see `run_turns`)."""
        self._deferring.add(channel)

    def hold(self, channel: str, deliveries: Sequence[Delivery]) -> None:
        """The questions among a turn's `deliveries` wait in this process to be sent: until a
        courier lets go of them, or until a pump anywhere could have taken them (their lease
        and a half), their chat has not seen them. (What a pump sends is not held: a process
        that died may have sent it already.)"""
        until = time.monotonic() + self.outbox.lease.total_seconds() * 1.5
        for delivery in deliveries:
            if isinstance(delivery.message, Ask):
                self._unsent[delivery.id] = ((channel, delivery.address), until)

    def let_go(self, deliveries: Sequence[Delivery]) -> None:
        """`deliveries` no longer wait here: the platform has them (the person may be reading
        them), or it refused them for good."""
        for delivery in deliveries:
            self._unsent.pop(delivery.id, None)

    def asked(self, channel: str, address: str, sequence: int) -> None:
        """A question went out as the chat's message number `sequence`: a message from that
        chat numbered lower was typed before it arrived, so it does not answer it."""
        chat = (channel, address)
        self._asked_as.pop(chat, None)
        self._asked_as[chat] = sequence
        if len(self._asked_as) > MAX_CHATS_REMEMBERED:
            for stale in list(self._asked_as)[: MAX_CHATS_REMEMBERED // 2]:
                del self._asked_as[stale]

    async def reload_calibrations(self) -> int:
        """Take up the stored calibrated item parameters of questions with at least
        `min_answers_to_calibrate` answers; later turns select and score with them (a finished
        screening keeps its score). Returns how many questions have some."""
        rows = await usable_parameters(self.database, self.min_answers_to_calibrate)
        found = Calibrations.of(
            ((r.bank_id, r.bank_version, r.question_id), ItemParams(r.a, r.b, r.a_se, r.b_se))
            for r in rows
        )
        if found.stamp != self.calibrations.stamp:
            log.info("item parameters: %d calibrated question(s) in use", len(found))
        self.calibrations = found
        return len(found)

    # --- what couriers ask of the outbox ----------------------------------------------------

    @property
    def lease(self) -> timedelta:
        """How long a claimed reply is the claimer's to send before any pump may take it."""
        return self.outbox.lease

    async def unsent(self, channel: str, address: str) -> list[Delivery]:
        """A chat's replies not yet sent, claimed or not, oldest first."""
        return await self.outbox.pending(channel, address=address)

    async def claim_unsent(self, channel: str, *, steal: bool = False) -> list[Delivery]:
        """Replies whose sender gave up or died, now this caller's to send (see `Outbox`)."""
        return await self.outbox.claim(channel, self._clock(), steal=steal)

    async def send_failed(self, delivery: Delivery, error: str) -> None:
        """An attempt that may succeed later: the reply stays unsent."""
        await self.outbox.failed(delivery, error)

    async def undeliverable(self, delivery: Delivery, error: str) -> None:
        """A reply the platform will never take: stop trying it."""
        await self.outbox.give_up(delivery, error, self._clock())

    async def unreachable(self, candidate_id: int) -> None:
        """The person blocked the bot: nothing more is sent to them."""
        await self.outbox.blocked(candidate_id, self._clock())

    def _waiting_chats(self) -> frozenset[tuple[str, str]]:
        now = time.monotonic()
        for delivery_id in [i for i, (_, until) in self._unsent.items() if until < now]:
            del self._unsent[delivery_id]
        return frozenset(chat for chat, _ in self._unsent.values())

    async def flush(self) -> None:
        """Store the sends noted so far; for shutting down."""
        if self._noted:
            await self._submit()

    async def _mark_soon(self) -> None:
        """Store noted sends until none are left, including any noted while a commit ran."""
        pause = MARK_WITHIN
        while self._noted:
            await asyncio.sleep(pause)
            try:
                await self.flush()
                pause = MARK_WITHIN
            except Exception:  # kept in `_noted` by `_commit`; tried again, more slowly
                log.warning("marking replies as sent failed; retrying", exc_info=True)
                pause = min(pause * 2, 5.0)

    async def _submit(
        self, *, inbound: Inbound | None = None, sent: Sequence[int] = ()
    ) -> Turn | None:
        job = _Job(asyncio.get_running_loop().create_future(), inbound, sent)
        self._queue.append(job)
        if self._drainer is None or self._drainer.done():
            self._drainer = asyncio.create_task(self._drain())
        return await job.future

    async def _drain(self) -> None:
        while self._queue:
            batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
            try:
                await self._commit_through_outages(batch)
            except Exception as exc:  # handed to each waiting caller below
                if len(batch) == 1:
                    _settle(batch[0], exc)
                    continue
                log.warning("a batch of %d turns failed; retrying them one by one", len(batch))
                for job in batch:
                    try:
                        await self._commit([job])
                    except Exception as single:  # the caller gets it
                        _settle(job, single)

    async def _commit_through_outages(self, batch: list[_Job]) -> None:
        pause = 0.1
        deadline = time.monotonic() + self.outage_patience
        while True:
            try:
                return await self._commit(batch)
            except Exception as exc:
                if not is_outage(exc) or time.monotonic() + pause > deadline:
                    raise
                self.metrics.database_retries.inc()
                log.warning(
                    "database unreachable (%s); retrying in %.1f s", _first_line(exc), pause
                )
            await asyncio.sleep(pause)
            pause = min(pause * 2, 2.0)

    async def _commit(self, batch: list[_Job]) -> None:
        inbounds = [j.inbound for j in batch if j.inbound is not None]
        noted, self._noted = self._noted, []
        sent = [*(i for j in batch for i in j.sent), *noted]
        asked_as = {i.chat: self._asked_as[i.chat] for i in inbounds if i.chat in self._asked_as}
        waiting = self._waiting_chats()
        now = self._clock()

        def work(repo: Repository) -> tuple[list[Turn], list[tuple[str, str]]]:
            repo.mark_sent(sent, now)
            return run_turns(
                repo,
                self.catalog,
                inbounds,
                self._seeds,
                now,
                now + self.outbox.lease,
                waiting,
                asked_as,
                self.calibrations,
            )

        try:
            turns, outcomes = await transaction(self.database, work)
        except BaseException:
            self._noted[:0] = noted
            raise
        for flow_id, outcome in outcomes:
            self.metrics.screenings.labels(flow_id, outcome).inc()
        results = iter(turns)
        for job in batch:
            turn = next(results) if job.inbound is not None else None
            if turn is not None and job.inbound is not None:
                channel = job.inbound.identity.channel
                if channel in self._deferring:
                    self.hold(channel, turn.deliveries)
            _settle(job, turn)


def _first_line(exc: BaseException) -> str:
    return str(exc).split("\n", 1)[0][:200]


def _settle(job: _Job, outcome: Turn | BaseException | None) -> None:
    if job.future.done():  # the caller stopped waiting
        return
    if isinstance(outcome, BaseException):
        job.future.set_exception(outcome)
    else:
        job.future.set_result(outcome)
