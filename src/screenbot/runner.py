"""`screenbot run` with platform tokens: start the channels and the web server, stop cleanly."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

import uvicorn
from slack_sdk.web.async_client import AsyncWebClient

from screenbot.app import App, open_app
from screenbot.channels.channel import Channel
from screenbot.channels.slack.channel import SlackChannel
from screenbot.channels.slack.client import SlackPoster, web_client
from screenbot.channels.telegram import TelegramChannel
from screenbot.errors import ScreenbotError
from screenbot.grading.process import ProcessGrader
from screenbot.recruiting.digests import Digests
from screenbot.recruiting.item_calibration import calibrate_banks, summary
from screenbot.recruiting.service import RecruitingService
from screenbot.scheduling import JobScheduler, cron_trigger
from screenbot.service.grading import GradingWorker
from screenbot.settings import Settings
from screenbot.web.app import build_web
from screenbot.web.listener import listening_socket

log = logging.getLogger(__name__)
#: When the banks are calibrated from the day's answers (UTC), and how often every process takes
#: up parameters another process stored.
CALIBRATION_SCHEDULE = "30 2 * * *"
CALIBRATION_RELOAD_SECONDS = 600.0
CALIBRATION_FRESH = timedelta(hours=12)
CALIBRATION_JITTER_SECONDS = 900  # processes of one deployment do not all start it at once


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


def _slack_client(settings: Settings) -> AsyncWebClient | None:
    if not settings.slack_enabled:
        return None
    assert settings.slack_bot_token is not None
    return web_client(settings.slack_bot_token.get_secret_value(), settings.slack_api_url)


def _channels(
    parts: App, slack: AsyncWebClient | None, recruiting: RecruitingService | None
) -> list[Channel]:
    """The channels whose tokens are set, ready to start."""
    channels: list[Channel] = []
    if parts.settings.telegram_enabled:
        channels.append(TelegramChannel(parts.settings, parts.service, parts.clock))
    if slack is not None and recruiting is not None:
        channels.append(SlackChannel(parts.settings, slack, parts.service, recruiting, parts.clock))
    return channels


def calibration_job(parts: App) -> Callable[[], Awaitable[None]]:
    """The nightly job: calibrate every bank from the stored answers and use the result at
    once (finished screenings keep their scores)."""
    min_answers = parts.settings.min_answers_to_calibrate

    async def calibration() -> None:
        now = parts.clock()
        outcomes = await calibrate_banks(
            parts.database,
            parts.catalog,
            now,
            min_answers=min_answers,
            unless_since=now - CALIBRATION_FRESH,  # another process got there first tonight
        )
        for line in summary(outcomes, min_answers):
            log.info("calibration: %s", line)
        await parts.service.reload_calibrations()

    return calibration


def schedule_calibration(scheduler: JobScheduler, parts: App) -> None:
    """Calibrate nightly, once per deployment however many processes run (each starts within a
    quarter of an hour of the hour set, and skips banks another process calibrated tonight);
    every few minutes, take up what another process calibrated."""

    async def reload() -> None:
        await parts.service.reload_calibrations()

    scheduler.cron(
        "calibration",
        cron_trigger(CALIBRATION_SCHEDULE, "UTC", jitter=CALIBRATION_JITTER_SECONDS),
        calibration_job(parts),
    )
    scheduler.every("calibration-reload", CALIBRATION_RELOAD_SECONDS, reload)


async def serve(
    settings: Settings, stop: asyncio.Event, on_ready: Callable[[int], None] | None = None
) -> None:
    """Run until `stop` is set; `on_ready` gets the HTTP port once everything listens."""
    _check(settings)
    async with open_app(settings) as parts:
        # Recruiters work in Slack: without it there are no digests to post or buttons to press.
        slack = _slack_client(settings)
        digests = recruiting = None
        if slack is not None:
            poster = SlackPoster(slack)
            digests = Digests(parts.database, parts.catalog, poster, parts.clock, parts.metrics)
            recruiting = RecruitingService(
                parts.database, parts.catalog, digests, clock=parts.clock, lease=parts.service.lease
            )
        channels = _channels(parts, slack, recruiting)
        scheduler = JobScheduler()
        if digests is not None:
            digests.schedule(scheduler)
        if settings.retention_days is not None:
            keep = timedelta(days=settings.retention_days)

            async def retention() -> None:
                erased = await parts.privacy.anonymise_older_than(keep)
                log.info("retention: anonymised %d finished screening(s)", erased)

            scheduler.cron("retention", cron_trigger("0 3 * * *", "UTC"), retention)
        schedule_calibration(scheduler, parts)
        grading = GradingWorker(
            parts.database,
            parts.catalog,
            metrics=parts.metrics,
            clock=parts.clock,
            grader=ProcessGrader,  # its CPU on another core, not in candidates' turns
        )
        web = build_web(parts.database, channels, digests, parts.metrics, grading)
        sock = listening_socket(settings.http_host, settings.http_port)
        config = uvicorn.Config(web, log_level="warning", lifespan="off")
        server = uvicorn.Server(config)
        http = asyncio.create_task(server.serve(sockets=[sock]))
        started: list[Channel] = []
        try:
            for channel in channels:
                await channel.start()
                started.append(channel)
                log.info("%s channel started (%s)", channel.name, channel.health())
            scheduler.start()
            if settings.grading == "here":
                grading.start()
            if digests is not None:
                await digests.catch_up()
            if on_ready is not None:
                on_ready(sock.getsockname()[1])
            await stop.wait()
        finally:
            await grading.stop()
            scheduler.shutdown()
            server.should_exit = True  # first: requests in flight finish with the channels up
            await http
            sock.close()
            for channel in reversed(started):
                await channel.stop()
