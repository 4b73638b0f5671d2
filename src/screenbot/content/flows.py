"""The shape of a screening flow: one opening's profile, knockouts, sections and shortlist.

Models are frozen like the banks they draw on: once loaded, a flow never changes under a
running screening.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, field_validator

from screenbot.content.models import Slug, Strict
from screenbot.content.profile_fields import ProfileField


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
