"""Engine messages as Slack Block Kit for candidates: buttons, or checkboxes plus Submit.

Engine text is plain words (the same text Telegram and the terminal show) and may quote the
candidate's own answers back, so every section is `plain_text`: nothing in it is formatted or
parsed. The top-level `text` (the notification) is escaped.
"""

from __future__ import annotations

from screenbot.channels.slack.mrkdwn import Block, clip, escape, plain
from screenbot.engine.messages import Ask, Outbound

BUTTON_TEXT = 75
MAX_CHECKBOXES = 10


def _value(prompt_key: str, choice: str) -> str:
    return f"{prompt_key}|{choice}"


def parse_value(raw: str) -> tuple[str, str] | None:
    """The prompt key and choice a button or checkbox carried back; None for a value we did not
    write, which a forged or stale request may send."""
    key, sep, choice = raw.partition("|")
    return (key, choice) if sep and key else None


def render(message: Outbound) -> tuple[str, list[Block]]:
    """The notification text and the blocks of one message."""
    text = clip(escape(message.text))
    if not isinstance(message, Ask) or not message.options:
        return text, [{"type": "section", "text": plain(message.text)}]
    body = message.text
    if any(len(o.label) > BUTTON_TEXT for o in message.options):
        body += "\n" + "\n".join(f"{n}. {o.label}" for n, o in enumerate(message.options, 1))
    blocks: list[Block] = [{"type": "section", "text": plain(body)}]
    options = [
        {"text": plain(o.label, BUTTON_TEXT), "value": _value(message.prompt_key, o.id)}
        for o in message.options
    ]
    if message.multi and len(options) <= MAX_CHECKBOXES:
        submit = {
            "type": "button",
            "action_id": "submit",
            "value": message.prompt_key,
            "text": {"type": "plain_text", "text": "Submit"},
            "style": "primary",
        }
        elements = [{"type": "checkboxes", "action_id": "pick", "options": options}, submit]
    else:
        elements = [
            {"type": "button", "action_id": f"answer_{n}", "value": o["value"], "text": o["text"]}
            for n, o in enumerate(options)
        ]
    blocks.append(
        {"type": "actions", "block_id": f"ask-{message.prompt_key}", "elements": elements}
    )
    return text, blocks


def answered(question: str, answer: str) -> list[Block]:
    """The question as it stays in the chat once answered: its text and the answer, no buttons."""
    return [
        {"type": "section", "text": plain(question)},
        {"type": "context", "elements": [plain(f"Your answer: {answer}")]},
    ]
