"""The ASGI app: routes translate HTTP to channel calls and nothing more."""

from __future__ import annotations

import hmac
import json
import logging

from prometheus_client import CONTENT_TYPE_LATEST
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from sqlalchemy import func, select, text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from screenbot.channels.slack.channel import SlackChannel
from screenbot.channels.telegram import TelegramChannel
from screenbot.metrics import Metrics
from screenbot.recruiting.digests import Digests
from screenbot.store.database import Database
from screenbot.store.migrate import is_current
from screenbot.store.schema import OutboxMessage

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def build_web(
    database: Database,
    telegram: TelegramChannel | None,
    slack: SlackChannel | None = None,
    digests: Digests | None = None,
    metrics: Metrics | None = None,
) -> Starlette:
    async def exposition(_request: Request) -> Response:
        assert metrics is not None
        counts = (
            select(OutboxMessage.channel, func.count(OutboxMessage.id))
            .where(OutboxMessage.sent_at.is_(None))
            .group_by(OutboxMessage.channel)
        )
        backlog = dict(await database.read(lambda conn: conn.execute(counts).all()))
        for channel in {"telegram", "slack", "console", *backlog}:
            metrics.outbox_backlog.labels(channel).set(backlog.get(channel, 0))
        return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    async def healthz(_request: Request) -> Response:
        channels = {}
        if telegram is not None:
            channels["telegram"] = telegram.state()
        if slack is not None:
            channels["slack"] = "socket mode" if slack.app_token else "http"
        try:
            await database.read(lambda conn: conn.execute(text("SELECT 1")))
            current = await is_current(database)
            stuck = await digests.stuck() if digests is not None else []
        except Exception as exc:  # any failure to reach the database is "unhealthy"
            body = {"status": "unhealthy", "database": str(exc)[:200], "channels": channels}
            return JSONResponse(body, 503)
        report = {
            "database": "ok",
            "migrations": "current" if current else "behind",
            "channels": channels,
            "digests_failed": stuck,
        }
        if not current or "down" in channels.values():
            return JSONResponse({"status": "unhealthy", **report}, 503)
        return JSONResponse({"status": "degraded" if stuck else "ok", **report})

    async def telegram_webhook(request: Request) -> Response:
        assert telegram is not None
        assert telegram.webhook_secret is not None
        expected = telegram.webhook_secret.get_secret_value().encode()
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            return Response(status_code=403)
        try:
            payload = json.loads(await request.body())
        except ValueError:
            return Response(status_code=400)
        if not isinstance(payload, dict):
            return Response(status_code=400)
        try:
            await telegram.feed(payload)
        except Exception:  # Telegram delivers the update again after a non-2xx answer
            log.exception("a Telegram update could not be handled; asking for it again")
            return Response(status_code=503)
        return Response(status_code=200)

    routes = [Route("/healthz", healthz)]
    if metrics is not None:
        routes.append(Route("/metrics", exposition))
    if slack is not None and slack.app_token is None:
        bolt = AsyncSlackRequestHandler(slack.app)

        async def slack_events(request: Request) -> Response:
            return await bolt.handle(request)

        routes.append(Route("/slack/events", slack_events, methods=["POST"]))
    if telegram is not None and telegram.webhook_url:
        routes.append(Route("/telegram/webhook", telegram_webhook, methods=["POST"]))
    return Starlette(routes=routes)
