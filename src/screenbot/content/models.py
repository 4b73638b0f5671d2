"""The shape of question banks and flows, strict enough that a typo is an error, not a surprise.

Models are frozen: once loaded, content never changes under a running screening.
"""

from __future__ import annotations

import hashlib
import json
import re
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from screenbot.content.profile_fields import ProfileField

Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)]
CHOICE_ID = re.compile(r"^[a-z0-9]{1,8}$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Choice(Strict):
    id: str = Field(pattern=CHOICE_ID.pattern)
    text: str = Field(min_length=1, max_length=200)
    correct: bool = False


class _QuestionBase(Strict):
    id: Slug
    text: str = Field(min_length=1, max_length=1000)
    difficulty: int = Field(3, ge=1, le=5)
    time_limit: int | None = Field(None, gt=0, description="Seconds; a later answer scores 0.")
    explanation: str = Field(min_length=1, description="Shown to recruiters, never to candidates.")
    tags: tuple[str, ...] = ()

    @property
    def max_points(self) -> float:
        raise NotImplementedError


class _ChoiceQuestion(_QuestionBase):
    choices: tuple[Choice, ...] = Field(min_length=2, max_length=8)
    points: float = Field(1, gt=0)

    @property
    def max_points(self) -> float:
        return self.points

    @property
    def correct_ids(self) -> frozenset[str]:
        return frozenset(c.id for c in self.choices if c.correct)


class SingleChoiceQuestion(_ChoiceQuestion):
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
    type: Literal["multi_choice"]

    @model_validator(mode="after")
    def _some_correct(self) -> MultiChoiceQuestion:
        if not self.correct_ids:
            raise ValueError("a multi_choice question needs at least one correct choice")
        return self


class RubricConcept(Strict):
    concept: str = Field(min_length=1)
    keywords: tuple[str, ...] = Field(min_length=1)
    points: float = Field(1, gt=0)


class FreeTextQuestion(_QuestionBase):
    type: Literal["free_text"]
    rubric: tuple[RubricConcept, ...] = Field(min_length=1)
    reference_answer: str = Field(min_length=1)

    @property
    def max_points(self) -> float:
        return sum(c.points for c in self.rubric)


class NumericRange(Strict):
    min: float
    max: float
    points: float = Field(gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> NumericRange:
        if self.min > self.max:
            raise ValueError(f"range min {self.min} is above its max {self.max}")
        return self


class NumericQuestion(_QuestionBase):
    type: Literal["numeric"]
    answer: float | None = None
    tolerance: float = Field(0, ge=0)
    ranges: tuple[NumericRange, ...] = ()
    unit: str | None = None
    points: float = Field(1, gt=0)

    @property
    def max_points(self) -> float:
        return self.points

    @model_validator(mode="after")
    def _answer_or_ranges(self) -> NumericQuestion:
        if (self.answer is None) == (not self.ranges):
            raise ValueError("a numeric question needs either `answer` or `ranges`, not both")
        for r in self.ranges:
            if r.points > self.points:
                raise ValueError(f"a range gives {r.points} points, more than the question's")
        return self


class YesNoQuestion(_QuestionBase):
    type: Literal["yes_no"]
    answer: bool
    points: float = Field(1, gt=0)

    @property
    def max_points(self) -> float:
        return self.points


Question = Annotated[
    SingleChoiceQuestion | MultiChoiceQuestion | FreeTextQuestion | NumericQuestion | YesNoQuestion,
    Field(discriminator="type"),
]
ChoiceQuestion = SingleChoiceQuestion | MultiChoiceQuestion


def content_hash(model: BaseModel) -> str:
    """A short digest of the content itself: comments and formatting never change a version.

    Never cached on the model: `model_copy(update=...)` would carry a cached digest into the copy.
    """
    canonical = json.dumps(model.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]


class Bank(Strict):
    id: Slug
    title: str = Field(min_length=1)
    description: str | None = None
    questions: tuple[Question, ...] = Field(min_length=1)

    def question(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(question_id)


class Knockout(Strict):
    text: str = Field(min_length=1, max_length=500)
    expect: bool


class Section(Strict):
    bank: Slug
    pick: int = Field(gt=0)
    weight: float = Field(gt=0)


class WorkModel(StrEnum):
    ON_SITE = "on-site"
    HYBRID = "hybrid"
    REMOTE = "remote"


class Shortlist(Strict):
    slack_channel: str = Field(pattern=r"^[#@]?[\w.-]+$")
    schedule: str = Field(description="Five-field cron expression, e.g. '0 9 * * MON-FRI'.")
    timezone: str = "UTC"
    top: int = Field(10, gt=0, le=100)
    recruiters: tuple[str, ...] = Field(
        (), description="Slack user ids who may decide, besides members of the channel."
    )


class DecisionMessages(Strict):
    """What a candidate is told when a recruiter decides; shown in their own chat."""

    advance: str = (
        "Good news: the hiring team would like to move forward with your application. "
        "A recruiter will contact you shortly to arrange the next interview."
    )
    reject: str = (
        "Thank you for taking the screening. The hiring team has decided not to move forward "
        "with your application this time. We wish you the best in your search."
    )
    hold: str = (
        "Thank you for your patience: your application is on hold while the hiring team "
        "reviews other candidates. We'll be in touch either way."
    )


DEFAULT_CITIES = (
    "Karachi",
    "Lahore",
    "Islamabad",
    "Rawalpindi",
    "Faisalabad",
    "Peshawar",
    "Dubai",
    "Abu Dhabi",
    "Other",
)


class Flow(Strict):
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=48)]
    title: str = Field(min_length=1)
    open: bool = True
    intro: str | None = None
    profile: tuple[ProfileField, ...] = ()
    cities: tuple[str, ...] = Field(DEFAULT_CITIES, min_length=1)
    knockout: tuple[Knockout, ...] = ()
    sections: tuple[Section, ...] = Field(min_length=1)
    pass_score: float = Field(ge=0, le=1)
    max_answer_chars: int = Field(2000, ge=50, le=4000)
    expire_after_days: int = Field(14, gt=0)
    next_steps: str = (
        "Our hiring team reviews every screening and will contact you within a few working days."
    )
    shortlist: Shortlist | None = None
    decisions: DecisionMessages = DecisionMessages()

    @field_validator("profile")
    @classmethod
    def _unique_fields(cls, fields: tuple[ProfileField, ...]) -> tuple[ProfileField, ...]:
        if len(set(fields)) != len(fields):
            raise ValueError("a profile field is listed twice")
        salaries = [f for f in fields if f.is_salary]
        if len(salaries) > 1:
            raise ValueError("ask for one expected salary, in one currency")
        return fields

    @field_validator("sections")
    @classmethod
    def _unique_banks(cls, sections: tuple[Section, ...]) -> tuple[Section, ...]:
        banks = [s.bank for s in sections]
        if len(set(banks)) != len(banks):
            raise ValueError("each bank may appear in one section only")
        return sections

    @property
    def total_weight(self) -> float:
        return sum(s.weight for s in self.sections)
