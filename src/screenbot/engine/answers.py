"""Reading a candidate's reply to a bank question into a typed answer, or a reason to re-ask."""

from __future__ import annotations

import re
from dataclasses import dataclass

from screenbot.content.models import (
    FreeTextQuestion,
    MultiChoiceQuestion,
    NumericQuestion,
    Question,
    SingleChoiceQuestion,
    YesNoQuestion,
)
from screenbot.engine.events import ChoicePicked, TextReceived
from screenbot.engine.messages import Option
from screenbot.engine.profile import Invalid
from screenbot.engine.replies import YES_OR_NO

# What people type for yes and no, in English, Roman Urdu and Urdu script.
_YES = frozenset(
    {
        "yes",
        "y",
        "yeah",
        "yep",
        "sure",
        "ok",
        "okay",
        "true",
        "agree",
        "i agree",
        "haan",
        "han",
        "ji",
        "jee",
        "ji haan",
        "ہاں",
        "جی",
        "جی ہاں",
    }
)
_NO = frozenset(
    {"no", "n", "nope", "nah", "false", "nahi", "nahin", "no thanks", "نہیں", "جی نہیں"}
)
_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")
YES_NO_OPTIONS = (Option("yes", "Yes"), Option("no", "No"))


@dataclass(frozen=True)
class Answer:
    """A reply in the form its question is scored by; `raw` is what the store keeps."""

    raw: str
    choices: tuple[str, ...] = ()
    number: float | None = None
    flag: bool | None = None


def read_yes_no(reply: TextReceived | ChoicePicked) -> bool | None:
    """Yes, no, or None when the reply is neither, in any of the ways people say them."""
    if isinstance(reply, ChoicePicked):
        picked = reply.choice_ids[0] if len(reply.choice_ids) == 1 else ""
    else:
        picked = re.sub(r"[^\w\s]", "", reply.text).strip().lower()
    if picked in _YES:
        return True
    if picked in _NO:
        return False
    return None


def choice_options(question: SingleChoiceQuestion | MultiChoiceQuestion) -> tuple[Option, ...]:
    """A choice question's choices as the options a channel shows."""
    return tuple(Option(c.id, c.text) for c in question.choices)


def _read_choices(
    question: SingleChoiceQuestion | MultiChoiceQuestion, reply: TextReceived | ChoicePicked
) -> tuple[str, ...] | Invalid:
    ids = [c.id for c in question.choices]
    count = len(ids)
    if isinstance(reply, ChoicePicked):
        picked = list(reply.choice_ids)
    else:
        picked = []
        for token in re.split(r"[\s,;]+", reply.text.strip().lower()):
            if token.isdigit() and 1 <= int(token) <= count:
                picked.append(ids[int(token) - 1])
            elif token in ids:
                picked.append(token)
            elif token:
                return Invalid(f"Please answer with the number of an option, 1 to {count}.")
    if not picked or any(p not in ids for p in picked):
        return Invalid(f"Please answer with the number of an option, 1 to {count}.")
    unique = tuple(dict.fromkeys(picked))
    if isinstance(question, SingleChoiceQuestion) and len(unique) != 1:
        return Invalid("Please pick just one option.")
    return tuple(sorted(unique, key=ids.index))


def read_answer(question: Question, reply: TextReceived | ChoicePicked) -> Answer | Invalid:
    """A reply in the form its question is scored by, or why it must be asked again."""
    if isinstance(question, SingleChoiceQuestion | MultiChoiceQuestion):
        choices = _read_choices(question, reply)
        if isinstance(choices, Invalid):
            return choices
        return Answer(raw=",".join(choices), choices=choices)
    if isinstance(question, YesNoQuestion):
        flag = read_yes_no(reply)
        if flag is None:
            return Invalid(YES_OR_NO)
        return Answer(raw="yes" if flag else "no", flag=flag)
    if isinstance(reply, ChoicePicked):
        return Invalid("Please type your answer.")
    text = reply.text.strip()
    if isinstance(question, NumericQuestion):
        match = _NUMBER.search(text.replace(",", ""))
        if match is None:
            return Invalid("Please answer with a number.")
        return Answer(raw=text, number=float(match[0]))
    assert isinstance(question, FreeTextQuestion)
    if len(text) < 2:
        return Invalid("Please answer in a sentence or two.")
    return Answer(raw=text)
