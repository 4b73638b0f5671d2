"""A recruiter's day in Slack after candidates with hostile names and answers: the digest, every
decision button, View answers, `/shortlist`, a stranger's press. Then every string of every call
the bot made to Slack, and every `response_url` body, is read for markup a candidate wrote."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from screenbot.channels.slack.client import SlackPoster, web_client
from screenbot.content.catalog import Catalog
from screenbot.recruiting.digests import Digests, SlotOutcome
from screenbot.store.database import open_database
from tests.channels.slack.conftest import SlackRequests
from tests.channels.slack.outbound import problems
from tests.fakes.server import eventually
from tests.fakes.slack_api import FakeSlack
from tests.recruiting.conftest import finish

HOSTILE_NAMES = (
    "Zara Hussain <!channel> *boss* <script>",
    "Hira Baig & Co <@U0EVIL|admin>",
    "Omar <#C0EVIL|general> _sneaky_ ~gone~",
    "Bilal <https://evil.example|Open CV> `code` && more",
)
HOSTILE_ANSWER = "A&B <i>tags</i> 3>2 <!here>\n> quoted *as the bot* <mailto:x@evil.example|x>"
FORMATTING = ("*boss*", "_sneaky_", "~gone~", "`code`", "*as the bot*")


def button(message: dict[str, Any], action_id: str, screening: int) -> dict[str, Any]:
    for block in message["blocks"]:
        for element in block.get("elements", []):
            if element.get("action_id") == action_id and element.get("value") == str(screening):
                return {k: element[k] for k in ("action_id", "value", "text")}
    raise AssertionError(f"no {action_id} button for screening {screening}")


async def test_nothing_a_candidate_typed_reaches_a_recruiter_as_slack_markup(
    bot: SlackRequests, slack: FakeSlack, db_url: str, catalog: Catalog
) -> None:
    """It broke: the digest's notification text, the Hold update and /shortlist carried names
    raw, so `<!channel>` in a name pinged the whole hiring channel."""
    db = open_database(db_url)
    now = datetime.now(UTC)
    try:
        screenings = [
            await finish(
                db,
                name,
                0.9 - n / 10,
                now - timedelta(seconds=n + 2),
                channel="slack",
                address=f"DU{n}",
                raw=HOSTILE_ANSWER,
            )
            for n, name in enumerate(HOSTILE_NAMES)
        ]
        poster = SlackPoster(web_client(slack.token, f"http://127.0.0.1:{slack.port}/api/"))
        flow = catalog.flow("backend-karachi")
        assert await Digests(db, catalog, poster).run_slot(flow, now) is SlotOutcome.POSTED
    finally:
        await db.dispose()
    channel = slack.channel_id("#hiring-backend-karachi")
    slack.members[channel] = ["URECRUITER"]
    digest = slack.posted("#hiring-backend-karachi")[-1]
    for action, screening in zip(
        ("decide_advance", "decide_reject", "decide_hold", "view_answers"),
        screenings,
        strict=True,
    ):
        await bot.press("URECRUITER", channel, digest, button(digest, action, screening))
        digest = slack.messages[(channel, digest["ts"])]
    await bot.press("USTRANGER", channel, digest, button(digest, "decide_advance", screenings[0]))
    await bot.command("/shortlist", "backend-karachi", "URECRUITER", channel)
    await eventually(lambda: len(slack.called("chat.postEphemeral")) == 2)
    await eventually(lambda: len(slack.called("chat.update")) == 3)
    await eventually(lambda: len(slack.called("views.open")) == 1)
    await eventually(lambda: len([m for m in slack.posted() if m["channel"][:2] == "DU"]) == 3)

    calls = [params for method, params in slack.calls if method != "auth.test"]
    assert {"chat.postMessage", "chat.update", "chat.postEphemeral", "views.open"} <= {
        method for method, _ in slack.calls
    }
    everything = [*calls, *slack.responses]
    assert problems(everything, mentions={"<@URECRUITER>"}, formatting=FORMATTING) == []
    shown = repr(everything)
    for name in HOSTILE_NAMES:  # each name is there, escaped, not lost
        escaped = name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        assert escaped in shown
    [modal] = slack.called("views.open")
    answers = [b["text"] for b in modal["view"]["blocks"][1:] if b["text"]["type"] == "plain_text"]
    assert answers[0]["text"] == HOSTILE_ANSWER.replace("&", "&amp;").replace("<", "&lt;").replace(
        ">", "&gt;"
    )
