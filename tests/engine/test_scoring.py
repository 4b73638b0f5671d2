"""Scoring by question type, rubric matching that forgives typos, and the weighted total."""

from __future__ import annotations

import pytest

from screenbot.content.catalog import Catalog
from screenbot.content.models import FreeTextQuestion
from screenbot.engine.answers import Answer, read_answer
from screenbot.engine.events import TextReceived
from screenbot.engine.profile import Invalid
from screenbot.engine.scoring import mentions, normalise, score, scorecard
from screenbot.engine.state import ScoredAnswer


def points(catalog: Catalog, question_id: str, reply: str) -> float:
    question = catalog.banks["basics"].question(question_id)
    answer = read_answer(question, TextReceived(reply))
    assert isinstance(answer, Answer), answer
    return score(question, answer)


@pytest.mark.parametrize(
    ("reply", "expected"),
    [("1,2", 2.0), ("2, 1", 2.0), ("1", 1.0), ("1 3", 0.0), ("1,2,3", 1.0), ("3 4", 0.0)],
)
def test_multi_choice_partial_credit_floors_at_zero(
    mini: Catalog, reply: str, expected: float
) -> None:
    assert points(mini, "pick-many", reply) == expected


def test_single_choice_right_or_wrong(mini: Catalog) -> None:
    assert points(mini, "pick-one", "2") == 1.0
    assert points(mini, "pick-one", "b") == 1.0
    assert points(mini, "pick-one", "1") == 0.0


def test_single_choice_refuses_two_picks(mini: Catalog) -> None:
    question = mini.banks["basics"].question("pick-one")
    assert isinstance(read_answer(question, TextReceived("1,2")), Invalid)


@pytest.mark.parametrize(("reply", "expected"), [("5432", 1.0), ("port 5,432", 1.0), ("5433", 0)])
def test_numeric_exact(mini: Catalog, reply: str, expected: float) -> None:
    assert points(mini, "port-number", reply) == expected


@pytest.mark.parametrize(("reply", "expected"), [("250", 1.0), ("800ms", 0.5), ("2000", 0.0)])
def test_numeric_ranges_give_the_best_matching_range(
    mini: Catalog, reply: str, expected: float
) -> None:
    assert points(mini, "latency-budget", reply) == expected


def test_yes_no(mini: Catalog) -> None:
    assert points(mini, "yes-or-no", "no") == 1.0
    assert points(mini, "yes-or-no", "Yes.") == 0.0


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("Every insert must also update the index, so extra writes hit the disk.", 2.0),
        ("evry insert has to updat the indexes", 1.0),  # typos and a plural
        ("Index maintenance on each write", 1.0),
        ("Because databases are slow sometimes", 0.0),
        ("", 0.0),
    ],
)
def test_free_text_rubric(mini: Catalog, reply: str, expected: float) -> None:
    question = mini.banks["basics"].question("explain-index")
    assert isinstance(question, FreeTextQuestion)
    assert score(question, Answer(raw=reply)) == expected


def test_short_keywords_must_match_exactly() -> None:
    assert mentions(normalise("use the jwt header"), "jwt")
    assert not mentions(normalise("use the jut header"), "jwt")


def test_normalise_folds_case_accents_punctuation_and_plurals() -> None:
    assert normalise("Caché-Keys, QUERIES!") == ("cache", "key", "query")


def test_scorecard_weights_sections() -> None:
    answers = [
        ScoredAnswer("db", "q1", "x", 1, 1, 3),
        ScoredAnswer("db", "q2", "x", 0, 1, 3),
        ScoredAnswer("sec", "q3", "x", 2, 2, 3),
    ]
    card = scorecard([("db", 0.25), ("sec", 0.75)], answers)
    assert card.sections == (("db", 0.5), ("sec", 1.0))
    assert card.total == 0.875
