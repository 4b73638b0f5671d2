"""The transition table's shape, and states and messages surviving their JSON round trips."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from screenbot.content.catalog import Catalog
from screenbot.engine.events import Command, CommandIssued, Started, TextReceived, parse_text
from screenbot.engine.machine import Context, step
from screenbot.engine.messages import Ask, Completed, Option, Say, from_payload, to_payload
from screenbot.engine.state import ScreeningState, Stage
from screenbot.engine.transitions import TRANSITIONS, Trigger, next_stage
from screenbot.errors import IllegalTransitionError
from tests.engine.conftest import Script


def test_every_active_stage_can_be_withdrawn_or_expire() -> None:
    for stage in Stage:
        for trigger in (Trigger.WITHDRAW, Trigger.EXPIRE):
            assert ((stage, trigger) in TRANSITIONS) is stage.active


def test_finished_stages_have_no_way_out() -> None:
    assert all(source.active for source, _ in TRANSITIONS)
    with pytest.raises(IllegalTransitionError):
        next_stage(Stage.COMPLETED, Trigger.AGREE)


def test_state_round_trips_through_json(mini: Catalog) -> None:
    script = Script(mini)
    script.reach_questions()
    script.say("2")
    assert script.state is not None
    assert ScreeningState.from_json(script.state.to_json()) == script.state


def test_outbound_messages_round_trip_through_payloads() -> None:
    for message in (
        Say("hi"),
        Completed("bye"),
        Ask("q1", "Pick", (Option("a", "A"), Option("b", "B")), multi=True),
    ):
        assert from_payload(to_payload(message)) == message


@pytest.mark.parametrize(
    ("text", "event"),
    [
        ("/start backend-karachi", Started("backend-karachi")),
        ("/start", Started(None)),
        ("/status@screenbot", CommandIssued(Command.STATUS)),
        ("/delete_my_data", CommandIssued(Command.DELETE_MY_DATA)),
        ("/unknown", TextReceived("/unknown")),
        ("hello", TextReceived("hello")),
    ],
)
def test_typed_commands(text: str, event: object) -> None:
    assert parse_text(text) == event


def test_step_is_pure_same_inputs_same_outputs(mini: Catalog) -> None:
    now = datetime(2026, 11, 23, tzinfo=UTC)
    runs = [step(None, Started("mini"), Context(mini, now, random.Random(1))) for _ in range(2)]
    assert runs[0] == runs[1]
