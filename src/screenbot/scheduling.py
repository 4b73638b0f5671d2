"""The one module that speaks APScheduler: cron parsing and the job scheduler behind it.

Content validation uses the same parser that later runs the schedule, so a flow that lints clean
is a flow whose schedule runs.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger

from screenbot.errors import ScreenbotError


class ScheduleError(ScreenbotError):
    """A cron expression or time zone that cannot be scheduled."""


def timezone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ScheduleError(
            f"unknown time zone {name!r} (try an IANA name like Asia/Karachi)"
        ) from exc


def cron_trigger(expression: str, tz: str) -> CronTrigger:
    """A trigger for a five-field crontab expression in the given IANA time zone."""
    zone = timezone(tz)
    try:
        return CronTrigger.from_crontab(expression, timezone=zone)
    except ValueError as exc:
        raise ScheduleError(f"bad cron schedule {expression!r}: {exc}") from exc
