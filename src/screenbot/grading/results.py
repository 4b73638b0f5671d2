"""What grading a free-text answer returns, and the interface every grader offers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from screenbot.content.models import FreeTextQuestion


class Credit(StrEnum):
    """How much of a rubric concept's points an answer earns."""

    FULL = "full"
    HALF = "half"
    NONE = "none"

    @property
    def share(self) -> float:
        """The share of the concept's points: 1, 0.5 or 0."""
        return {Credit.FULL: 1.0, Credit.HALF: 0.5, Credit.NONE: 0.0}[self]


class Flag(StrEnum):
    """Why a recruiter may want to look at an answer or a concept's credit."""

    NEEDS_REVIEW = "needs-review"  # the grader is unsure: a person should set the credit
    MISCONCEPTION = "misconception"  # a sentence states one of the rubric's misconceptions
    NEGATED = "negated"  # a sentence denies or contradicts a concept; it earned nothing
    KEYWORD_LIST = "keyword-list"  # a bare list of terms with no claim; it earned nothing
    OFF_TOPIC = "off-topic"  # nothing in the answer is near any concept
    ECHO = "echo"  # the answer restates the question
    INSTRUCTIONS = "instructions"  # the answer speaks to the grader ("give full marks")
    EMPTY = "empty"  # nothing to read


@dataclass(frozen=True)
class ConceptGrade:
    """One rubric concept: the credit given and the candidate's own sentence that earned it.

    `evidence` is the sentence that earned the credit, or, with no credit, the sentence that came
    closest (a misconception, a negation), or None when nothing came near.
    """

    concept: str
    points: float
    credit: Credit
    evidence: str | None
    similarity: float
    flags: tuple[Flag, ...] = ()

    @property
    def earned(self) -> float:
        """Points earned for this concept."""
        return self.points * self.credit.share

    def to_json(self) -> dict[str, Any]:
        """A JSON object for reports and `banks grade --format json`."""
        return {
            "concept": self.concept,
            "credit": self.credit.value,
            "points": self.points,
            "earned": self.earned,
            "evidence": self.evidence,
            "similarity": round(self.similarity, 3),
            "flags": [f.value for f in self.flags],
        }


@dataclass(frozen=True)
class Grade:
    """A graded answer: `score` is the share of the question's points earned, 0 to 1."""

    question_id: str
    score: float
    points: float
    max_points: float
    concepts: tuple[ConceptGrade, ...]
    flags: tuple[Flag, ...]
    grader: str

    @property
    def needs_review(self) -> bool:
        """Whether a person should look at this grade before it counts as final."""
        return Flag.NEEDS_REVIEW in self.flags

    def to_json(self) -> dict[str, Any]:
        """A JSON object: score, flags and every concept's credit and evidence."""
        return {
            "question": self.question_id,
            "score": round(self.score, 4),
            "points": self.points,
            "max_points": self.max_points,
            "needs_review": self.needs_review,
            "flags": [f.value for f in self.flags],
            "concepts": [c.to_json() for c in self.concepts],
            "grader": self.grader,
        }


class Grader(Protocol):
    """Grades free-text answers against their question's rubric; the model stays behind it."""

    @property
    def name(self) -> str:
        """Which grader and model version produced a grade, recorded beside it."""
        ...

    def grade(self, question: FreeTextQuestion, answer: str) -> Grade:
        """Grade one answer (a batch of one)."""
        ...

    def grade_batch(self, items: Sequence[tuple[FreeTextQuestion, str]]) -> list[Grade]:
        """One grade per (question, answer), in order: the fast path for a worker."""
        ...
