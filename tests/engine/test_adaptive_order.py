"""Adaptive flows through `step`: one question at a time, content balance, free text last, and
scores that carry the ability estimate."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from screenbot.content.catalog import Catalog, load_catalog
from screenbot.content.models import FreeTextQuestion, Question
from screenbot.engine.adaptive_order import AdaptiveOrder, setup
from screenbot.engine.events import Command, CommandIssued, InboundEvent, Started, TextReceived
from screenbot.engine.messages import Outbound
from screenbot.engine.state import QuestionRef, ScreeningState, Stage
from screenbot.engine.turn import Context
from tests.engine.conftest import PROFILE, Script, correct_reply

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

PROFILES = {
    "backend-karachi": PROFILE,
    "senior-backend-remote": [
        "Ayesha Khan",
        "ayesha@example.com",
        "7",
        "Dubai",
        "20000",
        "remote",
        "4",
    ],
    "adaptive-mini": ["Ayesha Khan", "ayesha@example.com"],
}


@pytest.fixture(scope="module")
def adaptive_mini() -> Catalog:
    return load_catalog(FIXTURES / "banks", FIXTURES / "adaptive")


def wrong_reply(question: Question) -> InboundEvent:
    """What a candidate who knows nothing would answer (and still a valid answer)."""
    if question.type in ("single_choice", "multi_choice"):
        wrong = next(i for i, c in enumerate(question.choices, 1) if not c.correct)
        return TextReceived(str(wrong))
    if question.type == "yes_no":
        return TextReceived("no" if question.answer else "yes")
    if question.type == "numeric":
        return TextReceived("-98765")
    return TextReceived("no idea, sorry")


Answerer = Callable[[Question], bool]


def screen(
    catalog: Catalog,
    flow: str,
    knows: Answerer,
    seed: int = 1,
    seen: frozenset[QuestionRef] = frozenset(),
) -> tuple[list[QuestionRef], ScreeningState]:
    """Run one screening to its end; the questions asked and the final state."""
    script = Script(catalog, seed=seed)
    script.seen = seen
    script.send(Started(flow))
    script.say("yes")
    for answer in PROFILES[flow]:
        script.say(answer)
    for knockout in catalog.flow(flow).knockout:
        script.say("yes" if knockout.expect else "no")
    assert script.state is not None
    assert script.state.stage is Stage.QUESTIONS
    asked: list[QuestionRef] = []
    while script.state is not None and script.state.stage is Stage.QUESTIONS:
        asked.append(script.state.plan[script.state.step])
        question = script.current
        script.send(correct_reply(question) if knows(question) else wrong_reply(question))
        assert len(asked) <= 100, "the screening never ends"
    assert script.state is not None
    return asked, script.state


def strong(_question: Question) -> bool:
    return True


def weak(_question: Question) -> bool:
    return False


def middling(question: Question) -> bool:
    return question.difficulty <= 3


def is_free_text(catalog: Catalog, ref: QuestionRef) -> bool:
    return isinstance(catalog.banks[ref.bank].question(ref.question), FreeTextQuestion)


def test_the_fixture_flow_asks_within_its_limits_and_free_text_last(adaptive_mini: Catalog) -> None:
    flow = adaptive_mini.flow("adaptive-mini")
    asked, state = screen(adaptive_mini, "adaptive-mini", middling)
    assert state.stage is Stage.COMPLETED
    assert len(asked) <= flow.max_questions
    assert len(set(asked)) == len(asked)
    kinds = [is_free_text(adaptive_mini, ref) for ref in asked]
    assert kinds[-2:] == [True, True]
    assert not any(kinds[:-2])
    counts = Counter(ref.bank for ref in asked if not is_free_text(adaptive_mini, ref))
    for section in flow.sections:
        assert section.min <= counts[section.bank] <= (section.max or 99)
    assert state.ability is not None
    assert state.ability_se is not None
    assert 0.0 < state.ability_se < 1.0
    assert state.score is not None
    assert 0.0 <= state.score <= 1.0
    assert state.passed is (state.score >= flow.pass_score)


@pytest.mark.parametrize("flow", ["backend-karachi", "senior-backend-remote"])
def test_bundled_flows_are_adaptive_balanced_and_never_repeat(catalog: Catalog, flow: str) -> None:
    rules = catalog.flow(flow)
    assert rules.mode == "adaptive"
    for knows in (strong, weak, middling):
        asked, state = screen(catalog, flow, knows)
        assert state.stage is Stage.COMPLETED
        assert len(asked) <= 12
        assert len(set(asked)) == len(asked)
        auto = [ref for ref in asked if not is_free_text(catalog, ref)]
        free = [ref for ref in asked if is_free_text(catalog, ref)]
        assert rules.free_text is not None
        assert len(free) == rules.free_text.pick
        assert asked[-len(free) :] == free
        counts = Counter(ref.bank for ref in auto)
        for section in rules.sections:
            assert section.min <= counts[section.bank] <= (section.max or 99), section.bank


@pytest.mark.parametrize("flow", ["backend-karachi", "senior-backend-remote"])
def test_a_strong_candidate_scores_higher_than_a_middling_one_and_a_weak_one(
    catalog: Catalog, flow: str
) -> None:
    results = {
        name: screen(catalog, flow, knows)[1]
        for name, knows in [("strong", strong), ("middling", middling), ("weak", weak)]
    }
    scores = {name: state.score for name, state in results.items()}
    abilities = {name: state.ability for name, state in results.items()}
    assert scores["strong"] > scores["middling"] > scores["weak"], scores  # type: ignore[operator]
    assert abilities["strong"] > abilities["middling"] > abilities["weak"], abilities  # type: ignore[operator]
    assert results["strong"].passed is True
    assert results["weak"].passed is False


def test_the_same_seed_asks_the_same_questions_and_another_seed_varies(catalog: Catalog) -> None:
    first, _ = screen(catalog, "backend-karachi", middling, seed=7)
    again, _ = screen(catalog, "backend-karachi", middling, seed=7)
    assert first == again
    others = {tuple(screen(catalog, "backend-karachi", middling, seed=s)[0]) for s in range(8)}
    assert len(others) > 1


def test_questions_seen_in_an_earlier_screening_are_not_asked_again(catalog: Catalog) -> None:
    first, _ = screen(catalog, "backend-karachi", middling, seed=3)
    second, _ = screen(catalog, "backend-karachi", middling, seed=3, seen=frozenset(first))
    assert not set(first) & set(second)


def test_status_and_header_count_to_max_questions(catalog: Catalog) -> None:
    script = Script(catalog)
    script.send(Started("backend-karachi"))
    script.say("yes")
    for answer in PROFILE:
        script.say(answer)
    said: tuple[Outbound, ...] = ()
    for knockout in catalog.flow("backend-karachi").knockout:
        said = script.say("yes" if knockout.expect else "no")
    assert "Question 1 of 12" in said[-1].text
    status = script.send(CommandIssued(Command.STATUS))
    assert "question 1 of at most 12" in status[0].text


def test_the_pool_is_built_once_per_content_version(catalog: Catalog) -> None:
    flow = catalog.flow("backend-karachi")
    first = setup(flow, catalog)
    assert setup(flow, catalog) is first
    banks = {s.bank for s in flow.sections}
    size = sum(
        not isinstance(q, FreeTextQuestion) for b in banks for q in catalog.banks[b].questions
    )
    assert len(first.pool) == size
    assert first.rules.max_questions == 10  # 12 minus the two free-text questions


def test_total_is_the_plan_once_the_free_text_is_planned(catalog: Catalog) -> None:
    asked, state = screen(catalog, "backend-karachi", strong)
    context = Context(catalog, state.updated_at, random.Random(1))
    assert AdaptiveOrder().total(state, context) == len(asked)


def test_an_old_state_without_ability_loads(catalog: Catalog) -> None:
    _, state = screen(catalog, "backend-karachi", strong)
    stored = state.to_json()
    assert stored["ability"] == state.ability
    assert stored["ability_se"] == state.ability_se
    del stored["ability"], stored["ability_se"]
    old = ScreeningState.from_json(stored)
    assert old.ability is None
    assert old.ability_se is None
    assert old.score == state.score
    assert ScreeningState.from_json(state.to_json()) == state


def test_fixed_flows_carry_no_ability(mini: Catalog) -> None:
    script = Script(mini)
    script.reach_questions()
    while script.state is not None and script.state.stage is Stage.QUESTIONS:
        script.send(correct_reply(script.current))
    assert script.state is not None
    assert script.state.score == 1.0
    assert script.state.ability is None
    assert script.state.ability_se is None
