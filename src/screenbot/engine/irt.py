"""The two-parameter logistic (2PL) item response model: what an answer says about ability.

A question is described by a discrimination `a` (how sharply it separates weaker from stronger
candidates) and a location `b` (the ability at which half of the candidates answer it right):

    P(right | theta) = 1 / (1 + exp(-a * (theta - b)))

Ability `theta` is on the scale of the candidate population: 0 is the typical candidate, 1 is
one standard deviation above. Estimates are EAP (expected a posteriori): the mean of the
posterior over a fixed grid of abilities, from a standard-normal prior. The posterior standard
deviation is the estimate's standard error; a candidate who answered little keeps a wide one.

Responses are shares of a question's points between 0 and 1. Right/wrong questions give 0 or 1;
a multi-choice question with partial credit gives its share (see `response_value`), which
enters the likelihood as a fractional response, `x log P + (1 - x) log(1 - P)`: the same two
parameters, no extra ones to calibrate.

Pure: no I/O, no clock, no randomness.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

#: YAML `difficulty` 1 (easy) .. 5 (hard) -> prior location b.
DIFFICULTY_B: dict[int, float] = {1: -2.0, 2: -1.0, 3: 0.0, 4: 1.0, 5: 2.0}
#: Prior discrimination of a question with no explicit `irt: {a, b}`.
DEFAULT_A = 1.0

#: Abilities the posterior is evaluated at: -4 .. 4 in steps of 0.1.
GRID: FloatArray = np.linspace(-4.0, 4.0, 81)
GRID.setflags(write=False)
#: log N(0, 1) density on the grid, up to a constant.
_LOG_PRIOR: FloatArray = -0.5 * GRID**2
_LOG_PRIOR.setflags(write=False)


@dataclass(frozen=True, slots=True)
class ItemParams:
    """One question's 2PL parameters, with their standard errors once calibrated."""

    a: float
    b: float
    a_se: float | None = None
    b_se: float | None = None

    def __post_init__(self) -> None:
        if not (math.isfinite(self.a) and self.a > 0):
            raise ValueError(f"discrimination a must be a positive number, not {self.a}")
        if not math.isfinite(self.b):
            raise ValueError(f"location b must be a finite number, not {self.b}")


def prior_params(
    difficulty: int, a: float | None = None, b: float | None = None, *, default_a: float = DEFAULT_A
) -> ItemParams:
    """A question's parameters before calibration: from its YAML `difficulty`, unless the bank
    gives them explicitly (`irt: {a, b}`; either may be given alone)."""
    if difficulty not in DIFFICULTY_B:
        raise ValueError(f"difficulty must be 1 to 5, not {difficulty}")
    return ItemParams(
        a=default_a if a is None else a, b=DIFFICULTY_B[difficulty] if b is None else b
    )


def response_value(points: float, max_points: float, *, partial_credit: bool = True) -> float:
    """The response an answer feeds the model: its share of the points, or (without partial
    credit) 1 for full points and 0 for anything less."""
    if max_points <= 0:
        raise ValueError("max_points must be positive")
    share = min(1.0, max(0.0, points / max_points))
    if partial_credit:
        return share
    return 1.0 if share >= 1.0 - 1e-9 else 0.0


def probability(theta: float, item: ItemParams) -> float:
    """P(right | theta)."""
    z = item.a * (theta - item.b)
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def information(theta: float, item: ItemParams) -> float:
    """Fisher information a question gives about ability at theta: a^2 P (1 - P), largest at
    theta = b."""
    p = probability(theta, item)
    return item.a * item.a * p * (1.0 - p)


def probabilities(theta: float, a: FloatArray, b: FloatArray) -> FloatArray:
    """P(right | theta) for many questions at once."""
    out: FloatArray = 0.5 * (1.0 + np.tanh(0.5 * a * (theta - b)))
    return out


def informations(theta: float, a: FloatArray, b: FloatArray) -> FloatArray:
    """Information at theta for many questions at once."""
    p = probabilities(theta, a, b)
    out: FloatArray = a * a * p * (1.0 - p)
    return out


@dataclass(frozen=True, slots=True)
class Estimate:
    """An ability estimate: posterior mean, posterior SD (the standard error), and how many
    scored answers it rests on."""

    theta: float
    se: float
    answers: int


#: What is known before any answer: the prior itself.
PRIOR_ESTIMATE = Estimate(theta=0.0, se=1.0, answers=0)


def log_likelihood_grid(a: FloatArray, b: FloatArray, x: FloatArray) -> FloatArray:
    """The log-likelihood of responses x (0..1) to questions (a, b), at every grid ability."""
    if a.size == 0:
        return np.zeros_like(GRID)
    z = a[:, None] * (GRID[None, :] - b[:, None])
    # log P = -log(1 + e^-z), log(1 - P) = -log(1 + e^z)
    ll = x[:, None] * np.logaddexp(0.0, -z) + (1.0 - x)[:, None] * np.logaddexp(0.0, z)
    out: FloatArray = -ll.sum(axis=0)
    return out


def eap_arrays(a: FloatArray, b: FloatArray, x: FloatArray) -> Estimate:
    """`eap` on parallel arrays: the fast path the adaptive selection uses."""
    if a.size == 0:
        return PRIOR_ESTIMATE
    log_post = log_likelihood_grid(a, b, x) + _LOG_PRIOR
    weights = np.exp(log_post - log_post.max())
    weights /= weights.sum()
    mean = float(weights @ GRID)
    var = float(weights @ (GRID - mean) ** 2)
    return Estimate(theta=mean, se=math.sqrt(max(var, 0.0)), answers=int(a.size))


def eap(responses: Iterable[tuple[ItemParams, float]]) -> Estimate:
    """The ability estimate (EAP, standard-normal prior) from (question parameters, response)
    pairs; responses are 0 (wrong) .. 1 (right), shares of the points for partial credit."""
    pairs = list(responses)
    for _, value in pairs:
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"a response must be between 0 and 1, not {value}")
    a = np.fromiter((p.a for p, _ in pairs), float, len(pairs))
    b = np.fromiter((p.b for p, _ in pairs), float, len(pairs))
    x = np.fromiter((r for _, r in pairs), float, len(pairs))
    return eap_arrays(a, b, x)


def expected_share(theta: float, items: Sequence[ItemParams]) -> float:
    """The expected share of these questions a candidate of ability theta answers right: rises
    with theta, between 0 and 1."""
    if not items:
        raise ValueError("no questions")
    a = np.fromiter((p.a for p in items), float, len(items))
    b = np.fromiter((p.b for p in items), float, len(items))
    return float(probabilities(theta, a, b).mean())
