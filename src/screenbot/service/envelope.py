"""What adapters hand the service and get back: neutral, frozen, free of platform types."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from screenbot.engine.events import InboundEvent
from screenbot.store.outbox import Delivery


@dataclass(frozen=True)
class Identity:
    """Who is talking, on which channel, and where replies to them go."""

    channel: str
    external_id: str
    address: str
    display_name: str | None = None


@dataclass(frozen=True)
class Inbound:
    """An event from a platform; `key` is unique per platform event (e.g. Telegram update_id)."""

    key: str
    identity: Identity
    event: InboundEvent
    at: datetime
    sequence: int | None = None  # the platform's number for it in its chat, where it has one

    @property
    def chat(self) -> tuple[str, str]:
        """The (channel, address) of the conversation the event came from: what keeps replies in
        order."""
        return self.identity.channel, self.identity.address


@dataclass(frozen=True)
class Turn:
    """The outcome of one event: the replies to send, or `duplicate` when it was seen before.

    `advanced` says the event moved the screening on (an answer taken, a step done), so a
    channel can close the question it answered; a refused or repeated event leaves it False.
    """

    duplicate: bool
    screening_id: int | None
    deliveries: tuple[Delivery, ...]
    advanced: bool = False
