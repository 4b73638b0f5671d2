"""Serving a fake platform API on 127.0.0.1 at a free port, inside the test's event loop."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request

from screenbot.web.listener import listening_socket


@asynccontextmanager
async def serving(app: Starlette) -> AsyncIterator[int]:
    """Run `app` until the block ends; yields the port it listens on."""
    sock = listening_socket("127.0.0.1", 0)  # as screenbot's own server: no Nagle stalls
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        yield int(sock.getsockname()[1])
    finally:
        server.should_exit = True
        await task
        sock.close()


async def eventually(condition: Callable[[], bool], within: float = 10.0) -> None:
    """Wait for work the bot does after acknowledging a request."""
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the bot did not do what the test waited for")
        await asyncio.sleep(0.02)


async def request_params(request: Request) -> dict[str, Any]:
    """A platform API call's arguments, however the client sent them: query string, JSON body,
    or a form whose nested objects arrive as JSON strings."""
    params: dict[str, Any] = dict(request.query_params)
    if request.headers.get("content-type", "").startswith("application/json"):
        body = await request.body()
        return {**params, **(json.loads(body) if body else {})}
    for key, value in (await request.form()).items():
        if isinstance(value, str) and value[:1] in "[{":
            with contextlib.suppress(ValueError):
                params[key] = json.loads(value)
                continue
        params[key] = value
    return params
