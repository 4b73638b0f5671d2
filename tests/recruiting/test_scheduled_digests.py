"""Digests post exactly once per slot: across processes, restarts, downtime and Slack failures."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import pytest

from screenbot.channels.slack.client import SlackPoster
from screenbot.content.catalog import Catalog
from screenbot.recruiting.digests import Digests, SlotOutcome
from screenbot.scheduling import JobScheduler, cron_trigger, latest_fire
from screenbot.store.database import Database, open_database
from tests.conftest import Clock
from tests.fakes.slack_api import FakeSlack
from tests.recruiting.conftest import finish

MONDAY_0900_PKT = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)


async def test_two_processes_post_a_slot_once(
    database: Database, catalog: Catalog, poster: SlackPoster, slack: FakeSlack
) -> None:
    flow = catalog.flow("backend-karachi")
    await finish(database, "Ayesha", 0.9, MONDAY_0900_PKT - timedelta(hours=3))
    other = open_database(database.url)
    clock = Clock(MONDAY_0900_PKT)
    try:
        outcomes = await asyncio.gather(
            Digests(database, catalog, poster, clock).run_slot(flow, MONDAY_0900_PKT),
            Digests(other, catalog, poster, clock).run_slot(flow, MONDAY_0900_PKT),
        )
    finally:
        await other.dispose()
    assert sorted(outcomes) == [SlotOutcome.POSTED, SlotOutcome.TAKEN]
    [posted] = slack.called("chat.postMessage")
    assert posted["channel"] == "#hiring-backend-karachi"
    assert await Digests(database, catalog, poster).channels_of(flow.id) == {
        slack.channel_id("#hiring-backend-karachi")
    }
    assert "Ayesha" in repr(posted["blocks"])


async def test_a_restart_never_reposts_and_catches_up_once_after_downtime(
    database: Database,
    catalog: Catalog,
    poster: SlackPoster,
    slack: FakeSlack,
    caplog: pytest.LogCaptureFixture,
) -> None:
    flow = catalog.flow("backend-karachi")
    clock = Clock(MONDAY_0900_PKT)
    assert await Digests(database, catalog, poster, clock).run_slot(flow, MONDAY_0900_PKT) == (
        SlotOutcome.POSTED
    )
    clock.now = MONDAY_0900_PKT + timedelta(days=3, hours=2)  # Thursday 11:00 in Karachi
    with caplog.at_level(logging.WARNING):
        first = await Digests(database, catalog, poster, clock).catch_up()
    again = await Digests(database, catalog, poster, clock).catch_up()
    assert first == {
        "backend-karachi": SlotOutcome.POSTED,  # Thursday 09:00; Tuesday and Wednesday skipped
        "senior-backend-remote": SlotOutcome.POSTED,  # never posted before: its latest slot
    }
    assert again == {}
    assert "digest backend-karachi: skipped 2 missed slot(s)" in caplog.text
    assert len(slack.posted("#hiring-backend-karachi")) == 2
    assert len(slack.posted("#hiring-senior-remote")) == 1


async def test_a_digest_lists_only_candidates_finished_since_the_previous_slot(
    database: Database, catalog: Catalog, poster: SlackPoster
) -> None:
    flow = catalog.flow("backend-karachi")
    await finish(database, "Yesterday Morning", 0.8, MONDAY_0900_PKT - timedelta(days=3, hours=1))
    await finish(database, "Over The Weekend", 0.7, MONDAY_0900_PKT - timedelta(days=1))
    digest = await Digests(database, catalog, poster).build(flow, MONDAY_0900_PKT)
    assert "Over The Weekend" in digest.text
    assert "Yesterday Morning" not in digest.text
    assert "Awaiting a decision 2" in digest.text


async def test_slack_429_is_waited_out_and_the_digest_still_posts(
    database: Database, catalog: Catalog, poster: SlackPoster, slack: FakeSlack
) -> None:
    slack.failures["chat.postMessage"] = [429]
    flow = catalog.flow("backend-karachi")
    outcome = await Digests(database, catalog, poster, Clock(MONDAY_0900_PKT)).run_slot(
        flow, MONDAY_0900_PKT
    )
    assert outcome is SlotOutcome.POSTED
    assert len(slack.called("chat.postMessage")) == 2
    assert len(slack.posted("#hiring-backend-karachi")) == 1


async def test_a_failed_post_is_shown_then_retried_with_backoff(
    database: Database, catalog: Catalog, poster: SlackPoster, slack: FakeSlack
) -> None:
    slack.failures["chat.postMessage"] = [500, 500, 500]
    flow = catalog.flow("backend-karachi")
    clock = Clock(MONDAY_0900_PKT)
    digests = Digests(database, catalog, poster, clock)
    assert await digests.run_slot(flow, MONDAY_0900_PKT) is SlotOutcome.FAILED
    assert await digests.stuck() == ["backend-karachi@2026-11-23T04:00:00+00:00"]
    assert await digests.retry_failed() == []
    clock.tick(61)
    assert await digests.retry_failed() == [SlotOutcome.POSTED]
    assert await digests.stuck() == []
    assert await digests.run_slot(flow, MONDAY_0900_PKT) is SlotOutcome.TAKEN
    assert len(slack.posted()) == 1


def test_schedules_fire_in_the_flows_time_zone(catalog: Catalog) -> None:
    karachi = catalog.flow("backend-karachi").shortlist
    assert karachi is not None
    trigger = cron_trigger(karachi.schedule, karachi.timezone)
    sunday_noon = datetime(2026, 11, 22, 7, 0, tzinfo=UTC)
    assert latest_fire(trigger, sunday_noon) == datetime(2026, 11, 20, 4, 0, tzinfo=UTC)


async def test_the_scheduler_registers_one_cron_job_per_flow(catalog: Catalog) -> None:
    scheduler = JobScheduler()
    ran: list[str] = []

    async def job() -> None:
        ran.append("x")

    for flow in catalog.flows.values():
        assert flow.shortlist is not None
        scheduler.cron(
            f"digest:{flow.id}", cron_trigger(flow.shortlist.schedule, flow.shortlist.timezone), job
        )
    scheduler.start()
    try:
        upcoming = scheduler.next_run("digest:backend-karachi")
        assert upcoming is not None
        assert upcoming.astimezone(UTC).hour == 4
        assert upcoming.astimezone(UTC).minute == 0
        assert scheduler.next_run("digest:senior-backend-remote") is not None
    finally:
        scheduler.shutdown()
