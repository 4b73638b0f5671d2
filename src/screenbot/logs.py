"""Log set-up: plain text or one JSON object per line, with the screening id when there is one.

Nothing logs a token, an email or an answer text: records carry ids and outcomes only, and the
HTTP client's own request lines (which contain the bot token in Telegram URLs) are kept quiet.
"""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime

current_screening: ContextVar[int | None] = ContextVar("current_screening", default=None)
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class ScreeningFilter(logging.Filter):
    """Stamps each record with the screening being worked on, unless it names one itself."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Stamp `record`; never drops one."""
        if getattr(record, "screening_id", None) is None:
            record.screening_id = current_screening.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record, for log collectors: time, level, logger, message, any extra
    fields (the screening id among them) and the traceback if there is one."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON; values JSON cannot hold are written as text."""
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry |= {k: v for k, v in record.__dict__.items() if k not in _STANDARD}
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure(form: str = "text", level: int = logging.INFO) -> None:
    """Send the root logger's records to stderr as `form` ("text" or "json") from `level` up, and
    keep the HTTP clients' per-request lines, which may carry a bot token, quiet."""
    handler = logging.StreamHandler()
    handler.addFilter(ScreeningFilter())
    handler.setFormatter(
        JsonFormatter()
        if form == "json"
        else logging.Formatter(
            "%(asctime)s %(levelname)s %(name)s [screening %(screening_id)s]: %(message)s"
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "aiohttp.access", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
