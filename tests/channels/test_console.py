"""The terminal channel: numbered options, quitting and resuming by name, crash recovery."""

from __future__ import annotations

from collections.abc import Iterable

from screenbot.channels.console import ConsoleChat, ReadLine, to_event
from screenbot.content.catalog import Catalog
from screenbot.engine.events import ChoicePicked, Started, TextReceived
from screenbot.engine.messages import Ask, Option
from screenbot.engine.state import Stage
from screenbot.service import Identity, Inbound, ScreeningService
from tests.conftest import Clock
from tests.engine.conftest import correct_reply
from tests.service.conftest import PROFILE, Person

ASK = Ask("q3", "Which?", (Option("a", "A"), Option("b", "B"), Option("c", "C")), multi=True)


def lines(items: Iterable[str]) -> ReadLine:
    queue = list(items)

    async def read() -> str | None:
        return queue.pop(0) if queue else None

    return read


def test_numbers_pick_the_options_on_screen() -> None:
    assert to_event("1, 3", ASK) == ChoicePicked("q3", ("a", "c"))
    assert to_event("2", ASK) == ChoicePicked("q3", ("b",))


def test_numbers_out_of_range_or_without_options_stay_text() -> None:
    assert to_event("7", ASK) == TextReceived("7")
    assert to_event("5432", Ask("q4", "Port?")) == TextReceived("5432")
    assert to_event("/start mini", ASK) == Started("mini")


async def test_a_candidate_quits_and_resumes_by_name(
    service: ScreeningService, clock: Clock
) -> None:
    out: list[str] = []
    first = ConsoleChat(service, "sara", lines(["1", *PROFILE[:2], "/quit"]), out.append, clock)
    await first.run("backend-karachi")
    assert out[-1].startswith("Bye for now")
    assert "What email address" in out[-3]

    out.clear()
    again = ConsoleChat(service, "sara", lines([]), out.append, clock)
    await again.run("backend-karachi")
    assert "Welcome back! Let's pick up where you left off." in out
    assert out[out.index("Welcome back! Let's pick up where you left off.") + 1].startswith(
        "How many years"
    )


async def test_a_whole_screening_in_the_terminal_ends_on_the_thank_you(
    service: ScreeningService, catalog: Catalog, clock: Clock
) -> None:
    person = Person(service, clock, name="console-user")
    await person.reach_questions()

    async def answer_right() -> str | None:
        """The right answer to the question on screen (an adaptive flow picks each next one
        from the answers before it)."""
        state = await person.state()
        if state.stage is not Stage.QUESTIONS:
            return None
        event = correct_reply(await person.current_question(catalog))
        assert isinstance(event, TextReceived)
        return event.text

    out: list[str] = []
    chat = ConsoleChat(service, "console-user", answer_right, out.append, clock)
    chat.identity = person.identity
    await chat.run(None)
    assert out[-1].startswith("That's everything — thank you, Ayesha!")
    final = await person.state()
    assert final.stage is Stage.COMPLETED
    assert final.passed is True
    assert final.ability is not None


async def test_replies_lost_in_a_crash_are_shown_on_the_next_run(
    service: ScreeningService, clock: Clock
) -> None:
    who = Identity("console", "omar", address="omar", display_name="omar")
    await service.handle(Inbound("crash:1", who, Started("backend-karachi"), clock.tick()))
    out: list[str] = []
    await ConsoleChat(service, "omar", lines(["/quit"]), out.append, clock).run("backend-karachi")
    assert out[0].startswith("Hi! This is the screening for Backend Developer, Karachi.")
    assert out.count("Welcome back! Let's pick up where you left off.") == 1
    assert await service.outbox.pending("console") == []
