"""Database fault run: restart PostgreSQL while candidates screen, and check that the bot says it
is unhealthy during the outage, waits and retries, and loses or doubles no answer after it.

Two `screenbot run` processes in webhook mode share a fresh PostgreSQL database. Midway through,
the server itself is restarted with `pg_ctlcluster <version> main restart` (the machine's own
PostgreSQL: this needs root, and every other client of that server sees the restart too, so it
is a script and not part of `make test`; the test suite cuts connections through a proxy
instead). /healthz is polled throughout; afterwards the answers are audited as in the crash run.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

from benchmarks.service_bench import BackendUnavailable, bundled_catalog, fresh_database
from benchmarks.telegram_party import (
    BotProcess,
    all_screen,
    applicants,
    audit,
    screenbot_process,
    switchboard,
)

POLL_EVERY = 0.1
THINK = 0.5  # seconds between answers, on average: the run goes on well past the restart


def restart_postgres() -> float:
    """Restart the local cluster; the seconds it took."""
    version = sorted(p.name for p in Path("/etc/postgresql").iterdir())[-1]
    started = time.perf_counter()
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


async def watch_health(bots: list[BotProcess], done: asyncio.Event) -> list[tuple[float, str]]:
    """Each change of what the bots' /healthz says, with when (seconds from the start)."""
    changes: list[tuple[float, str]] = []
    started = time.perf_counter()
    async with httpx.AsyncClient(timeout=2) as client:
        while not done.is_set():
            states = []
            for bot in bots:
                try:
                    reply = await client.get(f"http://127.0.0.1:{bot.http_port}/healthz")
                    states.append(reply.json()["status"])
                except httpx.HTTPError:
                    states.append("no answer")
            state = "/".join(states)
            if not changes or changes[-1][1] != state:
                changes.append((time.perf_counter() - started, state))
            await asyncio.sleep(POLL_EVERY)
    return changes


async def database_retries(bots: list[BotProcess]) -> int:
    """The commits the bots retried for want of the database, read from their /metrics."""
    total = 0
    async with httpx.AsyncClient(timeout=5) as client:
        for bot in bots:
            page = (await client.get(f"http://127.0.0.1:{bot.http_port}/metrics")).text
            found = re.search(r"^screenbot_database_retries_total ([0-9.e+]+)$", page, re.M)
            total += int(float(found[1])) if found else 0
    return total


async def fault_run(candidates: int, processes: int, after: float) -> int:
    """Screen on PostgreSQL with `processes` bots and restart the server `after` seconds in; print
    what /healthz said and the audit, and return the exit status: 0 only if the bots said they were
    unhealthy, retried, recovered, and lost or doubled no answer."""
    catalog = bundled_catalog()
    async with fresh_database("postgresql") as (database, where), switchboard() as board:
        print(f"  database      {where}")
        bots = [screenbot_process(board, database.url, webhook=True) for _ in range(processes)]
        try:
            for bot in bots:
                await bot.start()
            people = applicants(board, catalog, 1000, candidates, think=THINK)
            done = asyncio.Event()
            watcher = asyncio.create_task(watch_health(bots, done))
            screening = asyncio.create_task(all_screen(people))
            await asyncio.sleep(after)
            answered_before = sum(len(p.answered) for p in people)
            took = await asyncio.to_thread(restart_postgres)
            wall = await screening
            done.set()
            changes = await watcher
            retries = await database_retries(bots)
        finally:
            for bot in bots:
                await bot.stop()
        await database.dispose()  # this script's own pooled connections died in the restart
        result = await audit(database, people)
    print(f"  bot           {processes} screenbot processes, webhook, {candidates} candidates")
    print(
        f"  restart       after {after:.0f} s ({answered_before} answers in), PostgreSQL took"
        f" {took:.1f} s to restart; the run took {wall:.0f} s"
    )
    print("  /healthz      " + ", ".join(f"{state} at {at:.1f} s" for at, state in changes))
    print(f"  retries       {retries} commits waited for the database and were retried")
    print(f"  copies        {sum(p.copies for p in people)} messages arrived a second time")
    print(f"  screenings    {result.completed}/{result.screenings} completed")
    print(
        f"  answers       {result.answers_stored}/{result.answers_expected} stored,"
        f" {result.lost} lost, {result.doubled} doubled"
    )
    unhealthy = any("unhealthy" in state for _, state in changes)
    healthy_again = bool(changes) and set(changes[-1][1].split("/")) == {"ok"}
    clean = result.clean and unhealthy and healthy_again and retries > 0
    print(f"  verdict       {'clean' if clean else 'NOT CLEAN'}")
    return 0 if clean else 1


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--candidates", type=int, default=60)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--after", type=float, default=5.0, help="seconds before the restart")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """The fault run as the command line asks; 0 when clean, or skipped for want of PostgreSQL."""
    args = _parse_args(argv)
    print("screenbot database fault run: PostgreSQL restarted mid-run")
    try:
        return asyncio.run(fault_run(args.candidates, args.processes, args.after))
    except BackendUnavailable as exc:
        print(f"  skipped: {exc}")
        return 0


if __name__ == "__main__":
    sys.exit(main())
