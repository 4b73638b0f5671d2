"""The Slack channel: a slack-bolt AsyncApp whose listeners translate and decide nothing.

Candidates screen in a DM (or `/screen FLOW`); recruiters act on digests with buttons and ask
for `/shortlist FLOW`. Slack wants every request answered within 3 s, whatever its Web API is
doing meanwhile, so a listener does only what must happen before the answer (storing a
candidate's turn) and leaves every Web API call to `Background`, after the ack.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from screenbot.channels.background import Background
from screenbot.channels.slack.candidates import Candidates
from screenbot.channels.slack.courier import CHANNEL, SlackCourier
from screenbot.channels.slack.recruiters import Recruiters
from screenbot.clock import Clock, utcnow
from screenbot.recruiting.service import RecruitingService
from screenbot.service import ScreeningService
from screenbot.settings import Settings

SENDING_GRACE = 10.0  # seconds work after the ack gets to finish when the channel stops
EVENTS_PATH = "/slack/events"


class SlackChannel:
    """Slack for candidates and recruiters alike, over Socket Mode when an app token is set, else
    over HTTP at `EVENTS_PATH`; replies go out through the outbox, after Slack has its answer."""

    name = CHANNEL

    def __init__(
        self,
        settings: Settings,
        client: AsyncWebClient,
        service: ScreeningService,
        recruiting: RecruitingService,
        clock: Clock = utcnow,
    ) -> None:
        self.client = client
        self.app_token = settings.slack_app_token
        secret = settings.slack_signing_secret
        # Over HTTP, Slack's request is answered only once the turn is stored: a process that
        # dies or a database that is away means no 2xx, Slack retries, and the event id dedupes.
        self.app = AsyncApp(
            client=client,
            signing_secret=secret.get_secret_value() if secret else None,
            request_verification_enabled=secret is not None,
            process_before_response=self.app_token is None,
        )
        service.replies_go_later(CHANNEL)
        self.courier = SlackCourier(client, service)
        self.background = Background("Slack work after answering a request")
        Candidates(client, service, self.courier, self.background, clock).register(self.app)
        Recruiters(client, recruiting, self.courier, self.background).register(self.app)
        self._socket: AsyncSocketModeHandler | None = None
        self._pump: asyncio.Task[None] | None = None

    def routes(self) -> Sequence[BaseRoute]:
        """Slack's event endpoint over HTTP; none in Socket Mode, where the app dials out to
        Slack."""
        if self.app_token is not None:
            return ()  # Socket Mode: Slack calls nobody
        bolt = AsyncSlackRequestHandler(self.app)

        async def events(request: Request) -> Response:
            return await bolt.handle(request)

        return (Route(EVENTS_PATH, events, methods=["POST"]),)

    def health(self) -> str:
        """How Slack reaches the app, for /healthz."""
        return "socket mode" if self.app_token else "http"

    async def start(self) -> None:
        """Send what a previous run left in the outbox, start the pump, and connect in Socket
        Mode."""
        await self.courier.pump()
        self._pump = asyncio.create_task(self.courier.pump_forever())
        if self.app_token is not None:
            self._socket = AsyncSocketModeHandler(self.app, self.app_token.get_secret_value())
            await self._socket.connect_async()  # type: ignore[no-untyped-call]  # bolt: untyped

    async def stop(self) -> None:
        """Disconnect, stop the pump, and give work after the ack `SENDING_GRACE` seconds to
        finish."""
        if self._socket is not None:
            await self._socket.close_async()  # type: ignore[no-untyped-call]  # bolt: untyped
        if self._pump is not None:
            self._pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pump
        await self.background.drain(SENDING_GRACE)
