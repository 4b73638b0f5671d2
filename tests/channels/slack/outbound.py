"""Reading everything the bot sent to Slack for markup a candidate could have smuggled in.

Every string of every call is checked: the only `<…>` sequences we write are the mentions we
mean (a recruiter's `<@U…>`), every `&` starts one of the three entities, nothing is escaped
twice, and text a candidate formatted (`*bold*`) sits only where Slack shows text as written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

_BARE_AMPERSAND = re.compile(r"&(?!amp;|lt;|gt;)")
_TWICE = re.compile(r"&amp;(?:amp|lt|gt);")


def strings(value: Any, formatted: bool = True) -> Iterator[tuple[str, bool]]:
    """Every string in a call's arguments, and whether Slack formats it (mrkdwn)."""
    if isinstance(value, str):
        yield value, formatted
    elif isinstance(value, dict):
        kind = value.get("type")
        for key, item in value.items():
            if key == "text" and isinstance(item, str) and kind in ("plain_text", "mrkdwn"):
                yield item, kind == "mrkdwn"
            else:
                yield from strings(item, formatted and key in ("text", "blocks", "elements"))
    elif isinstance(value, list):
        for item in value:
            yield from strings(item, formatted)


def problems(
    calls: Iterable[dict[str, Any]],
    mentions: set[str],
    formatting: Iterable[str] = (),
    *,
    twice: bool = True,
) -> list[str]:
    """What in `calls` a candidate could have made Slack parse; empty when all is well.

    `twice=False` where a candidate may have typed an entity (`&lt;`) themselves."""
    found = []
    for call in calls:
        for text, is_mrkdwn in strings(call):
            rest = text
            for mention in mentions:
                rest = rest.replace(mention, "")
            if "<" in rest or ">" in rest:
                found.append(f"raw < or > (a mention, link or tag) in {text[:120]!r}")
            if _BARE_AMPERSAND.search(text):
                found.append(f"raw & in {text[:120]!r}")
            if twice and _TWICE.search(text):
                found.append(f"escaped twice: {text[:120]!r}")
            for token in formatting:
                if is_mrkdwn and token in text:
                    found.append(f"candidate formatting {token!r} in mrkdwn {text[:120]!r}")
    return found
