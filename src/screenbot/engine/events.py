"""What a candidate can do, as neutral events every channel translates its payloads into."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Command(StrEnum):
    """The commands a candidate can send during a screening."""

    HELP = "help"
    STATUS = "status"
    BACK = "back"
    DELETE_MY_DATA = "delete_my_data"
    CANCEL = "cancel"


@dataclass(frozen=True)
class Started:
    """`/start [flow]`, or a deep link that carries the flow id."""

    flow_id: str | None = None


@dataclass(frozen=True)
class TextReceived:
    """Anything typed that is not a command."""

    text: str


@dataclass(frozen=True)
class ChoicePicked:
    """A button press or numbered pick; `prompt_key` names the question the options belonged to."""

    prompt_key: str
    choice_ids: tuple[str, ...]


@dataclass(frozen=True)
class CommandIssued:
    """A command typed, or picked from the platform's command menu."""

    command: Command


@dataclass(frozen=True)
class Unsupported:
    """Something the bot cannot read: a sticker, a photo, a voice note, a file."""

    kind: str


InboundEvent = Started | TextReceived | ChoicePicked | CommandIssued | Unsupported
Reply = TextReceived | ChoicePicked
"""An answer to the open prompt: typed, or picked from its options."""

_COMMANDS = {f"/{c.value}": c for c in Command}


def parse_text(text: str) -> InboundEvent:
    """Turn a typed line into an event: commands (`/status`, `/start flow`) or plain text."""
    stripped = text.strip()
    if not stripped.startswith("/"):
        return TextReceived(text)
    head, _, rest = stripped.partition(" ")
    head = head.split("@", 1)[0].lower()  # Telegram appends @botname in groups
    if head == "/start":
        return Started(rest.strip() or None)
    command = _COMMANDS.get(head)
    return CommandIssued(command) if command is not None else TextReceived(text)
