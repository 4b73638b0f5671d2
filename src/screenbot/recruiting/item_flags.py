"""The flags of item analysis: when a question's statistics say an admin should look at it.

A flag needs enough answers to mean anything; the thresholds are one frozen value, so an admin
tool (or a test) can ask with others.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from screenbot.recruiting.item_stats import ItemStats


@dataclass(frozen=True)
class Thresholds:
    """When a flag is raised. `min_answers`: answers a question needs before any flag about it;
    `easy`/`hard`: share right above / below; `exposure`: share of screenings asked it above,
    once `min_screenings` screenings are in scope; `leak_jump`: rise in share right from the
    previous 30 days to the last 30 while the median answer time falls below `leak_time_ratio`
    of what it was, each window with `min_window_answers`; `min_decisions`: advanced plus
    rejected candidates before outcome feedback is shown, `min_group` of each per question.
    A suspected key error: a wrong choice the stronger half picks at least `key_margin` more
    often than the weaker half and than the key; or, on a question with negative
    discrimination, such a wrong choice picked by `strong_distractor` of the stronger half."""

    min_answers: int = 20
    easy: float = 0.95
    hard: float = 0.05
    exposure: float = 0.5
    min_screenings: int = 50
    leak_jump: float = 0.15
    leak_time_ratio: float = 0.8
    min_window_answers: int = 20
    window_days: int = 30
    min_decisions: int = 20
    min_group: int = 5
    key_margin: float = 0.15
    strong_distractor: float = 0.2


@dataclass(frozen=True)
class Flag:
    """Something an admin should look at, and why."""

    name: str
    reason: str


def _pct(value: float) -> str:
    return f"{100 * value:.0f}%"


def flags_for(item: ItemStats, t: Thresholds) -> tuple[Flag, ...]:
    """The flags a question's statistics raise under the thresholds."""
    found: list[Flag] = []
    enough = item.n >= t.min_answers
    negative = enough and item.item_total is not None and item.item_total < 0
    if negative:
        found.append(
            Flag(
                "negative discrimination",
                f"weaker candidates do better on it than stronger ones "
                f"(item-total correlation {item.item_total:+.2f})",
            )
        )
    if enough and item.share_right is not None and item.share_right > t.easy:
        found.append(Flag("too easy", f"{_pct(item.share_right)} right over {item.n} answers"))
    if enough and item.share_right is not None and item.share_right < t.hard:
        found.append(Flag("too hard", f"{_pct(item.share_right)} right over {item.n} answers"))
    keys = [c for c in item.choices if c.correct]
    if enough and keys:
        key_strong = max(c.stronger for c in keys)
        for c in item.choices:
            if c.correct:
                continue
            draws_stronger = c.stronger >= c.weaker + t.key_margin
            beats_key = draws_stronger and c.stronger >= key_strong + t.key_margin
            strong_distractor = negative and draws_stronger and c.stronger >= t.strong_distractor
            if beats_key or strong_distractor:
                found.append(
                    Flag(
                        "suspected key error",
                        f"wrong choice {c.choice} ({c.text!r}) picked by {_pct(c.stronger)} of "
                        f"the stronger half and {_pct(c.weaker)} of the weaker half; the key "
                        f"by {_pct(key_strong)} of the stronger half",
                    )
                )
                break
    if (
        item.exposure is not None
        and item.exposure > t.exposure
        and item.screenings >= t.min_screenings
    ):
        found.append(
            Flag(
                "over-exposed",
                f"asked in {_pct(item.exposure)} of {item.screenings} screenings",
            )
        )
    last, prev = item.last, item.previous
    if (
        last.n >= t.min_window_answers
        and prev.n >= t.min_window_answers
        and item.drift is not None
        and item.drift >= t.leak_jump
        and last.median_seconds is not None
        and prev.median_seconds is not None
        and last.median_seconds < t.leak_time_ratio * prev.median_seconds
    ):
        found.append(
            Flag(
                "suspected leak",
                f"share right rose {item.drift:+.0%} in the last {t.window_days} days "
                f"({prev.n} -> {last.n} answers) while the median answer time fell from "
                f"{prev.median_seconds:.0f} s to {last.median_seconds:.0f} s",
            )
        )
    return tuple(found)
