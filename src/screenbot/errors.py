"""The one exception hierarchy of screenbot.

Every error a person may read carries a message written for that person; the code that raises it
decides who that is (an admin reading lint output, an operator reading logs).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ScreenbotError(Exception):
    """Base of every error screenbot raises on purpose."""


class Severity(StrEnum):
    """Errors refuse the content; warnings are suggestions that never fail lint or startup."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class ContentProblem:
    """One problem in a content file, located so an admin can jump to it."""

    path: str
    line: int
    message: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        tag = "warning: " if self.severity is Severity.WARNING else ""
        return f"{self.path}:{self.line}: {tag}{self.message}"


class ContentError(ScreenbotError):
    """Question banks or flows that cannot be loaded; lists every problem found."""

    def __init__(self, problems: list[ContentProblem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.path, p.line, p.message))
        super().__init__("\n".join(str(p) for p in self.problems))


class UnknownFlowError(ScreenbotError):
    """A flow id that no loaded flow carries."""

    def __init__(self, flow_id: str) -> None:
        self.flow_id = flow_id
        super().__init__(f"There is no screening flow called {flow_id!r}.")


class IllegalTransitionError(ScreenbotError):
    """A trigger fired in a stage the transition table has no row for: a bug, never user input."""


class GraderUnavailableError(ScreenbotError):
    """The free-text grader's model could not be loaded; answers wait, ungraded, until it can."""


class StoreError(ScreenbotError):
    """The database refused or lost something it should have kept."""


class CandidateNotFoundError(StoreError):
    """A candidate id that the store does not know."""

    def __init__(self, candidate_id: int) -> None:
        self.candidate_id = candidate_id
        super().__init__(f"There is no candidate with id {candidate_id}.")
