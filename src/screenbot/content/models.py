"""The shape of question banks and flows, strict enough that a typo is an error, not a surprise.

Models are frozen: once loaded, content never changes under a running screening.
"""

from __future__ import annotations

import hashlib
import json
import re
from enum import StrEnum
from typing import Annotated, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from screenbot.content.profile_fields import ProfileField

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


class Knockout(Strict):
    """A yes/no requirement asked before any question (the right to work, say): an answer other than
    `expect` ends the screening politely."""

    text: str = Field(min_length=1, max_length=500)
    expect: bool


class Mode(StrEnum):
    """How a flow chooses its questions."""

    FIXED = "fixed"
    ADAPTIVE = "adaptive"


class Section(Strict):
    """One bank's part in a flow: how many of its questions are asked, and what they weigh.

    Which keys apply depends on the flow's mode; the loader checks them against the bank.
    """

    bank: Slug
    pick: int = Field(
        0,
        ge=0,
        description="Fixed flows (required there, at least 1): how many questions to draw at "
        "random from the bank. Adaptive flows leave it out.",
    )
    min: int = Field(
        0,
        ge=0,
        description="Adaptive flows: ask at least this many of the bank's automatically scored "
        "questions before the screening may stop.",
    )
    max: int | None = Field(
        None,
        ge=1,
        description="Adaptive flows: ask at most this many of the bank's automatically scored "
        "questions; without it, as many as the flow's other limits allow.",
    )
    weight: float = Field(
        gt=0,
        description="The section's share of the automatically scored part of `total`, "
        "relative to the other sections' weights.",
    )


class FreeTextPlan(Strict):
    """Adaptive flows: free-text questions, asked after the adaptive part, graded afterwards.

    They are drawn at random (from the screening's seed) among the free-text questions of the
    flow's banks, spread over the banks; they never drive selection.
    """

    pick: int = Field(
        ge=1,
        description="How many free-text questions to ask; they count toward max_questions.",
    )
    weight: float = Field(
        gt=0,
        lt=1,
        description="Their share of `total`; the automatically scored part weighs 1 - weight.",
    )


class WorkModel(StrEnum):
    """Where a candidate would work, as the `work_model` profile field offers it."""

    ON_SITE = "on-site"
    HYBRID = "hybrid"
    REMOTE = "remote"


class Shortlist(Strict):
    """Where and when a flow's recruiters get their digest of the best candidates: a Slack channel,
    a cron schedule in `timezone`, the `top` candidates; `recruiters` may decide besides the
    channel's members."""

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


DEFAULT_MAX_QUESTIONS = 12
DEFAULT_TARGET_SE = 0.4

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
    """One opening's screening: what a candidate is asked (profile, knockouts, questions from the
    sections' banks), in which mode, what passes, and who hears about it."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=48)]
    title: str = Field(min_length=1)
    open: bool = True
    intro: str | None = None
    profile: tuple[ProfileField, ...] = ()
    cities: tuple[str, ...] = Field(DEFAULT_CITIES, min_length=1)
    knockout: tuple[Knockout, ...] = ()
    sections: tuple[Section, ...] = Field(min_length=1)
    pass_score: float = Field(ge=0, le=1)
    mode: Mode = Field(
        Mode.FIXED,
        description="fixed: draw each section's `pick` at random. adaptive: ask the most "
        "informative next question at the candidate's current ability estimate.",
    )
    max_questions: int = Field(
        DEFAULT_MAX_QUESTIONS,
        ge=1,
        le=100,
        description="Adaptive flows: the most questions asked after the knockouts, free-text "
        "ones included.",
    )
    target_se: float = Field(
        DEFAULT_TARGET_SE,
        gt=0,
        lt=1,
        description="Adaptive flows: stop early once every section's min is met and the ability "
        "estimate's standard error is at most this (ability is in standard deviations of the "
        "candidate population, so 1 means knowing nothing; 0.4 is a reliability of about 0.84).",
    )
    free_text: FreeTextPlan | None = Field(
        None,
        description="Adaptive flows: how many free-text questions follow the adaptive part and "
        "what they weigh; without it an adaptive flow asks none.",
    )
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
