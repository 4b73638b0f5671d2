"""What every platform channel offers the app: its routes, its life cycle and its health.

The web app mounts whatever channels are enabled and the runner starts and stops them, neither
knowing which platforms they are; each channel registers its own routes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from starlette.routing import BaseRoute

DOWN = "down"  # what `health` says when the channel cannot take or send messages


class Channel(Protocol):
    """A platform as the app sees it: `name` labels its metrics and logs; the runner starts and
    stops it, the web app mounts its routes."""

    name: str

    def routes(self) -> Sequence[BaseRoute]:
        """The HTTP routes the platform calls (webhooks, events); none for a polling channel."""
        ...

    async def start(self) -> None:
        """Connect to the platform and start sending what the outbox holds."""
        ...

    async def stop(self) -> None:
        """Stop taking events; give what is being sent a moment to go out."""
        ...

    def health(self) -> str:
        """How the channel is connected, for /healthz: `DOWN` makes the app unhealthy."""
        ...
