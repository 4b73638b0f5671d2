"""The digest shows each adaptive score with its uncertainty and says which candidates it cannot
tell apart."""

from __future__ import annotations

from screenbot.channels.slack.shortlist import summary
from screenbot.recruiting.digest import close_text, score_text
from screenbot.recruiting.ranking import Ranked, close_calls


def ranked(rank: int, score: float | None, se: float | None) -> Ranked:
    return Ranked(
        screening_id=rank,
        rank=rank,
        name=f"*Candidate* <{rank}>",
        score=score,
        sections=(),
        details=(),
        flags=(),
        decision=None,
        score_se=se,
    )


def test_overlapping_scores_are_marked_and_distant_ones_are_not() -> None:
    marked = close_calls((ranked(1, 0.82, 0.05), ranked(2, 0.80, 0.05), ranked(3, 0.55, 0.06)))
    assert [c.close_to for c in marked] == [(2,), (1,), ()]
    assert score_text(marked[0]) == "82% ± 5 pts"
    assert close_text(marked[1]) == "within the margin of error of #1: not a meaningful difference"


def test_fixed_flow_scores_carry_no_uncertainty_and_no_marks() -> None:
    marked = close_calls((ranked(1, 0.80, None), ranked(2, 0.79, None), ranked(3, None, None)))
    assert [c.close_to for c in marked] == [(), (), ()]
    assert score_text(marked[0]) == "80%"
    assert close_text(marked[0]) == ""


def test_the_slack_summary_shows_the_margin_in_plain_text() -> None:
    _, second = close_calls((ranked(1, 0.82, 0.05), ranked(2, 0.80, 0.05)))
    text = summary(second, {})
    assert text.splitlines()[0] == "2. *Candidate* <2> — score 80% ± 5 pts"
    assert text.splitlines()[1] == "≈ within the margin of error of #1: not a meaningful difference"
