"""Recruiters on Slack: the digest's buttons and `/shortlist FLOW`, handed to `RecruitingService`.

Every request is answered at once; the work (checking who pressed, deciding, the modal) runs
after, and a recruiter whose request then fails is told so, privately.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from screenbot.channels.background import Background
from screenbot.channels.slack.courier import CHANNEL, SlackCourier
from screenbot.channels.slack.modals import (
    SET_CREDIT,
    answers_modal,
    credit_note,
    read_credit_value,
)
from screenbot.channels.slack.mrkdwn import mrkdwn
from screenbot.channels.slack.shortlist import decision_text, notification, pages
from screenbot.content.flows import Flow
from screenbot.recruiting.service import RecruitingService

log = logging.getLogger(__name__)
Body = dict[str, Any]
NOT_A_RECRUITER = "Only the recruiters of this opening can do that."
TRY_AGAIN = "Sorry, that did not go through. Please try again in a minute."


class SlackRoster:
    """Channel membership as Slack's `conversations.members` pages tell it."""

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def includes(self, channel: str, user: str) -> bool:
        """Whether `user` is a member of `channel`, reading its member list page by page."""
        cursor = None
        while True:
            page = await self.client.conversations_members(channel=channel, cursor=cursor)
            if user in page.get("members", []):
                return True
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return False


class Recruiters:
    """The recruiters' side of the Slack app: digest buttons and `/shortlist`, acknowledged at once
    and carried out after the ack through `RecruitingService`, which checks who may act."""

    def __init__(
        self,
        client: AsyncWebClient,
        recruiting: RecruitingService,
        courier: SlackCourier,
        background: Background,
    ) -> None:
        self.client = client
        self.recruiting = recruiting
        self.roster = SlackRoster(client)
        self.courier = courier
        self.background = background

    def register(self, app: AsyncApp) -> None:
        """Attach the recruiters' listeners to `app`."""
        app.command("/shortlist")(self._on_shortlist)
        app.action(re.compile(r"^decide_(advance|reject|hold)$"))(self._on_decide)
        app.action("view_answers")(self._on_view_answers)
        app.action(SET_CREDIT)(self._on_set_credit)

    async def _flow_if_allowed(self, body: Body, screening_id: int) -> Flow | None:
        """The screening's opening, if the person who pressed recruits for it; else they are
        told they may not."""
        flow = await self.recruiting.flow_of(screening_id)
        user = body["user"]["id"]
        if flow is not None and await self.recruiting.may_act(user, flow, self.roster):
            return flow
        await self.client.chat_postEphemeral(
            channel=body["channel"]["id"], user=user, text=NOT_A_RECRUITER
        )
        return None

    def _later(self, body: Body, work: Callable[[], Awaitable[None]]) -> None:
        """Run a recruiter's request after the ack; if it fails, tell them, privately."""

        async def run() -> None:
            try:
                await work()
            except Exception:
                log.exception("a recruiter's request failed")
                await self.client.chat_postEphemeral(
                    channel=body["channel"]["id"], user=body["user"]["id"], text=TRY_AGAIN
                )

        self.background.later(run())

    async def _on_decide(self, ack: AsyncAck, body: Body, action: Body) -> None:
        await ack()
        self._later(body, lambda: self._decide(body, action))

    async def _decide(self, body: Body, action: Body) -> None:
        screening_id = int(action["value"])
        if await self._flow_if_allowed(body, screening_id) is None:
            return
        user = body["user"]["id"]
        decision = action["action_id"].removeprefix("decide_")
        decided = await self.recruiting.decide(screening_id, decision, user, sends_now=CHANNEL)
        if decided is None:
            return
        # The digest as Slack holds it (its own, escaped copy), with this decision's line new.
        blocks = body["message"]["blocks"]
        for block in blocks:
            if block.get("block_id") == f"decision-{screening_id}":
                line = decision_text(decision, user, decided.at.strftime("%d %b %H:%M UTC"))
                block["elements"] = [mrkdwn(line)]
        await self.client.chat_update(
            channel=body["channel"]["id"],
            ts=body["message"]["ts"],
            blocks=blocks,
            text=body["message"].get("text", ""),
        )
        if decided.notification is not None and decided.channel == CHANNEL:
            await self.courier.deliver([decided.notification])

    async def _on_view_answers(self, ack: AsyncAck, body: Body, action: Body) -> None:
        await ack()
        self._later(body, lambda: self._view_answers(body, int(action["value"])))

    async def _view_answers(self, body: Body, screening_id: int) -> None:
        if await self._flow_if_allowed(body, screening_id) is None:
            return
        lines = await self.recruiting.transcript(screening_id)
        total = await self.recruiting.total(screening_id)
        view = answers_modal(lines, screening_id, body["channel"]["id"], total)
        await self.client.views_open(trigger_id=body["trigger_id"], view=view)

    async def _on_set_credit(self, ack: AsyncAck, body: Body, action: Body) -> None:
        """A credit picked in View answers: the modal says which digest channel it came from,
        where a refusal or a failure is told, privately."""
        await ack()
        metadata = json.loads(body.get("view", {}).get("private_metadata") or "{}")
        asked = {"user": body["user"], "channel": {"id": metadata.get("channel") or ""}}
        picked = (action.get("selected_option") or {}).get("value", "")
        self._later(asked, lambda: self._set_credit(asked, body, picked))

    async def _set_credit(self, asked: Body, body: Body, picked: str) -> None:
        chosen = read_credit_value(picked)
        if chosen is None:
            return
        screening_id, position, credit = chosen
        if await self._flow_if_allowed(asked, screening_id) is None:
            return
        user = body["user"]["id"]
        before = await self.recruiting.total(screening_id)
        done = await self.recruiting.set_credit(screening_id, position, credit, user)
        if done is None:
            return
        lines = await self.recruiting.transcript(screening_id)
        after = await self.recruiting.total(screening_id)
        channel = asked["channel"]["id"] or None
        await self.client.views_update(
            view_id=body["view"]["id"], view=answers_modal(lines, screening_id, channel, after)
        )
        if channel is not None:  # the total and the rank follow at once: say so, privately
            await self.client.chat_postEphemeral(
                channel=channel, user=user, text=credit_note(done, before, after)
            )

    async def _on_shortlist(self, ack: AsyncAck, command: Body) -> None:
        await ack()
        asked = {"user": {"id": command["user_id"]}, "channel": {"id": command["channel_id"]}}
        self._later(asked, lambda: self._shortlist(command))

    async def _shortlist(self, command: Body) -> None:
        user, channel = command["user_id"], command["channel_id"]
        flow = self.recruiting.catalog.flows.get((command.get("text") or "").strip())
        if flow is None or not await self.recruiting.may_act(user, flow, self.roster):
            await self.client.chat_postEphemeral(
                channel=channel,
                user=user,
                text=f"{NOT_A_RECRUITER} Usage: /shortlist FLOW-ID",
            )
            return
        digest = await self.recruiting.shortlist(flow)
        await self.client.chat_postEphemeral(
            channel=channel,
            user=user,
            text=notification(digest.shortlist),
            blocks=pages(digest.shortlist, digest.bank_titles)[0],
        )
