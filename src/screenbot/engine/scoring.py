"""Scoring answers and screenings: per question, per section, and the weighted total."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from screenbot.content.models import (
    FreeTextQuestion,
    MultiChoiceQuestion,
    NumericQuestion,
    Question,
    RubricConcept,
    SingleChoiceQuestion,
    YesNoQuestion,
)
from screenbot.engine.answers import Answer
from screenbot.engine.state import ScoredAnswer

_NON_WORD = re.compile(r"[^a-z0-9+#]+")


def _stem(token: str) -> str:
    for suffix, keep in (("ies", "y"), ("sses", "ss"), ("es", ""), ("s", "")):
        if token.endswith(suffix) and len(token) - len(suffix) >= 3 and not token.endswith("ss"):
            return token[: -len(suffix)] + keep
    return token


@lru_cache(maxsize=4096)
def normalise(text: str) -> tuple[str, ...]:
    """Lower-case, accent-free, punctuation-free word stems: the form rubric matching compares."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    folded = folded.replace("-", " ")
    return tuple(_stem(t) for t in _NON_WORD.split(folded) if t)


def _threshold(keyword: str) -> float:
    if len(keyword) <= 3:
        return 100.0
    return 80.0 if len(keyword) <= 6 else 85.0


def mentions(answer_words: tuple[str, ...], keyword: str) -> bool:
    """Whether a keyword phrase appears in the answer, forgiving a typo or a plural."""
    wanted = normalise(keyword)
    if not wanted:
        return False
    phrase = " ".join(wanted)
    size = len(wanted)
    threshold = _threshold(phrase)
    for start in range(len(answer_words) - size + 1):
        window = " ".join(answer_words[start : start + size])
        if window == phrase or (threshold < 100 and fuzz.ratio(window, phrase) >= threshold):
            return True
    return False


def matched_concepts(question: FreeTextQuestion, text: str) -> tuple[RubricConcept, ...]:
    """The rubric concepts a free-text answer mentions."""
    words = normalise(text)
    return tuple(c for c in question.rubric if any(mentions(words, k) for k in c.keywords))


def score(question: Question, answer: Answer) -> float:
    """Points earned, between 0 and the question's maximum."""
    if isinstance(question, SingleChoiceQuestion):
        return question.points if set(answer.choices) == question.correct_ids else 0.0
    if isinstance(question, MultiChoiceQuestion):
        right = len(set(answer.choices) & question.correct_ids)
        wrong = len(set(answer.choices) - question.correct_ids)
        return max(0.0, (right - wrong) / len(question.correct_ids)) * question.points
    if isinstance(question, YesNoQuestion):
        return question.points if answer.flag is question.answer else 0.0
    if isinstance(question, NumericQuestion):
        value = answer.number
        if value is None:
            return 0.0
        if question.answer is not None:
            return question.points if abs(value - question.answer) <= question.tolerance else 0.0
        return max((r.points for r in question.ranges if r.min <= value <= r.max), default=0.0)
    return float(sum(c.points for c in matched_concepts(question, answer.raw)))


@dataclass(frozen=True)
class Scorecard:
    """A finished screening's score: each section's share, and the weighted total."""

    sections: tuple[tuple[str, float], ...]
    total: float


def scorecard(weights: Iterable[tuple[str, float]], answers: Iterable[ScoredAnswer]) -> Scorecard:
    """Each section's share of its points, and their weighted mean: all between 0 and 1."""
    answers = list(answers)
    sections: list[tuple[str, float]] = []
    weighted = total_weight = 0.0
    for bank, weight in weights:
        mine = [a for a in answers if a.bank == bank]
        possible = sum(a.max_points for a in mine)
        share = sum(a.points for a in mine) / possible if possible else 0.0
        sections.append((bank, round(share, 4)))
        weighted += weight * share
        total_weight += weight
    return Scorecard(tuple(sections), round(weighted / total_weight, 4) if total_weight else 0.0)
