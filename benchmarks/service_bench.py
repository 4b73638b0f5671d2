"""How fast the screening service turns candidate messages into committed replies, and whether
process memory stays flat while screenings wait, half-finished, in the database.

What it drives: N simulated candidates, as asyncio tasks, at most `--concurrency` of them
talking at once, through the real `ScreeningService` and store with the bundled content
(`question_banks/`, `conversations/`) on the `backend-karachi` flow. Each candidate sends
/start, consent, six profile answers and two knockout yeses, then answers all ten questions
(about 60% right, the rest wrong; buttons and typed text mixed), so a screening is 20 turns.
A candidate sends its next message only once its previous turn has returned, as a person
would. One "durable turn" is

    turn = await service.handle(Inbound(...))   # committed: state, answer, outbox
    await service.delivered(turn.deliveries)     # committed: the outbox rows marked sent

so every figure below waits for two commits per turn. The service groups the turns of
candidates in flight into shared transactions (group commit), and SQLite commits with
synchronous=FULL, so a returned turn survives a power cut.

How to read the figures, per backend (SQLite on a fresh temporary file; PostgreSQL on a fresh
database made through postgres@127.0.0.1:5432/test, or $SCREENBOT_TEST_PG as for the tests, and
dropped afterwards, skipped with a note when unreachable). Both are opened as the app opens
them, `open_database(url)` with default pool settings, and migrated with `migrate.upgrade`:

- durable turns per second: throughput of the whole process (one event loop, one core for
  Python). The target printed next to it applies to SQLite: >= 1,000 turns/s. On SQLite every
  transaction, Python work included, runs on the database's one thread, so this figure does
  not grow with --concurrency there; on PostgreSQL it does until the loop is saturated.
- p50 / p99 turn latency: wall time of one durable turn as a candidate sees it, INCLUDING the
  wait for SQLite's thread or a pooled PostgreSQL connection. With C candidates in
  flight, p50 is roughly C / throughput: it measures queueing more than the work itself.
- process CPU: all threads; SQLite work runs on the database's own thread, the rest on the
  event loop. Near 1 core busy means the Python process itself is the limit, not the disk.
- memory: after the throughput runs, one child process per backend (side by side) leaves K
  screenings half-finished (half the questions answered), measures, goes on to 10 x K in all
  and measures again, with the same number of candidates in flight throughout. It prints peak
  RSS and the size of the Python objects still alive: tracemalloc, started just after the
  catalog is loaded (so engine, pool and statement caches count), read after a gc. The service
  keeps state in the database, so both ratios should be close to 1.0x and the growth per extra
  half-finished screening near zero (a few hundred bytes either way is caches and free lists
  settling, more so for a small K); kilobytes per screening that stay as K grows mean
  something holds per-candidate state in the process. (tracemalloc slows
  the children down several times; their timing is not reported.)

A small warm-up (not counted) runs first on each backend. Nothing here asserts on timing: it
is a script that prints figures. `--quick` makes every size small for a smoke run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import gc
import json
import math
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import AsyncIterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
from sqlalchemy import text
from tests.answers import right_answer as right_answer  # the other benches import them from here
from tests.answers import wrong_answer as wrong_answer

from screenbot.content.catalog import Catalog, load_catalog
from screenbot.content.flows import Flow, Mode
from screenbot.content.models import Question
from screenbot.content.profile_fields import ProfileField
from screenbot.engine.events import ChoicePicked, InboundEvent, Started, TextReceived
from screenbot.engine.messages import Ask, Completed, Outbound
from screenbot.service import Identity, Inbound, ScreeningService
from screenbot.store.database import Database, open_database
from screenbot.store.migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent
FLOW_ID = "backend-karachi"
PG_ADMIN_DSN = os.environ.get("SCREENBOT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
SQLITE_TARGET = 1_000.0
RIGHT_RATIO = 0.6
WARMUP_CANDIDATES = 4
BACKENDS = ("sqlite", "postgresql")
LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


class BackendUnavailable(Exception):
    """The backend cannot be reached; the run prints a note and skips it."""


class ScriptError(RuntimeError):
    """The bot said something the simulated candidate did not expect: the script is wrong."""


# --- Opening a fresh, migrated database ---------------------------------------------------------


@contextlib.asynccontextmanager
async def fresh_database(backend: str) -> AsyncIterator[tuple[Database, str]]:
    """A migrated, empty database and a description of it; removed again afterwards."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="screenbot-bench-") as folder:
            path = Path(folder) / "bench.db"
            database = open_database(f"sqlite+aiosqlite:///{path}")
            try:
                await upgrade(database)
                yield database, f"SQLite, temporary file {path}"
            finally:
                await database.dispose()
        return
    name = f"screenbot_bench_{os.getpid()}"
    try:
        admin = await asyncpg.connect(PG_ADMIN_DSN, timeout=5)
    except (OSError, asyncpg.PostgresError) as exc:
        raise BackendUnavailable(f"PostgreSQL is not reachable at {PG_ADMIN_DSN}: {exc}") from exc
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    database = open_database(f"{base}/{name}")
    try:
        await upgrade(database)
        yield database, f"postgresql+asyncpg, fresh database {name}"
    finally:
        await database.dispose()
        admin = await asyncpg.connect(PG_ADMIN_DSN, timeout=5)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


def questions_in(flow: Flow) -> int:
    """How many bank questions a screening of `flow` asks: an adaptive one runs to its maximum
    with the bundled banks (their priors never bring the error down to the target sooner)."""
    if flow.mode is Mode.ADAPTIVE:
        return flow.max_questions
    return sum(s.pick for s in flow.sections)


def bundled_catalog() -> Catalog:
    """The banks and flows in the repository, as `screenbot run` would serve them."""
    return load_catalog(ROOT / "question_banks", ROOT / "conversations")


def new_service(database: Database, catalog: Catalog) -> ScreeningService:
    """A service whose screenings are seeded from one fixed generator, so every run draws the same
    questions."""
    seeds = random.Random(20261123)
    return ScreeningService(database, catalog, seeds=functools.partial(seeds.getrandbits, 62))


# --- One simulated candidate ----------------------------------------------------------------------


class QuestionBook:
    """Recognises which bank question an Ask shows, from its text (the header line aside)."""

    def __init__(self, catalog: Catalog, flow: Flow) -> None:
        self.by_text: dict[str, Question] = {
            q.text: q for s in flow.sections for q in catalog.banks[s.bank].questions
        }

    def question(self, ask: Ask) -> Question:
        """The bank question `ask` shows; a ScriptError when none matches."""
        lines = ask.text.split("\n")[1:]  # drop "Question n of m · Section"
        for body in ("\n".join(lines), "\n".join(lines[:-1])):  # maybe with a time-limit line
            found = self.by_text.get(body)
            if found is not None:
                return found
        raise ScriptError(f"no bank question matches the prompt {ask.text!r}")


def profile_text(field: ProfileField, number: int, rng: random.Random) -> str:
    """A typed answer to a profile question without options."""
    if field is ProfileField.FULL_NAME:
        return f"Candidate Number {number}"
    if field is ProfileField.EMAIL:
        return f"candidate{number}@example.com"
    if field is ProfileField.YEARS_EXPERIENCE:
        return f"{rng.randint(1, 12)} years"
    if field is ProfileField.PHONE:
        return "+92 300 1234567"
    if field is ProfileField.NOTICE_PERIOD_WEEKS:
        return "4"
    return rng.choice(["250k", "2.5 lakh", "PKR 250,000", "300,000"])


@dataclass
class Tally:
    """What a batch of candidates did: one latency (seconds) per durable turn."""

    latencies: list[float]

    @property
    def turns(self) -> int:
        """Turns taken to their commit so far: one latency each."""
        return len(self.latencies)


class SimulatedCandidate:
    """One person on the `bench` channel, replying to whatever the bot last asked."""

    def __init__(
        self,
        service: ScreeningService,
        book: QuestionBook,
        flow: Flow,
        number: int,
        run: str,
        tally: Tally,
    ) -> None:
        self.service = service
        self.book = book
        self.flow = flow
        self.number = number
        self.run_id = run
        self.tally = tally
        self.rng = random.Random(number)
        external_id = f"{run}-{number}"  # the check after the run counts "run-" candidates
        self.identity = Identity("bench", external_id, f"chat-{number}", f"Candidate {number}")
        self.turns = 0

    async def send(self, event: InboundEvent) -> tuple[Outbound, ...]:
        """One durable turn: handle the event, then mark its replies delivered."""
        self.turns += 1
        key = f"{self.run_id}:{self.number}:{self.turns}"
        started = time.perf_counter()
        turn = await self.service.handle(Inbound(key, self.identity, event, datetime.now(UTC)))
        await self.service.delivered(turn.deliveries)
        self.tally.latencies.append(time.perf_counter() - started)
        if turn.duplicate:
            raise ScriptError(f"candidate {self.number}: event {key} was taken as a duplicate")
        return tuple(d.message for d in turn.deliveries)

    def expect(self, said: tuple[Outbound, ...], key: str) -> Ask:
        """The question a turn's replies end with, checked to be the `key` one (consent, p0, k1,
        q2...): a ScriptError otherwise, as the script and the flow disagree."""
        last = said[-1] if said else None
        if not isinstance(last, Ask) or last.prompt_key.split(".")[0] != key:
            raise ScriptError(f"candidate {self.number}: expected prompt {key!r}, got {said!r}")
        return last

    def profile_answer(self, field: ProfileField, ask: Ask) -> InboundEvent:
        """The first button where the question has buttons, else a typed answer for `field`."""
        if ask.options:  # city and work model: press the first button
            return ChoicePicked(ask.prompt_key, (ask.options[0].id,))
        return TextReceived(profile_text(field, self.number, self.rng))

    async def run(self, questions: int | None = None) -> None:
        """Screen to the end, or walk away after answering `questions` of them."""
        ask = self.expect(await self.send(Started(self.flow.id)), "consent")
        said = await self.send(ChoicePicked(ask.prompt_key, ("yes",)))
        for i, field in enumerate(self.flow.profile):
            ask = self.expect(said, f"p{i}")
            said = await self.send(self.profile_answer(field, ask))
        for i, knockout in enumerate(self.flow.knockout):
            ask = self.expect(said, f"k{i}")
            word = "yes" if knockout.expect else "no"
            buttons = self.rng.random() < 0.5
            said = await self.send(
                ChoicePicked(ask.prompt_key, (word,)) if buttons else TextReceived(word)
            )
        total = questions_in(self.flow)
        for i in range(total if questions is None else min(questions, total)):
            ask = self.expect(said, f"q{i}")
            question = self.book.question(ask)
            buttons = self.rng.random() < 0.5
            answer = right_answer if self.rng.random() < RIGHT_RATIO else wrong_answer
            said = await self.send(answer(question, ask.prompt_key if buttons else None))
        if questions is None and not (said and isinstance(said[-1], Completed)):
            raise ScriptError(f"candidate {self.number}: expected the closing message: {said!r}")


async def drive(
    service: ScreeningService,
    catalog: Catalog,
    *,
    first: int,
    count: int,
    concurrency: int,
    run: str,
    questions: int | None = None,
) -> tuple[Tally, float]:
    """Run `count` candidates, at most `concurrency` at once; the tally and wall seconds.

    Each candidate is its own task, made only when a slot is free, so the number of live tasks
    (and the driver's own memory) stays at `concurrency` however many candidates run.
    """
    flow = catalog.flow(FLOW_ID)
    book = QuestionBook(catalog, flow)
    tally = Tally([])
    slots = asyncio.Semaphore(concurrency)
    started = time.perf_counter()
    async with asyncio.TaskGroup() as group:
        for number in range(first, first + count):
            await slots.acquire()
            candidate = SimulatedCandidate(service, book, flow, number, run, tally)
            task = group.create_task(candidate.run(questions))
            task.add_done_callback(lambda _: slots.release())
    return tally, time.perf_counter() - started


def half_of_the_questions(catalog: Catalog) -> int:
    """How many questions the memory check's candidates answer before leaving: half the flow's."""
    return questions_in(catalog.flow(FLOW_ID)) // 2


# --- The throughput run ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Throughput:
    """The figures of one throughput run, as `report_throughput` prints them."""

    where: str
    candidates: int
    concurrency: int
    turns: int
    wall: float
    cpu: float
    p50_ms: float
    p99_ms: float
    completed: int
    passed: int
    unsent: int

    @property
    def per_second(self) -> float:
        """Durable turns per second of wall time."""
        return self.turns / self.wall


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


async def throughput(backend: str, candidates: int, concurrency: int) -> Throughput:
    """Screen `candidates`, at most `concurrency` at once, on a fresh `backend` database after a
    warm-up that is not counted; then count the screenings completed and the replies unsent."""
    catalog = bundled_catalog()
    async with fresh_database(backend) as (database, where):
        service = new_service(database, catalog)
        warm = min(WARMUP_CANDIDATES, candidates)
        await drive(
            service, catalog, first=0, count=warm, concurrency=warm, run="warm-up"
        )  # fills SQLAlchemy's statement cache and the connection pool; not counted
        cpu = time.process_time()
        tally, wall = await drive(
            service, catalog, first=warm, count=candidates, concurrency=concurrency, run="run"
        )
        cpu = time.process_time() - cpu
        finished = text(
            "SELECT count(*), coalesce(sum(CASE WHEN s.passed THEN 1 ELSE 0 END), 0)"
            " FROM screenings s JOIN candidates c ON c.id = s.candidate_id"
            " WHERE s.stage = 'completed' AND c.external_id LIKE 'run-%'"
        )
        completed, passed = await database.read(lambda conn: conn.execute(finished).one())
        unsent = await database.read(
            lambda conn: conn.execute(
                text("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
            ).scalar_one()
        )
    return Throughput(
        where=where,
        candidates=candidates,
        concurrency=concurrency,
        turns=tally.turns,
        wall=wall,
        cpu=cpu,
        p50_ms=percentile(tally.latencies, 0.50) * 1000,
        p99_ms=percentile(tally.latencies, 0.99) * 1000,
        completed=int(completed),
        passed=int(passed),
        unsent=int(unsent),
    )


# --- The memory check (in a child process per backend, so each has its own peak RSS) ----------


@dataclass(frozen=True)
class MemoryPoint:
    """Process memory with `screenings` left half-finished in the database."""

    screenings: int
    peak_rss: int
    python_current: int


def measure_memory(screenings: int) -> MemoryPoint:
    """This process's peak RSS and what tracemalloc sees now, after a collection."""
    gc.collect()
    current, _ = tracemalloc.get_traced_memory()
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return MemoryPoint(screenings, peak_kib * 1024, current)


async def memory_probe(backend: str, k: int, concurrency: int) -> list[MemoryPoint]:
    """Leave K screenings half-finished and measure; then 10 x K in all, and measure again."""
    catalog = bundled_catalog()
    half = half_of_the_questions(catalog)
    tracemalloc.start()  # after the catalog: YAML parsing is slow under it, and constant
    points: list[MemoryPoint] = []
    async with fresh_database(backend) as (database, _):
        service = new_service(database, catalog)
        warm = min(WARMUP_CANDIDATES, concurrency)
        await drive(
            service, catalog, first=0, count=warm, concurrency=warm, run="warm", questions=half
        )
        left = 0
        for target in (k, 10 * k):
            await drive(
                service,
                catalog,
                first=warm + left,
                count=target - left,
                concurrency=concurrency,
                run="probe",
                questions=half,
            )
            left = target
            points.append(measure_memory(left))
    tracemalloc.stop()
    return points


def start_memory_probe(backend: str, k: int, concurrency: int) -> subprocess.Popen[str]:
    """Run the memory check in a child process (this script with --memory-probe), so the peak RSS it
    reports is the check's alone."""
    command = [
        sys.executable,
        "-m",
        "benchmarks.service_bench",
        "--backend",
        backend,
        "--memory-probe",
        str(k),
        "--concurrency",
        str(concurrency),
    ]
    return subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def finish_memory_probe(child: subprocess.Popen[str]) -> list[MemoryPoint] | str:
    """The child's figures, or why there are none."""
    out, err = child.communicate()
    if child.returncode != 0:
        lines = err.strip().splitlines()
        return f"memory check failed (exit {child.returncode}): {lines[-1] if lines else ''}"
    return [MemoryPoint(**point) for point in json.loads(out.strip().splitlines()[-1])]


# --- Reporting ------------------------------------------------------------------------------------


def _mib(size: float) -> str:
    return f"{size / 2**20:.1f} MiB"


def _kib(size: float) -> str:
    return f"{size / 2**10:,.0f} KiB"


def report_throughput(backend: str, result: Throughput) -> None:
    """Print a throughput run, with the verdict against the SQLite target."""
    rate = result.per_second
    if backend == "sqlite":
        verdict = "met" if rate >= SQLITE_TARGET else "NOT met"
        target = f"   (target >= {SQLITE_TARGET:,.0f} turns/s on SQLite: {verdict})"
    else:
        target = "   (no target set for PostgreSQL)"
    print(f"  database              {result.where}")
    print(f"  candidates            {result.candidates:,} (at most {result.concurrency} at once)")
    print(f"  durable turns         {result.turns:,} (handle + delivered, each to its commit)")
    print(f"  wall                  {result.wall:.2f} s")
    print(
        f"  process CPU           {result.cpu:.2f} s, all threads"
        f" ({result.cpu / result.wall:.2f} of {os.cpu_count()} cores busy on average)"
    )
    print(f"  durable turns/s       {rate:,.0f}{target}")
    print(f"  turn latency p50      {result.p50_ms:.1f} ms")
    print(f"  turn latency p99      {result.p99_ms:.1f} ms")
    print(
        f"  check                 {result.completed:,}/{result.candidates:,} screenings completed"
        f" ({result.passed} passed), {result.unsent} outbox rows left unsent"
    )


def report_memory(label: str, points: list[MemoryPoint] | str) -> None:
    """Print the memory check at K and 10 x K, their ratios and the growth per extra half-finished
    screening; or why the check failed."""
    if isinstance(points, str):
        print(f"  {label:12}{points}")
        return
    small, large = points
    extra = large.screenings - small.screenings
    growth = (large.python_current - small.python_current) / extra
    rows = [
        (f"K = {small.screenings:,}", _mib(small.peak_rss), _kib(small.python_current)),
        (f"10 x K = {large.screenings:,}", _mib(large.peak_rss), _kib(large.python_current)),
        (
            "ratio",
            f"{large.peak_rss / small.peak_rss:.2f}x",
            f"{large.python_current / small.python_current:.2f}x",
        ),
    ]
    for i, (name, rss, python) in enumerate(rows):
        print(f"  {label if i == 0 else '':12}{name:>16}  {rss:>12}  {python:>14}")
    print(f"  {'':12}{'':>16}  Python objects per extra half-finished screening: {growth:+,.0f} B")


# --- Command line ---------------------------------------------------------------------------------


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--candidates", type=int, default=200, help="candidates to screen")
    parser.add_argument("--concurrency", type=int, default=50, help="candidates talking at once")
    parser.add_argument("--backend", choices=[*BACKENDS, "both"], default="both")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument(
        "--memory-k",
        type=int,
        default=None,
        help="K for the memory check (K, then 10 x K half-finished screenings); default 10",
    )
    parser.add_argument("--memory-probe", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.candidates = min(args.candidates, 20)
        args.concurrency = min(args.concurrency, 10)
    if args.memory_k is None:
        args.memory_k = 3 if args.quick else 10
    if min(args.candidates, args.concurrency, args.memory_k) < 1:
        parser.error("--candidates, --concurrency and --memory-k must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Throughput on each backend asked for, then the memory check on those reachable; as a child
    (--memory-probe), only the probe, its figures printed as JSON. Always 0: nothing here is a
    test."""
    args = _parse_args(argv)
    backends = BACKENDS if args.backend == "both" else (args.backend,)
    if args.memory_probe is not None:
        points = asyncio.run(memory_probe(backends[0], args.memory_probe, args.concurrency))
        print(json.dumps([asdict(p) for p in points]))
        return 0
    print(
        f"screenbot service benchmark: flow {FLOW_ID}, {args.candidates} candidates per backend,"
        f" {os.cpu_count()} CPUs, Python {sys.version.split()[0]}"
    )
    reachable: list[str] = []
    for backend in backends:
        print(f"\n{LABELS[backend]}")
        try:
            result = asyncio.run(throughput(backend, args.candidates, args.concurrency))
        except BackendUnavailable as exc:
            print(f"  skipped: {exc}")
            continue
        reachable.append(backend)
        report_throughput(backend, result)
    if not reachable:
        return 0
    k = args.memory_k
    in_flight = min(args.concurrency, k)
    print(
        "\nMemory with K, then 10 x K screenings left half-finished (half the questions answered),"
        f"\n{in_flight} candidates in flight; one child process per backend, side by side"
    )
    print(f"  {'':12}{'half-finished':>16}  {'peak RSS':>12}  {'Python objects':>14}")
    children = {b: start_memory_probe(b, k, in_flight) for b in reachable}
    for backend, child in children.items():
        report_memory(LABELS[backend], finish_memory_probe(child))
    return 0


if __name__ == "__main__":
    sys.exit(main())
