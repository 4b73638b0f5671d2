"""The shortlist digest as Slack messages: Block Kit pages and the notification text.

What a candidate typed (name, city, salary, any profile answer) sits only in `plain_text`
objects, escaped: it reads as typed and can form no mention, link or formatting. `mrkdwn` is kept
for our own words: titles, scores, the decision line with the recruiter's mention. Each
candidate takes exactly three blocks (summary, decision, buttons), so recording a decision never
pushes a page past Slack's 50-block limit.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from screenbot.channels.slack.mrkdwn import Block, clip, escape, mrkdwn, plain
from screenbot.recruiting.digest import (
    DECIDED,
    DECISIONS,
    close_text,
    counts_line,
    percent,
    period,
    score_text,
)
from screenbot.recruiting.ranking import Ranked, Shortlist

MAX_BLOCKS = 50
PER_PAGE = 15
_SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")


def summary(candidate: Ranked, bank_titles: Mapping[str, str]) -> str:
    """One candidate as lines of text (for a `plain_text` object, which escapes them)."""
    score = "grading" if candidate.grading else f"score {score_text(candidate)}"
    lines = [f"{candidate.rank}. {candidate.name} — {score}"]
    if candidate.close_to:
        lines.append("≈ " + close_text(candidate))
    if candidate.sections:
        lines.append(
            " · ".join(
                f"{bank_titles.get(bank, bank)} {percent(share)}"
                for bank, share in candidate.sections
            )
        )
    if candidate.details:
        lines.append(" · ".join(f"{label}: {value}" for label, value in candidate.details))
    if candidate.flags:
        lines.append("⚠️ " + ", ".join(candidate.flags))
    return "\n".join(lines)


def decision_text(decision: str | None, by: str | None = None, when: str | None = None) -> str:
    """The decision line in mrkdwn; `by` is a Slack user id from a signed request, mentioned."""
    if decision is None:
        return "Awaiting a decision"
    who = ""
    if by:
        who = f" by <@{by}>" if _SLACK_USER.match(by) else f" by {escape(by)}"
    at = f" at {escape(when)}" if when else ""
    return f"{DECIDED[decision]}{who}{at}"


def candidate_blocks(candidate: Ranked, bank_titles: Mapping[str, str]) -> list[Block]:
    """One candidate's entry in a digest: rank, scores, details and flags as plain text, the
    decision so far, and the buttons that decide or open their answers. Block ids carry the
    screening id, so a decision can replace its own line."""
    sid = candidate.screening_id
    buttons: list[Block] = [
        {
            "type": "button",
            "action_id": f"decide_{key}",
            "value": str(sid),
            "text": {"type": "plain_text", "text": label},
            **({"style": "primary"} if key == "advance" else {}),
            **({"style": "danger"} if key == "reject" else {}),
        }
        for key, label in DECISIONS.items()
    ]
    buttons.append(
        {
            "type": "button",
            "action_id": "view_answers",
            "value": str(sid),
            "text": {"type": "plain_text", "text": "View answers"},
        }
    )
    return [
        {
            "type": "section",
            "block_id": f"candidate-{sid}",
            "text": plain(summary(candidate, bank_titles)),
        },
        {
            "type": "context",
            "block_id": f"decision-{sid}",
            "elements": [mrkdwn(decision_text(candidate.decision))],
        },
        {"type": "actions", "block_id": f"actions-{sid}", "elements": buttons},
    ]


def pages(shortlist: Shortlist, bank_titles: Mapping[str, str]) -> list[list[Block]]:
    """The digest as one or more messages, each within Block Kit's limits."""
    title = escape(shortlist.flow.title)
    head: list[Block] = [
        {"type": "section", "text": mrkdwn(f"*Shortlist: {title}*\n{period(shortlist)}")},
        {"type": "context", "elements": [mrkdwn(counts_line(shortlist))]},
        {"type": "divider"},
    ]
    if not shortlist.candidates:
        note = "Nobody finished a screening in this period."
        return [[*head, {"type": "section", "text": mrkdwn(note)}]]
    chunks = [
        shortlist.candidates[i : i + PER_PAGE]
        for i in range(0, len(shortlist.candidates), PER_PAGE)
    ]
    result = []
    for number, chunk in enumerate(chunks, start=1):
        continued = f"*{title}* (continued, {number}/{len(chunks)})"
        blocks = (
            list(head) if number == 1 else [{"type": "context", "elements": [mrkdwn(continued)]}]
        )
        for candidate in chunk:
            blocks += candidate_blocks(candidate, bank_titles)
        assert len(blocks) <= MAX_BLOCKS
        result.append(blocks)
    return result


def notification(shortlist: Shortlist, page: int = 1) -> str:
    """The message's top-level `text`: what a phone notification or a screen reader says first.

    It names no candidate: Slack parses this field as mrkdwn, and `chat.update` and
    `chat.postEphemeral` cannot turn that off, so candidate text stays in the blocks.
    """
    graded = [c for c in shortlist.candidates if not c.grading]
    best = percent(graded[0].score) if graded else None
    top = f", best score {best}" if best else ""
    more = f" (continued, {page})" if page > 1 else ""
    return clip(
        escape(
            f"Shortlist: {shortlist.flow.title}{more} — {len(shortlist.candidates)} listed{top}. "
            f"{counts_line(shortlist)}"
        )
    )
