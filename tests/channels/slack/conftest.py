"""Slack end to end: `screenbot run`'s server with the real bolt app, signed requests, fake API."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from slack_sdk.signature import SignatureVerifier

from screenbot.settings import Settings
from tests.channels.telegram.conftest import running
from tests.conftest import ROOT
from tests.fakes.server import serving
from tests.fakes.slack_api import FakeSlack, as_slack_sends

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    api = FakeSlack()
    async with serving(api.app()) as port:
        api.port = port
        yield api


def slack_settings(slack: FakeSlack, db_url: str) -> Settings:
    values: dict[str, Any] = {
        "SCREENBOT_DATABASE_URL": db_url,
        "SCREENBOT_BANKS_DIR": str(ROOT / "question_banks"),
        "SCREENBOT_FLOWS_DIR": str(ROOT / "conversations"),
        "SCREENBOT_HTTP_PORT": 0,
        "SLACK_BOT_TOKEN": slack.token,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": f"http://127.0.0.1:{slack.port}/api/",
    }
    return Settings(**values)


@dataclass
class SlackRequests:
    """Posts to the bot's /slack/events as Slack would, signed with the signing secret."""

    http: httpx.AsyncClient
    url: str
    slack: FakeSlack | None = None

    async def send(
        self,
        body: str,
        content_type: str,
        *,
        age: int = 0,
        secret: str = SECRET,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        stamp = str(int(time.time()) - age)
        signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)
        return await self.http.post(
            self.url,
            content=body.encode(),
            headers={
                "Content-Type": content_type,
                "X-Slack-Request-Timestamp": stamp,
                "X-Slack-Signature": signature or "",
                **(headers or {}),
            },
        )

    async def event(self, event: dict[str, Any], event_id: str, **options: Any) -> httpx.Response:
        body = json.dumps(
            {
                "type": "event_callback",
                "team_id": "T1",
                "api_app_id": "A1",
                "event_id": event_id,
                "event_time": int(time.time()),
                "event": event,
            }
        )
        return await self.send(body, "application/json", **options)

    async def dm(
        self, user: str, typed: str, event_id: str, *, as_is: bool = False, **options: Any
    ) -> httpx.Response:
        """A message someone typed in their DM with the bot, as Slack delivers it (`as_is`
        sends `typed` untouched, for markup Slack itself would have produced)."""
        event = {
            "type": "message",
            "channel_type": "im",
            "channel": f"D{user}",
            "user": user,
            "text": typed if as_is else as_slack_sends(typed),
            "ts": f"{time.time():.6f}",
            "client_msg_id": event_id,
        }
        return await self.event(event, event_id, **options)

    async def echo(self, message: dict[str, Any], event_id: str) -> httpx.Response:
        """The bot's own post coming back as a message event, as Slack sends it."""
        event = {
            "type": "message",
            "channel_type": "im",
            "channel": message["channel"],
            "user": "UBOT",
            "bot_id": "BBOT",
            "text": message["text"],
            "ts": message["ts"],
        }
        return await self.event(event, event_id)

    async def command(self, command: str, text: str, user: str, channel: str) -> httpx.Response:
        form = {
            "command": command,
            "text": text,
            "user_id": user,
            "channel_id": channel,
            "team_id": "T1",
            "trigger_id": f"trig.{time.time_ns()}",
            "response_url": self.slack.response_url() if self.slack else "http://127.0.0.1:9/",
        }
        return await self.send(urlencode(form), "application/x-www-form-urlencoded")

    async def press(
        self,
        user: str,
        channel: str,
        message: dict[str, Any],
        action: dict[str, Any],
        state: dict[str, Any] | None = None,
    ) -> httpx.Response:
        payload = {
            "type": "block_actions",
            "team": {"id": "T1"},
            "user": {"id": user},
            "api_app_id": "A1",
            "channel": {"id": channel},
            "trigger_id": f"trig.{time.time_ns()}",
            "message": message,
            "actions": [{"action_ts": f"{time.time():.6f}", **action}],
            "state": {"values": state or {}},
            "container": {"type": "message"},
            "response_url": self.slack.response_url() if self.slack else "http://127.0.0.1:9/",
        }
        return await self.send(
            urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
        )


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'slack.db'}"


@pytest.fixture
async def bot(slack: FakeSlack, db_url: str) -> AsyncIterator[SlackRequests]:
    async with running(slack_settings(slack, db_url)) as port, httpx.AsyncClient() as http:
        yield SlackRequests(http, f"http://127.0.0.1:{port}/slack/events", slack)
