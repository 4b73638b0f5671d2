"""Adaptive questioning: which question next, and when to stop.

The next question is the most informative one at the candidate's current ability estimate,
within the rules of the flow:

- content balance: each section (a bank) has a minimum and a maximum number of questions.
  A section at its maximum is closed; once the questions left are only just enough to bring
  every section up to its minimum, only sections below their minimum are open.
- never a question the candidate has answered or seen before;
- exposure control: the pick is drawn at random among the top `top_k` (questions tied with the
  k-th best count as top too, so equal questions share the exposure), and a question already
  shown `exposure_cap` times is left out while anything else is open;
- stop at `max_questions`, or earlier once the standard error is at most `target_se` and every
  section has its minimum.

Everything comes in as plain values: an `ItemPool` (built once per flow and content version and
reused), the rules, the responses so far, and a random source the caller seeded. The same
inputs give the same question.

Questions outside the pool (free text, graded after the fact) may appear among the responses
with no value: they count towards `max_questions` and their section's counts, never towards
the estimate.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

import numpy as np
import numpy.typing as npt

from screenbot.engine.irt import Estimate, FloatArray, ItemParams, eap_arrays, probabilities

BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.intp]


class RandomSource(Protocol):
    """`random.Random` or `numpy.random.Generator`, seeded by the caller."""

    def random(self) -> float:
        """A uniform draw from [0, 1)."""
        ...


class QuestionKey(Protocol):
    """Anything naming a bank question: the engine's question references, responses, items."""

    @property
    def bank(self) -> str:
        """The bank's id."""
        ...

    @property
    def question(self) -> str:
        """The question's id within its bank."""
        ...


@dataclass(frozen=True, slots=True)
class PoolItem:
    """A question adaptive selection may ask: auto-scored, with its current parameters."""

    bank: str
    question: str
    params: ItemParams


@dataclass(frozen=True, slots=True)
class Response:
    """A question asked in this screening and the response the model reads from its answer:
    0..1 (see `irt.response_value`), or None for one the model does not read (free text)."""

    bank: str
    question: str
    value: float | None

    def __post_init__(self) -> None:
        if self.value is not None and not 0.0 <= self.value <= 1.0:
            raise ValueError(f"a response must be between 0 and 1, not {self.value}")


@dataclass(frozen=True, slots=True)
class SectionRule:
    """How many questions a section (one bank) gets, and its weight in `total`."""

    bank: str
    min: int = 0
    max: int | None = None
    weight: float = 1.0

    def __post_init__(self) -> None:
        if self.min < 0 or (self.max is not None and self.max < self.min):
            raise ValueError(f"section {self.bank}: need 0 <= min <= max")
        if not self.weight > 0:
            raise ValueError(f"section {self.bank}: weight must be positive")


@dataclass(frozen=True, slots=True)
class AdaptiveRules:
    """A flow's rules for choosing and stopping: content balance per section, the most
    questions (`max_questions`, free text included), the standard error to stop at (0: never
    early), how many of the best questions the pick is drawn from (`top_k`), and how many
    screenings may show one question before it is left out (`exposure_cap`, None: no cap)."""

    sections: tuple[SectionRule, ...]
    max_questions: int = 12
    target_se: float = 0.0
    top_k: int = 4
    exposure_cap: int | None = None

    def __post_init__(self) -> None:
        if self.max_questions < 1 or self.top_k < 1:
            raise ValueError("max_questions and top_k must be at least 1")
        banks = [s.bank for s in self.sections]
        if len(set(banks)) != len(banks):
            raise ValueError("a bank has two section rules")
        if sum(s.min for s in self.sections) > self.max_questions:
            raise ValueError("the section minimums add up to more than max_questions")


def section_rules(
    sections: Iterable[tuple[str, int, float]], max_questions: int, slack: int = 1
) -> tuple[SectionRule, ...]:
    """Balance rules from a flow's fixed-form sections, (bank, pick, weight) each: every section
    gets its share of `max_questions` in proportion to its pick, rounded down for the minimum
    and up for the maximum, widened by `slack` either way."""
    given = list(sections)
    picks = sum(pick for _, pick, _ in given)
    rules = []
    for bank, pick, weight in given:
        share = pick * max_questions / picks
        rules.append(
            SectionRule(
                bank,
                min=max(0, math.floor(share) - slack),
                max=math.ceil(share) + slack,
                weight=weight,
            )
        )
    return tuple(rules)


class StopReason(StrEnum):
    """Why a screening asks nothing more."""

    MAX_QUESTIONS = "max_questions"
    TARGET_SE = "target_se"
    POOL_EXHAUSTED = "pool_exhausted"


@dataclass(frozen=True, slots=True)
class NextQuestion:
    """The question to ask next, or why to stop; with the estimate it was chosen at."""

    item: PoolItem | None
    estimate: Estimate
    stop: StopReason | None


class ItemPool:
    """A flow's selectable questions as arrays: build once per content version, share freely
    (never changed after construction)."""

    __slots__ = ("_a", "_b", "_index", "_section", "banks", "items")

    def __init__(self, items: Sequence[PoolItem]) -> None:
        self.items: tuple[PoolItem, ...] = tuple(items)
        self._index: dict[tuple[str, str], int] = {}
        for i, item in enumerate(self.items):
            key = (item.bank, item.question)
            if key in self._index:
                raise ValueError(f"{item.bank}/{item.question} is in the pool twice")
            self._index[key] = i
        self.banks: tuple[str, ...] = tuple(dict.fromkeys(item.bank for item in self.items))
        bank_no = {bank: n for n, bank in enumerate(self.banks)}
        self._a: FloatArray = np.array([it.params.a for it in self.items], dtype=float)
        self._b: FloatArray = np.array([it.params.b for it in self.items], dtype=float)
        self._section: IntArray = np.array([bank_no[it.bank] for it in self.items], dtype=np.intp)
        for array in (self._a, self._b, self._section):
            array.setflags(write=False)

    def __len__(self) -> int:
        return len(self.items)

    def index(self, bank: str, question: str) -> int | None:
        """A question's position in `items`, or None when it is not in the pool."""
        return self._index.get((bank, question))

    def estimate(self, responses: Iterable[Response]) -> Estimate:
        """The EAP estimate from the responses to questions in this pool."""
        rows = []
        values = []
        for r in responses:
            if r.value is None:
                continue
            i = self._index.get((r.bank, r.question))
            if i is not None:
                rows.append(i)
                values.append(r.value)
        index = np.array(rows, dtype=np.intp)
        return eap_arrays(self._a[index], self._b[index], np.array(values, dtype=float))

    def expected_total(self, theta: float, weights: Mapping[str, float] | None = None) -> float:
        """The expected share of the pool answered right at ability theta, each section's share
        weighted by `weights` (by bank; banks not named count for nothing; None: equal). Rises
        with theta: a score between 0 and 1 that ranks like the ability estimate."""
        p = probabilities(theta, self._a, self._b)
        if weights is None:
            per_bank = dict.fromkeys(self.banks, 1.0)
        else:
            per_bank = {bank: float(weights.get(bank, 0.0)) for bank in self.banks}
        w = np.array([per_bank[bank] for bank in self.banks])
        if not w.sum() > 0:
            raise ValueError("no weight on any bank of the pool")
        counts = np.bincount(self._section, minlength=len(self.banks)).astype(float)
        shares = np.bincount(self._section, weights=p, minlength=len(self.banks)) / np.maximum(
            counts, 1.0
        )
        w = np.where(counts > 0, w, 0.0)
        return float(shares @ w / w.sum())

    def choose(
        self,
        rules: AdaptiveRules,
        responses: Sequence[Response],
        rng: RandomSource,
        seen: Iterable[QuestionKey] = (),
        exposure: Mapping[tuple[str, str], int] | None = None,
    ) -> NextQuestion:
        """See `next_question`."""
        estimate = self.estimate(responses)
        asked = len(responses)
        if asked >= rules.max_questions:
            return NextQuestion(None, estimate, StopReason.MAX_QUESTIONS)
        rule_of = {s.bank: s for s in rules.sections}
        counts = dict.fromkeys(rule_of, 0)
        for r in responses:
            if r.bank in counts:
                counts[r.bank] += 1
        short = sum(max(0, s.min - counts[s.bank]) for s in rules.sections)
        if short == 0 and estimate.se <= rules.target_se:
            return NextQuestion(None, estimate, StopReason.TARGET_SE)

        open_banks = np.zeros(len(self.banks), dtype=bool)
        below_min = np.zeros(len(self.banks), dtype=bool)
        for n, bank in enumerate(self.banks):
            rule = rule_of.get(bank)
            if rule is None:
                continue
            open_banks[n] = rule.max is None or counts[bank] < rule.max
            below_min[n] = counts[bank] < rule.min
        fresh = np.ones(len(self.items), dtype=bool)
        for key in (
            *((r.bank, r.question) for r in responses),
            *((s.bank, s.question) for s in seen),
        ):
            i = self._index.get(key)
            if i is not None:
                fresh[i] = False

        candidates = fresh & open_banks[self._section]
        if short >= rules.max_questions - asked:
            required = candidates & below_min[self._section]
            if required.any():
                candidates = required
        if rules.exposure_cap is not None and exposure:
            over = np.zeros(len(self.items), dtype=bool)
            for key, shown in exposure.items():
                i = self._index.get(key)
                if i is not None and shown >= rules.exposure_cap:
                    over[i] = True
            under = candidates & ~over
            if under.any():
                candidates = under
        where = np.flatnonzero(candidates)
        if where.size == 0:
            return NextQuestion(None, estimate, StopReason.POOL_EXHAUSTED)

        info = _information(estimate.theta, self._a[where], self._b[where])
        k = min(rules.top_k, where.size)
        kth = np.partition(info, where.size - k)[where.size - k]
        top = where[info >= kth * (1.0 - 1e-9)]
        pick = top[min(int(rng.random() * top.size), top.size - 1)]
        return NextQuestion(self.items[int(pick)], estimate, None)


def _information(theta: float, a: FloatArray, b: FloatArray) -> FloatArray:
    p = probabilities(theta, a, b)
    out: FloatArray = a * a * p * (1.0 - p)
    return out


def next_question(
    pool: ItemPool,
    rules: AdaptiveRules,
    responses: Sequence[Response],
    rng: RandomSource,
    seen: Iterable[QuestionKey] = (),
    exposure: Mapping[tuple[str, str], int] | None = None,
) -> NextQuestion:
    """The next question of an adaptive screening, or the reason to stop.

    `responses`: the questions asked so far in this screening, in order; `seen`: questions the
    candidate met in earlier screenings (never asked again); `exposure`: how many screenings
    have shown each (bank, question), for `rules.exposure_cap`; `rng`: seeded by the caller.
    """
    return pool.choose(rules, responses, rng, seen, exposure)
