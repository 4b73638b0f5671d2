"""Adaptive selection: plain calls on small pools, with seeded random sources."""

from __future__ import annotations

import itertools
import random
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pytest

from screenbot.engine.adaptive import (
    AdaptiveRules,
    ItemPool,
    NextQuestion,
    PoolItem,
    Response,
    SectionRule,
    StopReason,
    next_question,
    section_rules,
)
from screenbot.engine.irt import ItemParams, probability

BANKS = ("databases", "security", "docker")


def pool_of(per_bank: int = 10, a: float = 1.0) -> ItemPool:
    """Each bank: questions with b spread evenly from -2 to 2."""
    return ItemPool(
        [
            PoolItem(bank, f"{bank}-{n}", ItemParams(a, -2.0 + 4.0 * n / (per_bank - 1)))
            for bank in BANKS
            for n in range(per_bank)
        ]
    )


def rules(**kw: object) -> AdaptiveRules:
    base: dict[str, object] = {
        "sections": tuple(SectionRule(bank, min=2, max=4) for bank in BANKS),
        "max_questions": 9,
        "top_k": 1,
    }
    base.update(kw)
    return AdaptiveRules(**base)  # type: ignore[arg-type]


def screening(
    pool: ItemPool,
    the_rules: AdaptiveRules,
    theta: float,
    seed: int,
    seen: tuple[PoolItem, ...] = (),
) -> tuple[list[Response], NextQuestion]:
    """A simulated candidate of known ability answering until the rules say stop."""
    answers = np.random.default_rng(seed)
    picker = random.Random(seed)
    responses: list[Response] = []
    while True:
        step = next_question(pool, the_rules, responses, picker, seen)
        if step.item is None:
            return responses, step
        right = answers.random() < probability(theta, step.item.params)
        responses.append(Response(step.item.bank, step.item.question, float(right)))


def test_the_first_question_is_the_most_informative_at_the_prior() -> None:
    pool = ItemPool(
        [
            PoolItem("databases", "easy", ItemParams(1.0, -2.0)),
            PoolItem("databases", "middle", ItemParams(1.0, 0.1)),
            PoolItem("databases", "hard", ItemParams(1.0, 2.0)),
            PoolItem("databases", "flat", ItemParams(0.3, 0.0)),
        ]
    )
    step = next_question(
        pool, AdaptiveRules((SectionRule("databases"),), top_k=1), [], random.Random(1)
    )
    assert step.item is not None
    assert step.item.question == "middle"
    assert step.stop is None
    assert step.estimate.answers == 0


def test_after_right_answers_harder_questions_come() -> None:
    pool = pool_of()
    responses = [Response("databases", "databases-4", 1.0), Response("security", "security-5", 1.0)]
    step = next_question(pool, rules(), responses, random.Random(1))
    assert step.item is not None
    assert step.item.params.b > step.estimate.theta - 0.5
    assert step.estimate.theta > 0.3


def test_never_repeats_and_never_asks_what_was_seen_before() -> None:
    pool = pool_of()
    seen = tuple(item for item in pool.items if item.question.endswith(("-4", "-5")))
    for seed in range(20):
        responses, _ = screening(pool, rules(top_k=3), theta=0.0, seed=seed, seen=seen)
        asked = [(r.bank, r.question) for r in responses]
        assert len(asked) == len(set(asked)) == 9
        assert not {(s.bank, s.question) for s in seen} & set(asked)


def test_sections_get_their_minimum_and_never_pass_their_maximum() -> None:
    pool = pool_of()
    the_rules = AdaptiveRules(
        (
            SectionRule("databases", min=4, max=5),
            SectionRule("security", min=1, max=2),
            SectionRule("docker", min=0, max=1),
        ),
        max_questions=8,
        top_k=2,
    )
    for seed in range(30):
        responses, step = screening(pool, the_rules, theta=float(seed % 5 - 2), seed=seed)
        counts = Counter(r.bank for r in responses)
        assert step.stop is StopReason.MAX_QUESTIONS
        assert len(responses) == 8
        assert 4 <= counts["databases"] <= 5
        assert 1 <= counts["security"] <= 2
        assert counts["docker"] <= 1


def test_a_section_below_its_minimum_comes_first_when_the_slots_left_require_it() -> None:
    pool = pool_of()
    the_rules = AdaptiveRules(
        (SectionRule("databases", min=0), SectionRule("docker", min=2)), max_questions=3, top_k=1
    )
    responses = [Response("databases", "databases-5", 1.0)]
    step = next_question(pool, the_rules, responses, random.Random(1))
    assert step.item is not None
    assert step.item.bank == "docker"


def test_banks_without_a_rule_are_never_asked() -> None:
    pool = pool_of()
    the_rules = AdaptiveRules((SectionRule("security"),), max_questions=5)
    responses, _ = screening(pool, the_rules, theta=0.0, seed=3)
    assert {r.bank for r in responses} == {"security"}


def test_same_seed_same_sequence_other_seeds_vary() -> None:
    pool = pool_of()
    the_rules = rules(top_k=4)
    first, _ = screening(pool, the_rules, 0.5, seed=7)
    again, _ = screening(pool, the_rules, 0.5, seed=7)
    assert first == again
    others = {tuple(screening(pool, the_rules, 0.5, seed=s)[0]) for s in range(10)}
    assert len(others) > 5


def test_a_numpy_generator_works_as_the_random_source() -> None:
    pool = pool_of()
    picks = [
        next_question(pool, rules(top_k=4), [], np.random.default_rng(5)).item for _ in range(2)
    ]
    assert picks[0] == picks[1] is not None


def test_exposure_control_spreads_equal_questions_and_respects_the_cap() -> None:
    # Ten questions with the same parameters: randomesque choice must not always take the first.
    pool = ItemPool([PoolItem("databases", f"q{n}", ItemParams(1.0, 0.0)) for n in range(10)])
    the_rules = AdaptiveRules((SectionRule("databases"),), max_questions=1, top_k=3)
    firsts = Counter(
        step.item.question
        for seed in range(300)
        if (step := next_question(pool, the_rules, [], random.Random(seed))).item is not None
    )
    assert len(firsts) == 10
    capped = AdaptiveRules((SectionRule("databases"),), max_questions=1, top_k=3, exposure_cap=50)
    exposure = {("databases", f"q{n}"): 50 for n in range(9)}
    for seed in range(20):
        step = next_question(pool, capped, [], random.Random(seed), exposure=exposure)
        assert step.item is not None
        assert step.item.question == "q9"
    everything_over = {("databases", f"q{n}"): 60 for n in range(10)}
    assert next_question(pool, capped, [], random.Random(1), exposure=everything_over).item


def test_top_k_picks_among_the_best_only_ties_included() -> None:
    pool = pool_of(per_bank=21)  # b = -2.0, -1.8, ..., 0.0, ..., 2.0
    the_rules = AdaptiveRules((SectionRule("databases"),), max_questions=5, top_k=3)
    bs = {
        round(step.item.params.b, 6)
        for seed in range(100)
        if (step := next_question(pool, the_rules, [], random.Random(seed))).item is not None
    }
    assert bs == {-0.2, 0.0, 0.2}
    # With four, the fourth best (b = -0.4) ties with the fifth (b = 0.4): both may come.
    the_rules = AdaptiveRules((SectionRule("databases"),), max_questions=5, top_k=4)
    bs = {
        round(step.item.params.b, 6)
        for seed in range(100)
        if (step := next_question(pool, the_rules, [], random.Random(seed))).item is not None
    }
    assert bs == {-0.4, -0.2, 0.0, 0.2, 0.4}


def test_stops_at_the_target_standard_error_once_minimums_are_met() -> None:
    pool = pool_of(per_bank=30, a=2.0)
    loose = rules(
        max_questions=30, target_se=0.45, sections=tuple(SectionRule(b, min=2) for b in BANKS)
    )
    responses, step = screening(pool, loose, theta=0.0, seed=2)
    assert step.stop is StopReason.TARGET_SE
    assert step.estimate.se <= 0.45
    assert 6 <= len(responses) < 30
    strict = rules(
        max_questions=30, target_se=0.45, sections=tuple(SectionRule(b, min=4) for b in BANKS)
    )
    responses, step = screening(pool, strict, theta=0.0, seed=2)
    assert len(responses) >= 12  # the minimums come before the standard error


def test_stops_when_the_pool_runs_out() -> None:
    pool = ItemPool([PoolItem("databases", f"q{n}", ItemParams(1.0, 0.0)) for n in range(3)])
    the_rules = AdaptiveRules((SectionRule("databases"),), max_questions=5)
    responses, step = screening(pool, the_rules, 0.0, seed=1)
    assert len(responses) == 3
    assert step.stop is StopReason.POOL_EXHAUSTED


def test_free_text_counts_towards_the_length_and_its_section_but_not_the_estimate() -> None:
    pool = pool_of()
    the_rules = AdaptiveRules(
        (SectionRule("databases", max=1), SectionRule("security")), max_questions=3
    )
    written = [Response("databases", "db-essay", None)]
    step = next_question(pool, the_rules, written, random.Random(1))
    assert step.estimate.answers == 0
    assert step.item is not None
    assert step.item.bank == "security"
    full = [*written, Response("security", "security-4", 1.0), Response("security", "x", None)]
    assert next_question(pool, the_rules, full, random.Random(1)).stop is StopReason.MAX_QUESTIONS


def test_expected_total_rises_with_ability_and_follows_the_weights() -> None:
    pool = ItemPool(
        [
            PoolItem("databases", "easy", ItemParams(1.0, -2.0)),
            PoolItem("security", "hard", ItemParams(1.0, 2.0)),
        ]
    )
    totals = [pool.expected_total(float(t)) for t in np.linspace(-4, 4, 33)]
    assert all(b > a for a, b in itertools.pairwise(totals))
    assert totals[0] > 0.0
    assert totals[-1] < 1.0
    easy_heavy = pool.expected_total(0.0, {"databases": 0.9, "security": 0.1})
    hard_heavy = pool.expected_total(0.0, {"databases": 0.1, "security": 0.9})
    assert easy_heavy > pool.expected_total(0.0) > hard_heavy
    with pytest.raises(ValueError, match="no weight"):
        pool.expected_total(0.0, {"apis": 1.0})


def test_section_rules_share_the_length_in_proportion_to_the_picks() -> None:
    made = section_rules([("databases", 3, 0.3), ("security", 3, 0.3), ("docker", 2, 0.4)], 12)
    assert [(r.bank, r.min, r.max, r.weight) for r in made] == [
        ("databases", 3, 6, 0.3),
        ("security", 3, 6, 0.3),
        ("docker", 2, 4, 0.4),
    ]
    tight = section_rules([("databases", 1, 1.0), ("security", 1, 1.0)], 4, slack=0)
    assert [(r.min, r.max) for r in tight] == [(2, 2), (2, 2)]


def test_rules_and_pools_refuse_contradictions() -> None:
    with pytest.raises(ValueError, match="min"):
        SectionRule("databases", min=3, max=2)
    with pytest.raises(ValueError, match="more than max_questions"):
        AdaptiveRules(
            (SectionRule("databases", min=5), SectionRule("security", min=5)), max_questions=8
        )
    with pytest.raises(ValueError, match="twice"):
        ItemPool(
            [
                PoolItem("databases", "q", ItemParams(1, 0)),
                PoolItem("databases", "q", ItemParams(1, 1)),
            ]
        )
    with pytest.raises(ValueError, match="between 0 and 1"):
        Response("databases", "q", 2.0)


@dataclass(frozen=True)
class Ref:
    """What the engine keeps of a question: anything with a bank and a question will do."""

    bank: str
    question: str


def test_seen_accepts_any_bank_and_question_pair() -> None:
    pool = ItemPool([PoolItem("databases", f"q{n}", ItemParams(1.0, 0.0)) for n in range(2)])
    the_rules = AdaptiveRules((SectionRule("databases"),), max_questions=2)
    step = next_question(pool, the_rules, [], random.Random(1), seen=[Ref("databases", "q0")])
    assert step.item is not None
    assert step.item.question == "q1"
