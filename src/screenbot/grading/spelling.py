"""Spelling: misspelt words mended towards the rubric's own words, in what the model reads.

A word the model does not know ("bilions") reads as noise; mended to the one rubric word it is
close to ("billions") it carries its meaning. The candidate's text, which evidence quotes, is
never changed.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from rapidfuzz.distance import OSA

_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'-]{3,}")


def rubric_vocabulary(texts: list[str]) -> frozenset[str]:
    """The Latin words (four letters or more) a rubric uses: what misspellings are corrected to."""
    return frozenset(w.lower() for t in texts for w in _LATIN_WORD.findall(t))


def correct_spelling(text: str, vocabulary: frozenset[str], known: Callable[[str], bool]) -> str:
    """Misspelt words mended towards the rubric's own words ("bilions" -> "billions").

    Only a word the model does not know whole and the rubric does not use, one or two edits
    from exactly one rubric word, is changed, and only in what the model reads.
    """

    def mend(match: re.Match[str]) -> str:
        word = match.group(0)
        lowered = word.lower()
        if lowered in vocabulary or known(lowered):
            return word
        limit = 1 if len(lowered) <= 6 else 2
        near = [v for v in vocabulary if abs(len(v) - len(lowered)) <= limit and v[0] == lowered[0]]
        near = [v for v in near if OSA.distance(lowered, v, score_cutoff=limit) <= limit]
        return near[0] if len(near) == 1 else word

    return _LATIN_WORD.sub(mend, text)
