"""Trying a rubric before publishing it: answers in, grades out, as `banks grade` prints them.

Admins paste candidate answers (one JSON object per line) and read back what the bot would give
each, with the same grader the bot uses; a line that is not an answer is reported, not fatal.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from screenbot.content.models import FreeTextQuestion
from screenbot.grading.results import Grade, Grader


@dataclass(frozen=True)
class Trial:
    """One input line's outcome: a grade, or why the line could not be graded."""

    line: int
    grade: Grade | None = None
    error: str | None = None

    def as_json(self) -> str:
        """The grade as `--format json` prints it: one object per line."""
        if self.grade is None:
            return json.dumps({"line": self.line, "error": self.error}, ensure_ascii=False)
        return json.dumps(self.grade.to_json(), ensure_ascii=False)

    def as_row(self) -> str:
        """The grade as a line for people: score, flags, each concept's credit and evidence."""
        if self.grade is None:
            return f"{self.line:>3}  error  {self.error}"
        grade = self.grade
        flags = ",".join(f.value for f in grade.flags) or "-"
        concepts = "; ".join(
            f"{c.concept}: {c.credit.value}" + (f' "{_short(c.evidence)}"' if c.evidence else "")
            for c in grade.concepts
        )
        return f"{self.line:>3}  {grade.score:.2f}  {flags}  {concepts}"


def _short(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _answer(line: str) -> str:
    """The answer a line carries; ValueError saying what is wrong with it otherwise."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc.msg})") from exc
    answer = data.get("answer") if isinstance(data, dict) else None
    if not isinstance(answer, str):
        raise ValueError('expected an object like {"answer": "…"}')  # noqa: TRY004 - bad input, not a bug
    return answer


def grade_lines(grader: Grader, question: FreeTextQuestion, lines: Iterable[str]) -> list[Trial]:
    """Grade every non-blank line in one batch; results keep the input's order."""
    answers: list[tuple[int, str]] = []
    trials: dict[int, Trial] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            answers.append((number, _answer(line)))
        except ValueError as exc:
            trials[number] = Trial(number, error=str(exc))
    grades = grader.grade_batch([(question, answer) for _, answer in answers])
    for (number, _), grade in zip(answers, grades, strict=True):
        trials[number] = Trial(number, grade=grade)
    return [trials[n] for n in sorted(trials)]
