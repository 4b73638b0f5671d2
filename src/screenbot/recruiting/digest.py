"""The shortlist digest as Slack Block Kit pages and as plain text.

Everything a candidate typed is escaped before it reaches Slack, so `<!channel>`, `<@U…>` or a
link cannot be injected. Each candidate takes exactly three blocks (summary, decision, buttons),
so recording a decision never pushes a page past Slack's 50-block limit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from screenbot.recruiting.ranking import Ranked, Shortlist

Block = dict[str, Any]
MAX_BLOCKS = 50
MAX_TEXT = 3000
PER_PAGE = 15
DECISIONS = {"advance": "Advance", "reject": "Reject", "hold": "Hold"}
DECIDED = {"advance": "✅ Advanced", "reject": "❌ Rejected", "hold": "⏸ On hold"}


def escape(text: str) -> str:
    """Slack's own rule: only &, < and > are control characters in message text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clip(text: str, limit: int = MAX_TEXT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def _period(shortlist: Shortlist) -> str:
    schedule = shortlist.flow.shortlist
    zone = ZoneInfo(schedule.timezone if schedule else "UTC")
    until = shortlist.until.astimezone(zone).strftime("%a %d %b %H:%M")
    if shortlist.since is None:
        return f"up to {until}"
    return f"{shortlist.since.astimezone(zone).strftime('%a %d %b %H:%M')} to {until}"


def counts_line(shortlist: Shortlist) -> str:
    return (
        f"Started {shortlist.started} · Completed {shortlist.completed} · "
        f"Passed {shortlist.passed} · Knocked out {shortlist.knocked_out} · "
        f"Awaiting a decision {shortlist.awaiting_decision}"
    )


def summary(candidate: Ranked, bank_titles: Mapping[str, str]) -> str:
    """One candidate in mrkdwn; every value a candidate typed goes through `escape`."""
    lines = [f"*{candidate.rank}. {escape(candidate.name)}* — score *{_percent(candidate.score)}*"]
    if candidate.sections:
        lines.append(
            " · ".join(
                f"{escape(bank_titles.get(bank, bank))} {_percent(share)}"
                for bank, share in candidate.sections
            )
        )
    if candidate.details:
        lines.append(" · ".join(f"{label}: {escape(value)}" for label, value in candidate.details))
    if candidate.flags:
        lines.append("⚠️ " + ", ".join(candidate.flags))
    return _clip("\n".join(lines))


def decision_text(decision: str | None, by: str | None = None, when: str | None = None) -> str:
    if decision is None:
        return "Awaiting a decision"
    who = f" by <@{by}>" if by else ""
    at = f" at {when}" if when else ""
    return f"{DECIDED[decision]}{who}{at}"


def candidate_blocks(candidate: Ranked, bank_titles: Mapping[str, str]) -> list[Block]:
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
            "text": {"type": "mrkdwn", "text": summary(candidate, bank_titles)},
        },
        {
            "type": "context",
            "block_id": f"decision-{sid}",
            "elements": [{"type": "mrkdwn", "text": decision_text(candidate.decision)}],
        },
        {"type": "actions", "block_id": f"actions-{sid}", "elements": buttons},
    ]


def pages(shortlist: Shortlist, bank_titles: Mapping[str, str]) -> list[list[Block]]:
    """The digest as one or more messages, each within Block Kit's limits."""
    title = escape(shortlist.flow.title)
    head: list[Block] = [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": _clip(f"*Shortlist: {title}*\n{_period(shortlist)}"),
            },
        },
        {"type": "context", "elements": [{"type": "mrkdwn", "text": counts_line(shortlist)}]},
        {"type": "divider"},
    ]
    if not shortlist.candidates:
        note = "Nobody finished a screening in this period."
        return [[*head, {"type": "section", "text": {"type": "mrkdwn", "text": note}}]]
    chunks = [
        shortlist.candidates[i : i + PER_PAGE]
        for i in range(0, len(shortlist.candidates), PER_PAGE)
    ]
    result = []
    for number, chunk in enumerate(chunks, start=1):
        continued = f"*{title}* (continued, {number}/{len(chunks)})"
        blocks = (
            list(head)
            if number == 1
            else [{"type": "context", "elements": [{"type": "mrkdwn", "text": continued}]}]
        )
        for candidate in chunk:
            blocks += candidate_blocks(candidate, bank_titles)
        assert len(blocks) <= MAX_BLOCKS
        result.append(blocks)
    return result


def as_text(shortlist: Shortlist, bank_titles: Mapping[str, str]) -> str:
    """The digest for a terminal (`screenbot digest --dry-run`) and Slack's notification text."""
    lines = [f"Shortlist: {shortlist.flow.title} ({_period(shortlist)})", counts_line(shortlist)]
    for candidate in shortlist.candidates:
        sections = ", ".join(
            f"{bank_titles.get(b, b)} {_percent(v)}" for b, v in candidate.sections
        )
        details = ", ".join(f"{label}: {value}" for label, value in candidate.details)
        flags = f" [{'; '.join(candidate.flags)}]" if candidate.flags else ""
        decision = f" — {DECIDED[candidate.decision]}" if candidate.decision else ""
        lines.append(
            f"{candidate.rank:>3}. {candidate.name} — {_percent(candidate.score)}"
            f" ({sections}) {details}{flags}{decision}"
        )
    if not shortlist.candidates:
        lines.append("Nobody finished a screening in this period.")
    return "\n".join(lines)
