"""Modals recruiters open from a digest."""

from __future__ import annotations

import json
import re
from typing import Any

from screenbot.channels.slack.mrkdwn import Block, escape, mrkdwn, plain
from screenbot.recruiting.digest import percent
from screenbot.recruiting.service import CREDITS, CreditSet, FreeTextGrade, Total, TranscriptLine

MAX_BLOCKS = 100  # a modal's limit
SET_CREDIT = "set_credit"
_SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")
_MARKS = {"full": "✓", "half": "½", "none": "✗"}
_STATUS = {
    "pending": "grading…",
    "graded": "graded by meaning",
    "failed": "could not be graded: please set its credit",
}


def credit_value(screening_id: int, position: int, credit: str) -> str:
    """A credit option's value: which answer, and what credit."""
    return f"{screening_id}:{position}:{credit}"


def read_credit_value(value: str) -> tuple[int, int, str] | None:
    """The (screening, position, credit) a credit option names, or None for anything else."""
    parts = value.split(":")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    if parts[2] not in CREDITS:
        return None
    return int(parts[0]), int(parts[1]), parts[2]


def _who(user: str) -> str:
    return f"<@{user}>" if _SLACK_USER.match(user) else escape(user)


def _grading_note(grade: FreeTextGrade) -> str:
    """Our words on how a free-text answer was graded, in mrkdwn."""
    if grade.status == "overridden" and grade.set_by is not None:
        when = grade.set_at.strftime("%d %b %H:%M UTC") if grade.set_at else ""
        graded = (
            f" (the grader gave {grade.grader_points:g})" if grade.grader_points is not None else ""
        )
        return f"credit set by {_who(grade.set_by)} {escape(when)}{graded}"
    note = _STATUS.get(grade.status, escape(grade.status))
    return f"⚠️ *needs review* · {note}" if grade.needs_review else note


def _concepts(grade: FreeTextGrade) -> str:
    """Each concept's credit with the candidate's quoted sentence: for a `plain_text` object
    (the evidence is what the candidate typed)."""
    lines = []
    for c in grade.concepts:
        line = f"{_MARKS.get(c.credit, '?')} {c.concept}: {c.credit} credit"
        if c.evidence:
            line += f" — “{c.evidence}”"
        if c.flags:
            line += f" [{', '.join(c.flags)}]"
        lines.append(line)
    if grade.flags:
        lines.append("Flags: " + ", ".join(grade.flags))
    return "\n".join(lines)


def _credit_menu(screening_id: int, line: TranscriptLine) -> Block:
    return {
        "type": "static_select",
        "action_id": SET_CREDIT,
        "placeholder": {"type": "plain_text", "text": "Set credit"},
        "options": [
            {
                "text": {"type": "plain_text", "text": f"{name.capitalize()} credit"},
                "value": credit_value(screening_id, line.position, name),
            }
            for name in CREDITS
        ],
    }


def _answer_blocks(screening_id: int, line: TranscriptLine) -> list[Block]:
    score = f"{line.points:g}/{line.max_points:g} in {line.seconds:.0f}s"
    heading = f"*{line.number}. {escape(line.section)}* — {score}\n{escape(line.question)}"
    grade = line.grading
    if grade is None:
        return [
            {"type": "section", "text": mrkdwn(heading)},
            {"type": "section", "text": plain(line.answer)},
        ]
    head: Block = {
        "type": "section",
        "text": mrkdwn(f"{heading}\n_{_grading_note(grade)}_"),
        "accessory": _credit_menu(screening_id, line),
    }
    blocks = [head, {"type": "section", "text": plain(line.answer)}]
    concepts = _concepts(grade)
    if concepts:
        blocks.append({"type": "context", "elements": [plain(concepts)]})
    return blocks


def total_text(total: Total | None) -> str:
    """A screening's total as a line for recruiters."""
    if total is None:
        return "No total."
    if total.grading:
        return "Total: grading (it follows once every free-text answer is graded)."
    outcome = {True: " — passed", False: " — not passed", None: ""}[total.passed]
    return f"Total {percent(total.score)}{outcome}."


def credit_note(done: CreditSet, before: Total | None, after: Total | None) -> str:
    """What a recruiter's credit changed, told to them: the answer's points and the total."""
    note = f"Answer {done.position + 1} now earns {done.after:g} points (it had {done.before:g})."
    if after is not None and not after.grading and before is not None and not before.grading:
        return f"{note} Total {percent(after.score)} (it was {percent(before.score)})."
    return f"{note} {total_text(after)}"


def answers_modal(
    lines: list[TranscriptLine],
    screening_id: int = 0,
    channel: str | None = None,
    total: Total | None = None,
) -> Block:
    """A screening's answers for recruiters: its total, then our headings in mrkdwn and each
    answer `plain_text`, so an answer reads exactly as typed and cannot format, mention or link
    anything. A free-text answer shows how it was graded (each concept's credit with the
    candidate's sentence that earned it, quoted as plain text; "needs review" when the grader
    was unsure) and a menu that sets its credit. `channel` is where the digest was, for replies
    to what is pressed here."""
    blocks: list[Block] = [{"type": "context", "elements": [mrkdwn(total_text(total))]}]
    for shown, line in enumerate(lines):
        more = _answer_blocks(screening_id, line)
        if len(blocks) + len(more) > MAX_BLOCKS - 1:
            rest = f"…and {len(lines) - shown} more answers."
            blocks.append({"type": "context", "elements": [mrkdwn(rest)]})
            break
        blocks += more
    if len(blocks) == 1:
        blocks.append({"type": "section", "text": mrkdwn("No answers.")})
    metadata: dict[str, Any] = {"screening": screening_id, "channel": channel}
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Answers"},
        "close": {"type": "plain_text", "text": "Close"},
        "private_metadata": json.dumps(metadata),
        "blocks": blocks,
    }
