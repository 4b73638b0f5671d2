"""Calibration on simulated answers with a fixed seed: known parameters come back."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from screenbot.engine.irt import ItemParams
from screenbot.recruiting.calibration import ItemStatus, calibrate


def simulate(
    n_people: int,
    per_person: int,
    a: npt.NDArray[np.float64],
    b: npt.NDArray[np.float64],
    seed: int,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """Each person answers `per_person` random questions: a sparse matrix, like adaptive data."""
    rng = np.random.default_rng(seed)
    theta = rng.normal(size=n_people)
    person = np.repeat(np.arange(n_people), per_person)
    item = np.concatenate([rng.choice(a.size, per_person, replace=False) for _ in range(n_people)])
    p = 1.0 / (1.0 + np.exp(-a[item] * (theta[person] - b[item])))
    return person, item, (rng.random(item.size) < p).astype(float)


def test_recovers_known_parameters_from_sparse_answers() -> None:
    rng = np.random.default_rng(4)
    a = np.exp(rng.normal(0.1, 0.3, 20))
    b = rng.normal(0.0, 1.0, 20)
    person, item, value = simulate(600, 12, a, b, seed=5)  # 360 answers per question
    priors = [ItemParams(1.0, float(np.clip(np.round(x), -2, 2))) for x in b]
    result = calibrate(person, item, value, priors)
    fitted_a = np.array([r.params.a for r in result.items])
    fitted_b = np.array([r.params.b for r in result.items])
    assert all(r.status is ItemStatus.CALIBRATED for r in result.items)
    assert np.sqrt(np.mean((fitted_b - b) ** 2)) < 0.25
    assert np.sqrt(np.mean((fitted_a - a) ** 2)) < 0.3
    assert np.corrcoef(fitted_a, a)[0, 1] > 0.7
    assert result.persons == 600
    for r, true_a, true_b in zip(result.items, a, b, strict=True):
        assert r.params.a_se is not None
        assert r.params.b_se is not None
        assert 0 < r.params.b_se < 0.5
        assert abs(r.params.b - true_b) < 4 * r.params.b_se + 0.05
        assert abs(r.params.a - true_a) < 4 * r.params.a_se + 0.05


def test_too_few_answers_keep_the_prior_and_say_so() -> None:
    a = np.ones(6)
    b = np.linspace(-1, 1, 6)
    person, item, value = simulate(40, 3, a, b, seed=1)
    priors = [ItemParams(1.2, float(x)) for x in b]
    result = calibrate(person, item, value, priors, min_answers=30)
    counts = np.bincount(item, minlength=6)
    for r, prior, n in zip(result.items, priors, counts, strict=True):
        assert r.answers == n
        if n < 30:
            assert r.status is ItemStatus.TOO_FEW_ANSWERS
            assert r.params == prior
            assert "prior kept" in r.detail
    assert any(r.status is ItemStatus.TOO_FEW_ANSWERS for r in result.items)


def test_no_answers_at_all_keep_every_prior() -> None:
    priors = [ItemParams(1.0, 0.0), ItemParams(0.8, 1.0)]
    result = calibrate([], [], [], priors)
    assert [r.params for r in result.items] == priors
    assert {r.status for r in result.items} == {ItemStatus.TOO_FEW_ANSWERS}


def test_a_question_still_moving_keeps_its_previous_parameters_and_is_flagged() -> None:
    a = np.full(5, 1.5)
    b = np.array([-1.0, -0.5, 0.0, 0.5, 1.0])
    person, item, value = simulate(400, 5, a, b, seed=2)
    priors = [ItemParams(1.0, 2.0)] * 5  # far from the truth: one cycle cannot get there
    previous: list[ItemParams | None] = [ItemParams(0.9, 0.1), None, None, None, None]
    result = calibrate(person, item, value, priors, previous, max_iter=1)
    assert {r.status for r in result.items} == {ItemStatus.NOT_CONVERGED}
    assert result.items[0].params == ItemParams(0.9, 0.1)
    assert result.items[1].params == priors[1]
    assert result.items[0].fitted is not None
    assert "previous parameters kept" in result.items[0].detail


def test_priors_keep_a_question_everyone_got_right_sane() -> None:
    """All right answers have no finite maximum-likelihood b; the prior holds it."""
    a = np.ones(10)
    b = np.linspace(-1, 1, 10)
    person, item, value = simulate(300, 5, a, b, seed=3)
    value = np.where(item == 0, 1.0, value)
    result = calibrate(person, item, value, [ItemParams(1.0, float(x)) for x in b])
    easy = result.items[0]
    assert easy.status is ItemStatus.CALIBRATED
    assert -6.0 < easy.params.b < -1.0
    assert 0.1 < easy.params.a < 5.0


def test_partial_credit_shares_are_accepted_and_bad_input_refused() -> None:
    priors = [ItemParams(1.0, 0.0)]
    result = calibrate([1, 2, 3], [0, 0, 0], [0.5, 1.0, 0.0], priors, min_answers=2)
    assert result.items[0].status is ItemStatus.CALIBRATED
    with pytest.raises(ValueError, match="between 0 and 1"):
        calibrate([1], [0], [1.5], priors)
    with pytest.raises(ValueError, match="outside the priors"):
        calibrate([1], [3], [1.0], priors)
    with pytest.raises(ValueError, match="same length"):
        calibrate([1, 2], [0], [1.0], priors)
