"""Candidates on Slack: DMs, `/screen FLOW` and answer buttons, translated for the service.

A listener stores the turn before Slack gets its answer (a lost answer means Slack sends the
event again, and its id dedupes it); replies and closing the answered question follow after.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from screenbot.channels.background import Background
from screenbot.channels.slack.blocks import answered, parse_value
from screenbot.channels.slack.courier import CHANNEL, SlackCourier
from screenbot.channels.slack.mrkdwn import Block, decode
from screenbot.clock import Clock
from screenbot.engine.events import ChoicePicked, InboundEvent, Started, Unsupported, parse_text
from screenbot.service import Identity, Inbound, ScreeningService, Turn

log = logging.getLogger(__name__)
Body = dict[str, Any]


class Candidates:
    """The candidates' side of the Slack app: registers the listeners that turn DMs, `/screen` and
    answer buttons into turns, and leaves sending the replies to the courier, after the ack."""

    def __init__(
        self,
        client: AsyncWebClient,
        service: ScreeningService,
        courier: SlackCourier,
        background: Background,
        clock: Clock,
    ) -> None:
        self.client = client
        self.service = service
        self.courier = courier
        self.background = background
        self._clock = clock

    def register(self, app: AsyncApp) -> None:
        """Attach the candidates' listeners to `app`."""
        app.event("message")(self._on_message)
        app.command("/screen")(self._on_screen)
        app.action("pick")(self._ack_only)
        app.action(re.compile(r"^answer_\d+$"))(self._on_answer)
        app.action("submit")(self._on_submit)

    def _at(self, ts: str | None) -> datetime:
        """When Slack says the person sent it."""
        return datetime.fromtimestamp(float(ts), UTC) if ts else self._clock()

    async def _on_message(self, event: Body, body: Body) -> None:
        """A DM: stored before Slack gets its answer; the replies follow in the background."""
        if event.get("channel_type") != "im" or event.get("bot_id"):
            return
        subtype = event.get("subtype")
        if subtype not in (None, "file_share"):
            return  # edits, joins and the like: nothing a candidate answered
        message: InboundEvent = (
            Unsupported("file")
            if subtype == "file_share"
            else parse_text(decode(event.get("text", "")))
        )
        who = Identity(CHANNEL, event["user"], address=event["channel"])
        inbound = Inbound(f"{CHANNEL}:{body['event_id']}", who, message, self._at(event["ts"]))
        turn = await self.service.handle(inbound)
        self.background.later(self.courier.deliver(turn.deliveries))

    async def _on_screen(self, ack: AsyncAck, command: Body) -> None:
        await ack()
        self.background.later(self._screen(command))

    async def _screen(self, command: Body) -> None:
        user = command["user_id"]
        dm = await self.client.conversations_open(users=user)
        who = Identity(CHANNEL, user, address=str(dm["channel"]["id"]))
        flow_id = (command.get("text") or "").strip() or None
        key = f"{CHANNEL}:command:{command['trigger_id']}"
        turn = await self.service.handle(Inbound(key, who, Started(flow_id), self._clock()))
        await self.courier.deliver(turn.deliveries)

    async def _ack_only(self, ack: AsyncAck) -> None:
        await ack()

    async def _press(self, body: Body, key: str, choices: tuple[str, ...], shown: str) -> None:
        action = body["actions"][0]
        who = Identity(CHANNEL, body["user"]["id"], address=body["channel"]["id"])
        inbound = Inbound(
            f"{CHANNEL}:action:{action['action_ts']}:{who.external_id}",
            who,
            ChoicePicked(key, choices),
            self._clock(),
        )
        turn = await self.service.handle(inbound)
        closed = None
        if turn.advanced and shown:
            question = decode(str(body["message"]["blocks"][0]["text"]["text"]))
            closed = answered(question, shown)
        self.background.later(self._after_press(who.address, body["message"], closed, turn))

    async def _after_press(
        self, address: str, message: Body, closed: list[Block] | None, turn: Turn
    ) -> None:
        """Close the answered question (cosmetic: a failure loses nothing), then reply."""
        if closed is not None:
            try:
                await self.client.chat_update(
                    channel=address, ts=message["ts"], text=message.get("text", ""), blocks=closed
                )
            except SlackApiError as exc:
                log.info("could not close an answered question: %s", exc.response.get("error"))
        await self.courier.deliver(turn.deliveries)

    async def _on_answer(self, ack: AsyncAck, body: Body, action: Body) -> None:
        await ack()
        parsed = parse_value(str(action.get("value", "")))
        key, choice = parsed if parsed else ("forged", "")
        label = decode(str(action.get("text", {}).get("text", "")))
        await self._press(body, key, (choice,) if choice else (), label)

    async def _on_submit(self, ack: AsyncAck, body: Body, action: Body) -> None:
        await ack()
        picked = [
            option
            for block in body.get("state", {}).get("values", {}).values()
            for element in block.values()
            if element.get("type") == "checkboxes"
            for option in element.get("selected_options", [])
        ]
        values = [parse_value(str(o.get("value", ""))) for o in picked]
        ids = tuple(v[1] for v in values if v and v[0] == action.get("value"))
        labels = ", ".join(decode(str(o["text"]["text"])) for o in picked)
        await self._press(body, str(action.get("value", "forged")), ids, labels)
