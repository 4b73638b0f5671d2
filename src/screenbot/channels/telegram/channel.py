"""The Telegram channel: a python-telegram-bot Application with one handler that translates.

No ConversationHandler and no PTB persistence: screening state lives in our store, so several
processes can serve one bot in webhook mode.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from telegram import BotCommand, Update
from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, Application, ContextTypes, TypeHandler

from screenbot.channels.telegram.courier import TelegramCourier
from screenbot.channels.telegram.translate import NotPrivate, Press, Toggle, read
from screenbot.engine.replies import PRIVATE_ONLY
from screenbot.service import Inbound, ScreeningService
from screenbot.settings import Settings

log = logging.getLogger(__name__)
COMMANDS = (
    BotCommand("start", "Begin or resume a screening"),
    BotCommand("status", "Where you are and how much is left"),
    BotCommand("help", "How this works"),
    BotCommand("back", "Change your previous profile answer"),
    BotCommand("delete_my_data", "Erase your profile and answers"),
)


class TelegramChannel:
    def __init__(self, settings: Settings, service: ScreeningService) -> None:
        assert settings.telegram_bot_token is not None
        builder = (
            Application.builder()
            .token(settings.telegram_bot_token.get_secret_value())
            .base_url(settings.telegram_api_url)
            .concurrent_updates(256)
        )
        self.application: Application[Any, Any, Any, Any, Any, Any] = (
            builder.rate_limiter(AIORateLimiter()).build()
            if settings.telegram_rate_limit
            else builder.build()
        )
        self.application.add_handler(TypeHandler(Update, self._on_update))
        self.service = service
        self.courier = TelegramCourier(self.application.bot, service)
        self.webhook_url = settings.telegram_webhook_url
        self.webhook_secret = settings.telegram_webhook_secret
        self._pump: asyncio.Task[None] | None = None

    async def start(self) -> None:
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
            assert app.updater is not None
            await app.updater.start_polling(allowed_updates=Update.ALL_TYPES)
        self._pump = asyncio.create_task(self._pump_forever())

    async def stop(self) -> None:
        if self._pump is not None:
            self._pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pump
        app = self.application
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        await app.stop()
        await app.shutdown()

    def state(self) -> str:
        """How the channel is connected, for /healthz."""
        if not self.application.running:
            return "down"
        if self.webhook_url:
            return "webhook"
        updater = self.application.updater
        return "polling" if updater is not None and updater.running else "down"

    async def feed(self, payload: dict[str, Any]) -> None:
        """Handle one update from the webhook before it is acknowledged.

        Any failure reaches the caller, so Telegram is told to deliver the update again; a copy
        that was in fact handled is recognised by its update id.
        """
        await self.take(Update.de_json(payload, self.application.bot))

    async def _pump_forever(self) -> None:
        while True:
            await asyncio.sleep(self.courier.pump_every)
            try:
                await self.courier.pump()
            except Exception:  # the next round tries again; the outbox keeps the messages
                log.exception("sending the Telegram outbox failed")

    async def _on_update(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.take(update)

    async def take(self, update: Update) -> None:
        translated = read(update)
        query = update.callback_query
        if isinstance(translated, Toggle):
            assert query is not None
            await query.answer()
            await query.edit_message_reply_markup(translated.markup)
        elif isinstance(translated, NotPrivate):
            await self.application.bot.send_message(translated.chat_id, PRIVATE_ONLY)
        elif isinstance(translated, Press):
            assert query is not None
            await query.answer()
            turn = await self.service.handle(translated.inbound)
            if turn.advanced and query.message is not None and translated.labels:
                await self._close_question(update, ", ".join(translated.labels))
            await self.courier.deliver(turn.deliveries)
        elif isinstance(translated, Inbound):
            turn = await self.service.handle(translated)
            await self.courier.deliver(turn.deliveries)

    async def _close_question(self, update: Update, answer: str) -> None:
        """Show the answer under the question and take its keyboard away."""
        query = update.callback_query
        assert query is not None
        text = getattr(query.message, "text", None) or ""
        try:
            await query.edit_message_text(f"{text}\n\nYour answer: {answer}", reply_markup=None)
        except TelegramError as exc:  # an edit is cosmetic; the answer is already stored
            log.info("could not close an answered question: %s", exc)
