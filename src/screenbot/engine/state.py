"""The state of one screening: small, immutable, and stored as JSON between turns."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

ProfileValue = str | int | float


class Stage(StrEnum):
    """Where a screening is: one of the four it asks in, or how it ended."""

    CONSENT = "consent"
    PROFILE = "profile"
    KNOCKOUT = "knockout"
    QUESTIONS = "questions"
    COMPLETED = "completed"
    DECLINED = "declined"
    KNOCKED_OUT = "knocked_out"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"

    @property
    def active(self) -> bool:
        """Whether the screening still asks questions."""
        return self in {Stage.CONSENT, Stage.PROFILE, Stage.KNOCKOUT, Stage.QUESTIONS}


class Pending(StrEnum):
    """A yes/no confirmation the candidate was asked for and has not answered yet."""

    WITHDRAW = "withdraw"
    DELETE = "delete"


@dataclass(frozen=True)
class QuestionRef:
    """A bank question, named by its bank and its id within the bank."""

    bank: str
    question: str


@dataclass(frozen=True)
class ScoredAnswer:
    """One answered bank question, as stored and as scored."""

    bank: str
    question: str
    raw: str
    points: float
    max_points: float
    seconds: float
    late: bool = False


@dataclass(frozen=True)
class ScreeningState:
    """Everything a screening needs between turns; `step` counts within the stage."""

    flow_id: str
    stage: Stage
    started_at: datetime
    updated_at: datetime
    step: int = 0
    asked_at: datetime | None = None
    profile: tuple[tuple[str, ProfileValue], ...] = ()
    plan: tuple[QuestionRef, ...] = ()
    answers: tuple[ScoredAnswer, ...] = ()
    pending: Pending | None = None
    score: float | None = None
    section_scores: tuple[tuple[str, float], ...] = field(default=())
    passed: bool | None = None
    ability: float | None = None
    ability_se: float | None = None
    score_se: float | None = None

    @property
    def profile_dict(self) -> dict[str, ProfileValue]:
        """The profile answers by field name."""
        return dict(self.profile)

    def with_profile(self, name: str, value: ProfileValue) -> ScreeningState:
        """The state with a profile answer given, or given again."""
        kept = tuple((k, v) for k, v in self.profile if k != name)
        return replace(self, profile=(*kept, (name, value)))

    def without_profile(self, name: str) -> ScreeningState:
        """The state with a profile answer forgotten, to be asked again."""
        return replace(self, profile=tuple((k, v) for k, v in self.profile if k != name))

    def to_json(self) -> dict[str, Any]:
        """Plain JSON types, built directly: this runs on every turn."""
        return {
            "flow_id": self.flow_id,
            "stage": self.stage.value,
            "started_at": self.started_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "step": self.step,
            "asked_at": self.asked_at.isoformat() if self.asked_at is not None else None,
            "profile": [[k, v] for k, v in self.profile],
            "plan": [{"bank": r.bank, "question": r.question} for r in self.plan],
            "answers": [
                {
                    "bank": a.bank,
                    "question": a.question,
                    "raw": a.raw,
                    "points": a.points,
                    "max_points": a.max_points,
                    "seconds": a.seconds,
                    "late": a.late,
                }
                for a in self.answers
            ],
            "pending": self.pending.value if self.pending else None,
            "score": self.score,
            "section_scores": [[k, v] for k, v in self.section_scores],
            "passed": self.passed,
            "ability": self.ability,
            "ability_se": self.ability_se,
            "score_se": self.score_se,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ScreeningState:
        """The state `to_json` stored."""
        asked_at = data.get("asked_at")
        pending = data.get("pending")
        return cls(
            flow_id=data["flow_id"],
            stage=Stage(data["stage"]),
            started_at=datetime.fromisoformat(data["started_at"]),
            updated_at=datetime.fromisoformat(data["updated_at"]),
            step=data["step"],
            asked_at=datetime.fromisoformat(asked_at) if asked_at else None,
            profile=tuple((k, v) for k, v in data["profile"]),
            plan=tuple(QuestionRef(**q) for q in data["plan"]),
            answers=tuple(ScoredAnswer(**a) for a in data["answers"]),
            pending=Pending(pending) if pending else None,
            score=data.get("score"),
            section_scores=tuple((k, v) for k, v in data.get("section_scores", ())),
            passed=data.get("passed"),
            ability=data.get("ability"),
            ability_se=data.get("ability_se"),
            score_se=data.get("score_se"),
        )
