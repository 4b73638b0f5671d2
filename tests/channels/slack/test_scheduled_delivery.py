"""Digests through `screenbot run` and `screenbot digest`, against the fake Slack Web API."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from screenbot.content.catalog import load_catalog
from screenbot.scheduling import cron_trigger, latest_fire
from screenbot.store.database import open_database
from screenbot.store.migrate import upgrade
from tests.channels.slack.conftest import slack_settings
from tests.channels.telegram.conftest import running
from tests.conftest import ROOT
from tests.fakes.slack_api import FakeSlack
from tests.recruiting.conftest import finish

SCREENBOT = Path(sys.executable).with_name("screenbot")


def latest_karachi_slot() -> datetime:
    karachi = load_catalog(ROOT / "question_banks", ROOT / "conversations").flow("backend-karachi")
    assert karachi.shortlist is not None
    trigger = cron_trigger(karachi.shortlist.schedule, karachi.shortlist.timezone)
    slot = latest_fire(trigger, datetime.now(UTC))
    assert slot is not None
    return slot


async def a_dozen_finished(db_url: str, before: datetime, step: timedelta) -> None:
    """Twelve screenings finished within three `step`s before `before`."""
    db = open_database(db_url)
    try:
        await upgrade(db)
        for n in range(12):
            await finish(db, f"Candidate {n:02d}", 0.4 + n * 0.05, before - step * (n % 3 + 1))
    finally:
        await db.dispose()


async def test_each_slot_is_posted_once_ranked_and_never_again_after_a_restart(
    slack: FakeSlack, db_url: str
) -> None:
    await a_dozen_finished(db_url, latest_karachi_slot(), timedelta(hours=1))
    settings = slack_settings(slack, db_url)
    async with running(settings):
        pass
    async with running(settings):
        pass
    [karachi] = slack.posted("#hiring-backend-karachi")
    [remote] = slack.posted("#hiring-senior-remote")
    ranks = [
        b["text"]["text"]
        for b in karachi["blocks"]
        if b.get("block_id", "").startswith("candidate-")
    ]
    assert len(ranks) == 10
    assert ranks[0].startswith("1. Candidate 11 — score 95%")
    assert ranks[9].startswith("10. Candidate 02 — score 50%")
    assert karachi["text"].startswith("Shortlist: Backend Developer, Karachi — 10 listed")
    assert "Nobody finished" in repr(remote["blocks"])


async def screenbot(env: dict[str, str], *args: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        str(SCREENBOT),
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, output.decode()


async def test_digest_command_prints_or_posts_now(slack: FakeSlack, db_url: str) -> None:
    await a_dozen_finished(db_url, datetime.now(UTC), timedelta(seconds=1))
    env = {
        **os.environ,
        "SCREENBOT_DATABASE_URL": db_url,
        "SCREENBOT_BANKS_DIR": str(ROOT / "question_banks"),
        "SCREENBOT_FLOWS_DIR": str(ROOT / "conversations"),
    }
    code, printed = await screenbot(env, "digest", "backend-karachi", "--dry-run")
    assert code == 0, printed
    assert printed.startswith("Shortlist: Backend Developer, Karachi")
    assert "  1. Candidate 11 — 95%" in printed
    assert slack.calls == []
    code, refused = await screenbot(env, "digest", "backend-karachi")
    assert code == 2
    assert "Posting needs SLACK_BOT_TOKEN" in refused
    env |= {"SLACK_BOT_TOKEN": slack.token, "SLACK_API_URL": f"http://127.0.0.1:{slack.port}/api/"}
    code, posted = await screenbot(env, "digest", "backend-karachi")
    assert code == 0, posted
    assert posted.startswith("posted to #hiring-backend-karachi")
    assert len(slack.posted("#hiring-backend-karachi")) == 1


async def test_a_digest_slack_refuses_shows_in_healthz_until_it_is_retried(
    slack: FakeSlack, db_url: str
) -> None:
    slack.failures["chat.postMessage"] = [500] * 6  # slack-sdk retries each post twice
    async with running(slack_settings(slack, db_url)) as port, httpx.AsyncClient() as http:
        health = (await http.get(f"http://127.0.0.1:{port}/healthz")).json()
    assert health["status"] == "degraded"
    assert sorted(slot.split("@")[0] for slot in health["digests_failed"]) == [
        "backend-karachi",
        "senior-backend-remote",
    ]
    assert slack.posted() == []
