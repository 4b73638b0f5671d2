"""Checks the models alone cannot make: repeats, cross-field rules of a flow's mode, other files.

They read the raw YAML data, so they run even when another part of the file fails validation, and
each problem names the line of the value at fault.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from screenbot.content.flows import DEFAULT_MAX_QUESTIONS, Mode
from screenbot.content.models import Bank, FreeTextQuestion
from screenbot.content.yaml_source import YamlDocument
from screenbot.errors import ContentProblem, Severity

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Finding:
    """A problem found inside one document, located by its path of keys and indexes."""

    loc: Loc
    message: str
    severity: Severity = Severity.ERROR


FlowCheck = Callable[[Mapping[str, Any]], Iterable[Finding]]
"""A check of a flow's raw data that content itself cannot make (the schedule, for one)."""


def _located(doc: YamlDocument, finding: Finding) -> ContentProblem:
    return ContentProblem(doc.path, doc.line_of(finding.loc), finding.message, finding.severity)


def items(data: Any, key: str) -> list[tuple[int, dict[str, Any]]]:
    """The mappings listed under `data[key]`, with their indexes; anything else is skipped, since
    these checks also run on data that failed validation."""
    value = data.get(key) if isinstance(data, dict) else None
    if not isinstance(value, list):
        return []
    return [(i, item) for i, item in enumerate(value) if isinstance(item, dict)]


def _whole(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _repeats(where: Loc, data: Any, key: str, what: str) -> list[Finding]:
    seen: set[str] = set()
    found = []
    for i, item in items(data, key):
        item_id = item.get("id")
        if isinstance(item_id, str) and item_id in seen:
            found.append(Finding((*where, key, i, "id"), f"{what} id {item_id!r} is used twice"))
        seen.add(str(item_id))
    return found


_SPACE = re.compile(r"\s+")
_STATEMENTS = {"references": "reference", "misconceptions": "misconception"}


def _rubric(where: Loc, question: dict[str, Any]) -> list[Finding]:
    """Statements said twice in one question, and concepts the grader has no model statement of."""
    found = []
    seen: dict[str, tuple[str, str]] = {}
    for j, concept in items(question, "rubric"):
        name = str(concept.get("concept"))
        for key, kind in _STATEMENTS.items():
            statements = concept.get(key)
            for k, text in enumerate(statements if isinstance(statements, list) else []):
                if not isinstance(text, str) or not text.strip():
                    continue
                norm = _SPACE.sub(" ", text.strip().casefold())
                if norm not in seen:
                    seen[norm] = (name, kind)
                    continue
                first_name, first_kind = seen[norm]
                same = "" if first_name == name else f" of concept {first_name!r}"
                message = (
                    f"{kind} {text!r} is listed twice"
                    if (first_name, first_kind) == (name, kind)
                    else f"{kind} {text!r} is already a {first_kind}{same}"
                )
                found.append(Finding((*where, "rubric", j, key, k), message))
        if question.get("type") == "free_text" and not concept.get("references"):
            found.append(
                Finding(
                    (*where, "rubric", j),
                    f"concept {name!r} has no references: add references (model statements of "
                    "the idea, in English and Roman Urdu) so answers are graded by meaning",
                    Severity.WARNING,
                )
            )
    return found


def check_bank(doc: YamlDocument) -> list[ContentProblem]:
    """Repeated ids and statements (errors) and concepts without references (warnings)."""
    found = _repeats((), doc.data, "questions", "question")
    for i, question in items(doc.data, "questions"):
        found += _repeats(("questions", i), question, "choices", "choice")
        found += _rubric(("questions", i), question)
    return [_located(doc, f) for f in found]


_ADAPTIVE_ONLY = ("max_questions", "target_se", "free_text")


def _fixed(sections: list[tuple[int, dict[str, Any]]], banks: Mapping[str, Bank]) -> list[Finding]:
    found = []
    for i, section in sections:
        for key in ("min", "max"):
            if key in section:
                found.append(
                    Finding(
                        ("sections", i, key),
                        f"{key} applies to adaptive flows (mode: adaptive); "
                        "a fixed flow draws `pick` questions from each section",
                    )
                )
        pick = _whole(section.get("pick"))
        bank = banks.get(str(section.get("bank")))
        if "pick" not in section or pick == 0:
            where: Loc = ("sections", i, "pick") if "pick" in section else ("sections", i)
            found.append(
                Finding(
                    where,
                    f"a fixed flow needs `pick` (at least 1): how many questions to draw from "
                    f"bank {section.get('bank')!r}",
                )
            )
        elif bank is not None and pick is not None and pick > len(bank.questions):
            size = len(bank.questions)
            found.append(
                Finding(
                    ("sections", i, "pick"),
                    f"pick {pick} is more than the {size} questions in bank {bank.id!r}",
                )
            )
    return found


def _section_bounds(
    i: int, section: dict[str, Any], bank: Bank | None, budget: int, budget_why: str
) -> tuple[list[Finding], int, int]:
    """Problems with one adaptive section, its min, and the most it can really contribute."""
    found = []
    if "pick" in section:
        found.append(
            Finding(
                ("sections", i, "pick"),
                "pick applies to fixed flows; an adaptive flow takes `min` and `max` per section",
            )
        )
    low, high = _whole(section.get("min", 0)) or 0, _whole(section.get("max"))
    auto = sum(q.auto_scored for q in bank.questions) if bank is not None else None
    if high is not None and low > high:
        found.append(Finding(("sections", i, "min"), f"min {low} is above max {high}"))
    name = bank.id if bank is not None else ""
    if auto is not None and high is not None and high > auto:
        found.append(
            Finding(
                ("sections", i, "max"),
                f"max {high} is more than the {auto} automatically scored questions "
                f"in bank {name!r}",
            )
        )
    elif auto is not None and low > auto:
        found.append(
            Finding(
                ("sections", i, "min"),
                f"min {low} is more than the {auto} automatically scored questions "
                f"in bank {name!r}",
            )
        )
    if high is not None and high > budget:
        found.append(
            Finding(
                ("sections", i, "max"),
                f"max {high} can never be reached: the flow asks {budget} automatically "
                f"scored questions ({budget_why})",
            )
        )
    most = min(x for x in (high, auto, budget) if x is not None)
    return found, low, most


def _adaptive(
    data: Mapping[str, Any],
    sections: list[tuple[int, dict[str, Any]]],
    banks: Mapping[str, Bank],
) -> list[Finding]:
    found = []
    asked = _whole(data.get("max_questions")) or DEFAULT_MAX_QUESTIONS
    plan = data.get("free_text")
    free = _whole(plan.get("pick")) if isinstance(plan, dict) else None
    free = free if free is not None and free > 0 else 0
    budget = asked - free
    budget_why = f"max_questions {asked} minus free_text.pick {free}" if free else "max_questions"
    flow_loc: Loc = ("max_questions",) if "max_questions" in data else ("sections",)
    known = [bank for _, s in sections if (bank := banks.get(str(s.get("bank")))) is not None]
    all_known = len(known) == len(sections)
    if free:
        written = sum(isinstance(q, FreeTextQuestion) for bank in known for q in bank.questions)
        if free >= asked:
            found.append(
                Finding(
                    ("free_text", "pick"),
                    f"free_text.pick {free} leaves no automatically scored question "
                    f"within max_questions {asked}",
                )
            )
        elif all_known and free > written:
            found.append(
                Finding(
                    ("free_text", "pick"),
                    f"free_text.pick {free} is more than the {written} free-text "
                    "questions in the flow's banks",
                )
            )
    if budget <= 0:
        return found
    least = most = 0
    for i, section in sections:
        bank = banks.get(str(section.get("bank")))
        problems, low, high = _section_bounds(i, section, bank, budget, budget_why)
        found += problems
        least, most = least + low, most + high
    if least > budget:
        found.append(
            Finding(
                flow_loc,
                f"the sections' min add up to {least}, more than the {budget} automatically "
                f"scored questions the flow asks ({budget_why})",
            )
        )
    if sections and all_known and most < budget:
        found.append(
            Finding(
                flow_loc,
                f"the sections hold at most {most} automatically scored questions (their max, or "
                f"what their banks have), fewer than the {budget} the flow asks ({budget_why}): "
                "raise a max or lower max_questions",
            )
        )
    return found


def _mode(data: Mapping[str, Any]) -> Mode | None:
    try:
        return Mode(data.get("mode", Mode.FIXED.value))
    except ValueError:
        return None


def check_flow(
    doc: YamlDocument, banks: Mapping[str, Bank], checks: Iterable[FlowCheck] = ()
) -> list[ContentProblem]:
    """Banks that exist and can serve the flow's mode, plus the caller's own checks."""
    sections = items(doc.data, "sections")
    found = [
        Finding(("sections", i, "bank"), f"no bank called {section.get('bank')!r}")
        for i, section in sections
        if str(section.get("bank")) not in banks
    ]
    mode = _mode(doc.data)
    if mode is Mode.FIXED:
        found += [
            Finding((key,), f"{key} applies to adaptive flows only (mode: adaptive)")
            for key in _ADAPTIVE_ONLY
            if key in doc.data
        ]
        found += _fixed(sections, banks)
    elif mode is Mode.ADAPTIVE:
        found += _adaptive(doc.data, sections, banks)
    for check in checks:
        found += check(doc.data)
    return [_located(doc, f) for f in found]
