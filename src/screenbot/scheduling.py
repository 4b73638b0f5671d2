"""The one module that speaks APScheduler: cron parsing and the job scheduler behind it.

Content keeps a flow's schedule as text; `check_schedule` validates it with the same parser that
later runs it, so a flow that lints clean is a flow whose schedule runs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from screenbot.content.lint import Finding
from screenbot.errors import ScreenbotError


class ScheduleError(ScreenbotError):
    """A cron expression or time zone that cannot be scheduled."""


def timezone(name: str) -> ZoneInfo:
    """The IANA zone `name`; a ScheduleError that says what a zone name looks like when there is
    none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ScheduleError(
            f"unknown time zone {name!r} (try an IANA name like Asia/Karachi)"
        ) from exc


def cron_trigger(expression: str, tz: str, jitter: int | None = None) -> CronTrigger:
    """A trigger for a five-field crontab expression in the given IANA time zone; `jitter`
    delays each fire by up to that many seconds, at random."""
    zone = timezone(tz)
    fields = expression.split()
    if len(fields) == 5 and any(ch.isdigit() for ch in fields[4]):
        raise ScheduleError(
            f"bad cron schedule {expression!r}: write days of the week as names (MON-FRI); "
            "numbers mean different days to different cron tools"
        )
    try:
        trigger = CronTrigger.from_crontab(expression, timezone=zone)
    except ValueError as exc:
        hint = " (a range cannot wrap past SUN: write SUN,MON-THU)" if "range" in str(exc) else ""
        raise ScheduleError(f"bad cron schedule {expression!r}: {exc}{hint}") from exc
    trigger.jitter = jitter
    return trigger


def check_schedule(flow: Mapping[str, Any]) -> list[Finding]:
    """A flow check (see `content.load`): the shortlist's schedule and time zone can run."""
    shortlist = flow.get("shortlist")
    if not isinstance(shortlist, dict) or not isinstance(shortlist.get("schedule"), str):
        return []
    try:
        cron_trigger(shortlist["schedule"], str(shortlist.get("timezone", "UTC")))
    except ScheduleError as exc:
        key = "timezone" if "time zone" in str(exc) else "schedule"
        return [Finding(("shortlist", key), str(exc))]
    return []


def latest_fire(
    trigger: CronTrigger, now: datetime, horizon: timedelta = timedelta(days=35)
) -> datetime | None:
    """The most recent time the schedule fired at or before `now` (None if not within horizon)."""
    fire = trigger.get_next_fire_time(None, now - horizon)
    latest = None
    while fire is not None and fire <= now:
        latest = fire
        fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
    return latest


def fires_between(trigger: CronTrigger, start: datetime, end: datetime) -> list[datetime]:
    """Every fire time in (start, end]."""
    fires = []
    fire = trigger.get_next_fire_time(None, start + timedelta(microseconds=1))
    while fire is not None and fire <= end:
        fires.append(fire)
        fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
    return fires


class JobScheduler:
    """APScheduler 3 behind the few calls screenbot needs: cron jobs and interval jobs."""

    def __init__(self) -> None:
        self._scheduler = AsyncIOScheduler(timezone=UTC)

    def cron(self, job_id: str, trigger: CronTrigger, job: Callable[[], Awaitable[None]]) -> None:
        """Run `job` when `trigger` fires, never beside itself; fires missed meanwhile collapse into
        one run, made if it is at most an hour late. A job of the same id is replaced."""
        self._scheduler.add_job(
            job,
            trigger,
            id=job_id,
            coalesce=True,
            misfire_grace_time=3600,
            max_instances=1,
            replace_existing=True,
        )

    def every(self, job_id: str, seconds: float, job: Callable[[], Awaitable[None]]) -> None:
        """Run `job` every `seconds`, never beside itself; missed runs collapse into one."""
        self._scheduler.add_job(
            job,
            IntervalTrigger(seconds=seconds),
            id=job_id,
            coalesce=True,
            max_instances=1,
            replace_existing=True,
        )

    def next_run(self, job_id: str) -> datetime | None:
        """When the job runs next; None if there is no such job."""
        job = self._scheduler.get_job(job_id)
        return job.next_run_time if job is not None else None

    def start(self) -> None:
        """Start running jobs on the current event loop."""
        self._scheduler.start()

    def shutdown(self) -> None:
        """Stop running jobs, without waiting for those running; safe when never started."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
