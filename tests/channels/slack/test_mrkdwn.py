"""Slack's markup both ways: what Slack sends for what a person typed, and our text escaped."""

from __future__ import annotations

import pytest

from screenbot.channels.slack.mrkdwn import clip, decode, escape, plain

CASES = [
    ("<mailto:ayesha@example.com|ayesha@example.com>", "ayesha@example.com"),
    ("<mailto:ayesha@example.com>", "ayesha@example.com"),
    ("<tel:+923001234567|0300 1234567>", "0300 1234567"),
    ("see <https://x.pk|x.pk>", "see x.pk"),
    ("<http://example.com/a?b=1&amp;c=2>", "http://example.com/a?b=1&c=2"),
    ("<https://evil.example|Open CV>", "Open CV (https://evil.example)"),
    ("<@U123> and <@U1|aisha>", "@U123 and @aisha"),
    ("<#C1|general> <#C2>", "#general #C2"),
    ("<!here> <!channel> <!everyone>", "@here @channel @everyone"),
    ("<!subteam^S1|@backend> <!subteam^S2>", "@backend @S2"),
    ("<!date^1392734382^{date}|Feb 18, 2014>", "Feb 18, 2014"),
    ("Hira Baig &amp; Co", "Hira Baig & Co"),
    ("A&amp;B &lt;i&gt;tags&lt;/i&gt; 3&gt;2", "A&B <i>tags</i> 3>2"),
    ("&amp;lt; is how you write it", "&lt; is how you write it"),
    ("*bold* _it_ ~gone~ `code`", "*bold* _it_ ~gone~ `code`"),
    ("آپ کا نام &amp; 😀", "آپ کا نام & 😀"),
]


@pytest.mark.parametrize(("sent", "typed"), CASES)
def test_what_slack_sends_reads_as_what_was_typed(sent: str, typed: str) -> None:
    assert decode(sent) == typed


@pytest.mark.parametrize("typed", ["A&B <i>x</i> 3>2", "&lt;", "<!channel>", "plain"])
def test_escaped_text_decodes_to_itself(typed: str) -> None:
    assert "<" not in escape(typed)
    assert decode(escape(typed)) == typed


def test_clipping_never_cuts_an_entity_in_two() -> None:
    clipped = clip(escape("x" * 2996 + "&&&"), 3000)
    assert clipped.endswith("x…") or clipped.endswith("&amp;…")
    assert len(clipped) <= 3000


def test_a_plain_text_object_is_never_empty() -> None:
    assert plain("")["text"] == " "
