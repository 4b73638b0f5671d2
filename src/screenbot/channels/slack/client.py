"""The Slack Web API client, with slack-sdk's own retries for 429 (Retry-After) and 5xx."""

from __future__ import annotations

from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from screenbot.recruiting.digest import Block


def web_client(token: str, base_url: str) -> AsyncWebClient:
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

    async def post(self, channel: str, pages: list[list[Block]], text: str) -> tuple[str, str]:
        first: tuple[str, str] | None = None
        for number, blocks in enumerate(pages, start=1):
            notice = text if number == 1 else f"{text.splitlines()[0]} (continued, {number})"
            response = await self.client.chat_postMessage(
                channel=channel, blocks=blocks, text=notice[:3000]
            )
            first = first or (str(response["channel"]), str(response["ts"]))
        assert first is not None
        return first
