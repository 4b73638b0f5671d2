"""The webhook route: Telegram's POSTs, checked against the secret, handed to the channel."""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import SecretStr
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

log = logging.getLogger(__name__)
PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def webhook_route(secret: SecretStr, feed: Callable[[dict[str, Any]], Awaitable[None]]) -> Route:
    """Answer 403 without the secret, 400 to what is not an update, 503 (so Telegram delivers it
    again) when the update could not be stored, 200 once it is."""
    expected = secret.get_secret_value().encode()

    async def webhook(request: Request) -> Response:
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
            await feed(payload)
        except Exception:  # Telegram delivers the update again after a non-2xx answer
            log.exception("a Telegram update could not be handled; asking for it again")
            return Response(status_code=503)
        return Response(status_code=200)

    return Route(PATH, webhook, methods=["POST"])
