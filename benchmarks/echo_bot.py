"""The baseline for the end-to-end run: python-telegram-bot's echo bot, as its examples write it.

It gets the same concurrent update handling as screenbot (256 at once) and no rate limiter, so
the comparison measures what screenbot adds per turn: deciding, storing, and its outbox.
"""

from __future__ import annotations

import os

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters


async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    """Reply with the text received: the least a bot can do for a turn."""
    message = update.message
    if message is not None and message.text is not None:
        await message.reply_text(message.text)


def main() -> None:
    """Long-poll the Bot API at TELEGRAM_API_URL as the bot TELEGRAM_BOT_TOKEN until stopped."""
    application = (
        Application.builder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(os.environ["TELEGRAM_API_URL"])
        .concurrent_updates(256)
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT, echo))
    application.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
