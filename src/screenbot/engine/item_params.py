"""Which 2PL parameters a question is scored with: calibrated ones where there are enough
answers, its prior otherwise.

A question's prior comes from its bank (YAML `difficulty`, or explicit `irt: {a, b}`).
Calibrated parameters come in from outside as plain values (`Calibrations`), keyed by bank,
bank version and question: a question edited since it was calibrated is a new bank version,
and starts again from its prior. The engine never reads them from anywhere itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from screenbot.content.models import FreeTextQuestion, Question
from screenbot.engine.irt import ItemParams, prior_params

#: (bank id, bank version, question id)
ItemKey = tuple[str, str, str]


def question_prior(question: Question) -> ItemParams | None:
    """A question's parameters before calibration, or None for one the model does not read
    (free text)."""
    if isinstance(question, FreeTextQuestion):
        return None
    irt = question.irt
    return prior_params(
        question.difficulty,
        a=irt.a if irt is not None else None,
        b=irt.b if irt is not None else None,
    )


@dataclass(frozen=True)
class Calibrations:
    """Calibrated parameters to use instead of priors, by (bank, bank version, question);
    `stamp` names this set, so what was built from one set is rebuilt for another."""

    params: Mapping[ItemKey, ItemParams] = field(default_factory=dict)
    stamp: str = field(default="", init=False)

    def __post_init__(self) -> None:
        frozen = MappingProxyType(dict(self.params))
        digest = hashlib.sha256()
        for key in sorted(frozen):
            p = frozen[key]
            digest.update(f"{key}:{p.a!r}:{p.b!r};".encode())
        object.__setattr__(self, "params", frozen)
        object.__setattr__(self, "stamp", digest.hexdigest()[:16] if frozen else "")

    @classmethod
    def of(cls, entries: Iterable[tuple[ItemKey, ItemParams]]) -> Calibrations:
        """A set from (key, parameters) pairs."""
        return cls(dict(entries))

    def __len__(self) -> int:
        return len(self.params)

    def params_for(self, bank: str, version: str, question: Question) -> ItemParams | None:
        """What `question` of `bank` at `version` is scored with: its calibrated parameters if
        any, else its prior; None for free text."""
        prior = question_prior(question)
        if prior is None:
            return None
        return self.params.get((bank, version, question.id), prior)


#: No calibrated parameters at all: every question on its prior.
NO_CALIBRATIONS = Calibrations()
