# ruff: noqa: RUF001  (the typographic apostrophe is data here)
"""Words: the one way every reading of an answer cuts text into words, in any script.

Negation, claims, bare lists of terms and the cutting of sentences into clauses all count words;
they must agree on what a word is (apostrophes kept, so "don't" stays one word).
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[\w'’]+", re.UNICODE)


def words(text: str) -> list[str]:
    """Lower-case words, apostrophes kept (don't), in any script."""
    return [w.lower().replace("’", "'") for w in _WORD.findall(text)]
