"""Telegram at its real limits: `screenbot run` with its rate limiter on (as deployed) against a
fake Bot API that enforces Telegram's flood limits (about 30 messages a second per bot, about
one a second per chat with short bursts; 429 with `retry_after` beyond them).

The candidates are perfect (every answer right) and behave like people: each reads whatever
arrives in the chat, new messages and edited ones alike, and answers the prompt it shows; one
who sees nothing new for a while (`--patience`) thinks the bot is stuck and sends the same
answer again. Three runs: 200 who think about 10 s per answer (0.5x to 1.5x); 200 who answer at
once; and 200 who answer at once and retype after 3 s of silence, sooner than Telegram's limits
let 200 people's replies come (each then waits about 6.7 s). Printed per run: how many
finished, Bot API message calls (sendMessage and edits) per answer, reply latency p50/p99 (an
answer to the next prompt appearing), answers retyped while waiting, answers a candidate had to
give twice because a prompt came again, prompts that arrived out of order, and the 429s the
fake answered. Targets: everyone finishes, at most 1.1 calls per answer, nothing asked twice,
nothing out of order.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from tests.fakes.telegram_api import FloodLimits, Json

from benchmarks.service_bench import (
    FLOW_ID,
    BackendUnavailable,
    ScriptError,
    bundled_catalog,
    fresh_database,
    percentile,
    profile_text,
    right_answer,
)
from benchmarks.telegram_party import (
    Applicant,
    QuestionFinder,
    audit,
    screenbot_process,
    stored_form,
    switchboard,
)
from screenbot.content.flows import Flow
from screenbot.content.models import SingleChoiceQuestion, YesNoQuestion
from screenbot.content.profile_fields import ProfileField
from screenbot.engine.events import ChoicePicked, TextReceived
from screenbot.engine.profile import prompt_text

CALLS_TARGET = 1.1
MESSAGE_METHODS = ("sendMessage", "editMessageText", "editMessageReplyMarkup")
_QUESTION = re.compile(r"Question (\d+) of \d+")


@dataclass(frozen=True)
class Prompt:
    """What a bot message asks: its place in the screening, and how to answer it."""

    order: int
    key: str
    field: ProfileField | None = None
    expect: bool | None = None


@dataclass
class Reader(Applicant):
    """A perfect candidate who reads the chat as it is, answers what it shows, and retypes when
    the bot looks stuck."""

    patience: float = 10.0
    answers: int = 0
    retypes: int = 0
    asked_again: int = 0
    out_of_order: int = 0
    finished: bool = False
    _last: tuple[str, str] | None = None  # what was sent last: ("say", text) or ("tap", data)
    _tapped_on: int = 0
    _answered: set[str] = field(default_factory=set)
    _furthest: int = 0
    _asked_at: float | None = None

    def prompt_of(self, message: Json) -> Prompt | None:
        """What `message` asks, recognised by its words; None for a message that asks nothing."""
        assert self.flow is not None
        assert self.finder is not None
        text = message["text"]
        if "That's everything" in text:
            return Prompt(10_000, "done")
        found = _QUESTION.search(text)
        if found:
            return Prompt(1000 + int(found.group(1)), self.finder.find(text).id)
        if "Do you agree?" in text:
            return Prompt(1, "consent")
        for number, profile_field in enumerate(self.flow.profile):
            if prompt_text(profile_field) in text:
                return Prompt(10 + number, profile_field.value, field=profile_field)
        for number, knockout in enumerate(self.flow.knockout):
            if knockout.text in text:
                return Prompt(100 + number, f"knockout{number}", expect=knockout.expect)
        return None  # a notice: nothing to answer

    async def screen(self) -> None:
        """Start, then answer whatever prompt is newest once the chat goes quiet, retyping the last
        answer after `patience` seconds without news, until the closing message."""
        rng = random.Random(self.user_id)
        await asyncio.sleep(rng.uniform(0, max(self.think, 1.0)))  # people arrive over time
        await self._say(f"/start {FLOW_ID}")
        current: tuple[Prompt, Json] | None = None
        while True:
            if current is None:
                try:
                    arrival = await asyncio.wait_for(self.inbox.get(), self.patience)
                except TimeoutError:
                    await self._again()
                    continue
                current = self._read(*arrival)
                continue
            prompt, message = current
            if prompt.key != "done":
                await asyncio.sleep(self.think * rng.uniform(0.5, 1.5))
                while not self.inbox.empty():  # read the whole turn before answering
                    prompt, message = self._read(*self.inbox.get_nowait()) or (prompt, message)
            if prompt.key == "done":
                self.finished = True
                return
            await self._reply(prompt, message, rng)
            self._answered.add(prompt.key)
            current = None

    def _read(self, at: float, message: Json) -> tuple[Prompt, Json] | None:
        """Take in one arrival; the prompt it shows, if it is the latest one."""
        prompt = self.prompt_of(message)
        if prompt is None:
            return None
        if prompt.order < self._furthest:
            self.out_of_order += 1  # an earlier prompt after a later one
            return None
        if prompt.key in self._answered:
            self.asked_again += 1  # answered already, and asked again
        elif self._asked_at is not None:
            self.latencies.append(at - self._asked_at)
            self._asked_at = None
        self._furthest = prompt.order
        return prompt, message

    async def _reply(self, prompt: Prompt, message: Json, rng: random.Random) -> None:
        assert self.finder is not None
        tapping = "reply_markup" in message and rng.random() < self.taps
        if prompt.key == "consent" or prompt.expect is not None:
            word = "yes" if prompt.expect in (None, True) else "no"
            await (self._tap(message, word) if tapping else self._say(word))
        elif prompt.field is not None:
            if "reply_markup" in message:  # city, work model: the first option
                first = message["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
                await (self._tap(message, first.rsplit("|", 1)[1]) if tapping else self._say("1"))
            else:
                await self._say(profile_text(prompt.field, self.user_id, rng))
        else:
            question = next(q for q in self.finder.questions if q.id == prompt.key)
            by_button = tapping and isinstance(question, SingleChoiceQuestion | YesNoQuestion)
            event = right_answer(question, "key" if by_button else None)
            self.answered[question.id] = stored_form(question, event)
            if isinstance(event, ChoicePicked):
                await self._tap(message, event.choice_ids[0])
            else:
                assert isinstance(event, TextReceived)
                await self._say(event.text)

    async def _say(self, text: str) -> None:
        self._sent(("say", text))
        self.board.fake.say(self.user_id, text)

    def _sent(self, what: tuple[str, str]) -> None:
        self._last, self._asked_at = what, time.perf_counter()
        self.answers += 1

    async def _tap(self, message: Json, choice_id: str) -> None:
        buttons = [b for row in message["reply_markup"]["inline_keyboard"] for b in row]
        data = next(
            (b["callback_data"] for b in buttons if b["callback_data"].endswith(f"|{choice_id}")),
            None,
        )
        if data is None:
            raise ScriptError(f"no {choice_id!r} button under {message['text'][:120]!r}")
        self._sent(("tap", data))
        self._tapped_on = int(message["message_id"])
        self.board.fake.press(self.user_id, self._tapped_on, data)

    async def _again(self) -> None:
        """Nothing new for `patience` seconds: send the last answer again, as people do."""
        if self._last is None:
            return
        self.retypes += 1
        kind, value = self._last
        if kind == "say":
            self.board.fake.say(self.user_id, value)
        else:
            self.board.fake.press(self.user_id, self._tapped_on, value)


@dataclass
class Result:
    """One run: its readers (who keep their own counts), the Bot API message calls, the 429s and the
    wall seconds."""

    label: str
    people: list[Reader]
    calls: int
    refused: int
    wall: float
    latencies: list[float] = field(default_factory=list)

    def line(self) -> str:
        """The run as one row of the results table."""
        done = sum(p.finished for p in self.people)
        answers = sum(p.answers for p in self.people)
        lat = [t for p in self.people for t in p.latencies]
        p50, p99 = (percentile(lat, 0.5), percentile(lat, 0.99)) if lat else (0.0, 0.0)
        per_answer = self.calls / max(answers, 1)
        return (
            f"  {self.label:<26}{done:>5}/{len(self.people):<5}{per_answer:>10.2f}"
            f"{p50:>9.2f}{p99:>9.2f}{sum(p.retypes for p in self.people):>9}"
            f"{sum(p.asked_again for p in self.people):>8}"
            f"{sum(p.out_of_order for p in self.people):>8}{self.refused:>7}{self.wall:>8.0f}"
        )


def _header() -> str:
    return (
        f"  {'':<26}{'finished':>11}{'calls/ans':>10}{'p50 s':>9}{'p99 s':>9}{'retyped':>9}"
        f"{'twice':>8}{'order':>8}{'429s':>7}{'wall s':>8}"
    )


async def run(label: str, people: int, think: float, patience: float, backend: str) -> Result:
    """One run of `people` readers against a rate-limited `screenbot run` and a fake enforcing
    Telegram's limits; prints its row and audit."""
    catalog = bundled_catalog()
    flow: Flow = catalog.flow(FLOW_ID)
    finder = QuestionFinder(catalog, flow)
    limits = FloodLimits()
    async with fresh_database(backend) as (database, _), switchboard(limits) as board:
        bot = screenbot_process(board, database.url, rate_limit=True)
        await bot.start()
        try:
            readers = [
                Reader(board, 3000 + n, think, flow=flow, finder=finder, patience=patience)
                for n in range(people)
            ]
            before = sum(len(board.fake.called(m)) for m in MESSAGE_METHODS)
            started = time.perf_counter()
            async with asyncio.timeout(people * 6 + 600):
                async with asyncio.TaskGroup() as group:
                    for reader in readers:
                        group.create_task(reader.screen())
            wall = time.perf_counter() - started
            calls = sum(len(board.fake.called(m)) for m in MESSAGE_METHODS) - before
            result = Result(label, readers, calls, limits.refused, wall)
            checked = await audit(database, list(readers))
            print(result.line())
            print(
                f"    audit: {checked.completed}/{checked.screenings} completed,"
                f" {checked.answers_stored}/{checked.answers_expected} answers stored,"
                f" {checked.lost} lost, {checked.doubled} doubled"
            )
            return result
        finally:
            await bot.stop()


def verdict(results: Sequence[Result]) -> bool:
    """Print each run against the targets; whether every run met them."""
    met = True
    for result in results:
        answers = sum(p.answers for p in result.people)
        calls = result.calls / max(answers, 1)
        every = all(p.finished for p in result.people)
        twice = sum(p.asked_again for p in result.people)
        order = sum(p.out_of_order for p in result.people)
        ok = every and calls <= CALLS_TARGET and not twice and not order
        print(
            f"  {result.label}: everyone finished {every}, calls/answer {calls:.2f}"
            f" (<= {CALLS_TARGET}), asked twice {twice}, out of order {order}"
            f" -> {'met' if ok else 'NOT met'}"
        )
        met = met and ok
    return met


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--think", type=float, default=10.0, help="mean seconds per answer")
    parser.add_argument(
        "--patience", type=float, default=10.0, help="seconds of silence before retyping"
    )
    parser.add_argument(
        "--impatient",
        type=float,
        default=3.0,
        help="seconds of silence before retyping, in the third run (less than a reply takes)",
    )
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    args = parser.parse_args(argv)
    if args.quick:
        args.people, args.think = min(args.people, 20), min(args.think, 2.0)
    return args


async def main_async(args: argparse.Namespace) -> int:
    """The three runs; 0 if every one met the targets, or PostgreSQL was asked for and is not
    there."""
    print(
        f"screenbot over Telegram at its real limits: {os.cpu_count()} CPUs, rate limiter on,"
        f" fake Bot API enforcing 30 msg/s per bot and ~1 msg/s per chat; {args.backend}"
    )
    print(_header())
    try:
        thinking = await run(
            f"{args.people}, ~{args.think:g} s to answer",
            args.people,
            args.think,
            args.patience,
            args.backend,
        )
        hurried = await run(
            f"{args.people}, answering at once", args.people, 0.0, args.patience, args.backend
        )
        impatient = await run(
            f"{args.people}, at once, retyping", args.people, 0.0, args.impatient, args.backend
        )
    except BackendUnavailable as exc:
        print(f"  skipped: {exc}")
        return 0
    return 0 if verdict([thinking, hurried, impatient]) else 1


def main(argv: Sequence[str] | None = None) -> int:
    """The limits run as the command line asks; 0 if every run met the targets."""
    return asyncio.run(main_async(_parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
