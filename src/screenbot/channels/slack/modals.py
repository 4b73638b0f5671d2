"""Modals recruiters open from a digest."""

from __future__ import annotations

from screenbot.channels.slack.mrkdwn import Block, escape, mrkdwn, plain
from screenbot.recruiting.service import TranscriptLine

MODAL_ANSWERS = 49  # two blocks each, within a modal's 100


def answers_modal(lines: list[TranscriptLine]) -> Block:
    """A screening's answers for recruiters: our headings in mrkdwn, each answer `plain_text`,
    so an answer reads exactly as typed and cannot format, mention or link anything."""
    blocks: list[Block] = []
    for line in lines[:MODAL_ANSWERS]:
        score = f"{line.points:g}/{line.max_points:g} in {line.seconds:.0f}s"
        heading = f"*{line.number}. {escape(line.section)}* — {score}\n{escape(line.question)}"
        blocks.append({"type": "section", "text": mrkdwn(heading)})
        blocks.append({"type": "section", "text": plain(line.answer)})
    if len(lines) > MODAL_ANSWERS:
        more = f"…and {len(lines) - MODAL_ANSWERS} more answers."
        blocks.append({"type": "context", "elements": [mrkdwn(more)]})
    if not blocks:
        blocks.append({"type": "section", "text": mrkdwn("No answers.")})
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Answers"},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": blocks,
    }
