"""The Slack channel: a slack-bolt AsyncApp whose listeners translate and nothing more.

Candidates screen in a DM (or `/screen FLOW`); recruiters act on digests with buttons and ask
for `/shortlist FLOW`. Slack wants every request answered within 3 s, whatever its Web API is
doing meanwhile, so a listener does only what must happen before the answer (storing a
candidate's turn, so a lost answer means Slack re-sends the event) and leaves every Web API
call (replies, updates, authorising a recruiter, modals) to `Background`, after the ack.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from screenbot.channels.background import Background
from screenbot.channels.slack.blocks import answered, parse_value
from screenbot.channels.slack.courier import CHANNEL, SlackCourier
from screenbot.channels.slack.mrkdwn import Block, decode, escape, mrkdwn, plain
from screenbot.channels.slack.shortlist import decision_text, notification, pages
from screenbot.content.catalog import Catalog
from screenbot.content.models import Flow
from screenbot.engine.events import ChoicePicked, InboundEvent, Started, Unsupported, parse_text
from screenbot.recruiting.decisions import TranscriptLine, decide, flow_of, transcript
from screenbot.recruiting.digests import Digests
from screenbot.service import Identity, Inbound, ScreeningService, Turn
from screenbot.settings import Settings

log = logging.getLogger(__name__)
Body = dict[str, Any]
NOT_A_RECRUITER = "Only the recruiters of this opening can do that."
TRY_AGAIN = "Sorry, that did not go through. Please try again in a minute."
SENDING_GRACE = 10.0  # seconds work after the ack gets to finish when the channel stops
MODAL_ANSWERS = 49  # two blocks each, within a modal's 100


def _now() -> datetime:
    return datetime.now(UTC)


def _at(ts: str | None) -> datetime:
    return datetime.fromtimestamp(float(ts), UTC) if ts else _now()


class SlackChannel:
    def __init__(
        self,
        settings: Settings,
        client: AsyncWebClient,
        service: ScreeningService,
        catalog: Catalog,
        digests: Digests,
    ) -> None:
        self.client = client
        self.app_token = settings.slack_app_token
        secret = settings.slack_signing_secret
        # Over HTTP, Slack's request is answered only once the turn is stored: a process that
        # dies or a database that is away means no 2xx, Slack retries, and the event id dedupes.
        self.app = AsyncApp(
            client=self.client,
            signing_secret=secret.get_secret_value() if secret else None,
            request_verification_enabled=secret is not None,
            process_before_response=self.app_token is None,
        )
        self.service = service
        service.replies_go_later(CHANNEL)
        self.catalog = catalog
        self.digests = digests
        self.courier = SlackCourier(self.client, service)
        self.background = Background("Slack work after answering a request")
        self._socket: AsyncSocketModeHandler | None = None
        self.app.event("message")(self._on_message)
        self.app.command("/screen")(self._on_screen)
        self.app.command("/shortlist")(self._on_shortlist)
        self.app.action("pick")(self._ack_only)
        self.app.action(re.compile(r"^answer_\d+$"))(self._on_answer)
        self.app.action("submit")(self._on_submit)
        self.app.action(re.compile(r"^decide_(advance|reject|hold)$"))(self._on_decide)
        self.app.action("view_answers")(self._on_view_answers)

    # --- candidates ---------------------------------------------------------------------

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
        inbound = Inbound(f"{CHANNEL}:{body['event_id']}", who, message, _at(event["ts"]))
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
        turn = await self.service.handle(Inbound(key, who, Started(flow_id), _now()))
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
            _now(),
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

    # --- recruiters ---------------------------------------------------------------------

    async def may_decide(self, user: str, flow: Flow) -> bool:
        """Recruiters are the users a flow lists, and members of its digest channels."""
        if flow.shortlist is None:
            return False
        if user in flow.shortlist.recruiters:
            return True
        for channel in await self.digests.channels_of(flow.id):
            cursor = None
            while True:
                page = await self.client.conversations_members(channel=channel, cursor=cursor)
                if user in page.get("members", []):
                    return True
                cursor = (page.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    break
        return False

    async def _recruiter_flow(self, body: Body, screening_id: int) -> Flow | None:
        flow_id = await flow_of(self.service.database, screening_id)
        flow = self.catalog.flows.get(flow_id or "")
        user = body["user"]["id"]
        if flow is not None and await self.may_decide(user, flow):
            return flow
        await self.client.chat_postEphemeral(
            channel=body["channel"]["id"], user=user, text=NOT_A_RECRUITER
        )
        return None

    def _for_recruiter(self, body: Body, work: Callable[[], Awaitable[None]]) -> None:
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
        self._for_recruiter(body, lambda: self._decide(body, action))

    async def _decide(self, body: Body, action: Body) -> None:
        screening_id = int(action["value"])
        if await self._recruiter_flow(body, screening_id) is None:
            return
        user, now = body["user"]["id"], _now()
        decision = action["action_id"].removeprefix("decide_")
        decided = await decide(
            self.service.database,
            self.catalog,
            screening_id,
            decision,
            user,
            now,
            sent_live_on=CHANNEL,
            lease=self.service.outbox.lease,
        )
        if decided is None:
            return
        # The digest as Slack holds it (its own, escaped copy), with this decision's line new.
        blocks = body["message"]["blocks"]
        for block in blocks:
            if block.get("block_id") == f"decision-{screening_id}":
                line = decision_text(decision, user, now.strftime("%d %b %H:%M UTC"))
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
        self._for_recruiter(body, lambda: self._view_answers(body, int(action["value"])))

    async def _view_answers(self, body: Body, screening_id: int) -> None:
        if await self._recruiter_flow(body, screening_id) is None:
            return
        lines = await transcript(self.service.database, self.catalog, screening_id)
        await self.client.views_open(trigger_id=body["trigger_id"], view=answers_modal(lines))

    async def _on_shortlist(self, ack: AsyncAck, command: Body) -> None:
        await ack()
        asked = {"user": {"id": command["user_id"]}, "channel": {"id": command["channel_id"]}}
        self._for_recruiter(asked, lambda: self._shortlist(command))

    async def _shortlist(self, command: Body) -> None:
        user, channel = command["user_id"], command["channel_id"]
        flow = self.catalog.flows.get((command.get("text") or "").strip())
        if flow is None or not await self.may_decide(user, flow):
            await self.client.chat_postEphemeral(
                channel=channel,
                user=user,
                text=f"{NOT_A_RECRUITER} Usage: /shortlist FLOW-ID",
            )
            return
        digest = await self.digests.build(flow, _now())
        await self.client.chat_postEphemeral(
            channel=channel,
            user=user,
            text=notification(digest.shortlist),
            blocks=pages(digest.shortlist, digest.bank_titles)[0],
        )

    async def pump(self) -> None:
        await self.courier.pump()

    async def start(self) -> None:
        await self.courier.pump()
        if self.app_token is not None:
            self._socket = AsyncSocketModeHandler(self.app, self.app_token.get_secret_value())
            await self._socket.connect_async()  # type: ignore[no-untyped-call]  # bolt: untyped

    async def stop(self) -> None:
        if self._socket is not None:
            await self._socket.close_async()  # type: ignore[no-untyped-call]  # bolt: untyped
        await self.background.drain(SENDING_GRACE)


def answers_modal(lines: list[TranscriptLine]) -> Block:
    """A screening's answers for recruiters: our headings in mrkdwn, each answer `plain_text`,
    so an answer reads exactly as typed and cannot format, mention or link anything."""
    blocks: list[Block] = []
    for line in lines[:MODAL_ANSWERS]:
        score = f"{line.points:g}/{line.max_points:g} in {line.seconds:.0f}s"
        heading = f"*{line.number}. {escape(line.section)}* — {score}\n{escape(line.question)}"
        blocks.append({"type": "section", "text": mrkdwn(heading)})
        blocks.append({"type": "section", "text": plain(line.answer)})
    if len(lines) > MODAL_ANSWERS:
        more = f"…and {len(lines) - MODAL_ANSWERS} more answers."
        blocks.append({"type": "context", "elements": [mrkdwn(more)]})
    if not blocks:
        blocks.append({"type": "section", "text": mrkdwn("No answers.")})
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Answers"},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": blocks,
    }
