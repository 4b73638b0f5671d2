"""`screenbot run` as an operator starts it: serves Telegram, stops on SIGTERM, logs no token."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

from tests.conftest import ROOT
from tests.fakes.telegram_api import FakeTelegram

SCREENBOT = Path(sys.executable).with_name("screenbot")


async def test_run_serves_telegram_and_stops_cleanly_without_logging_the_token(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "SCREENBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'run.db'}",
        "SCREENBOT_BANKS_DIR": str(ROOT / "question_banks"),
        "SCREENBOT_FLOWS_DIR": str(ROOT / "conversations"),
        "SCREENBOT_HTTP_PORT": "0",
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_API_URL": f"http://127.0.0.1:{fake.port}/bot",
        "SCREENBOT_LOG_FORMAT": "json",
    }
    process = await asyncio.create_subprocess_exec(
        str(SCREENBOT),
        "run",
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        await fake.wait_for(lambda: bool(fake.called("getUpdates")), within=30)
        fake.say(4242, "/start backend-karachi")
        await fake.wait_for(lambda: len(fake.sent(4242)) == 1, within=15)
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = await asyncio.wait_for(process.communicate(), 30)
    log = output.decode()
    assert process.returncode == 0, log
    records = [json.loads(line) for line in log.splitlines() if line.strip()]
    messages = {r["message"] for r in records}
    assert {"screenbot is running", "telegram channel started (polling)"} <= messages
    turns = [r for r in records if r["message"] == "turn handled"]
    assert turns
    assert all(isinstance(t["screening_id"], int) for t in turns)
    assert {t["channel"] for t in turns} == {"telegram"}
    assert fake.token not in log
    assert fake.token.split(":")[1] not in log
    assert "\n\nBefore we start" in fake.sent(4242)[0]["text"]  # the greeting's own message
