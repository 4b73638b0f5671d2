"""`screenbot run` with platform tokens: start the channels and the web server, stop cleanly."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import uvicorn

from screenbot.app import open_app
from screenbot.channels.slack.channel import SlackChannel
from screenbot.channels.slack.client import SlackPoster, web_client
from screenbot.channels.telegram import TelegramChannel
from screenbot.errors import ScreenbotError
from screenbot.recruiting.digests import Digests
from screenbot.scheduling import JobScheduler, cron_trigger
from screenbot.settings import Settings
from screenbot.store.privacy import anonymise_finished
from screenbot.web.app import build_web
from screenbot.web.listener import listening_socket

log = logging.getLogger(__name__)


class ConfigurationError(ScreenbotError):
    """Settings that cannot run safely."""


def _check(settings: Settings) -> None:
    if settings.slack_bot_token and not (settings.slack_signing_secret or settings.slack_app_token):
        raise ConfigurationError(
            "SLACK_BOT_TOKEN is set without SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN "
            "(Socket Mode): set one so Slack's requests can be trusted."
        )
    if settings.telegram_webhook_url and not settings.telegram_webhook_secret:
        raise ConfigurationError(
            "TELEGRAM_WEBHOOK_URL is set without TELEGRAM_WEBHOOK_SECRET: set a long random "
            "secret so nobody else can post updates to the webhook."
        )


async def serve(
    settings: Settings, stop: asyncio.Event, on_ready: Callable[[int], None] | None = None
) -> None:
    """Run until `stop` is set; `on_ready` gets the HTTP port once everything listens."""
    _check(settings)
    async with open_app(settings) as parts:
        telegram = TelegramChannel(settings, parts.service) if settings.telegram_enabled else None
        slack = digests = None
        scheduler = JobScheduler()
        if settings.slack_enabled:
            assert settings.slack_bot_token is not None
            client = web_client(settings.slack_bot_token.get_secret_value(), settings.slack_api_url)
            digests = Digests(
                parts.database, parts.catalog, SlackPoster(client), metrics=parts.metrics
            )
            slack = SlackChannel(settings, client, parts.service, parts.catalog, digests)
            digests.schedule(scheduler)

            async def pump_slack() -> None:
                assert slack is not None
                await slack.pump()

            scheduler.every("slack-outbox", slack.courier.pump_every, pump_slack)
        web = build_web(parts.database, telegram, slack, digests, parts.metrics)
        sock = listening_socket(settings.http_host, settings.http_port)
        config = uvicorn.Config(web, log_level="warning", lifespan="off")
        server = uvicorn.Server(config)
        http = asyncio.create_task(server.serve(sockets=[sock]))
        try:
            if telegram is not None:
                await telegram.start()
                log.info(
                    "Telegram channel started (%s)",
                    "webhook" if telegram.webhook_url else "polling",
                )
            if settings.retention_days is not None:
                keep = timedelta(days=settings.retention_days)

                async def retention() -> None:
                    erased = await anonymise_finished(parts.database, datetime.now(UTC) - keep)
                    log.info("retention: anonymised %d finished screening(s)", erased)

                scheduler.cron("retention", cron_trigger("0 3 * * *", "UTC"), retention)
            scheduler.start()
            if slack is not None and digests is not None:
                await slack.start()
                await digests.catch_up()
                mode = "Socket Mode" if slack.app_token else "HTTP at /slack/events"
                log.info("Slack channel started (%s)", mode)
            if on_ready is not None:
                on_ready(sock.getsockname()[1])
            await stop.wait()
        finally:
            scheduler.shutdown()
            server.should_exit = True  # first: requests in flight finish with the channels up
            await http
            sock.close()
            if slack is not None:
                await slack.stop()
            if telegram is not None:
                await telegram.stop()
