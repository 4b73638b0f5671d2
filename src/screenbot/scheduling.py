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
    fields = expression.split()
    if len(fields) == 5 and any(ch.isdigit() for ch in fields[4]):
        raise ScheduleError(
            f"bad cron schedule {expression!r}: write days of the week as names (MON-FRI); "
            "numbers mean different days to different cron tools"
        )
    try:
        return CronTrigger.from_crontab(expression, timezone=zone)
    except ValueError as exc:
        hint = " (a range cannot wrap past SUN: write SUN,MON-THU)" if "range" in str(exc) else ""
        raise ScheduleError(f"bad cron schedule {expression!r}: {exc}{hint}") from exc
