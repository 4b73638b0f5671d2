"""Engine scripts: drive `step` with plain calls on a tiny catalog whose answers we know."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from screenbot.content.catalog import Catalog
from screenbot.content.models import MultiChoiceQuestion, Question, SingleChoiceQuestion
from screenbot.engine.events import ChoicePicked, InboundEvent, Started, TextReceived
from screenbot.engine.machine import Context, StepResult, prompt_key, step
from screenbot.engine.messages import Outbound
from screenbot.engine.state import QuestionRef, ScreeningState, Stage

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


PROFILE = ["Ayesha Khan", "ayesha@example.com", "4", "Karachi", "250k", "hybrid"]


class Script:
    """One candidate talking to the engine; each event moves the clock on by `pace` seconds."""

    def __init__(self, catalog: Catalog, seed: int = 1, pace: float = 5.0) -> None:
        self.catalog = catalog
        self.seed = seed
        self.pace = pace
        self.now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
        self.state: ScreeningState | None = None
        self.last: StepResult | None = None
        self.seen: frozenset[QuestionRef] = frozenset()

    def send(self, event: InboundEvent) -> tuple[Outbound, ...]:
        self.now += timedelta(seconds=self.pace)
        context = Context(self.catalog, self.now, random.Random(self.seed), self.seen)
        self.last = step(self.state, event, context)
        self.state = self.last.state
        return self.last.outbound

    def say(self, text: str) -> tuple[Outbound, ...]:
        return self.send(TextReceived(text))

    def pick(self, *ids: str) -> tuple[Outbound, ...]:
        assert self.state is not None
        return self.send(ChoicePicked(prompt_key(self.state), ids))

    def reach_questions(self, flow: str = "mini") -> None:
        """Consent, the standard profile and a yes to the knockout: the questions begin."""
        self.send(Started(flow))
        self.say("yes")
        for answer in PROFILE:
            self.say(answer)
        self.say("yes")
        assert self.state is not None
        assert self.state.stage is Stage.QUESTIONS

    @property
    def current(self) -> Question:
        assert self.state is not None
        ref = self.state.plan[self.state.step]
        return self.catalog.banks[ref.bank].question(ref.question)


def correct_reply(question: Question) -> InboundEvent:
    """What a candidate who knows everything would answer."""
    if isinstance(question, SingleChoiceQuestion | MultiChoiceQuestion):
        return TextReceived(
            ",".join(str(i) for i, c in enumerate(question.choices, 1) if c.correct)
        )
    if question.type == "yes_no":
        return TextReceived("yes" if question.answer else "no")
    if question.type == "numeric":
        value = question.answer if question.answer is not None else question.ranges[0].min
        return TextReceived(str(value))
    return TextReceived(question.reference_answer)
