"""Socket Mode: no public URL; the bot connects out to Slack and takes events over a WebSocket."""

from __future__ import annotations

import time

import httpx
from pydantic import SecretStr

from tests.channels.slack.conftest import slack_settings
from tests.channels.telegram.conftest import running
from tests.fakes.server import eventually
from tests.fakes.slack_api import FakeSlack


async def test_socket_mode_takes_a_dm_acks_it_and_replies(slack: FakeSlack, db_url: str) -> None:
    settings = slack_settings(slack, db_url).model_copy(
        update={"slack_signing_secret": None, "slack_app_token": SecretStr(slack.app_token)}
    )
    async with running(settings) as port, httpx.AsyncClient() as http:
        await eventually(lambda: bool(slack.sockets))
        event = {
            "type": "message",
            "channel_type": "im",
            "channel": "DU8",
            "user": "U8",
            "text": "hello",
            "ts": f"{time.time():.6f}",
        }
        body = {
            "type": "event_callback",
            "team_id": "T1",
            "api_app_id": "A1",
            "event_id": "EvSock1",
            "event_time": int(time.time()),
            "event": event,
        }
        await slack.envelope("events_api", body, "env-1")
        await eventually(lambda: len(slack.posted("DU8")) == 1)
        await eventually(lambda: {"envelope_id": "env-1"} in slack.acks)
        assert slack.posted("DU8")[-1]["text"].endswith(
            "Which opening would you like to apply for?"
        )
        assert (await http.post(f"http://127.0.0.1:{port}/slack/events")).status_code == 404
    assert slack.called("apps.connections.open")
