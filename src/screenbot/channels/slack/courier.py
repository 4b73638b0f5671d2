"""Sending to Slack: slack-sdk retries 429 and 5xx itself; here, what an error means for us."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from screenbot.channels.courier import Courier, Outcome
from screenbot.channels.slack.blocks import render
from screenbot.service import ScreeningService
from screenbot.store.outbox import Delivery

log = logging.getLogger(__name__)
CHANNEL = "slack"
GONE = {"channel_not_found", "is_archived", "user_disabled", "cannot_dm_bot", "not_in_channel"}


class SlackCourier(Courier):
    def __init__(self, client: AsyncWebClient, service: ScreeningService) -> None:
        super().__init__(CHANNEL, service)
        self.client = client

    async def send(self, delivery: Delivery, deadline: float) -> Outcome:  # one call, no waits
        text, blocks = render(delivery.message)
        try:
            await self.client.chat_postMessage(channel=delivery.address, text=text, blocks=blocks)
        except SlackApiError as exc:
            error = str(exc.response.get("error", ""))
            if error in GONE:
                log.info(
                    "candidate %s cannot be reached on Slack: %s", delivery.candidate_id, error
                )
                return await self.blocked(delivery)
            self.error(error or "api_error")
            await self.service.outbox.failed(delivery, error or str(exc))
            return Outcome.LATER
        except OSError as exc:
            self.error("network")  # connection trouble after slack-sdk's own retries
            await self.service.outbox.failed(delivery, str(exc))
            return Outcome.LATER
        return Outcome.SENT
