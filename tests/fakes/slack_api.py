"""A fake Slack Web API: the methods screenbot calls, answered like Slack, with optional 429s.

Tests read what was posted and updated, and can answer a method with 429 (and Retry-After) or
5xx first. `as_slack_sends` turns what a person types into the text of the message event Slack
delivers: entities escaped, e-mail addresses and links wrapped the way Slack's client wraps them.
"""

from __future__ import annotations

import itertools
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from tests.fakes.server import request_params

Json = dict[str, Any]
_LINKS = re.compile(
    r"(?P<email>[\w.+-]+@[\w-]+(?:\.[\w-]+)+)"
    r"|(?P<url>https?://[^\s<>]+)"
    r"|(?P<domain>\b[\w-]+\.(?:com|pk|ae|io|org|dev)\b(?:/[^\s<>]*)?)"
)


def as_slack_sends(typed: str) -> str:
    """The `text` of the event Slack sends when someone types `typed` in its client."""
    escaped = typed.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    def wrap(match: re.Match[str]) -> str:
        found = match.group(0)
        if match.group("email"):
            return f"<mailto:{found}|{found}>"
        if match.group("url"):
            return f"<{found}>"
        return f"<http://{found}|{found}>"

    return _LINKS.sub(wrap, escaped)


@dataclass
class FakeSlack:
    token: str = "xoxb-test-token"
    app_token: str = "xapp-test-token"
    port: int = 0
    acks: list[Json] = field(default_factory=list)
    sockets: list[WebSocket] = field(default_factory=list)
    calls: list[tuple[str, Json]] = field(default_factory=list)
    failures: dict[str, list[int]] = field(default_factory=dict)
    members: dict[str, list[str]] = field(default_factory=dict)
    messages: dict[tuple[str, str], Json] = field(default_factory=dict)
    responses: list[Json] = field(default_factory=list)
    retry_after: int = 1
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/api/{method}", self._endpoint, methods=["POST", "GET"]),
                Route("/respond/{token}", self._respond, methods=["POST"]),
                WebSocketRoute("/socket", self._socket),
            ]
        )

    async def envelope(self, kind: str, payload: Json, envelope_id: str) -> None:
        """Send an event to the connected Socket Mode client, as Slack would."""
        message = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": False,
            "retry_attempt": 0,
            "retry_reason": "",
        }
        await self.sockets[-1].send_text(json.dumps(message))

    async def _socket(self, websocket: WebSocket) -> None:
        await websocket.accept()
        self.sockets.append(websocket)
        await websocket.send_text(json.dumps({"type": "hello", "num_connections": 1}))
        try:
            while True:
                self.acks.append(json.loads(await websocket.receive_text()))
        except WebSocketDisconnect:
            self.sockets.remove(websocket)

    def called(self, method: str) -> list[Json]:
        return [params for name, params in self.calls if name == method]

    def channel_id(self, channel: str) -> str:
        """Slack answers with ids; names like #hiring map to a stable made-up id."""
        if not channel.startswith("#"):
            return channel
        return "C" + "".join(ch for ch in channel.upper() if ch.isalnum())[:10]

    def posted(self, channel: str | None = None) -> list[Json]:
        wanted = None if channel is None else self.channel_id(channel)
        return [m for (c, _), m in self.messages.items() if wanted in (None, c)]

    async def _endpoint(self, request: Request) -> JSONResponse:
        method = request.path_params["method"]
        params = await request_params(request)
        self.calls.append((method, params))
        planned = self.failures.get(method)
        if planned:
            status = planned.pop(0)
            headers = {"Retry-After": str(self.retry_after)} if status == 429 else {}
            return JSONResponse({"ok": False, "error": "ratelimited"}, status, headers=headers)
        tokens = {f"Bearer {self.token}", f"Bearer {self.app_token}"}
        if request.headers.get("authorization") not in tokens:
            return JSONResponse({"ok": False, "error": "invalid_auth"})
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        if handler is None:
            return JSONResponse({"ok": False, "error": "unknown_method"})
        return JSONResponse({"ok": True, **handler(params)})

    def response_url(self) -> str:
        """Where a slash command or action may answer (`response_url`); bodies are recorded."""
        return f"http://127.0.0.1:{self.port}/respond/{next(self._ts)}"

    async def _respond(self, request: Request) -> JSONResponse:
        self.responses.append(json.loads(await request.body()))
        return JSONResponse({"ok": True})

    def _auth_test(self, _params: Json) -> Json:
        return {"user_id": "UBOT", "bot_id": "BBOT", "team_id": "T1", "user": "screenbot"}

    def _chat_postMessage(self, params: Json) -> Json:
        ts = f"{int(time.time())}.{next(self._ts):06d}"
        channel = self.channel_id(str(params["channel"]))
        message = {
            "ts": ts,
            "channel": channel,
            "text": params.get("text", ""),
            "blocks": params.get("blocks", []),
        }
        self.messages[(channel, ts)] = message
        return {"channel": channel, "ts": ts, "message": message}

    def _chat_update(self, params: Json) -> Json:
        message = self.messages[(self.channel_id(str(params["channel"])), str(params["ts"]))]
        message.update({k: params[k] for k in ("text", "blocks") if k in params})
        return {"channel": params["channel"], "ts": params["ts"]}

    def _chat_postEphemeral(self, _params: Json) -> Json:
        return {"message_ts": f"{int(time.time())}.{next(self._ts):06d}"}

    def _views_open(self, params: Json) -> Json:
        return {"view": {"id": "V1", **params["view"]}}

    def _views_update(self, params: Json) -> Json:
        return {"view": {"id": params["view_id"], **params["view"]}}

    def _conversations_members(self, params: Json) -> Json:
        return {
            "members": self.members.get(str(params["channel"]), []),
            "response_metadata": {"next_cursor": ""},
        }

    def _apps_connections_open(self, _params: Json) -> Json:
        return {"url": f"ws://127.0.0.1:{self.port}/socket"}

    def _conversations_open(self, params: Json) -> Json:
        return {"channel": {"id": f"D{params['users']}"}}
