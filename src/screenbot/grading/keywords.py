"""Keywords: whether a rubric concept's keyword phrase appears in a text.

The old grader's signal, kept as one signal among several: a keyword in the closest sentence
adds a little to its similarity, and a reference answer's sentences that name a concept's
keywords stand in for references the concept lacks. Matching is the engine's own (folded Latin
stems, forgiving a typo or a plural), never what the model reads.
"""

from __future__ import annotations

from functools import lru_cache

from screenbot.engine.scoring import mentions as _mentioned_in
from screenbot.engine.scoring import normalise


@lru_cache(maxsize=65536)
def mentions(text: str, keyword: str) -> bool:
    """Whether a keyword phrase appears in the text, forgiving a typo or a plural."""
    return _mentioned_in(normalise(text), keyword)
