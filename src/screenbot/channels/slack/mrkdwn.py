"""Slack's text markup, both ways: what a person typed out of Slack's markup, and our text into it.

Slack sends typed text with `&`, `<` and `>` as entities and wraps what its client recognised in
angle brackets: `<mailto:a@b.pk|a@b.pk>`, `<https://x.pk|x.pk>`, `<@U123>`, `<#C123|general>`,
`<!here>`, `<!subteam^S1|@team>`, `<!date^…|fallback>`. `decode` turns that back into what the
person saw as they typed, so the engine validates, stores and grades their words.

Going out, `escape` is the one rule for every field Slack shows: Slack decodes these three
entities in every text it displays, `plain_text` included (it hands our own `plain_text` back
escaped in interaction payloads), so an escaped value reads the same in any field and can never
open a mention, link or channel reference. Formatting is the field's choice: a value a candidate
typed goes in a `plain_text` object (see `plain`), where `*`, `_`, `~`, backticks and a leading
`>` are only characters; `mrkdwn` objects carry our own words.
"""

from __future__ import annotations

import re
from typing import Any

Block = dict[str, Any]
MAX_TEXT = 3000  # a text object's limit, plain_text or mrkdwn alike

_MARKUP = re.compile(r"<([^<>\n]*)>")
_ADDRESSES = {"mailto", "tel"}
_SPECIAL = {"here", "channel", "everyone"}


def escape(text: str) -> str:
    """Text for any Slack field: `&`, `<` and `>` as the entities Slack decodes."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int = MAX_TEXT) -> str:
    """At most `limit` characters, never ending inside an entity `escape` wrote."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + "…"


def plain(text: str, limit: int = MAX_TEXT) -> Block:
    """A `plain_text` object of text someone else typed: shown as written, never formatted."""
    return {"type": "plain_text", "text": clip(escape(text) or " ", limit), "emoji": False}


def mrkdwn(text: str) -> Block:
    """A `mrkdwn` object of our own text; any value in it must already be escaped."""
    return {"type": "mrkdwn", "text": clip(text)}


def decode(text: str) -> str:
    """What a person typed, from the text of a Slack message event."""
    return _unescape(_MARKUP.sub(lambda m: _readable(m.group(1)), text))


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _readable(inside: str) -> str:
    """One `<…>` sequence as the words it stands for; a label, where Slack kept one, wins."""
    target, _, label = inside.partition("|")
    if target.startswith("@"):  # a user: <@U123> or <@U123|aisha>
        return "@" + (label or target[1:])
    if target.startswith("#"):  # a channel: <#C123> or <#C123|general>
        return "#" + (label or target[1:])
    if target.startswith("!"):  # <!here>, <!subteam^S1|@team>, <!date^…|fallback>
        name, _, detail = target[1:].partition("^")
        if label:
            return label
        if name == "subteam":
            return "@" + detail
        return "@" + name if name in _SPECIAL else name
    return _link(target, label)


def _link(url: str, label: str) -> str:
    """A link as typed: the address (or the label Slack kept for it), or label and address
    where someone gave a link words of its own."""
    scheme, colon, rest = url.partition(":")
    if colon and scheme.lower() in _ADDRESSES:  # <mailto:a@b.pk|a@b.pk>, <tel:+92…|0300 …>
        return label or rest
    if not label or label.rstrip("/") in {url.rstrip("/"), url.split("://", 1)[-1].rstrip("/")}:
        return label or url
    return f"{label} ({url})"
