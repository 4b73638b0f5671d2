"""A screening walked end to end through `step`, and every exit from it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from screenbot.content.catalog import Catalog
from screenbot.engine.events import (
    ChoicePicked,
    Command,
    CommandIssued,
    Started,
    TextReceived,
    Unsupported,
)
from screenbot.engine.machine import prompt_key
from screenbot.engine.messages import Ask, Completed, Outbound, Say
from screenbot.engine.state import Stage
from tests.engine.conftest import PROFILE, Script, correct_reply


def test_perfect_candidate_completes_with_full_score_and_is_never_told_it(mini: Catalog) -> None:
    script = Script(mini)
    script.reach_questions()
    said: list[Outbound] = []
    while script.state is not None and script.state.stage is Stage.QUESTIONS:
        said += script.send(correct_reply(script.current))
    assert script.state is not None
    assert script.state.stage is Stage.COMPLETED
    assert script.state.score == 1.0
    assert script.state.passed is True
    assert len(script.state.answers) == 6
    final = said[-1]
    assert isinstance(final, Completed)
    assert "Ayesha" in final.text
    assert "We will call you." in final.text
    for message in said:
        assert "correct" not in message.text.lower()
        assert "score" not in message.text.lower()


def test_wrong_answers_fail_the_pass_mark(mini: Catalog) -> None:
    script = Script(mini)
    script.reach_questions()
    while script.state is not None and script.state.stage is Stage.QUESTIONS:
        question = script.current
        wrong = {"single_choice": "3", "multi_choice": "3", "numeric": "1", "yes_no": "yes"}
        script.say(wrong.get(question.type, "no idea at all"))
    assert script.state is not None
    assert script.state.score == 0.0
    assert script.state.passed is False


def test_profile_values_are_stored_parsed(mini: Catalog) -> None:
    script = Script(mini)
    script.reach_questions()
    assert script.state is not None
    assert script.state.profile_dict == {
        "full_name": "Ayesha Khan",
        "email": "ayesha@example.com",
        "years_experience": 4,
        "city": "Karachi",
        "expected_salary_pkr": 250000,
        "work_model": "hybrid",
    }


def test_declining_consent_stores_nothing_and_ends(mini: Catalog) -> None:
    script = Script(mini)
    script.send(Started("mini"))
    said = script.pick("no")
    assert script.state is not None
    assert script.state.stage is Stage.DECLINED
    assert "nothing has been stored" in said[0].text
    assert script.state.profile == ()


def test_failing_a_knockout_ends_politely(mini: Catalog) -> None:
    script = Script(mini)
    script.send(Started("mini"))
    script.say("yes")
    for answer in PROFILE:
        script.say(answer)
    said = script.say("no")
    assert script.state is not None
    assert script.state.stage is Stage.KNOCKED_OUT
    assert said == (Say(said[0].text),)
    assert "can't take your application further" in said[0].text


def test_back_reopens_the_previous_profile_answer(mini: Catalog) -> None:
    script = Script(mini)
    script.send(Started("mini"))
    script.say("yes")
    script.say("Ayesha Khan")
    said = script.send(CommandIssued(Command.BACK))
    assert script.state is not None
    assert script.state.step == 0
    assert "full_name" not in script.state.profile_dict
    assert isinstance(said[-1], Ask)
    assert said[-1].text == "What is your full name?"
    script.say("Ayesha K.")
    assert script.state.profile_dict["full_name"] == "Ayesha K."


def test_back_from_knockout_returns_to_the_last_profile_field(mini: Catalog) -> None:
    script = Script(mini)
    script.send(Started("mini"))
    script.say("yes")
    for answer in PROFILE:
        script.say(answer)
    script.send(CommandIssued(Command.BACK))
    assert script.state is not None
    assert (script.state.stage, script.state.step) == (Stage.PROFILE, 5)
    script.say("remote")
    assert script.state.profile_dict["work_model"] == "remote"
    assert script.state.stage is Stage.KNOCKOUT


def test_back_is_refused_once_questions_start(mini: Catalog) -> None:
    script = Script(mini)
    script.reach_questions()
    before = script.state
    said = script.send(CommandIssued(Command.BACK))
    assert script.state is before
    assert "can't be changed" in said[0].text


def test_status_says_how_many_questions_are_left(mini: Catalog) -> None:
    script = Script(mini)
    script.reach_questions()
    script.send(correct_reply(script.current))
    said = script.send(CommandIssued(Command.STATUS))
    assert "question 2 of 6" in said[0].text
    assert "5 to go" in said[0].text
    assert isinstance(said[-1], Ask)
    assert said[-1].prompt_key.startswith("q1.")


def test_an_old_button_changes_nothing(mini: Catalog) -> None:
    script = Script(mini)
    script.reach_questions()
    assert script.state is not None
    old_key = prompt_key(script.state)
    script.send(correct_reply(script.current))
    before = script.state
    said = script.send(ChoicePicked(old_key, ("b",)))
    assert script.state is before
    assert said == (Say("That question is closed, so I've left your answers as they were."),)


def test_forged_choice_id_is_reasked_not_scored(mini: Catalog) -> None:
    script = Script(mini)
    script.reach_questions()
    before = script.state
    said = script.pick("zz")
    assert script.state is before
    assert "number of an option" in said[0].text


def test_oversized_text_is_refused_with_a_hint(mini: Catalog) -> None:
    script = Script(mini)
    script.send(Started("mini"))
    before = script.state
    said = script.say("x" * 5000)
    assert script.state is before
    assert "5,000 characters" in said[0].text
    assert "200" in said[0].text


def test_a_sticker_gets_an_explanation_and_the_question_again(mini: Catalog) -> None:
    script = Script(mini)
    script.send(Started("mini"))
    before = script.state
    said = script.send(Unsupported("sticker"))
    assert script.state is before
    assert "sticker" in said[0].text
    assert isinstance(said[1], Ask)
    assert said[1].prompt_key.startswith("consent.")


def test_cancel_asks_then_withdraws(mini: Catalog) -> None:
    script = Script(mini)
    script.send(Started("mini"))
    said = script.send(CommandIssued(Command.CANCEL))
    assert isinstance(said[-1], Ask)
    assert said[-1].prompt_key.startswith("confirm-withdraw.")
    script.pick("yes")
    assert script.state is not None
    assert script.state.stage is Stage.WITHDRAWN


def test_cancel_then_no_carries_on_where_it_was(mini: Catalog) -> None:
    script = Script(mini)
    script.reach_questions()
    script.send(CommandIssued(Command.CANCEL))
    said = script.say("no")
    assert script.state is not None
    assert script.state.stage is Stage.QUESTIONS
    assert isinstance(said[-1], Ask)
    assert said[-1].prompt_key.startswith("q0.")


def test_delete_my_data_needs_confirmation(mini: Catalog) -> None:
    script = Script(mini)
    script.reach_questions()
    script.send(CommandIssued(Command.DELETE_MY_DATA))
    assert script.last is not None
    assert not script.last.erase
    script.pick("yes")
    assert script.last is not None
    assert script.last.erase
    assert script.state is None


def test_an_untouched_screening_expires(mini: Catalog) -> None:
    script = Script(mini)
    script.reach_questions()
    script.now += timedelta(days=8)
    said = script.say("anything")
    assert script.state is not None
    assert script.state.stage is Stage.EXPIRED
    assert "expired" in said[0].text


def test_a_late_answer_scores_nothing(mini: Catalog) -> None:
    script = Script(mini, pace=5)
    script.reach_questions()
    while script.current.id != "yes-or-no":
        script.send(correct_reply(script.current))
    script.pace = 61
    script.say("no")
    assert script.state is not None
    late = script.state.answers[-1]
    assert (late.question, late.late, late.points, late.seconds) == ("yes-or-no", True, 0.0, 61)


def test_time_taken_is_recorded_from_event_times(mini: Catalog) -> None:
    script = Script(mini, pace=12.5)
    script.reach_questions()
    script.send(correct_reply(script.current))
    assert script.state is not None
    assert script.state.answers[0].seconds == 12.5


def test_start_without_flow_lists_only_open_flows(mini: Catalog) -> None:
    script = Script(mini)
    said = script.send(Started(None))
    picker = said[-1]
    assert isinstance(picker, Ask)
    assert [o.id for o in picker.options] == ["mini"]


def test_closed_or_unknown_flow_is_refused_politely(mini: Catalog) -> None:
    for flow_id in ("closed", "nope"):
        script = Script(mini)
        said = script.send(Started(flow_id))
        assert script.state is None
        assert f"“{flow_id}”" in said[0].text


def test_the_flow_picker_starts_the_picked_flow(mini: Catalog) -> None:
    script = Script(mini)
    script.send(Started(None))
    script.send(ChoicePicked("flows", ("mini",)))
    assert script.state is not None
    assert script.state.flow_id == "mini"
    assert script.last is not None
    assert script.last.fresh


def test_starting_again_resumes_and_completed_is_not_retaken(mini: Catalog) -> None:
    script = Script(mini)
    script.reach_questions()
    said = script.send(Started("mini"))
    assert said[0] == Say("Welcome back! Let's pick up where you left off.")
    assert script.last is not None
    assert not script.last.fresh
    while script.state is not None and script.state.stage is Stage.QUESTIONS:
        script.send(correct_reply(script.current))
    said = script.send(Started("mini"))
    assert "completed the screening" in said[0].text
    assert script.state is not None
    assert script.state.stage is Stage.COMPLETED


@pytest.mark.parametrize("text", ["haan", "Yes!", "ji", "y", "I agree"])
def test_consent_understands_many_ways_of_saying_yes(mini: Catalog, text: str) -> None:
    script = Script(mini)
    script.send(Started("mini"))
    script.send(TextReceived(text))
    assert script.state is not None
    assert script.state.stage is Stage.PROFILE


def _without(catalog: Catalog, question_ids: set[str]) -> Catalog:
    bank = catalog.banks["basics"]
    kept = tuple(q for q in bank.questions if q.id not in question_ids)
    edited = bank.model_copy(update={"questions": kept})
    return Catalog(banks={**catalog.banks, "basics": edited}, flows=catalog.flows)


def test_a_question_deleted_from_its_bank_mid_screening_is_skipped(mini: Catalog) -> None:
    script = Script(mini)
    script.reach_questions()
    assert script.state is not None
    removed = script.state.plan[0].question
    script.catalog = _without(mini, {removed})
    said = script.send(CommandIssued(Command.STATUS))
    assert script.state is not None
    assert script.state.stage is Stage.QUESTIONS
    assert removed not in {ref.question for ref in script.state.plan}
    assert "of 5" in said[0].text


def test_deleting_every_remaining_question_completes_the_screening(mini: Catalog) -> None:
    script = Script(mini)
    script.reach_questions()
    script.send(correct_reply(script.current))
    assert script.state is not None
    rest = {ref.question for ref in script.state.plan[1:]}
    script.catalog = _without(mini, rest)
    said = script.say("anything")
    assert script.state is not None
    assert script.state.stage is Stage.COMPLETED
    assert isinstance(said[0], Completed)
    assert script.state.score == 1.0


def test_a_keyboard_from_an_earlier_screening_cannot_answer_the_new_one(mini: Catalog) -> None:
    script = Script(mini)
    script.reach_questions()
    assert script.state is not None
    first_key = prompt_key(script.state)
    script.send(CommandIssued(Command.CANCEL))
    script.say("yes")
    script.reach_questions()
    assert script.state is not None
    assert prompt_key(script.state).split(".")[0] == first_key.split(".")[0]
    before = script.state
    said = script.send(ChoicePicked(first_key, ("b",)))
    assert script.state is before
    assert said == (Say("That question is closed, so I've left your answers as they were."),)
