"""The one wall clock. Whatever needs the time takes a `Clock`, so a test can set it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    """Now, in UTC, aware: what every stored timestamp is."""
    return datetime.now(UTC)
