"""Sending to Slack: slack-sdk retries 429 and 5xx itself; here, what an error means for us."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from screenbot.channels.courier import Courier, Outcome, Parcel, Tapped
from screenbot.channels.slack.blocks import render
from screenbot.service import ScreeningService

log = logging.getLogger(__name__)
CHANNEL = "slack"
GONE = {"channel_not_found", "is_archived", "user_disabled", "cannot_dm_bot", "not_in_channel"}


class SlackCourier(Courier):
    """Sends parcels to Slack DMs with `client`, one `chat.postMessage` each."""

    def __init__(self, client: AsyncWebClient, service: ScreeningService) -> None:
        super().__init__(CHANNEL, service)
        self.client = client

    async def send(self, parcel: Parcel, _deadline: float, _tapped: Tapped | None) -> Outcome:
        """One call; slack-sdk waits out 429s itself, so there is no deadline to keep here. A
        tapped question is closed by the channel (`chat.update`), which Slack does not count
        against posting."""
        text, blocks = render(parcel.message)
        address = parcel.deliveries[0].address
        self.handing_over(parcel)
        try:
            await self.client.chat_postMessage(channel=address, text=text, blocks=blocks)
        except SlackApiError as exc:
            error = str(exc.response.get("error", ""))
            if error in GONE:
                who = parcel.deliveries[0].candidate_id
                log.info("candidate %s cannot be reached on Slack: %s", who, error)
                return await self.blocked(parcel)
            self.error(error or "api_error")
            await self.failed(parcel, error or str(exc))
            return Outcome.LATER
        except OSError as exc:
            self.error("network")  # connection trouble after slack-sdk's own retries
            await self.failed(parcel, str(exc))
            return Outcome.LATER
        return Outcome.SENT
