"""The shape of question banks and flows, strict enough that a typo is an error, not a surprise.

Models are frozen: once loaded, content never changes under a running screening.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Annotated, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)]
CHOICE_ID = re.compile(r"^[a-z0-9]{1,8}$")


class Strict(BaseModel):
    """The base of every content model: an unknown key is an error (a typo in YAML is not silently
    ignored) and a loaded model is frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Choice(Strict):
    """One option of a choice question; `correct` marks the options that score."""

    id: str = Field(pattern=CHOICE_ID.pattern)
    text: str = Field(min_length=1, max_length=200)
    correct: bool = False


def _says_something(text: str) -> str:
    if not text.strip():
        raise ValueError("a statement cannot be empty")
    return text


Statement = Annotated[str, Field(max_length=500), AfterValidator(_says_something)]


IRT_MAX_A = 4.0
IRT_MAX_B = 4.0


class Irt(Strict):
    """Two-parameter logistic (2PL) item parameters: P(right | θ) = 1 / (1 + exp(-a(θ - b)))."""

    a: float = Field(
        allow_inf_nan=False,
        description="Discrimination: how sharply the chance of a right answer rises with ability "
        "(0 < a <= 4; about 1 is typical).",
        json_schema_extra={"exclusiveMinimum": 0, "maximum": IRT_MAX_A},
    )
    b: float = Field(
        allow_inf_nan=False,
        description="Location: the ability, in standard deviations from the average candidate, "
        "at which a right answer is a coin toss (-4 <= b <= 4).",
        json_schema_extra={"minimum": -IRT_MAX_B, "maximum": IRT_MAX_B},
    )

    @field_validator("a")
    @classmethod
    def _sane_a(cls, a: float) -> float:
        if a <= 0:
            raise ValueError(
                f"discrimination a = {a:g} must be above 0 (0 < a <= {IRT_MAX_A:g}): a question "
                "that strong candidates miss as often as weak ones measures nothing"
            )
        if a > IRT_MAX_A:
            raise ValueError(
                f"discrimination a = {a:g} is above {IRT_MAX_A:g} (0 < a <= {IRT_MAX_A:g}): "
                "one answer would all but decide the ability estimate"
            )
        return a

    @field_validator("b")
    @classmethod
    def _sane_b(cls, b: float) -> float:
        if abs(b) > IRT_MAX_B:
            raise ValueError(
                f"location b = {b:g} is outside -{IRT_MAX_B:g} <= b <= {IRT_MAX_B:g}: that is "
                "further from the average candidate than almost anyone screened"
            )
        return b


class _QuestionBase(Strict):
    auto_scored: ClassVar[bool] = True

    id: Slug
    text: str = Field(min_length=1, max_length=1000)
    difficulty: int = Field(3, ge=1, le=5)
    time_limit: int | None = Field(None, gt=0, description="Seconds; a later answer scores 0.")
    explanation: str = Field(min_length=1, description="Shown to recruiters, never to candidates.")
    tags: tuple[str, ...] = ()

    @property
    def max_points(self) -> float:
        """What a completely right answer earns: the denominator of the question's share of its
        section."""
        raise NotImplementedError


class _AutoScored(_QuestionBase):
    irt: Irt | None = Field(
        None,
        description="Explicit 2PL parameters; without them the item model starts from "
        "`difficulty` and a default discrimination until calibration.",
    )


class _ChoiceQuestion(_AutoScored):
    choices: tuple[Choice, ...] = Field(min_length=2, max_length=8)
    points: float = Field(1, gt=0)

    @property
    def max_points(self) -> float:
        return self.points

    @property
    def correct_ids(self) -> frozenset[str]:
        return frozenset(c.id for c in self.choices if c.correct)


class SingleChoiceQuestion(_ChoiceQuestion):
    """Pick one option; exactly one is correct, and only it scores."""

    type: Literal["single_choice"]

    @model_validator(mode="after")
    def _exactly_one_correct(self) -> SingleChoiceQuestion:
        if len(self.correct_ids) != 1:
            raise ValueError(
                f"a single_choice question needs exactly one correct choice, "
                f"found {len(self.correct_ids)}"
            )
        return self


class MultiChoiceQuestion(_ChoiceQuestion):
    """Pick any number of options; at least one is correct. Each correct pick earns a share of the
    points and each wrong one takes a share away, never below zero."""

    type: Literal["multi_choice"]

    @model_validator(mode="after")
    def _some_correct(self) -> MultiChoiceQuestion:
        if not self.correct_ids:
            raise ValueError("a multi_choice question needs at least one correct choice")
        return self


class RubricConcept(Strict):
    """One idea a free-text answer should state, and how the grader recognises it."""

    concept: str = Field(min_length=1)
    keywords: tuple[str, ...] = Field(min_length=1)
    references: tuple[Statement, ...] = Field(
        (),
        description="Model statements of the idea, in English and Roman Urdu; an answer that "
        "says the same thing earns the concept.",
    )
    misconceptions: tuple[Statement, ...] = Field(
        (),
        description="Statements that earn nothing for this concept and flag the answer.",
    )
    points: float = Field(1, gt=0)


class FreeTextQuestion(_QuestionBase):
    """A typed answer, graded by the concepts of its rubric it states. Not automatically scored in
    the item model's sense: adaptive flows never choose questions by it, and ask it after the
    adaptive part."""

    auto_scored: ClassVar[bool] = False

    type: Literal["free_text"]
    rubric: tuple[RubricConcept, ...] = Field(min_length=1)
    reference_answer: str = Field(min_length=1)

    @property
    def max_points(self) -> float:
        """All the rubric's concepts together: what an answer that states every one of them
        earns."""
        return sum(c.points for c in self.rubric)


class NumericRange(Strict):
    """Partial credit for a numeric answer: a value from `min` to `max` (inclusive) earns
    `points`."""

    min: float
    max: float
    points: float = Field(gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> NumericRange:
        if self.min > self.max:
            raise ValueError(f"range min {self.min} is above its max {self.max}")
        return self


class NumericQuestion(_AutoScored):
    """A number, typed: scored against an exact `answer` (within `tolerance`) or against `ranges`
    that earn partial credit, never both."""

    type: Literal["numeric"]
    answer: float | None = None
    tolerance: float = Field(0, ge=0)
    ranges: tuple[NumericRange, ...] = ()
    unit: str | None = None
    points: float = Field(1, gt=0)

    @property
    def max_points(self) -> float:
        """`points`: what the exact answer earns; no range may earn more."""
        return self.points

    @model_validator(mode="after")
    def _answer_or_ranges(self) -> NumericQuestion:
        if (self.answer is None) == (not self.ranges):
            raise ValueError("a numeric question needs either `answer` or `ranges`, not both")
        for r in self.ranges:
            if r.points > self.points:
                raise ValueError(f"a range gives {r.points} points, more than the question's")
        return self


class YesNoQuestion(_AutoScored):
    """A yes or no; `answer` is the one that scores."""

    type: Literal["yes_no"]
    answer: bool
    points: float = Field(1, gt=0)

    @property
    def max_points(self) -> float:
        """`points`, earned by the right one of yes and no."""
        return self.points


Question = Annotated[
    SingleChoiceQuestion | MultiChoiceQuestion | FreeTextQuestion | NumericQuestion | YesNoQuestion,
    Field(discriminator="type"),
]


def content_hash(model: BaseModel) -> str:
    """A short digest of the content itself: comments and formatting never change a version.

    Values left at their default are left out, so writing a default out, or a release adding an
    optional key, never changes a version either. Never cached on the model:
    `model_copy(update=...)` would carry a cached digest into the copy.
    """
    content = model.model_dump(mode="json", exclude_defaults=True)
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]


class Bank(Strict):
    """A file of questions on one subject; flows draw their sections from banks by id."""

    id: Slug
    title: str = Field(min_length=1)
    description: str | None = None
    questions: tuple[Question, ...] = Field(min_length=1)

    def question(self, question_id: str) -> Question:
        """The question with `question_id`, as a screening's drawn questions refer to it; KeyError
        if the bank has none."""
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(question_id)
