# ruff: noqa: RUF001, RUF003  (Urdu script and typographic dashes are data here)
"""Sentences and clauses: the units of an answer that the model compares with the rubric.

An answer is cut into sentences (Latin and Urdu full stops, line breaks, bullets, numbered
items), and a sentence with several clauses into its clauses as well, so that one right clause
in a long sentence can earn a concept. Each unit keeps the candidate's text exactly as typed,
the sentence it came from (quoted as evidence), and what the model reads.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from screenbot.grading.claims import makes_claim
from screenbot.grading.negation import is_negated
from screenbot.grading.tokens import words
from screenbot.grading.urdu import model_view

# Sentence ends in Latin and Urdu script (۔ full stop, ؟ question mark), line breaks and bullets.
_SENTENCE_END = re.compile(r"(?<=[.!?;۔؟])\s+|\n+|(?:^|\s)[•·▪◦]\s*|\s+(?=\d\)\s)")
# Where a long sentence divides into clauses: commas, colons, dashes and linking words.
_CLAUSE_BREAK = re.compile(
    r"\s*[,:،]\s+|\s+[-–—]\s+|\s+(?=(?:and|but|so|because|otherwise|while|whereas|then|or|"
    r"aur|lekin|magar|warna|taake|kyunke|ya|phir|اور|لیکن|مگر|ورنہ|تاکہ|کیونکہ|یا|پھر)\s)",
    re.IGNORECASE,
)

MAX_UNIT_WORDS = 60
MAX_UNITS = 80


@dataclass(frozen=True)
class Unit:
    """A stretch of the answer the model compares: a sentence, or a clause of a long one."""

    text: str  # exactly as the candidate typed it
    sentence: str  # the sentence it comes from, quoted as evidence
    model_text: str  # what the model reads
    negated: bool
    claims: bool  # says something (a verb, a pronoun, a linking word), not just names terms


def _chunks(text: str) -> list[str]:
    tokens = text.split()
    if len(tokens) <= MAX_UNIT_WORDS:
        return [text]
    return [" ".join(tokens[i : i + MAX_UNIT_WORDS]) for i in range(0, len(tokens), MAX_UNIT_WORDS)]


def sentences(text: str) -> list[str]:
    """The sentences of `text`, the longest cut into pieces of at most 60 words."""
    cleaned = unicodedata.normalize("NFKC", text).replace("\r", "\n")
    found = [s.strip() for s in _SENTENCE_END.split(cleaned) if s and s.strip()]
    out: list[str] = []
    for s in found:
        out.extend(_chunks(s))
    return out


_PRONOUN_START = frozenset(
    [
        "it",
        "its",
        "it's",
        "this",
        "that",
        "these",
        "those",
        "they",
        "them",
        "he",
        "she",
        "ye",
        "yeh",
        "woh",
        "wo",
        "isay",
        "usay",
        "یہ",
        "وہ",
        "اسے",
    ]
)


def _leans_back(piece: str) -> bool:
    """A piece that starts with a pronoun is read together with the piece before it."""
    first = words(piece[:40])
    return bool(first) and first[0] in _PRONOUN_START


# A clause opening with one of these only sets a condition ("when the probe fails"); it says
# something only together with the clause that follows it.
_CONDITION_START = frozenset(
    [
        *("when", "whenever", "if", "once", "unless", "until", "after", "before"),
        *("jab", "agar", "جب", "اگر"),
    ]
)


def _joined(clauses: Iterable[str]) -> list[str]:
    """Clauses, each condition joined to the clause after it."""
    out: list[str] = []
    pending = ""
    for clause in clauses:
        clause = f"{pending}, {clause}" if pending else clause
        first = words(clause[:20])
        pending = clause if first and first[0] in _CONDITION_START and not pending else ""
        if not pending:
            out.append(clause)
    if pending:
        out.append(pending)
    return out


def units(text: str) -> list[Unit]:
    """Sentences, and for a sentence with more than one clause its clauses as well."""
    out: list[Unit] = []
    previous_sentence = ""
    for sentence in sentences(text):
        pieces = [(sentence, previous_sentence)]
        clauses = _joined(c.strip() for c in _CLAUSE_BREAK.split(sentence) if c and c.strip())
        clauses = [c for c in clauses if len(words(c)) >= 2]
        if len(clauses) > 1:
            pieces.extend(
                (c, clauses[i - 1] if i else previous_sentence) for i, c in enumerate(clauses)
            )
        for piece, before in pieces:
            if not words(piece):
                continue
            seen = f"{before} {piece}" if before and _leans_back(piece) else piece
            out.append(
                Unit(
                    text=piece,
                    sentence=sentence,
                    model_text=model_view(seen),
                    negated=is_negated(piece),
                    claims=makes_claim(piece) or len(words(piece)) > 6,
                )
            )
            if len(out) >= MAX_UNITS:
                return out
        previous_sentence = sentence
    return out
