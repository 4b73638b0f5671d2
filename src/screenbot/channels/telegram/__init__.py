"""Telegram: candidates screen in a private chat with the bot (python-telegram-bot)."""

from screenbot.channels.telegram.channel import TelegramChannel

__all__ = ["TelegramChannel"]
