"""A fake Telegram Bot API: what python-telegram-bot calls, answered like Telegram would.

Tests inject updates (messages, button presses, stickers) and read what the bot sent. A failure
plan makes chosen methods answer 429, 5xx or 403 before succeeding. With `limits`, the fake
enforces Telegram's flood limits as Telegram does, answering 429 with `retry_after` to a bot
that sends faster. Updates go out by long polling (kept until a later offset confirms them) or,
once a bot has called setWebhook, pushed to every registered webhook in turn, like a load
balancer, and retried until one answers 2xx.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.fakes.server import request_params

BOT = {"id": 7000, "is_bot": True, "first_name": "screenbot", "username": "screenbot_test_bot"}
Json = dict[str, Any]


@dataclass
class Call:
    method: str
    params: Json


MESSAGE_METHODS = {"sendMessage", "editMessageText", "editMessageReplyMarkup"}


@dataclass
class FloodLimits:
    """Telegram's published limits: about 30 messages a second per bot, about one a second per
    chat with short bursts tolerated, 20 a minute per group. Each is a token bucket."""

    per_second: float = 30.0
    chat_per_second: float = 1.0
    chat_burst: float = 5.0
    group_per_minute: float = 20.0
    refused: int = 0
    _buckets: dict[int | str, tuple[float, float]] = field(default_factory=dict)

    def wait(self, chat: int) -> float:
        """0 if a message to `chat` is allowed now (and counted), else the seconds to wait."""
        group = chat < 0
        rate = self.group_per_minute / 60 if group else self.chat_per_second
        burst = self.group_per_minute if group else self.chat_burst
        waits = [
            self._take(chat, rate, burst, dry=True),
            self._take("bot", self.per_second, 30, dry=True),
        ]
        if max(waits) > 0:
            self.refused += 1
            return max(waits)
        self._take(chat, rate, burst, dry=False)
        self._take("bot", self.per_second, 30, dry=False)
        return 0.0

    def _take(self, key: int | str, rate: float, burst: float, *, dry: bool) -> float:
        tokens, at = self._buckets.get(key, (burst, time.monotonic()))
        now = time.monotonic()
        tokens = min(burst, tokens + (now - at) * rate)
        if tokens < 1:
            return (1 - tokens) / rate
        if not dry:
            self._buckets[key] = (tokens - 1, now)
        return 0.0


@dataclass
class FakeTelegram:
    token: str = "123456:TEST-TOKEN"
    port: int = 0
    calls: list[Call] = field(default_factory=list)
    failures: dict[str, list[int]] = field(default_factory=dict)
    messages: dict[int, Json] = field(default_factory=dict)
    _updates: deque[Json] = field(default_factory=deque)
    _update_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _message_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _again: list[Json] = field(default_factory=list)
    on_sent: Callable[[Json], None] | None = None
    held: dict[int, asyncio.Event] = field(default_factory=dict)  # chat id -> released when set
    # chat id -> released when set: the person already has the message, the bot's call has not
    # returned yet (a slow answer on a fast delivery)
    answered_late: dict[int, asyncio.Event] = field(default_factory=dict)
    webhooks: list[str] = field(default_factory=list)
    webhook_secret: str | None = None
    pushed: int = 0
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)
    _pushes: set[asyncio.Task[None]] = field(default_factory=set)
    _client: aiohttp.ClientSession | None = None
    limits: FloodLimits | None = None

    # --- what tests do -------------------------------------------------------------------

    def user(self, user_id: int) -> Json:
        return {"id": user_id, "is_bot": False, "first_name": f"Candidate{user_id}"}

    def deliver(self, update: Json) -> Json:
        """Queue an update as Telegram would; returns it with its update_id."""
        if "update_id" not in update:
            update = {"update_id": next(self._update_ids), **update}
        if self.webhooks:
            task = asyncio.get_running_loop().create_task(self._push(update))
            self._pushes.add(task)
            task.add_done_callback(self._pushes.discard)
            return update
        self._updates.append(update)
        self._arrived.set()
        return update

    async def close(self) -> None:
        """Stop pushing updates that no webhook has taken yet."""
        for task in list(self._pushes):
            task.cancel()
        await asyncio.gather(*self._pushes, return_exceptions=True)
        if self._client is not None:
            await self._client.close()

    async def _push(self, update: Json) -> None:
        if self._client is None:  # Telegram opens at most 40 connections to a webhook
            self._client = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=40), timeout=aiohttp.ClientTimeout(total=30)
            )
        headers = {"X-Telegram-Bot-Api-Secret-Token": self.webhook_secret or ""}
        pause = 0.05
        while True:
            self.pushed += 1
            url = self.webhooks[self.pushed % len(self.webhooks)]
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with self._client.post(url, json=update, headers=headers) as response:
                    await response.read()
                    if response.status < 300:
                        return
            await asyncio.sleep(pause)
            pause = min(pause * 2, 1.0)

    def redeliver(self, update: Json) -> None:
        """Send an update again, as Telegram does when it never saw it acknowledged."""
        self._again.append(update)
        self._arrived.set()

    def incoming(self, user_id: int, chat_type: str = "private", **content: Any) -> Json:
        chat = {"id": user_id if chat_type == "private" else -user_id, "type": chat_type}
        if chat_type != "private":
            chat["title"] = "Backend jobs PK"
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": self.user(user_id),
            **content,
        }

    def say(self, user_id: int, text: str) -> Json:
        return self.deliver({"message": self.incoming(user_id, text=text)})

    def press(self, user_id: int, message_id: int, data: str) -> Json:
        """Tap a button under one of the bot's messages, as it looks now."""
        query = {
            "id": str(next(self._update_ids) * 1000),
            "from": self.user(user_id),
            "chat_instance": "ci",
            "data": data,
            "message": self.messages[message_id],
        }
        return self.deliver({"callback_query": query})

    def sent(self, chat_id: int | None = None) -> list[Json]:
        """Messages the bot sent, in order, as they look now (after edits)."""
        return [
            m
            for m in self.messages.values()
            if m["from"]["id"] == BOT["id"] and (chat_id is None or m["chat"]["id"] == chat_id)
        ]

    def called(self, method: str) -> list[Json]:
        return [c.params for c in self.calls if c.method == method]

    async def wait_for(self, condition: Callable[[], bool], within: float = 10.0) -> None:
        deadline = asyncio.get_running_loop().time() + within
        while not condition():
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise AssertionError("the bot did not do what the test waited for")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(remaining, 0.2))

    # --- the Bot API -----------------------------------------------------------------------

    def app(self) -> Starlette:
        return Starlette(
            routes=[Route("/bot{token}/{method}", self._endpoint, methods=["GET", "POST"])]
        )

    async def _endpoint(self, request: Request) -> JSONResponse:
        if request.path_params["token"] != self.token:
            return JSONResponse(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, 401
            )
        method = request.path_params["method"]
        try:
            params = await request_params(request)
        except ClientDisconnect:  # the bot died mid-request
            return JSONResponse({"ok": False, "error_code": 400, "description": "gone"}, 400)
        self.calls.append(Call(method, params))
        self._changed.set()
        planned = self.failures.get(method)
        if planned:
            return _failure(planned.pop(0))
        if self.limits is not None and method in MESSAGE_METHODS and "chat_id" in params:
            wait = self.limits.wait(int(params["chat_id"]))
            if wait:
                return _failure(429, retry_after=math.ceil(wait))
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return JSONResponse({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
        result = await handler(params)
        self._changed.set()
        return JSONResponse({"ok": True, "result": result})

    # Handlers are named after the Bot API methods they answer.
    async def _api_getMe(self, _params: Json) -> Json:
        return BOT

    async def _api_deleteWebhook(self, _params: Json) -> bool:
        return True

    async def _api_setWebhook(self, params: Json) -> bool:
        if params["url"] not in self.webhooks:
            self.webhooks.append(params["url"])
        self.webhook_secret = params.get("secret_token")
        return True

    async def _api_setMyCommands(self, _params: Json) -> bool:
        return True

    async def _api_answerCallbackQuery(self, _params: Json) -> bool:
        return True

    async def _api_getUpdates(self, params: Json) -> list[Json]:
        offset = int(params.get("offset", 0) or 0)
        limit = int(params.get("limit", 100) or 100)
        waited = min(float(params.get("timeout", 0) or 0), 0.5)
        if self._again:
            again, self._again = self._again, []
            return again
        while self._updates and self._updates[0]["update_id"] < offset:
            self._updates.popleft()  # confirmed: Telegram forgets it
        if not self._updates and waited:
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), waited)
        return list(itertools.islice(self._updates, limit))

    async def _api_sendMessage(self, params: Json) -> Json:
        chat_id = int(params["chat_id"])
        if chat_id in self.held:  # a slow connection to this chat: no answer until released
            await self.held[chat_id].wait()
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "from": BOT,
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
            "text": params["text"],
        }
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        self.messages[message["message_id"]] = message
        if self.on_sent is not None:
            self.on_sent(dict(message))
        if chat_id in self.answered_late:
            await self.answered_late[chat_id].wait()
        return message

    async def _api_editMessageText(self, params: Json) -> Json:
        message = self.messages[int(params["message_id"])]
        message["text"] = params["text"]
        message.pop("reply_markup", None)
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        if self.on_sent is not None:  # the person sees the message change
            self.on_sent(dict(message))
        return message

    async def _api_editMessageReplyMarkup(self, params: Json) -> Json:
        message = self.messages[int(params["message_id"])]
        message.pop("reply_markup", None)
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return message


def _failure(status: int, retry_after: int = 1) -> JSONResponse:
    if status == 429:
        body = {
            "ok": False,
            "error_code": 429,
            "description": f"Too Many Requests: retry after {retry_after}",
            "parameters": {"retry_after": retry_after},
        }
    elif status == 403:
        body = {
            "ok": False,
            "error_code": 403,
            "description": "Forbidden: bot was blocked by the user",
        }
    else:
        body = {"ok": False, "error_code": status, "description": "Internal Server Error"}
    return JSONResponse(body, status)
