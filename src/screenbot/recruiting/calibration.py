"""Calibrating questions from stored answers: 2PL parameters by marginal maximum likelihood.

Bock-Aitkin EM on a fixed grid of abilities (standard-normal population, which fixes the scale):
the E-step spreads every candidate over the grid by their posterior, the M-step fits each
question's (a, b) to the expected right/asked counts at every grid point by Fisher scoring.

Adaptive screenings leave most of the candidate x question matrix empty, so the data come in
sparse, one (candidate, question, response) triple per answer, and every question has priors
that keep a sparsely answered one sane: log a ~ N(log a0, a_log_sd) and b ~ N(b0, b_sd), centred
on the question's prior parameters (its YAML difficulty or explicit `irt`). MAP estimates, then.

Per question, the result says what to use from now on and why:
- calibrated: the new estimate, with standard errors;
- too few answers (fewer than `min_answers`): the prior, unchanged;
- not converged (still moving after `max_iter` cycles, or run off to an absurd value): the
  previous parameters, unchanged; the estimate it reached is kept for the admin to see.

Pure array maths: no database, no clock. Responses are 0..1 (partial credit as a share).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from screenbot.engine.irt import ItemParams

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

#: Abilities the population is spread over: -4 .. 4 in steps of 0.2, standard-normal weights.
GRID: FloatArray = np.linspace(-4.0, 4.0, 41)
_LOG_WEIGHTS: FloatArray = -0.5 * GRID**2 - np.log(np.exp(-0.5 * GRID**2).sum())

#: Beyond these, an estimate has run away rather than converged.
A_MAX = 8.0
B_MAX = 6.0


class ItemStatus(StrEnum):
    """What became of a question in a calibration run."""

    CALIBRATED = "calibrated"
    TOO_FEW_ANSWERS = "too_few_answers"
    NOT_CONVERGED = "not_converged"


@dataclass(frozen=True, slots=True)
class ItemCalibration:
    """One question's outcome: `params` is what to use from now on."""

    params: ItemParams
    status: ItemStatus
    answers: int
    fitted: ItemParams | None = None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class CalibrationResult:
    """Every question's outcome, in the order of the priors; EM cycles run, the marginal
    log-likelihood reached, and how many candidates the answers came from."""

    items: tuple[ItemCalibration, ...]
    cycles: int
    log_likelihood: float
    persons: int


def calibrate(
    person: Sequence[int] | npt.NDArray[np.integer],
    item: Sequence[int] | npt.NDArray[np.integer],
    value: Sequence[float] | FloatArray,
    priors: Sequence[ItemParams],
    previous: Sequence[ItemParams | None] | None = None,
    *,
    min_answers: int = 30,
    a_log_sd: float = 0.5,
    b_sd: float = 1.0,
    max_iter: int = 500,
    tol: float = 1e-3,
) -> CalibrationResult:
    """Calibrate questions 0 .. len(priors) - 1 from answers given as parallel sequences:
    `person` (any integer ids), `item` (the question's index in `priors`), `value` (0..1).

    `previous`: the parameters in use now, per question (None or missing: its prior); a question
    that fails to converge keeps them. Questions with fewer than `min_answers` answers keep their
    prior and are not fitted, but their answers still inform the candidates' abilities.
    """
    n_items = len(priors)
    person_ids = np.asarray(person, dtype=np.int64)
    item_no = np.asarray(item, dtype=np.intp)
    x = np.asarray(value, dtype=float)
    if not person_ids.shape == item_no.shape == x.shape or person_ids.ndim != 1:
        raise ValueError("person, item and value must be sequences of the same length")
    if item_no.size and (item_no.min() < 0 or item_no.max() >= n_items):
        raise ValueError("an item index is outside the priors")
    if x.size and (not np.isfinite(x).all() or x.min() < 0.0 or x.max() > 1.0):
        raise ValueError("responses must be between 0 and 1")
    if previous is not None and len(previous) != n_items:
        raise ValueError("previous must have one entry per question")
    kept = [p if p is not None else priors[i] for i, p in enumerate(previous or [None] * n_items)]

    answers = np.bincount(item_no, minlength=n_items)
    active = answers >= min_answers
    alpha0 = np.log(np.array([p.a for p in priors], dtype=float))
    b0 = np.array([p.b for p in priors], dtype=float)
    alpha = alpha0.copy()
    b = b0.copy()
    # Start the fitted questions from the parameters in use: fewer cycles on a re-run.
    for i in range(n_items):
        if active[i]:
            alpha[i] = math.log(kept[i].a)
            b[i] = kept[i].b

    # Rows sorted by person (the E-step sums each candidate's answers) and by item (the M-step
    # sums each question's).
    _, person_no = np.unique(person_ids, return_inverse=True)
    by_person = np.argsort(person_no, kind="stable")
    person_starts = np.flatnonzero(np.r_[True, np.diff(person_no[by_person]) != 0])
    rows_person = person_no[by_person]
    by_item = np.argsort(item_no, kind="stable")
    item_starts = np.flatnonzero(np.r_[True, np.diff(item_no[by_item]) != 0])
    present = item_no[by_item][item_starts] if item_no.size else np.zeros(0, dtype=np.intp)

    settled = np.zeros(n_items, dtype=bool)
    log_likelihood = -math.inf
    cycles = 0
    if x.size == 0 or not active.any():
        settled[:] = True
    while cycles < max_iter and not settled[active].all():
        cycles += 1
        posterior, log_likelihood = _e_step(
            alpha, b, item_no, x, by_person, person_starts, rows_person
        )
        n_q, r_q = _expected_counts(posterior, x, by_item, item_starts, present, n_items)
        before_a, before_b = np.exp(alpha), b.copy()
        for _ in range(2):
            alpha, b = _fisher_step(alpha, b, n_q, r_q, alpha0, b0, a_log_sd, b_sd, active)
        change = np.maximum(np.abs(np.exp(alpha) - before_a), np.abs(b - before_b))
        settled = change < tol

    a_se, b_se = _standard_errors(
        alpha,
        b,
        item_no,
        x,
        by_person,
        person_starts,
        rows_person,
        by_item,
        item_starts,
        present,
        a_log_sd,
        b_sd,
    )
    results = []
    for i in range(n_items):
        if not active[i]:
            results.append(
                ItemCalibration(
                    params=priors[i],
                    status=ItemStatus.TOO_FEW_ANSWERS,
                    answers=int(answers[i]),
                    detail=f"{answers[i]} answers, fewer than {min_answers}: prior kept",
                )
            )
            continue
        a_i, b_i = float(np.exp(alpha[i])), float(b[i])
        finite = math.isfinite(a_i) and math.isfinite(b_i)
        fitted = (
            ItemParams(a_i, b_i, float(a_se[i]), float(b_se[i])) if finite and a_i > 0 else None
        )
        problem = ""
        if fitted is None:
            problem = "the estimate is not a number"
        elif a_i > A_MAX or abs(b_i) > B_MAX:
            problem = f"the estimate ran off to a={a_i:.2f}, b={b_i:.2f}"
        elif not settled[i]:
            problem = f"still moving after {cycles} cycles"
        if problem:
            results.append(
                ItemCalibration(
                    params=kept[i],
                    status=ItemStatus.NOT_CONVERGED,
                    answers=int(answers[i]),
                    fitted=fitted,
                    detail=f"{problem}: previous parameters kept",
                )
            )
        else:
            assert fitted is not None
            results.append(
                ItemCalibration(
                    params=fitted,
                    status=ItemStatus.CALIBRATED,
                    answers=int(answers[i]),
                    fitted=fitted,
                )
            )
    return CalibrationResult(
        items=tuple(results),
        cycles=cycles,
        log_likelihood=float(log_likelihood),
        persons=int(person_starts.size),
    )


def _row_log_likelihood(a: FloatArray, b: FloatArray, x: FloatArray) -> FloatArray:
    """Each answer's log-likelihood at every grid ability: (answers, grid)."""
    z = a[:, None] * (GRID[None, :] - b[:, None])
    out: FloatArray = -(
        x[:, None] * np.logaddexp(0.0, -z) + (1.0 - x)[:, None] * np.logaddexp(0.0, z)
    )
    return out


def _e_step(
    alpha: FloatArray,
    b: FloatArray,
    item_no: IntArray,
    x: FloatArray,
    by_person: IntArray,
    person_starts: IntArray,
    rows_person: IntArray,
) -> tuple[FloatArray, float]:
    """Every answer's candidate's posterior over the grid (rows in the input order), and the
    marginal log-likelihood."""
    a = np.exp(alpha)
    rows = by_person
    ll = _row_log_likelihood(a[item_no[rows]], b[item_no[rows]], x[rows])
    person_ll = np.add.reduceat(ll, person_starts, axis=0) + _LOG_WEIGHTS[None, :]
    top = person_ll.max(axis=1, keepdims=True)
    weights = np.exp(person_ll - top)
    total = weights.sum(axis=1, keepdims=True)
    log_likelihood = float((np.log(total) + top).sum())
    person_post = weights / total
    posterior = np.empty((x.size, GRID.size))
    posterior[rows] = person_post[rows_person]
    return posterior, log_likelihood


def _expected_counts(
    posterior: FloatArray,
    x: FloatArray,
    by_item: IntArray,
    item_starts: IntArray,
    present: IntArray,
    n_items: int,
) -> tuple[FloatArray, FloatArray]:
    """Per question and grid ability: expected candidates asked, and expected right."""
    n_q = np.zeros((n_items, GRID.size))
    r_q = np.zeros((n_items, GRID.size))
    post = posterior[by_item]
    n_q[present] = np.add.reduceat(post, item_starts, axis=0)
    r_q[present] = np.add.reduceat(post * x[by_item][:, None], item_starts, axis=0)
    return n_q, r_q


def _fisher_step(
    alpha: FloatArray,
    b: FloatArray,
    n_q: FloatArray,
    r_q: FloatArray,
    alpha0: FloatArray,
    b0: FloatArray,
    a_log_sd: float,
    b_sd: float,
    active: npt.NDArray[np.bool_],
) -> tuple[FloatArray, FloatArray]:
    """One Fisher-scoring step of every active question's MAP (log a, b) on the expected counts."""
    a = np.exp(alpha)
    diff = GRID[None, :] - b[:, None]
    p = 0.5 * (1.0 + np.tanh(0.5 * a[:, None] * diff))
    g = r_q - n_q * p
    w = n_q * p * (1.0 - p)
    d_alpha = a[:, None] * diff
    d_b = -a[:, None]
    grad_alpha = (g * d_alpha).sum(axis=1) - (alpha - alpha0) / a_log_sd**2
    grad_b = (g * d_b).sum(axis=1) - (b - b0) / b_sd**2
    j_aa = (w * d_alpha**2).sum(axis=1) + 1.0 / a_log_sd**2
    j_ab = (w * d_alpha * d_b).sum(axis=1)
    j_bb = (w * d_b**2).sum(axis=1) + 1.0 / b_sd**2
    det = j_aa * j_bb - j_ab**2
    step_alpha = np.clip((j_bb * grad_alpha - j_ab * grad_b) / det, -0.5, 0.5)
    step_b = np.clip((j_aa * grad_b - j_ab * grad_alpha) / det, -1.0, 1.0)
    new_alpha = np.where(active, alpha + step_alpha, alpha)
    new_b = np.where(active, b + step_b, b)
    return new_alpha, new_b


def _standard_errors(
    alpha: FloatArray,
    b: FloatArray,
    item_no: IntArray,
    x: FloatArray,
    by_person: IntArray,
    person_starts: IntArray,
    rows_person: IntArray,
    by_item: IntArray,
    item_starts: IntArray,
    present: IntArray,
    a_log_sd: float,
    b_sd: float,
) -> tuple[FloatArray, FloatArray]:
    """Standard errors of a and b from each question's block of the empirical cross-product
    information (each answer's score, averaged over its candidate's posterior) plus the prior's
    precision: it counts the uncertainty in every candidate's ability."""
    n_items = alpha.size
    a_se = np.full(n_items, math.nan)
    b_se = np.full(n_items, math.nan)
    if x.size == 0:
        return a_se, b_se
    posterior, _ = _e_step(alpha, b, item_no, x, by_person, person_starts, rows_person)
    a = np.exp(alpha)
    a_r, b_r = a[item_no], b[item_no]
    diff = GRID[None, :] - b_r[:, None]
    p = 0.5 * (1.0 + np.tanh(0.5 * a_r[:, None] * diff))
    resid = posterior * (x[:, None] - p)
    s_alpha = (resid * a_r[:, None] * diff).sum(axis=1)
    s_b = -(resid.sum(axis=1)) * a_r
    order = by_item
    i_aa = np.add.reduceat((s_alpha**2)[order], item_starts) + 1.0 / a_log_sd**2
    i_ab = np.add.reduceat((s_alpha * s_b)[order], item_starts)
    i_bb = np.add.reduceat((s_b**2)[order], item_starts) + 1.0 / b_sd**2
    det = i_aa * i_bb - i_ab**2
    var_alpha = i_bb / det
    var_b = i_aa / det
    a_se[present] = a[present] * np.sqrt(var_alpha)  # delta method: se(a) = a se(log a)
    b_se[present] = np.sqrt(var_b)
    return a_se, b_se
