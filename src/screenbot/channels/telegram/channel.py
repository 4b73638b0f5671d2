"""The Telegram channel: python-telegram-bot's Application for the bot, the Pacer that keeps
it within Telegram's limits, and one method, `take`, that translates an update and hands it to
the service.

No ConversationHandler and no PTB persistence: screening state lives in our store, so several
processes can serve one bot in webhook mode. Updates arrive through `feed` (the webhook) or
`ConfirmingPoller`; either way one is confirmed to Telegram once it is stored, and its replies
go out after that, in the background: the outbox holds them until they are sent, so the next
updates need not wait for the last ones' messages. A turn is one Bot API call: its replies
leave as one message, and a tapped question is edited into the answer and what comes next.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Sequence
from typing import Any

from starlette.routing import BaseRoute
from telegram import BotCommand, CallbackQuery, Update
from telegram.error import TelegramError
from telegram.ext import Application

from screenbot.channels.background import Background
from screenbot.channels.channel import DOWN
from screenbot.channels.courier import Tapped
from screenbot.channels.telegram.courier import TelegramCourier
from screenbot.channels.telegram.pacing import BULK, Pacer
from screenbot.channels.telegram.polling import ConfirmingPoller
from screenbot.channels.telegram.translate import CHANNEL, NotPrivate, Press, Toggle, read
from screenbot.channels.telegram.webhook import webhook_route
from screenbot.clock import Clock, utcnow
from screenbot.engine.messages import Say
from screenbot.engine.replies import PRIVATE_ONLY
from screenbot.service import Inbound, ScreeningService, Turn
from screenbot.settings import Settings

log = logging.getLogger(__name__)
COMMANDS = (
    BotCommand("start", "Begin or resume a screening"),
    BotCommand("status", "Where you are and how much is left"),
    BotCommand("help", "How this works"),
    BotCommand("back", "Change your previous profile answer"),
    BotCommand("delete_my_data", "Erase your profile and answers"),
)
SENDING_GRACE = 10.0  # seconds replies in flight get to go out when the channel stops
# httpcore's pool does work quadratic in its open connections on every request, so a burst that
# opened python-telegram-bot's default 256 made each later send cost milliseconds of CPU. 32
# carry far more than Telegram's 30 messages a second; a send waits up to POOL_WAIT for one.
CONNECTIONS = 32
POOL_WAIT = 10.0
TAP_ANSWER = 200  # characters Telegram shows in the notice that answers a tap


class TelegramChannel:
    """Telegram for candidates, over a webhook when `telegram_webhook_url` is set, else by long
    polling; `take` handles one update either way."""

    name = CHANNEL

    def __init__(
        self, settings: Settings, service: ScreeningService, clock: Clock = utcnow
    ) -> None:
        assert settings.telegram_bot_token is not None
        builder = (
            Application.builder()
            .token(settings.telegram_bot_token.get_secret_value())
            .base_url(settings.telegram_api_url)
            .updater(None)  # polling is ConfirmingPoller's; webhooks arrive through `feed`
            .connection_pool_size(CONNECTIONS)
            .pool_timeout(POOL_WAIT)
        )
        self.application: Application[Any, Any, Any, Any, Any, Any] = builder.build()
        self.service = service
        self._clock = clock
        service.replies_go_later(CHANNEL)
        self.pacer = Pacer() if settings.telegram_rate_limit else None
        self.courier = TelegramCourier(self.application.bot, service, pacer=self.pacer)
        self.webhook_url = settings.telegram_webhook_url
        self.webhook_secret = settings.telegram_webhook_secret
        self._pump: asyncio.Task[None] | None = None
        self._poll: asyncio.Task[None] | None = None
        self.background = Background("sending to Telegram")

    async def start(self) -> None:
        """Start the bot, send what a previous run left in the outbox, then take updates: register
        the webhook, or start polling."""
        app = self.application
        await app.initialize()
        await app.bot.set_my_commands(COMMANDS)
        await app.start()
        # Long polling runs alone, so what a crash left is its own; webhook processes share.
        await self.courier.pump(steal=not self.webhook_url)
        if self.webhook_url:
            secret = self.webhook_secret.get_secret_value() if self.webhook_secret else None
            await app.bot.set_webhook(
                self.webhook_url, secret_token=secret, allowed_updates=Update.ALL_TYPES
            )
        else:
            self._poll = asyncio.create_task(ConfirmingPoller(app.bot, self.take).run())
        self._pump = asyncio.create_task(self.courier.pump_forever())

    async def stop(self) -> None:
        """Stop taking updates and pumping, give replies in flight `SENDING_GRACE` seconds, then
        stop the bot."""
        for task in (self._poll, self._pump):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        # What is not out by then stays in the outbox for the next start.
        await self.background.drain(SENDING_GRACE)
        app = self.application
        await app.stop()
        await app.shutdown()

    def health(self) -> str:
        """How the channel is connected, for /healthz."""
        if not self.application.running:
            return DOWN
        if self.webhook_url:
            return "webhook"
        return "polling" if self._poll is not None and not self._poll.done() else DOWN

    def routes(self) -> Sequence[BaseRoute]:
        """The webhook Telegram posts updates to; none when polling."""
        if not self.webhook_url:
            return ()
        assert self.webhook_secret is not None  # the runner refuses a webhook without one
        return (webhook_route(self.webhook_secret, self.feed),)

    async def feed(self, payload: dict[str, Any]) -> None:
        """Handle one update from the webhook before it is acknowledged.

        Any failure reaches the caller, so Telegram is told to deliver the update again; a copy
        that was in fact handled is recognised by its update id.
        """
        await self.take(Update.de_json(payload, self.application.bot))

    async def take(self, update: Update) -> None:
        """Store what one update means; raises when it could not be stored, so it comes again.

        Returns once the turn is stored: what it sends (answering a tap, the replies) goes out
        in the background, in order, and the outbox sends it later if this process cannot.
        """
        translated = read(update, self._clock)
        query = update.callback_query
        if isinstance(translated, Toggle):
            assert query is not None
            self.background.later(self._tick(query, translated))
        elif isinstance(translated, NotPrivate):
            self.background.later(self._not_private(translated.chat_id))
        elif isinstance(translated, Press):
            assert query is not None
            turn = await self.service.handle(translated.inbound)
            self.background.later(self._answer_press(query, turn, translated.labels))
        elif isinstance(translated, Inbound):
            turn = await self.service.handle(translated)
            self.background.later(self.courier.deliver(turn.deliveries))

    async def _tick(self, query: CallbackQuery, toggle: Toggle) -> None:
        await _cosmetic(query.answer(), "answer a tap")
        if self.pacer is not None and query.message is not None:
            await self.pacer.wait(query.message.chat.id)
        await _cosmetic(query.edit_message_reply_markup(toggle.markup), "tick an option")

    async def _not_private(self, chat_id: int) -> None:
        if self.pacer is not None:
            await self.pacer.wait(chat_id, BULK)
        await _cosmetic(
            self.application.bot.send_message(chat_id, PRIVATE_ONLY),
            "explain that screenings are private",
        )

    async def _answer_press(
        self, query: CallbackQuery, turn: Turn, labels: tuple[str, ...]
    ) -> None:
        """Answer the tap, then reply in one call: a tap that answered the question turns that
        message into the answer, ticked, and what comes next; a tap that changed nothing (an
        old question's button) is told so on the tap itself, costing no message."""
        [only] = turn.deliveries if len(turn.deliveries) == 1 else [None]
        said = only.message if only is not None and not turn.advanced else None
        if only is not None and isinstance(said, Say) and len(said.text) <= TAP_ANSWER:
            await _cosmetic(query.answer(said.text), "answer a tap")
            self.service.note_sent([only])
            return
        await _cosmetic(query.answer(), "answer a tap")
        tapped = None
        if turn.advanced and labels and query.message is not None:
            tapped = Tapped(str(query.message.message_id), ", ".join(labels))
        await self.courier.deliver(turn.deliveries, tapped)


async def _cosmetic(call: Awaitable[object], what: str) -> None:
    """Make a call whose failure must not lose the turn: a tap delivered again after a crash is
    too old to answer, and an edit may find nothing to change."""
    try:
        await call
    except TelegramError as exc:
        log.info("could not %s: %s", what, exc)
