"""The 2PL item response model: plain calls, figures worked out by hand or by simulation."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from screenbot.engine.irt import (
    DEFAULT_A,
    GRID,
    PRIOR_ESTIMATE,
    ItemParams,
    eap,
    expected_share,
    information,
    prior_params,
    probability,
    response_value,
)

MIXED = [
    ItemParams(a, b) for a, b in [(1.0, -1.5), (1.4, -0.5), (0.8, 0.0), (1.2, 0.7), (1.0, 1.6)]
]


def test_probability_is_one_half_at_b_and_rises_with_ability() -> None:
    item = ItemParams(1.3, 0.4)
    assert probability(0.4, item) == pytest.approx(0.5)
    assert probability(0.4 + 1.0, item) == pytest.approx(1 / (1 + math.exp(-1.3)))
    values = [probability(t, item) for t in np.linspace(-6, 6, 50)]
    assert values == sorted(values)
    assert 0.0 < probability(-60.0, item) < probability(60.0, item) <= 1.0


def test_information_is_largest_at_b_and_grows_with_discrimination() -> None:
    item = ItemParams(1.5, -0.3)
    thetas = np.linspace(-4, 4, 801)
    best = thetas[np.argmax([information(t, item) for t in thetas])]
    assert best == pytest.approx(-0.3, abs=0.01)
    assert information(-0.3, item) == pytest.approx(1.5**2 / 4)
    assert information(0.0, ItemParams(2.0, 0.0)) > information(0.0, ItemParams(1.0, 0.0))


def test_item_params_refuse_nonsense() -> None:
    for a, b in [(0.0, 0.0), (-1.0, 0.0), (math.nan, 0.0), (1.0, math.inf)]:
        with pytest.raises(ValueError, match="must be"):
            ItemParams(a, b)


def test_priors_come_from_difficulty_unless_the_bank_says_otherwise() -> None:
    assert [prior_params(d).b for d in range(1, 6)] == [-2.0, -1.0, 0.0, 1.0, 2.0]
    assert prior_params(3).a == DEFAULT_A
    assert prior_params(2, a=1.7, b=-0.4) == ItemParams(1.7, -0.4)
    assert prior_params(5, a=0.6) == ItemParams(0.6, 2.0)
    assert prior_params(4, default_a=1.3) == ItemParams(1.3, 1.0)
    with pytest.raises(ValueError, match="difficulty"):
        prior_params(6)


def test_response_value_is_the_share_or_full_credit_only() -> None:
    assert response_value(1.0, 2.0) == 0.5
    assert response_value(1.0, 2.0, partial_credit=False) == 0.0
    assert response_value(2.0, 2.0, partial_credit=False) == 1.0
    assert response_value(3.0, 2.0) == 1.0
    with pytest.raises(ValueError, match="max_points"):
        response_value(1.0, 0.0)


def test_no_answers_leave_the_prior() -> None:
    assert eap([]) == PRIOR_ESTIMATE
    assert PRIOR_ESTIMATE.theta == 0.0
    assert PRIOR_ESTIMATE.se == 1.0


def test_eap_of_all_right_is_above_all_wrong_and_in_between_is_between() -> None:
    right = eap([(p, 1.0) for p in MIXED])
    wrong = eap([(p, 0.0) for p in MIXED])
    half = eap([(p, float(i % 2)) for i, p in enumerate(MIXED)])
    assert wrong.theta < half.theta < right.theta
    assert right.theta > 0.8
    assert wrong.theta < -0.8
    assert right.answers == 5


def test_one_right_answer_to_a_neutral_question_moves_the_estimate_up_from_the_prior() -> None:
    up = eap([(ItemParams(1.0, 0.0), 1.0)])
    down = eap([(ItemParams(1.0, 0.0), 0.0)])
    assert up.theta == pytest.approx(-down.theta, abs=1e-9)  # the prior and item are symmetric
    assert 0.2 < up.theta < 0.6
    assert up.se < 1.0


def test_posterior_sd_shrinks_with_more_answers() -> None:
    items = [ItemParams(1.2, b) for b in np.linspace(-1, 1, 12)]
    responses = [1.0, 0.0] * 6
    ses = [eap(list(zip(items[:n], responses[:n], strict=True))).se for n in range(13)]
    assert all(later < earlier for earlier, later in itertools.pairwise(ses))
    assert ses[-1] < 0.55


def test_partial_credit_lands_between_wrong_and_right() -> None:
    item = ItemParams(1.0, 0.0)
    base = [(p, 1.0) for p in MIXED[:2]]
    values = [eap([*base, (item, x)]).theta for x in (0.0, 0.5, 1.0)]
    assert values == sorted(values)
    assert values[0] < values[1] < values[2]
    with pytest.raises(ValueError, match="between 0 and 1"):
        eap([(item, 1.5)])


def test_eap_recovers_simulated_abilities() -> None:
    """Forty answers to spread-out questions pin a known ability down within its SE."""
    rng = np.random.default_rng(11)
    items = [
        ItemParams(float(a), float(b))
        for a, b in zip(rng.uniform(0.8, 2.0, 40), rng.normal(0, 1.2, 40), strict=True)
    ]
    misses = 0
    for theta in np.linspace(-2, 2, 9):
        responses = [(p, float(rng.random() < probability(float(theta), p))) for p in items]
        estimate = eap(responses)
        misses += abs(estimate.theta - theta) > 2.5 * estimate.se
        assert estimate.se < 0.45
    assert misses <= 1


def test_the_grid_covers_the_population() -> None:
    assert GRID[0] <= -4.0
    assert GRID[-1] >= 4.0
    assert not GRID.flags.writeable


def test_expected_share_rises_with_ability_between_zero_and_one() -> None:
    shares = [expected_share(float(t), MIXED) for t in np.linspace(-5, 5, 41)]
    assert all(b > a for a, b in itertools.pairwise(shares))
    assert 0.0 < shares[0] < 0.1
    assert 0.9 < shares[-1] < 1.0
    with pytest.raises(ValueError, match="no questions"):
        expected_share(0.0, [])
