"""Telegram payloads to neutral events, and engine messages to Telegram text and keyboards.

Nothing here decides anything: a keyboard is how Telegram shows options; the engine decides
what is asked and what counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from screenbot.clock import Clock, utcnow
from screenbot.engine.events import ChoicePicked, InboundEvent, Unsupported, parse_text
from screenbot.engine.messages import Ask, Outbound
from screenbot.service import Identity, Inbound

CHANNEL = "telegram"
MAX_TEXT = 4096
MAX_CALLBACK = 64
PICKED = "✓ "
DONE_LABEL = "Done"
ANSWER, TOGGLE, SUBMIT = "a", "t", "d"

_MEDIA = (
    ("sticker", "sticker"),
    ("photo", "photo"),
    ("voice", "voice note"),
    ("video", "video"),
    ("video_note", "video message"),
    ("animation", "GIF"),
    ("audio", "audio file"),
    ("document", "file"),
    ("location", "location"),
    ("contact", "contact"),
    ("poll", "poll"),
)


@dataclass(frozen=True)
class Toggle:
    """A multi-choice option tapped: only the keyboard changes, nothing is answered yet."""

    markup: InlineKeyboardMarkup


@dataclass(frozen=True)
class NotPrivate:
    """A message in a group: screenings happen in private chats only."""

    chat_id: int


@dataclass(frozen=True)
class Press:
    """A button press for the service, with what the adapter needs to close the question."""

    inbound: Inbound
    labels: tuple[str, ...]


Translated = Inbound | Press | Toggle | NotPrivate | None


def callback(kind: str, prompt_key: str, choice: str = "") -> str:
    """A button's callback data: what it answers (`kind`), for which prompt, with which choice.
    Telegram refuses more than 64 bytes, so an over-long one fails here, where the content is known,
    rather than at send time."""
    data = f"{kind}|{prompt_key}|{choice}"
    if len(data.encode()) > MAX_CALLBACK:
        raise ValueError(f"callback data over {MAX_CALLBACK} bytes: {data!r}")
    return data


def _parse_callback(data: str) -> tuple[str, str, str] | None:
    parts = data.split("|")
    if len(parts) != 3 or parts[0] not in {ANSWER, TOGGLE, SUBMIT}:
        return None
    return parts[0], parts[1], parts[2]


def keyboard(ask: Ask) -> InlineKeyboardMarkup | None:
    """The buttons under a question: one per option, with Done under a multi-choice one; None for a
    question answered by typing."""
    if not ask.options:
        return None
    kind = TOGGLE if ask.multi else ANSWER
    rows = [
        [InlineKeyboardButton(o.label, callback_data=callback(kind, ask.prompt_key, o.id))]
        for o in ask.options
    ]
    if ask.multi:
        rows.append(
            [InlineKeyboardButton(DONE_LABEL, callback_data=callback(SUBMIT, ask.prompt_key))]
        )
    return InlineKeyboardMarkup(rows)


def split(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Cut long text into messages Telegram accepts, at line breaks where it can."""
    chunks: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        cut = cut if cut > 0 else limit
        chunks.append(text[:cut])
        text = text[cut:].lstrip("\n")
    return [*chunks, text] if text or not chunks else chunks


def render(message: Outbound) -> list[tuple[str, InlineKeyboardMarkup | None]]:
    """The Telegram messages for one engine message: the keyboard rides on the last one."""
    text = message.text
    markup = None
    if isinstance(message, Ask):
        markup = keyboard(message)
        if message.multi:
            text += f"\n(tap every option that applies, then {DONE_LABEL})"
    chunks = split(text)
    return [(chunk, markup if n == len(chunks) - 1 else None) for n, chunk in enumerate(chunks)]


def _identity(update: Update) -> Identity | None:
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return None
    return Identity(CHANNEL, str(user.id), address=str(chat.id), display_name=user.full_name)


def _event_of(message: Message) -> InboundEvent:
    if message.text is not None:
        return parse_text(message.text)
    for attribute, kind in _MEDIA:
        if getattr(message, attribute):
            return Unsupported(kind)
    return Unsupported("message of that kind")


def _toggled(markup: InlineKeyboardMarkup, data: str) -> InlineKeyboardMarkup:
    rows = []
    for row in markup.inline_keyboard:
        buttons = []
        for button in row:
            text = button.text
            if button.callback_data == data:
                text = text.removeprefix(PICKED) if text.startswith(PICKED) else PICKED + text
            buttons.append(InlineKeyboardButton(text, callback_data=button.callback_data))
        rows.append(buttons)
    return InlineKeyboardMarkup(rows)


def _picked(markup: InlineKeyboardMarkup | None) -> list[tuple[str, str]]:
    """(choice id, label) of the options ticked on a multi-choice keyboard."""
    picked = []
    for row in markup.inline_keyboard if markup else ():
        for button in row:
            parsed = _parse_callback(str(button.callback_data or ""))
            if parsed and parsed[0] == TOGGLE and button.text.startswith(PICKED):
                picked.append((parsed[2], button.text.removeprefix(PICKED)))
    return picked


def _press(update: Update, identity: Identity, clock: Clock) -> Translated:
    query = update.callback_query
    assert query is not None
    parsed = _parse_callback(query.data or "")
    if parsed is None:  # not ours, or forged: the engine refuses it as a closed question
        event = ChoicePicked("forged", ())
        return Press(
            Inbound(f"{CHANNEL}:{update.update_id}", identity, event, _when(update, clock)), ()
        )
    kind, key, choice = parsed
    message = query.message if isinstance(query.message, Message) else None
    markup = message.reply_markup if message else None
    if kind == TOGGLE:
        if markup is None:
            return None
        return Toggle(_toggled(markup, query.data or ""))
    if kind == SUBMIT:
        ticked = _picked(markup)
        ids, labels = tuple(i for i, _ in ticked), tuple(label for _, label in ticked)
    else:
        ids = (choice,)
        labels = tuple(
            b.text
            for row in (markup.inline_keyboard if markup else ())
            for b in row
            if b.callback_data == query.data
        )
    inbound = Inbound(
        f"{CHANNEL}:{update.update_id}", identity, ChoicePicked(key, ids), _when(update, clock)
    )
    return Press(inbound, labels)


def _when(update: Update, clock: Clock) -> datetime:
    """When the person acted: Telegram dates messages, not taps."""
    message = update.effective_message
    if message is not None and update.callback_query is None:
        return message.date
    return clock()


def read(update: Update, clock: Clock = utcnow) -> Translated:
    """What an update means to the screening, or None when it means nothing to us."""
    chat = update.effective_chat
    identity = _identity(update)
    if chat is None or identity is None:
        return None
    if chat.type != chat.PRIVATE:
        return NotPrivate(chat.id) if update.message is not None else None
    if update.callback_query is not None:
        return _press(update, identity, clock)
    key = f"{CHANNEL}:{update.update_id}"
    if update.edited_message is not None:
        return Inbound(key, identity, Unsupported("edited message"), _when(update, clock))
    if update.message is not None:  # Telegram numbers a chat's messages, ours and theirs, in order
        event = _event_of(update.message)
        return Inbound(key, identity, event, _when(update, clock), update.message.message_id)
    return None
