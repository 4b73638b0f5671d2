"""Configuration from the environment (and a `.env` file), as the README's table lists it."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything an operator can set; secrets stay `SecretStr` so they never print."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = Field(
        "sqlite+aiosqlite:///./screenbot.db", validation_alias="SCREENBOT_DATABASE_URL"
    )
    banks_dir: Path = Field(Path("question_banks"), validation_alias="SCREENBOT_BANKS_DIR")
    flows_dir: Path = Field(Path("conversations"), validation_alias="SCREENBOT_FLOWS_DIR")
    http_host: str = Field("127.0.0.1", validation_alias="SCREENBOT_HTTP_HOST")
    http_port: int = Field(8080, validation_alias="SCREENBOT_HTTP_PORT")
    retention_days: int | None = Field(None, gt=0, validation_alias="SCREENBOT_RETENTION_DAYS")
    outbox_lease_seconds: float = Field(
        30.0, gt=0, validation_alias="SCREENBOT_OUTBOX_LEASE_SECONDS"
    )
    min_answers_to_calibrate: int = Field(
        30, ge=1, validation_alias="SCREENBOT_MIN_ANSWERS_TO_CALIBRATE"
    )
    # Where free-text answers are graded: "here", beside the bot, or "elsewhere", by
    # `screenbot grade` processes, so the model's CPU never competes with candidates' turns.
    grading: str = Field("here", pattern="^(here|elsewhere)$", validation_alias="SCREENBOT_GRADING")
    log_format: str = Field(
        "text", pattern="^(text|json)$", validation_alias="SCREENBOT_LOG_FORMAT"
    )

    telegram_bot_token: SecretStr | None = Field(None, validation_alias="TELEGRAM_BOT_TOKEN")
    telegram_api_url: str = Field(
        "https://api.telegram.org/bot", validation_alias="TELEGRAM_API_URL"
    )
    telegram_webhook_url: str | None = Field(None, validation_alias="TELEGRAM_WEBHOOK_URL")
    telegram_webhook_secret: SecretStr | None = Field(
        None, validation_alias="TELEGRAM_WEBHOOK_SECRET"
    )

    telegram_rate_limit: bool = Field(True, validation_alias="TELEGRAM_RATE_LIMIT")

    slack_bot_token: SecretStr | None = Field(None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(None, validation_alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(None, validation_alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field("https://slack.com/api/", validation_alias="SLACK_API_URL")

    @property
    def telegram_enabled(self) -> bool:
        """Whether to run the Telegram channel: a bot token is all it needs."""
        return self.telegram_bot_token is not None

    @property
    def slack_enabled(self) -> bool:
        """Whether to run the Slack channel: a bot token, and either a signing secret (Slack calls
        us over HTTP) or an app token (Socket Mode)."""
        return self.slack_bot_token is not None and (
            self.slack_signing_secret is not None or self.slack_app_token is not None
        )
