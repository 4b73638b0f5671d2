"""Ranking, counts, escaping and paging of the shortlist digest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from screenbot.channels.slack.mrkdwn import MAX_TEXT
from screenbot.channels.slack.shortlist import MAX_BLOCKS, pages
from screenbot.content.catalog import Catalog
from screenbot.engine.state import Stage
from screenbot.recruiting.digest import as_text
from screenbot.recruiting.ranking import shortlist
from screenbot.store.database import Database
from tests.recruiting.conftest import finish

NOW = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)  # 09:00 in Karachi


def texts(blocks: list[dict[str, object]]) -> str:
    return repr(blocks)


async def test_candidates_are_ranked_by_score_with_period_counts(
    database: Database, catalog: Catalog
) -> None:
    flow = catalog.flow("backend-karachi")
    scores = [0.55, 0.91, 0.72, 0.88, 0.40, 0.97, 0.63, 0.79, 0.85, 0.30, 0.69, 0.93]
    for n, score in enumerate(scores):
        await finish(database, f"Candidate {n}", score, NOW - timedelta(hours=n + 1))
    await finish(database, "Old Timer", 0.99, NOW - timedelta(days=3))
    await finish(database, "Knocked", None, NOW - timedelta(hours=2), stage=Stage.KNOCKED_OUT)
    result = await shortlist(database, flow, NOW, NOW - timedelta(days=1))
    assert [c.score for c in result.candidates] == sorted(scores, reverse=True)[:10]
    assert [c.rank for c in result.candidates] == list(range(1, 11))
    assert result.candidates[0].name == "Candidate 5"
    assert (result.completed, result.passed, result.knocked_out) == (12, 9, 1)
    assert result.awaiting_decision == 13
    assert ("Salary", "PKR 250,000") in result.candidates[0].details


async def test_knocked_out_and_fast_answers_are_flagged(
    database: Database, catalog: Catalog
) -> None:
    flow = catalog.flow("backend-karachi")
    await finish(database, "Speedy", 0.9, NOW - timedelta(hours=1), seconds=1.5)
    await finish(database, "Knocked", None, NOW - timedelta(hours=2), stage=Stage.KNOCKED_OUT)
    result = await shortlist(database, flow, NOW, NOW - timedelta(days=1))
    flags = {c.name: c.flags for c in result.candidates}
    assert flags["Speedy"] == ("fast answers (median 1.5s)",)
    assert flags["Knocked"] == ("knocked out",)


async def test_what_candidates_typed_cannot_inject_slack_markup(
    database: Database, catalog: Catalog
) -> None:
    flow = catalog.flow("backend-karachi")
    await finish(database, "<!channel> *boss* <@U123|admin> & co", 0.8, NOW - timedelta(hours=1))
    found = await shortlist(database, flow, NOW, NOW - timedelta(days=1))
    [page] = pages(found, {"databases": "Databases"})
    rendered = texts(page)
    [summary] = [b["text"] for b in page if str(b.get("block_id")).startswith("candidate-")]
    assert summary["type"] == "plain_text"  # shown as typed: `*boss*` is not bold
    assert "&lt;!channel&gt; *boss* &lt;@U123|admin&gt; &amp; co" in summary["text"]
    assert "<!channel>" not in rendered
    assert "<@U123" not in rendered


async def test_a_long_shortlist_is_paged_within_block_kit_limits(
    database: Database, catalog: Catalog
) -> None:
    flow = catalog.flow("backend-karachi")
    for n in range(40):
        await finish(
            database, "Zainab " + "x" * 200 + str(n), 0.5 + n / 100, NOW - timedelta(minutes=n + 1)
        )
    found = await shortlist(database, flow, NOW, NOW - timedelta(days=1), top=40)
    result = pages(found, {"databases": "Databases"})
    assert len(result) == 3
    assert all(len(page) <= MAX_BLOCKS for page in result)
    for page in result:
        for block in page:
            text = block.get("text")
            if isinstance(text, dict):
                assert len(text["text"]) <= MAX_TEXT
    listed = [
        b["block_id"]
        for page in result
        for b in page
        if str(b.get("block_id", "")).startswith("candidate-")
    ]
    assert len(listed) == 40
    assert "40. Zainab" in as_text(found, {})
