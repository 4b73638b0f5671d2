"""Crash run: kill -9 the bot at random moments while candidates screen, restart it each time, then
check that every screening finished with every answer stored once and nothing re-asked.

The bot is `screenbot run` in webhook mode, as in production: the fake Bot API pushes each
update and, like Telegram, pushes it again until the bot answers 2xx. screenbot acknowledges an
update only after its turn is committed, and recognises a copy of one it already handled, so a
kill at any moment loses no answer and stores none twice. `--mode polling` runs the same over
long polling, where the fake keeps each update until a later offset confirms it. Replies written
before a kill but not yet sent go out from the outbox once their lease lapses (set short here, 2
s, so a run takes a minute or two, not many). A reply sent just before a kill, before it was
marked sent, can arrive twice: candidates pass over such copies and the run counts them. A
question asked again after it was answered would stop the run: the candidates check every
question is new. Candidates take about 1.5 s to answer (--think), as people do, so the run
lasts long enough for a dozen kills or more however fast the bot is. Free-text answers are
graded in a child process of the bot: every one must be graded soon after the last kill (at
most the grading lease later: what a killed bot had claimed waits for it), and once the bot has
stopped no process of the run (a grading child of a killed bot, say) may be left running.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from collections.abc import Sequence

from sqlalchemy import text

from benchmarks.service_bench import BackendUnavailable, bundled_catalog, fresh_database
from benchmarks.telegram_party import (
    Applicant,
    BotProcess,
    all_screen,
    applicants,
    audit,
    processes_using,
    screenbot_process,
    switchboard,
    ungraded,
)
from screenbot.store.grading import DEFAULT_GRADING_LEASE

LEASE_SECONDS = 2.0
# After the last kill, the time the grader has to catch up: answers a killed bot had claimed
# wait out their lease (two minutes) before another worker takes them.
GRADING_SETTLE = DEFAULT_GRADING_LEASE.total_seconds() + 30


async def keep_killing(
    bot: BotProcess, done: asyncio.Event, rng: random.Random, every: tuple[float, float]
) -> int:
    """kill -9 after a random stretch of work, restart at once; until `done`. The kill count."""
    kills = 0
    while not done.is_set():
        try:
            await asyncio.wait_for(done.wait(), rng.uniform(*every))
        except TimeoutError:
            await bot.kill()
            kills += 1
            await bot.start()
    return kills


async def crash_run(
    backend: str,
    webhook: bool,
    candidates: int,
    seed: int,
    every: tuple[float, float],
    think: float,
) -> int:
    """Screen `candidates` on a fresh database while the bot is killed every `every` seconds (a
    random gap between the two) and restarted; print the audit, and return the exit status: 0 only
    if the run was clean and at least one kill happened."""
    catalog = bundled_catalog()
    async with fresh_database(backend) as (database, where), switchboard() as board:
        print(f"  database      {where}")
        bot = screenbot_process(board, database.url, webhook=webhook, lease_seconds=LEASE_SECONDS)
        await bot.start()
        people: list[Applicant] = applicants(board, catalog, 1000, candidates, think=think)
        done = asyncio.Event()
        killer = asyncio.create_task(keep_killing(bot, done, random.Random(seed), every))
        started = time.perf_counter()
        try:
            await all_screen(people)
        finally:
            done.set()
            kills = await killer
            last_kill = time.perf_counter()
            waiting = await ungraded(database, settle=GRADING_SETTLE)
            caught_up = time.perf_counter() - last_kill
            await bot.stop()
        wall = time.perf_counter() - started
        result = await audit(database, people)
        free_text = await database.read(
            lambda conn: conn.execute(text("SELECT count(*) FROM answer_grades")).scalar_one()
        )
        left = processes_using(database.url)
    turns = sum(len(p.latencies) for p in people)
    print(
        f"  candidates    {candidates}, all at once, tapping buttons half the time,"
        f" about {think:g} s to answer"
    )
    print(f"  kills         {kills} x kill -9, each followed by a restart ({wall:.0f} s in all)")
    copies = sum(p.copies for p in people)
    print(f"  turns         {turns:,} answered")
    print(f"  copies        {copies} messages arrived a second time (sent, killed before marked)")
    print(f"  screenings    {result.completed}/{result.screenings} completed")
    print(
        f"  answers       {result.answers_stored}/{result.answers_expected} stored,"
        f" {result.lost} lost, {result.doubled} doubled; no answered question asked anew"
    )
    print(f"  outbox        {result.unsent} replies left unsent")
    print(
        f"  free text     {free_text} answers graded, {waiting} still waiting,"
        f" {caught_up:.0f} s after the last kill"
    )
    print(f"  processes     {len(left)} left running after the bot stopped (its grading child)")
    clean = result.clean and kills > 0 and waiting == 0 and not left
    print(f"  verdict       {'clean' if clean else 'NOT CLEAN'}")
    return 0 if clean else 1


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--candidates", type=int, default=60)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--mode", choices=["webhook", "polling"], default="webhook")
    parser.add_argument("--seed", type=int, default=20261123, help="for the kill moments")
    parser.add_argument("--min-gap", type=float, default=0.3, help="seconds between kills, least")
    parser.add_argument("--max-gap", type=float, default=1.5, help="seconds between kills, most")
    parser.add_argument(
        "--think",
        type=float,
        default=1.5,
        help="mean seconds a candidate takes to answer: spreads the screenings over more kills",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """The crash run as the command line asks; 0 when clean, or skipped for want of PostgreSQL."""
    args = _parse_args(argv)
    print(
        f"screenbot crash run: kill -9 at random moments, {args.mode}, {args.backend},"
        f" seed {args.seed}"
    )
    gaps = (args.min_gap, args.max_gap)
    try:
        return asyncio.run(
            crash_run(
                args.backend, args.mode == "webhook", args.candidates, args.seed, gaps, args.think
            )
        )
    except BackendUnavailable as exc:
        print(f"  skipped: {exc}")
        return 0


if __name__ == "__main__":
    sys.exit(main())
