"""The Slack Web API client, with slack-sdk's own retries for 429 (Retry-After) and 5xx."""

from __future__ import annotations

from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from screenbot.channels.slack.shortlist import notification, pages
from screenbot.recruiting.digests import Digest


def web_client(token: str, base_url: str) -> AsyncWebClient:
    """A Web API client that waits out rate limits and retries connection errors and 5xx a few times
    before the courier hears of them."""
    return AsyncWebClient(
        token=token,
        base_url=base_url,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
            AsyncRateLimitErrorRetryHandler(max_retry_count=3),
            AsyncServerErrorRetryHandler(max_retry_count=2),
        ],
    )


class SlackPoster:
    """Posts a digest's pages; returns the channel id and the first message's `ts`."""

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def post(self, channel: str, digest: Digest) -> tuple[str, str]:
        """Post every page of `digest` to `channel`, in order."""
        first: tuple[str, str] | None = None
        for number, blocks in enumerate(pages(digest.shortlist, digest.bank_titles), start=1):
            response = await self.client.chat_postMessage(
                channel=channel, blocks=blocks, text=notification(digest.shortlist, number)
            )
            first = first or (str(response["channel"]), str(response["ts"]))
        assert first is not None
        return first
