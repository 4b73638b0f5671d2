"""Telegram payloads in, Telegram messages out: the translation layer on its own."""

from __future__ import annotations

from typing import Any

import pytest
from telegram import Bot, Update

from screenbot.channels.telegram.translate import (
    MAX_CALLBACK,
    MAX_TEXT,
    NotPrivate,
    Press,
    keyboard,
    read,
    render,
    split,
)
from screenbot.content.catalog import Catalog
from screenbot.content.models import MultiChoiceQuestion, SingleChoiceQuestion
from screenbot.engine.answers import choice_options
from screenbot.engine.events import ChoicePicked, Started, TextReceived, Unsupported
from screenbot.engine.messages import Ask, Option, Say
from screenbot.service import Inbound

BOT = Bot("123:ABC")


def update(payload: dict[str, Any]) -> Update:
    result = Update.de_json({"update_id": 77, **payload}, BOT)
    assert result is not None
    return result


def message(**content: Any) -> dict[str, Any]:
    return {
        "message_id": 5,
        "date": 1_790_000_000,
        "chat": {"id": 42, "type": content.pop("chat_type", "private")},
        "from": {"id": 42, "is_bot": False, "first_name": "Hina", "last_name": "Malik"},
        **content,
    }


def test_every_bundled_keyboard_fits_telegrams_callback_limit(catalog: Catalog) -> None:
    longest_key = "confirm-withdraw.zzzz"
    for bank in catalog.banks.values():
        for question in bank.questions:
            if isinstance(question, SingleChoiceQuestion | MultiChoiceQuestion):
                ask = Ask(
                    longest_key,
                    question.text,
                    choice_options(question),
                    multi=isinstance(question, MultiChoiceQuestion),
                )
                markup = keyboard(ask)
                assert markup is not None
                for row in markup.inline_keyboard:
                    assert len(str(row[0].callback_data).encode()) <= MAX_CALLBACK
    picker = Ask("flows", "Which?", (Option("x" * 48, "A very long flow"),))
    assert keyboard(picker) is not None


def test_long_bot_messages_are_split_at_line_breaks_with_the_keyboard_last() -> None:
    text = "\n".join(f"line {n} " + "x" * 90 for n in range(120))
    parts = render(Ask("q1.abcd", text, (Option("a", "A"), Option("b", "B"))))
    assert len(parts) == 3
    assert all(len(chunk) <= MAX_TEXT for chunk, _ in parts)
    assert "\n".join(chunk for chunk, _ in parts) == text
    assert [markup is not None for _, markup in parts] == [False, False, True]
    assert split("y" * 9000) == ["y" * 4096, "y" * 4096, "y" * 808]
    assert render(Say("short")) == [("short", None)]


def test_a_text_message_becomes_a_keyed_inbound_event() -> None:
    translated = read(update({"message": message(text="/start backend-karachi")}))
    assert isinstance(translated, Inbound)
    assert translated.key == "telegram:77"
    assert translated.event == Started("backend-karachi")
    assert translated.identity.external_id == "42"
    assert translated.identity.display_name == "Hina Malik"


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        ({"voice": {"file_id": "v", "file_unique_id": "v", "duration": 3}}, "voice note"),
        ({"document": {"file_id": "d", "file_unique_id": "d"}}, "file"),
        ({"location": {"latitude": 24.86, "longitude": 67.0}}, "location"),
    ],
)
def test_media_becomes_unsupported(content: dict[str, Any], kind: str) -> None:
    translated = read(update({"message": message(**content)}))
    assert isinstance(translated, Inbound)
    assert translated.event == Unsupported(kind)


def test_group_messages_and_channel_posts_never_reach_the_service() -> None:
    group = read(update({"message": message(chat_type="group", text="hi")}))
    assert group == NotPrivate(42)
    post = {"message_id": 1, "date": 1, "chat": {"id": -5, "type": "channel"}, "text": "x"}
    assert read(update({"channel_post": post})) is None


def test_forged_callback_data_becomes_a_press_the_engine_will_refuse() -> None:
    query = {
        "id": "1",
        "from": message()["from"],
        "chat_instance": "c",
        "data": "drop table",
        "message": message(text="Question"),
    }
    translated = read(update({"callback_query": query}))
    assert isinstance(translated, Press)
    assert translated.inbound.event == ChoicePicked("forged", ())


def test_a_typed_answer_stays_text() -> None:
    translated = read(update({"message": message(text="B-tree")}))
    assert isinstance(translated, Inbound)
    assert translated.event == TextReceived("B-tree")
