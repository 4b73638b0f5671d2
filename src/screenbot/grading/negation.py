"""Negation: whether a sentence denies what it says ("salting does not help").

A denial must not earn the credit its words would otherwise earn, so every unit of an answer and
every reference is marked negated or not. Only the main clause counts: a negation inside a
purpose, reason or result clause ("so that keys do not expire together") denies nothing the
sentence claims, and fixed phrases such as "not only" are no denials at all.
"""

from __future__ import annotations

import re

from screenbot.grading.tokens import words

# Words that deny what follows or precedes them, in English, Roman Urdu and Urdu script.
_NEGATIONS = frozenset(
    [
        "not",
        "no",
        "never",
        "none",
        "nothing",
        "nobody",
        "neither",
        "nor",
        "cannot",
        "cant",
        "can't",
        "won't",
        "wont",
        "don't",
        "dont",
        "doesn't",
        "doesnt",
        "isn't",
        "isnt",
        "aren't",
        "arent",
        "wasn't",
        "wasnt",
        "weren't",
        "shouldn't",
        "shouldnt",
        "wouldn't",
        "wouldnt",
        "mustn't",
        "needn't",
        "hasn't",
        "haven't",
        "hadn't",
        "didn't",
        "didnt",
        "nahi",
        "nahin",
        "nahee",
        "nai",
        "na",
        "mat",
        "نہیں",
        "نہ",
        "مت",
    ]
)
# Words that open a purpose, reason or result clause: a negation after them does not deny the
# sentence's claim ("add jitter so that keys do not all expire together").
_SUBORDINATE_WORDS = (
    r"so that|so|in order that|to avoid|to prevent|otherwise|because|since|as long as|unless|"
    r"until|taake|takay|taki|warna|kyunke|kyunki|jab tak|تاکہ|ورنہ|کیونکہ|جب تک"
)
_SUBORDINATE = re.compile(rf"^(?:and |but |aur |or )?(?:{_SUBORDINATE_WORDS})\b\s*")
_SUBORDINATE_ANYWHERE = re.compile(rf"[,;:]?\s+(?:{_SUBORDINATE_WORDS})\b")

# "not only", "no longer needed"... stay negations; these phrases are not denials.
_NOT_DENIALS = (
    re.compile(r"\bnot only\b", re.I),
    re.compile(r"\bno matter\b", re.I),
    re.compile(r"\bwhether or not\b", re.I),
    re.compile(r"\bif not\b", re.I),
)


def main_clause(text: str) -> str:
    """The part of a sentence that makes its claim: what comes before a purpose, reason or
    result ("add jitter | so that keys do not expire together"), or, for a piece that starts
    with such a word, what follows it up to the next one."""
    lowered = text.lower().strip()
    lead = _SUBORDINATE.match(lowered)
    if lead:
        lowered = lowered[lead.end() :]
    return _SUBORDINATE_ANYWHERE.split(lowered, maxsplit=1)[0]


def is_negated(text: str) -> bool:
    """Whether the text's main clause denies something: a negation word, not in a fixed phrase
    ("not only", "whether or not"), before any "so that", "because", "taake"..."""
    lowered = main_clause(text)
    for phrase in _NOT_DENIALS:
        lowered = phrase.sub(" ", lowered)
    tokens = words(lowered)
    return any(t in _NEGATIONS or t.endswith("n't") for t in tokens)
