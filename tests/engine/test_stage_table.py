"""The stage table and the confirmation rows: complete, consistent, and obeyed by `step`."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from screenbot.content.catalog import Catalog
from screenbot.engine.confirmations import WORDING
from screenbot.engine.events import Command, CommandIssued, Started, TextReceived
from screenbot.engine.messages import Ask, Completed, Say
from screenbot.engine.prompts import prompt_key
from screenbot.engine.selection import DrawnUpFront, draw
from screenbot.engine.stages import STAGES, questions, settle
from screenbot.engine.state import Pending, QuestionRef, ScreeningState, Stage
from screenbot.engine.transitions import (
    CONFIRMATIONS,
    TRANSITIONS,
    Trigger,
    confirmation_asked_by,
    move,
)
from screenbot.engine.turn import Context
from tests.engine.conftest import PROFILE, Script, correct_reply

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _at(mini: Catalog, stage: Stage) -> Script:
    """A script whose screening has just reached `stage` (ended stages: from the questions)."""
    script = Script(mini)
    script.send(Started("mini"))
    if stage is Stage.CONSENT:
        return script
    script.say("yes")
    if stage is Stage.PROFILE:
        return script
    for answer in PROFILE:
        script.say(answer)
    if stage is Stage.KNOCKOUT:
        return script
    script.say("yes")
    if stage is not Stage.QUESTIONS:
        assert script.state is not None
        script.state = replace(script.state, stage=stage)
    return script


def test_every_stage_has_a_spec() -> None:
    assert set(STAGES) == set(Stage)


def test_every_open_prompt_has_a_key_of_its_own(mini: Catalog) -> None:
    keys = []
    for stage in Stage:
        state = _at(mini, stage).state
        assert state is not None
        keys.append(STAGES[stage].key(state))
    keys += [f"confirm-{p.value}" for p in Pending]
    assert len(set(keys)) == len(keys)


def test_every_confirmation_has_a_row_words_and_a_command_of_its_own() -> None:
    assert set(CONFIRMATIONS) == set(WORDING) == set(Pending)
    commands = [row.asked_by for row in CONFIRMATIONS.values()]
    assert len(set(commands)) == len(commands)
    assert all(confirmation_asked_by(row.asked_by) is p for p, row in CONFIRMATIONS.items())


def test_the_transition_table_covers_every_confirmation_row() -> None:
    for row in CONFIRMATIONS.values():
        if row.on_yes is not None:
            assert all((stage, row.on_yes) in TRANSITIONS for stage in row.asked_in)


@pytest.mark.parametrize("stage", list(Stage))
@pytest.mark.parametrize("command", list(Command))
def test_every_command_is_answered_in_every_stage(
    mini: Catalog, stage: Stage, command: Command
) -> None:
    script = _at(mini, stage)
    said = script.send(CommandIssued(command))
    assert said
    assert all(m.text for m in said)


@pytest.mark.parametrize("pending", list(Pending))
def test_each_confirmation_is_asked_by_its_command_and_a_no_changes_nothing(
    mini: Catalog, pending: Pending
) -> None:
    row = CONFIRMATIONS[pending]
    for stage in sorted(row.asked_in):
        script = _at(mini, stage)
        before = script.state
        assert before is not None
        asked = script.send(CommandIssued(row.asked_by))
        assert script.state is not None
        assert script.state.pending is pending
        assert isinstance(asked[-1], Ask)
        assert asked[-1].prompt_key == prompt_key(script.state)
        said = script.say("no")
        assert said[0] == Say(WORDING[pending].kept)
        assert replace(script.state, updated_at=before.updated_at) == before


def test_a_command_whose_confirmation_cannot_be_asked_says_so(mini: Catalog) -> None:
    script = _at(mini, Stage.COMPLETED)
    before = script.state
    said = script.send(CommandIssued(Command.CANCEL))
    assert said == (Say(WORDING[Pending.WITHDRAW].unavailable),)
    assert script.state is before


def test_back_while_a_confirmation_is_open_closes_it_and_asks_the_reopened_question(
    mini: Catalog,
) -> None:
    script = _at(mini, Stage.PROFILE)
    script.say("Ayesha Khan")
    script.say("ayesha@example.com")
    script.send(CommandIssued(Command.CANCEL))
    said = script.send(CommandIssued(Command.BACK))
    assert script.state is not None
    assert (script.state.step, script.state.pending) == (1, None)
    assert isinstance(said[-1], Ask)
    assert said[-1].prompt_key == prompt_key(script.state)
    assert said[-1].text.startswith("What email address")


def test_a_screening_that_expires_while_asking_to_withdraw_takes_a_late_yes_calmly(
    mini: Catalog,
) -> None:
    script = _at(mini, Stage.KNOCKOUT)
    script.send(CommandIssued(Command.CANCEL))
    script.now += timedelta(days=8)
    script.say("hello?")
    assert script.state is not None
    assert (script.state.stage, script.state.pending) == (Stage.EXPIRED, None)
    said = script.say("yes")
    assert script.state.stage is Stage.EXPIRED
    assert "is closed" in said[0].text


def test_an_expiry_keeps_an_open_request_to_erase() -> None:
    state = ScreeningState("mini", Stage.PROFILE, NOW, NOW, pending=Pending.DELETE)
    assert move(state, Trigger.EXPIRE, NOW).pending is Pending.DELETE


def _flow_without_profile_or_knockouts(mini: Catalog) -> Catalog:
    bare = mini.flows["mini"].model_copy(update={"profile": (), "knockout": ()})
    return Catalog(banks=mini.banks, flows={**mini.flows, "mini": bare})


def test_a_flow_with_nothing_to_ask_before_its_questions_goes_straight_to_them(
    mini: Catalog,
) -> None:
    script = Script(_flow_without_profile_or_knockouts(mini))
    script.send(Started("mini"))
    said = script.say("yes")
    assert script.state is not None
    assert script.state.stage is Stage.QUESTIONS
    assert len(script.state.plan) == 6
    assert script.state.asked_at == script.now
    assert isinstance(said[-1], Ask)
    assert said[-1].prompt_key == prompt_key(script.state)


def test_settling_a_state_with_its_question_ready_returns_it_untouched(mini: Catalog) -> None:
    for stage in Stage:
        state = _at(mini, stage).state
        assert state is not None
        assert settle(state, Context(mini, NOW, random.Random(1))) is state


def test_the_fixed_order_draws_once_from_the_screenings_random_source(mini: Catalog) -> None:
    state = _at(mini, Stage.KNOCKOUT).state
    assert state is not None
    order = DrawnUpFront()
    rng = random.Random(7)
    plan = order.plan(state, Context(mini, NOW, rng))
    assert plan == draw(mini.flows["mini"], mini, random.Random(7))
    drawn = replace(state, plan=plan)
    again = random.Random(99)
    assert order.plan(drawn, Context(mini, NOW, again)) == plan
    assert again.getstate() == random.Random(99).getstate()


class OneAtATime:
    """An order that picks each question after the previous answer, in bank order, and stops
    after `limit`: the shape an adaptive order has."""

    def __init__(self, limit: int) -> None:
        self.limit = limit

    def plan(self, state: ScreeningState, context: Context) -> tuple[QuestionRef, ...]:
        asked = state.plan[: state.step]
        if state.step >= self.limit:
            return asked
        bank = context.catalog.banks["basics"]
        fresh = [QuestionRef(bank.id, q.id) for q in bank.questions]
        return (*asked, next(ref for ref in fresh if ref not in asked))

    def total(self, _state: ScreeningState, _context: Context) -> int:
        return self.limit


def test_the_questions_stage_asks_what_a_plugged_order_chooses(mini: Catalog) -> None:
    stage = questions.spec(OneAtATime(limit=3))
    state = _at(mini, Stage.QUESTIONS).state
    assert state is not None
    context = Context(mini, NOW, random.Random(1))
    state = stage.settle(replace(state, plan=()), context)
    order = [q.id for q in mini.banks["basics"].questions]
    assert [ref.question for ref in state.plan] == order[:1]
    ask = stage.prompt(state, context, "q0")
    assert ask is not None
    assert ask.text.startswith("Question 1 of 3 ·")
    assert "1 of 3" in stage.status(state, context)
    said: list[object] = []
    while state.stage is Stage.QUESTIONS:
        reply = correct_reply(questions.current(state, context))
        assert isinstance(reply, TextReceived)
        result = stage.answer(state, reply, context)
        assert result.state is not None
        state = result.state
        said += result.outbound
    assert [a.question for a in state.answers] == order[:3]
    assert isinstance(said[-1], Completed)
