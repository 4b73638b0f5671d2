"""What the bot says, as neutral messages each channel renders its own way.

Messages travel through the outbox, so each has a JSON payload form that round-trips exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Option:
    """One answer a prompt offers: the id that comes back, and the label shown."""

    id: str
    label: str


@dataclass(frozen=True)
class Say:
    """A line the bot says that asks nothing."""

    text: str


@dataclass(frozen=True)
class Ask:
    """A prompt awaiting an answer; with options it is a keyboard, buttons or a numbered list."""

    prompt_key: str
    text: str
    options: tuple[Option, ...] = ()
    multi: bool = False


@dataclass(frozen=True)
class Completed:
    """The closing message of a finished screening; it never carries the score."""

    text: str


@dataclass(frozen=True)
class Notice:
    """A message outside any turn the candidate took (a recruiter's decision, a reminder):
    channels send it after the replies of candidates who are waiting mid-screening."""

    text: str


Outbound = Say | Ask | Completed | Notice


def merged(messages: tuple[Outbound, ...]) -> Outbound:
    """Several messages of one turn as one: their texts in order, the last one's kind and
    options. Only the last may carry options (see `mergeable`)."""
    *before, last = messages
    text = "\n\n".join([*(m.text for m in before), last.text])
    if isinstance(last, Ask):
        return Ask(last.prompt_key, text, last.options, last.multi)
    return type(last)(text)


def mergeable(messages: tuple[Outbound, ...]) -> bool:
    """Whether `messages` can go as one: no options before the last, no notice among replies."""
    return all(not (isinstance(m, Ask) and m.options) for m in messages[:-1]) and (
        len(messages) == 1 or not any(isinstance(m, Notice) for m in messages)
    )


def to_payload(message: Outbound) -> dict[str, Any]:
    """The message as the JSON the outbox stores."""
    if isinstance(message, Ask):
        return {
            "kind": "ask",
            "prompt_key": message.prompt_key,
            "text": message.text,
            "options": [[o.id, o.label] for o in message.options],
            "multi": message.multi,
        }
    kinds = {Say: "say", Completed: "completed", Notice: "notice"}
    return {"kind": kinds[type(message)], "text": message.text}


def from_payload(payload: dict[str, Any]) -> Outbound:
    """The message an outbox payload holds, exactly as it was stored."""
    kind = payload["kind"]
    if kind == "ask":
        options = tuple(Option(str(i), str(label)) for i, label in payload["options"])
        return Ask(payload["prompt_key"], payload["text"], options, bool(payload["multi"]))
    if kind == "say":
        return Say(payload["text"])
    if kind == "completed":
        return Completed(payload["text"])
    if kind == "notice":
        return Notice(payload["text"])
    raise ValueError(f"unknown outbound message kind {kind!r}")


def render_plain(message: Outbound) -> str:
    """The message as plain text with numbered options: the terminal's form, and transcripts'."""
    if not isinstance(message, Ask) or not message.options:
        return message.text
    lines = [message.text]
    lines += [f"  {n}. {o.label}" for n, o in enumerate(message.options, start=1)]
    if message.multi:
        lines.append("  (pick all that apply, e.g. 1,3)")
    return "\n".join(lines)
