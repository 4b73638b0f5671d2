"""Answers a simulated candidate gives, worked out from the bank: right, wrong, or unreadable.

Shared by the golden transcripts and the benchmarks, so a script says "answer it right" instead
of hard-coding option numbers that change whenever a bank grows.
"""

from __future__ import annotations

from screenbot.content.catalog import Catalog
from screenbot.content.models import (
    FreeTextQuestion,
    MultiChoiceQuestion,
    NumericQuestion,
    Question,
    SingleChoiceQuestion,
    YesNoQuestion,
)
from screenbot.engine.events import ChoicePicked, InboundEvent, TextReceived
from screenbot.engine.messages import Ask


def right_answer(question: Question, prompt_key: str | None = None) -> InboundEvent:
    """What a candidate who knows everything would send: a button press under `prompt_key`
    where the question has buttons and a key is given, typed text otherwise."""
    buttons = prompt_key is not None
    if isinstance(question, SingleChoiceQuestion | MultiChoiceQuestion):
        ids = tuple(c.id for c in question.choices if c.correct)
        if buttons:
            return ChoicePicked(str(prompt_key), ids)
        numbers = [str(i) for i, c in enumerate(question.choices, 1) if c.correct]
        return TextReceived(",".join(numbers))
    if isinstance(question, YesNoQuestion):
        word = "yes" if question.answer else "no"
        return ChoicePicked(str(prompt_key), (word,)) if buttons else TextReceived(word)
    if isinstance(question, NumericQuestion):
        value = question.answer if question.answer is not None else question.ranges[0].min
        return TextReceived(f"{value:g}")
    assert isinstance(question, FreeTextQuestion)
    return TextReceived(question.reference_answer)


def wrong_answer(question: Question, prompt_key: str | None = None) -> InboundEvent:
    """A valid answer that scores nothing (or little); pressed or typed as `right_answer`."""
    buttons = prompt_key is not None
    if isinstance(question, SingleChoiceQuestion | MultiChoiceQuestion):
        wrong = [(i, c.id) for i, c in enumerate(question.choices, 1) if not c.correct]
        number, choice_id = wrong[0] if wrong else (1, question.choices[0].id)
        return ChoicePicked(str(prompt_key), (choice_id,)) if buttons else TextReceived(str(number))
    if isinstance(question, YesNoQuestion):
        word = "no" if question.answer else "yes"
        return ChoicePicked(str(prompt_key), (word,)) if buttons else TextReceived(word)
    if isinstance(question, NumericQuestion):
        highest = max([question.answer or 0.0, *(r.max for r in question.ranges)])
        return TextReceived(f"{highest + question.tolerance + 1000:g}")
    return TextReceived("Not sure, honestly; I would look it up and ask a colleague.")


def unreadable_answer(question: Question) -> InboundEvent:
    """Typed text the question cannot take as an answer, so the bot asks again: a word where
    options are numbered, neither yes nor no, no number at all, or too short to be a sentence."""
    if isinstance(question, SingleChoiceQuestion | MultiChoiceQuestion):
        return TextReceived("yes")
    if isinstance(question, YesNoQuestion):
        return TextReceived("maybe")
    if isinstance(question, NumericQuestion):
        return TextReceived("lots")
    return TextReceived("?")


def question_asked(catalog: Catalog, flow_id: str, ask: Ask) -> Question:
    """The bank question an Ask shows, found by its text among the flow's banks."""
    flow = catalog.flow(flow_id)
    shown = [
        q for s in flow.sections for q in catalog.banks[s.bank].questions if q.text in ask.text
    ]
    if not shown:
        raise LookupError(f"no question of flow {flow_id} matches the prompt {ask.text!r}")
    return max(shown, key=lambda q: len(q.text))
