"""Keywords: whether a rubric concept's keyword phrase appears in a text.

The old grader's signal, kept as one signal among several: a keyword in the closest sentence
adds a little to its similarity, and a reference answer's sentences that name a concept's
keywords stand in for references the concept lacks. Matching forgives a typo or a plural and
works on folded Latin stems, never on what the model reads.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from rapidfuzz import fuzz

_NON_WORD = re.compile(r"[^a-z0-9+#]+")


def _stem(token: str) -> str:
    for suffix, keep in (("ies", "y"), ("sses", "ss"), ("es", ""), ("s", "")):
        if token.endswith(suffix) and len(token) - len(suffix) >= 3 and not token.endswith("ss"):
            return token[: -len(suffix)] + keep
    return token


@lru_cache(maxsize=16384)
def keyword_form(text: str) -> tuple[str, ...]:
    """Lower-case Latin word stems, for keyword matching only (never for what the model reads)."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return tuple(_stem(t) for t in _NON_WORD.split(folded.replace("-", " ")) if t)


@lru_cache(maxsize=65536)
def mentions(text: str, keyword: str) -> bool:
    """Whether a keyword phrase appears in the text, forgiving a typo or a plural."""
    wanted = keyword_form(keyword)
    have = keyword_form(text)
    if not wanted or len(have) < len(wanted):
        return False
    phrase = " ".join(wanted)
    size = len(wanted)
    threshold = 101.0 if len(phrase) <= 3 else 80.0 if len(phrase) <= 6 else 85.0
    for start in range(len(have) - size + 1):
        window = " ".join(have[start : start + size])
        if window == phrase or fuzz.ratio(window, phrase) >= threshold:
            return True
    return False
