"""The shortlist digest in words: for a terminal (`screenbot digest --dry-run`) and for any
channel that renders it (Slack's Block Kit lives in `channels/slack/shortlist.py`)."""

from __future__ import annotations

from collections.abc import Mapping
from zoneinfo import ZoneInfo

from screenbot.recruiting.ranking import Ranked, Shortlist

DECISIONS = {"advance": "Advance", "reject": "Reject", "hold": "Hold"}
DECIDED = {"advance": "✅ Advanced", "reject": "❌ Rejected", "hold": "⏸ On hold"}


def percent(value: float | None) -> str:
    """A score from 0 to 1 as recruiters read it, a whole percentage; a dash where there is
    none yet."""
    return "—" if value is None else f"{value * 100:.0f}%"


GRADING = "grading"


def score_text(candidate: Ranked) -> str:
    """The score, with its uncertainty where it has one: "82% ± 6 pts"; "grading" while its
    free-text answers wait for the grader (a half-graded total is never shown)."""
    if candidate.grading:
        return GRADING
    if candidate.score is None or candidate.score_se is None:
        return percent(candidate.score)
    return f"{percent(candidate.score)} ± {candidate.score_se * 100:.0f} pts"


def close_text(candidate: Ranked) -> str:
    """Which listed candidates this one cannot be told apart from, or nothing."""
    if not candidate.close_to:
        return ""
    ranks = ", ".join(f"#{rank}" for rank in candidate.close_to)
    return f"within the margin of error of {ranks}: not a meaningful difference"


def period(shortlist: Shortlist) -> str:
    """The time the digest covers, in the opening's own time zone."""
    """The period a digest covers, in the schedule's time zone."""
    schedule = shortlist.flow.shortlist
    zone = ZoneInfo(schedule.timezone if schedule else "UTC")
    until = shortlist.until.astimezone(zone).strftime("%a %d %b %H:%M")
    if shortlist.since is None:
        return f"up to {until}"
    return f"{shortlist.since.astimezone(zone).strftime('%a %d %b %H:%M')} to {until}"


def counts_line(shortlist: Shortlist) -> str:
    """How the period went at a glance: started, completed, passed, knocked out, waiting."""
    """How many started, completed, passed, were knocked out, and await a decision."""
    return (
        f"Started {shortlist.started} · Completed {shortlist.completed} · "
        f"Passed {shortlist.passed} · Knocked out {shortlist.knocked_out} · "
        f"Awaiting a decision {shortlist.awaiting_decision}"
    ) + (f" · Still grading {shortlist.grading}" if shortlist.grading else "")


def as_text(shortlist: Shortlist, bank_titles: Mapping[str, str]) -> str:
    """The whole digest as lines of text, for a terminal."""
    lines = [f"Shortlist: {shortlist.flow.title} ({period(shortlist)})", counts_line(shortlist)]
    for candidate in shortlist.candidates:
        sections = ", ".join(f"{bank_titles.get(b, b)} {percent(v)}" for b, v in candidate.sections)
        details = ", ".join(f"{label}: {value}" for label, value in candidate.details)
        flags = f" [{'; '.join(candidate.flags)}]" if candidate.flags else ""
        decision = f" — {DECIDED[candidate.decision]}" if candidate.decision else ""
        close = f" ({close_text(candidate)})" if candidate.close_to else ""
        lines.append(
            f"{candidate.rank:>3}. {candidate.name} — {score_text(candidate)}{close}"
            f" ({sections}) {details}{flags}{decision}"
        )
    if not shortlist.candidates:
        lines.append("Nobody finished a screening in this period.")
    return "\n".join(lines)
