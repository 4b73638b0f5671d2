"""The parts every end-to-end run shares: the fake Bot API, bot processes, scripted people.

A bot runs as its own process (`screenbot run`, or the echo bot), talking over HTTP to the fake
Bot API served in this process, exactly as it would talk to Telegram. Scripted people type into
their chats through the fake and wait for the bot's answer; the time between the two is the
reply latency they see.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import secrets
import signal
import socket
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import text
from tests.fakes.server import serving
from tests.fakes.telegram_api import FakeTelegram, FloodLimits, Json

from benchmarks.service_bench import (
    FLOW_ID,
    RIGHT_RATIO,
    ROOT,
    ScriptError,
    profile_text,
    questions_in,
    right_answer,
    wrong_answer,
)
from screenbot.content.catalog import Catalog
from screenbot.content.flows import Flow
from screenbot.content.models import (
    MultiChoiceQuestion,
    Question,
    SingleChoiceQuestion,
    YesNoQuestion,
)
from screenbot.engine.events import ChoicePicked, InboundEvent, TextReceived
from screenbot.store.database import Database

REPLY_WITHIN = 120.0
SCREENBOT = [str(Path(sys.executable).with_name("screenbot")), "run"]
GRADER = [str(Path(sys.executable).with_name("screenbot")), "grade"]
ECHO_BOT = [sys.executable, "-m", "benchmarks.echo_bot"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- The platform -------------------------------------------------------------------------------


class Switchboard:
    """The fake Bot API, with what the bot sends routed to the chat it is for, time-stamped."""

    def __init__(self, limits: FloodLimits | None = None) -> None:
        self.fake = FakeTelegram(on_sent=self._route, limits=limits)
        self.webhook_secret = secrets.token_urlsafe(24)  # one bot, one secret, every process
        self._chats: dict[int, asyncio.Queue[tuple[float, Json]]] = {}

    def open(self, chat_id: int) -> asyncio.Queue[tuple[float, Json]]:
        """The queue the bot's messages to `chat_id` arrive on, with when each arrived."""
        return self._chats.setdefault(chat_id, asyncio.Queue())

    def _route(self, message: Json) -> None:
        inbox = self._chats.get(message["chat"]["id"])
        if inbox is not None:
            inbox.put_nowait((time.perf_counter(), message))

    def api_url(self) -> str:
        """The base URL a bot is given for the fake (TELEGRAM_API_URL)."""
        return f"http://127.0.0.1:{self.fake.port}/bot"


@asynccontextmanager
async def switchboard(limits: FloodLimits | None = None) -> AsyncIterator[Switchboard]:
    """The fake Bot API, enforcing Telegram's flood limits when `limits` are given."""
    board = Switchboard(limits)
    async with serving(board.fake.app()) as port:
        board.fake.port = port
        try:
            yield board
        finally:
            await board.fake.close()


# --- Bot processes ------------------------------------------------------------------------------


def _cpu_ticks(pid: int) -> int:
    """User and system clock ticks of `pid` and, recursively, its children."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except (FileNotFoundError, ProcessLookupError):
        return 0
    return int(fields[11]) + int(fields[12]) + sum(_cpu_ticks(int(c)) for c in children)


@dataclass
class BotProcess:
    """One bot in its own process; `kill()` is kill -9, `start()` again is a restart."""

    command: list[str]
    env: dict[str, str]
    board: Switchboard
    http_port: int | None = None
    process: asyncio.subprocess.Process | None = None
    log: Path = field(default_factory=lambda: Path(tempfile.mkstemp(suffix=".log")[1]))

    async def start(self) -> None:
        """Start the process, and return once it polls or has set its webhook; a ScriptError, with
        the log file to read, if it does not within 30 s."""
        seen = len(self.board.fake.calls)
        with self.log.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                *self.command,
                env={**os.environ, **self.env},
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                cwd=ROOT,
            )
        deadline = time.monotonic() + 30
        while not self._listening(seen):
            if self.process.returncode is not None or time.monotonic() > deadline:
                await self.stop()
                raise ScriptError(f"{self.command[-1]} did not start; see {self.log}")
            await asyncio.sleep(0.05)

    def _listening(self, seen: int) -> bool:
        return any(c.method in {"getUpdates", "setWebhook"} for c in self.board.fake.calls[seen:])

    def cpu_seconds(self) -> float:
        """User and system CPU the process and its live children (a grading child, say) have
        used so far (Linux /proc)."""
        assert self.process is not None
        return _cpu_ticks(self.process.pid) / os.sysconf("SC_CLK_TCK")

    async def kill(self) -> None:
        """kill -9: nothing the process was doing gets to finish."""
        assert self.process is not None
        self.process.kill()
        await self.process.wait()

    async def stop(self) -> None:
        """SIGTERM, and kill -9 if it has not stopped within 20 s."""
        if self.process is None or self.process.returncode is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), 20)
        except TimeoutError:
            await self.kill()

    async def healthy(self) -> bool:
        """Whether its /healthz answers 200."""
        assert self.http_port is not None
        async with httpx.AsyncClient() as client:
            with contextlib.suppress(httpx.HTTPError):
                reply = await client.get(f"http://127.0.0.1:{self.http_port}/healthz")
                return reply.status_code == 200
        return False


def screenbot_process(
    board: Switchboard,
    database_url: str,
    *,
    webhook: bool = False,
    lease_seconds: float = 30.0,
    rate_limit: bool = False,
    grading: str = "here",
) -> BotProcess:
    """`screenbot run` on the fake; in webhook mode it registers its own URL with the fake.
    Without `rate_limit` it sends as fast as it can (the fake enforces no limits then)."""
    port = _free_port()
    env = {
        "SCREENBOT_DATABASE_URL": database_url,
        "SCREENBOT_BANKS_DIR": str(ROOT / "question_banks"),
        "SCREENBOT_FLOWS_DIR": str(ROOT / "conversations"),
        "SCREENBOT_HTTP_PORT": str(port),
        "SCREENBOT_OUTBOX_LEASE_SECONDS": str(lease_seconds),
        "TELEGRAM_BOT_TOKEN": board.fake.token,
        "TELEGRAM_API_URL": board.api_url(),
        "TELEGRAM_RATE_LIMIT": "true" if rate_limit else "false",
        # "elsewhere" with processes sharing PostgreSQL: `grader_process` grades free text
        "SCREENBOT_GRADING": grading,
    }
    if webhook:
        env["TELEGRAM_WEBHOOK_URL"] = f"http://127.0.0.1:{port}/telegram/webhook"
        env["TELEGRAM_WEBHOOK_SECRET"] = board.webhook_secret
    return BotProcess(SCREENBOT, env, board, http_port=port)


@dataclass
class GraderProcess(BotProcess):
    """`screenbot grade` beside the bots: it talks to no platform, so it is up once it says so."""

    def _listening(self, _seen: int) -> bool:
        return b"screenbot is grading" in self.log.read_bytes()


def grader_process(board: Switchboard, database_url: str) -> GraderProcess:
    """The free-text grader for bots started by `screenbot_process` on `database_url`."""
    env = {
        "SCREENBOT_DATABASE_URL": database_url,
        "SCREENBOT_BANKS_DIR": str(ROOT / "question_banks"),
        "SCREENBOT_FLOWS_DIR": str(ROOT / "conversations"),
    }
    return GraderProcess(GRADER, env, board)


def echo_process(board: Switchboard) -> BotProcess:
    """The echo bot (`benchmarks/echo_bot.py`) on `board`, long polling."""
    env = {"TELEGRAM_BOT_TOKEN": board.fake.token, "TELEGRAM_API_URL": board.api_url()}
    return BotProcess(ECHO_BOT, env, board)


# --- Scripted people ----------------------------------------------------------------------------


@dataclass
class Person:
    """Someone in a private chat with the bot: types, then waits for the bot's answer."""

    board: Switchboard
    user_id: int
    think: float = 0.0  # mean seconds between reading the bot's message and answering it
    latencies: list[float] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    copies: int = 0

    def __post_init__(self) -> None:
        self.inbox = self.board.open(self.user_id)
        self._pauses = random.Random(-self.user_id)

    async def _read_and_think(self) -> None:
        """People arrive spread over the first `think` seconds, then read before answering."""
        if self.think:
            low, high = (0.5, 1.5) if self.latencies else (0.0, 1.0)
            await asyncio.sleep(self.think * self._pauses.uniform(low, high))

    async def turn(self, typed: str) -> Json:
        """Type `typed`; the bot's answer (see `_answer`)."""
        await self._read_and_think()
        started = time.perf_counter()
        self.board.fake.say(self.user_id, typed)
        return await self._answer(started, wants_buttons=typed.startswith("/start"))

    async def press(self, question: Json, choice_id: str) -> Json:
        """Tap the button for `choice_id` under the bot's message `question`; the bot's answer."""
        buttons = [
            b for row in question.get("reply_markup", {}).get("inline_keyboard", []) for b in row
        ]
        data = next(
            (
                b["callback_data"]
                for b in buttons
                if b["callback_data"].startswith("a|")
                and b["callback_data"].endswith(f"|{choice_id}")
            ),
            None,
        )
        if data is None:
            raise ScriptError(f"no {choice_id!r} button under {question['text'][:200]!r}")
        await self._read_and_think()
        started = time.perf_counter()
        self.board.fake.press(self.user_id, question["message_id"], data)
        return await self._answer(started, wants_buttons=False)

    async def _answer(self, started: float, *, wants_buttons: bool) -> Json:
        """The bot's next new message (or a tapped question edited into the next) and, when
        `wants_buttons`, the first with buttons. A copy of one already seen (re-sent after a
        crash cut off its first sending before it was marked; a question a dead process had
        shown by editing the tapped one, sent again as a message) is counted and passed over, as
        a person would; an answered question asked anew stops the run (see `answer`)."""
        first: float | None = None
        while True:
            at, message = await asyncio.wait_for(self.inbox.get(), REPLY_WITHIN)
            shown = message["text"]
            if shown.startswith("✓ "):  # a tapped question turned into the next: what it asks
                shown = shown.split("\n\n", 1)[-1]
            if shown in self.seen:
                self.copies += 1
                continue
            self.seen.add(shown)
            first = at if first is None else first
            if wants_buttons and "reply_markup" not in message:
                continue
            self.latencies.append(first - started)  # until the answer starts to arrive
            return message


class QuestionFinder:
    """Which bank question a message shows: its text appears in the message."""

    def __init__(self, catalog: Catalog, flow: Flow) -> None:
        self.questions = [q for s in flow.sections for q in catalog.banks[s.bank].questions]

    def find(self, message: str) -> Question:
        """The bank question whose text `message` shows; a ScriptError when none does."""
        for question in self.questions:
            if question.text in message:
                return question
        raise ScriptError(f"no bank question in {message[:120]!r}")


@dataclass
class Applicant(Person):
    """A candidate screening over Telegram (about 60% of answers right). Where the bot shows
    buttons, a share `taps` of the time they tap one, otherwise they type the option."""

    flow: Flow | None = None
    finder: QuestionFinder | None = None
    taps: float = 0.5  # the share of questions with buttons answered by tapping one
    answered: dict[str, str] = field(default_factory=dict)  # question id -> raw answer

    async def choose(self, message: Json, choice_id: str, typed: str, rng: random.Random) -> Json:
        """Tap the option, or type it (`taps` decides); the bot's answer."""
        if rng.random() < self.taps:
            return await self.press(message, choice_id)
        return await self.turn(typed)

    async def screen(self) -> None:
        """Screen from /start to the closing message, checking that no answered question comes
        again."""
        assert self.flow is not None
        assert self.finder is not None
        rng = random.Random(self.user_id)
        message = await self.turn(f"/start {self.flow.id}")
        message = await self.choose(message, "yes", "yes", rng)  # consent
        for profile_field in self.flow.profile:
            if "reply_markup" in message:  # city, work model: the first option
                first = message["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
                message = await self.choose(message, first.rsplit("|", 1)[1], "1", rng)
            else:
                typed = profile_text(profile_field, self.user_id, rng)
                message = await self.turn(typed)
        for knockout in self.flow.knockout:
            word = "yes" if knockout.expect else "no"
            message = await self.choose(message, word, word, rng)
        for _ in range(questions_in(self.flow)):
            message = await self.answer(message, rng)
        if "complete" not in message["text"]:
            raise ScriptError(f"candidate {self.user_id} expected the end: {message['text']!r}")

    async def answer(self, message: Json, rng: random.Random) -> Json:
        """Answer the question in `message`: single choices and yes/no by button when `taps`
        says so (multiple choices are typed: tapping them is more turns than one answer)."""
        assert self.finder is not None
        question = self.finder.find(message["text"])
        if question.id in self.answered:
            raise ScriptError(f"candidate {self.user_id} was asked {question.id} again")
        by_button = (
            isinstance(question, SingleChoiceQuestion | YesNoQuestion) and rng.random() < self.taps
        )
        answer = right_answer if rng.random() < RIGHT_RATIO else wrong_answer
        event = answer(question, "key" if by_button else None)
        self.answered[question.id] = stored_form(question, event)
        if isinstance(event, ChoicePicked):
            return await self.press(message, event.choice_ids[0])
        assert isinstance(event, TextReceived)
        return await self.turn(event.text)


def stored_form(question: Question, event: InboundEvent) -> str:
    """The raw answer the store keeps for `event`: choice ids, yes or no, or the text."""
    if isinstance(question, SingleChoiceQuestion | MultiChoiceQuestion):
        if isinstance(event, ChoicePicked):
            return ",".join(event.choice_ids)
        assert isinstance(event, TextReceived)
        numbers = (int(n) for n in event.text.split(","))
        return ",".join(question.choices[n - 1].id for n in sorted(numbers))
    if isinstance(event, ChoicePicked):
        return event.choice_ids[0]
    assert isinstance(event, TextReceived)
    return event.text.strip()


@dataclass
class Chatter(Person):
    """Someone talking to the echo bot, as many turns as a screening takes."""

    turns: int = 22

    async def screen(self) -> None:
        """Send `turns` messages, each once the echo of the last has come back."""
        for number in range(self.turns):
            typed = f"message {number} from {self.user_id}"
            message = await self.turn(typed)
            if message["text"] != typed:
                raise ScriptError(f"the echo bot answered {message['text']!r} to {typed!r}")


def applicants(
    board: Switchboard,
    catalog: Catalog,
    first: int,
    count: int,
    *,
    taps: float = 0.5,
    think: float = 0.0,
) -> list[Applicant]:
    """`count` applicants for the benchmark flow, with user ids from `first`."""
    flow = catalog.flow(FLOW_ID)
    finder = QuestionFinder(catalog, flow)
    return [
        Applicant(board, user_id, think, flow=flow, finder=finder, taps=taps)
        for user_id in range(first, first + count)
    ]


async def all_screen(people: list[Applicant] | list[Chatter]) -> float:
    """Everyone at once; the wall seconds until the last one is done."""
    started = time.perf_counter()
    async with asyncio.TaskGroup() as group:
        for person in people:
            group.create_task(person.screen())
    return time.perf_counter() - started


# --- Checking the store afterwards -------------------------------------------------------------


@dataclass(frozen=True)
class Audit:
    """What the database holds against what the applicants typed."""

    screenings: int
    completed: int
    answers_expected: int
    answers_stored: int
    lost: int
    doubled: int
    unsent: int

    @property
    def clean(self) -> bool:
        """No answer lost or doubled, and every screening completed."""
        return not self.lost and not self.doubled and self.completed == self.screenings


async def unsent(database: Database) -> int:
    """Replies the outbox still holds unsent."""
    query = text("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
    return int(await database.read(lambda conn: conn.execute(query).scalar_one()))


async def ungraded(database: Database, settle: float = 0.0) -> int:
    """Free-text answers still waiting for the grader, after waiting up to `settle` seconds for
    there to be none."""
    query = text("SELECT count(*) FROM answers WHERE grading = 'pending'")
    deadline = time.monotonic() + settle
    while True:
        waiting = int(await database.read(lambda conn: conn.execute(query).scalar_one()))
        if not waiting or time.monotonic() >= deadline:
            return waiting
        await asyncio.sleep(0.2)


def processes_using(database_url: str) -> list[int]:
    """Processes (a bot, its grading child) whose environment names this database: after a
    run's bot has stopped there should be none."""
    needle = f"SCREENBOT_DATABASE_URL={database_url}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
    return found


async def audit(database: Database, people: list[Applicant], settle: float = 5.0) -> Audit:
    """Every answer an applicant gave is stored exactly once, as given; replies still unsent
    after `settle` seconds (marking a reply sent trails its arrival by a commit) count too."""
    for _ in range(int(settle / 0.1)):
        if not await unsent(database):
            break
        await asyncio.sleep(0.1)
    query = text(
        "SELECT c.external_id, s.stage, a.question_id, a.raw_answer"
        " FROM candidates c JOIN screenings s ON s.candidate_id = c.id"
        " LEFT JOIN answers a ON a.screening_id = s.id"
        " WHERE c.channel = 'telegram'"
    )
    rows = await database.read(lambda conn: conn.execute(query).all())
    stored: dict[tuple[str, str], list[str | None]] = {}
    stages: dict[str, str] = {}
    for external_id, stage, question_id, raw in rows:
        stages[external_id] = stage
        if question_id is not None:
            stored.setdefault((external_id, question_id), []).append(raw)
    expected = {(str(p.user_id), q): typed for p in people for q, typed in p.answered.items()}
    lost = sum(1 for key, typed in expected.items() if typed not in stored.get(key, []))
    doubled = sum(len(raws) - 1 for raws in stored.values())
    mine = {str(p.user_id) for p in people}
    return Audit(
        screenings=len(mine),
        completed=sum(1 for who in mine if stages.get(who) == "completed"),
        answers_expected=len(expected),
        answers_stored=sum(len(raws) for key, raws in stored.items() if key[0] in mine),
        lost=lost,
        doubled=doubled,
        unsent=await unsent(database),
    )
