"""The ASGI app: /healthz, /metrics, and whatever routes the enabled channels register."""

from __future__ import annotations

from collections.abc import Sequence

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from screenbot.channels.channel import DOWN, Channel
from screenbot.metrics import Metrics
from screenbot.recruiting.digests import Digests
from screenbot.service.grading import UNAVAILABLE, GradingWorker
from screenbot.store.database import Database
from screenbot.store.health import outbox_backlog, ping
from screenbot.store.migrate import is_current

KNOWN_CHANNELS = ("telegram", "slack", "console")  # always exported, at 0 when idle


def build_web(
    database: Database,
    channels: Sequence[Channel] = (),
    digests: Digests | None = None,
    metrics: Metrics | None = None,
    grading: GradingWorker | None = None,
) -> Starlette:
    """The web app: /healthz always, /metrics when `metrics` is given, and each channel's own
    routes. /healthz answers 503 when the database is unreachable or behind, or a channel is down,
    reports failed digest posts when `digests` is given, and the free-text grading backlog and
    model when `grading` is (a model that cannot load makes the app degraded, not down: screening
    goes on and grading waits)."""

    async def exposition(_request: Request) -> Response:
        assert metrics is not None
        backlog = await outbox_backlog(database)
        for channel in {*KNOWN_CHANNELS, *backlog}:
            metrics.outbox_backlog.labels(channel).set(backlog.get(channel, 0))
        if grading is not None:
            metrics.grading_backlog.set(await grading.queue.backlog())
        return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    async def healthz(_request: Request) -> Response:
        connected = {channel.name: channel.health() for channel in channels}
        try:
            await ping(database)
            current = await is_current(database)
            stuck = await digests.stuck() if digests is not None else []
            graded = await grading.status() if grading is not None else None
        except Exception as exc:  # any failure to reach the database is "unhealthy"
            body = {"status": "unhealthy", "database": str(exc)[:200], "channels": connected}
            return JSONResponse(body, 503)
        report = {
            "database": "ok",
            "migrations": "current" if current else "behind",
            "channels": connected,
            "digests_failed": stuck,
        }
        if graded is not None:
            report["grading"] = graded
        if not current or DOWN in connected.values():
            return JSONResponse({"status": "unhealthy", **report}, 503)
        degraded = stuck or (graded is not None and graded["model"] == UNAVAILABLE)
        return JSONResponse({"status": "degraded" if degraded else "ok", **report})

    routes: list[BaseRoute] = [Route("/healthz", healthz)]
    if metrics is not None:
        routes.append(Route("/metrics", exposition))
    for channel in channels:
        routes.extend(channel.routes())
    return Starlette(routes=routes)
