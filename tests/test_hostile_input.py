"""Hostile input, generated: long text, RTL Urdu, emoji, zero-width and control characters,
SQL-ish and markup strings, forged buttons. Nothing crashes, nothing changes that should not,
and nothing a candidate typed reaches Slack unescaped."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram import Bot, Update

from screenbot.channels.slack.blocks import render as slack_render
from screenbot.channels.slack.shortlist import candidate_blocks
from screenbot.channels.telegram.translate import Press, read
from screenbot.content.catalog import Catalog
from screenbot.engine.events import ChoicePicked, TextReceived
from screenbot.engine.machine import Context, prompt_key, step
from screenbot.engine.messages import Ask, Option, Say
from screenbot.engine.state import ScreeningState, Stage
from screenbot.recruiting.ranking import Ranked
from tests.channels.slack.outbound import problems
from tests.engine.conftest import PROFILE, Script

NASTY = st.sampled_from(
    [
        "'; DROP TABLE candidates; --",
        "<script>alert(1)</script>",
        "<!channel>",
        "<@U0123|boss>",
        "<https://evil.example|click>",
        "&lt;",
        "\u200b\u200c\u200d\ufeff",
        "\u202eevil",
        "آپ کا نام",
        "ہاں",
        "😀🔥💯",
        "\x00\x01\x1b[31m",
        "x" * 5000,
        "   ",
        "\n\n\n",
        "/start ../../etc/passwd",
    ]
)
TEXT = st.one_of(NASTY, st.text(max_size=300), st.text(min_size=4000, max_size=5000))
SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def states(catalog: Catalog) -> list[ScreeningState]:
    """A screening paused at each kind of prompt."""
    script = Script(catalog)
    script.send(ChoicePicked("flows", ("mini",)))
    found = [script.state]
    script.say("yes")
    found.append(script.state)
    for answer in PROFILE:
        script.say(answer)
    found.append(script.state)
    script.say("yes")
    for _ in range(6):
        found.append(script.state)
        script.say("1")
    return [s for s in found if s is not None]


@SETTINGS
@given(text=TEXT, which=st.integers(min_value=0, max_value=8))
def test_any_text_at_any_prompt_never_crashes_and_never_skips_a_prompt(
    mini: Catalog, text: str, which: int
) -> None:
    state = states(mini)[min(which, 8)]
    now = state.updated_at + timedelta(seconds=5)
    result = step(state, TextReceived(text), Context(mini, now, random.Random(1)))
    assert result.outbound
    assert all(isinstance(m.text, str) and m.text for m in result.outbound)
    after = result.state
    assert after is not None
    if len(text) > 200:  # the mini flow's limit
        assert after is state
    else:
        assert after.step <= state.step + 1 or after.stage is not state.stage


@SETTINGS
@given(key=st.text(max_size=70), choices=st.lists(st.text(max_size=10), max_size=4))
def test_forged_button_data_changes_nothing(mini: Catalog, key: str, choices: list[str]) -> None:
    for state in states(mini):
        if key == prompt_key(state):
            continue
        now = state.updated_at + timedelta(seconds=5)
        result = step(
            state, ChoicePicked(key, tuple(choices)), Context(mini, now, random.Random(1))
        )
        assert result.state is state or key == "flows"
        assert result.answer is None


@SETTINGS
@given(data=st.text(max_size=64), text=TEXT)
def test_any_telegram_payload_translates_without_crashing(data: str, text: str) -> None:
    bot = Bot("123:ABC")
    user = {"id": 42, "is_bot": False, "first_name": text[:64] or "x"}
    message: dict[str, Any] = {
        "message_id": 1,
        "date": 1,
        "chat": {"id": 42, "type": "private"},
        "from": user,
        "text": text,
    }
    query = {"id": "1", "from": user, "chat_instance": "c", "data": data, "message": message}
    for payload in ({"message": message}, {"callback_query": query}, {"edited_message": message}):
        update = Update.de_json({"update_id": 5, **payload}, bot)
        assert update is not None
        translated = read(update)
        if isinstance(translated, Press):
            assert translated.inbound.key == "telegram:5"


@SETTINGS
@given(name=TEXT, city=TEXT)
def test_nothing_a_candidate_typed_reaches_slack_as_markup(name: str, city: str) -> None:
    ranked = Ranked(
        screening_id=1,
        rank=1,
        name=name,
        score=0.5,
        sections=(("db", 0.5),),
        details=(("City", city),),
        flags=(),
        decision=None,
    )
    text, ask = slack_render(Ask("q0.abcd", name[:1000], (Option("a", city[:200] or "x"),)))
    said, say = slack_render(Say(name or "x"))
    digest = [{"blocks": candidate_blocks(ranked, {"db": "Databases"})}]
    formatting = [name] if "*" in name else []  # recruiters see it as typed, never formatted
    assert problems(digest, mentions=set(), formatting=formatting, twice=False) == []
    dms: list[dict[str, Any]] = [{"text": text, "blocks": ask}, {"text": said, "blocks": say}]
    assert problems(dms, mentions=set(), twice=False) == []


def test_an_update_for_an_unknown_chat_type_is_ignored() -> None:
    update = Update.de_json(
        {
            "update_id": 9,
            "message": {
                "message_id": 1,
                "date": 1,
                "chat": {"id": -9, "type": "channel"},
                "text": "hi",
            },
        },
        Bot("123:ABC"),
    )
    assert update is not None
    assert read(update) is None


def test_a_state_after_garbage_still_round_trips(mini: Catalog) -> None:
    state = states(mini)[3]
    now = datetime(2026, 11, 23, tzinfo=UTC)
    result = step(state, TextReceived("\x00" * 10), Context(mini, now, random.Random(1)))
    assert result.state is not None
    assert ScreeningState.from_json(result.state.to_json()) == result.state
    assert result.state.stage in {Stage.QUESTIONS, Stage.PROFILE, Stage.KNOCKOUT, Stage.EXPIRED}
