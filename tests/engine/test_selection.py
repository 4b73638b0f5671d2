"""Question selection: reproducible from the seed, spread over difficulties, never repeated."""

from __future__ import annotations

import random

from screenbot.content.catalog import Catalog
from screenbot.content.flows import Flow, Mode
from screenbot.engine.selection import draw
from screenbot.engine.state import QuestionRef

#: The bundled flows as fixed forms: how many questions each section draws.
PICKS = {
    "backend-karachi": {"databases": 3, "security": 3, "docker": 2, "debugging": 2},
    "senior-backend-remote": {
        "apis": 3,
        "databases": 3,
        "caching": 2,
        "security": 2,
        "debugging": 2,
    },
}


def fixed_form(catalog: Catalog, flow_id: str) -> Flow:
    """A bundled (adaptive) flow drawn as a fixed form over the same banks."""
    flow = catalog.flow(flow_id)
    sections = tuple(
        s.model_copy(update={"pick": PICKS[flow_id][s.bank], "min": 0, "max": None})
        for s in flow.sections
    )
    return flow.model_copy(update={"mode": Mode.FIXED, "sections": sections, "free_text": None})


def test_same_seed_same_questions(catalog: Catalog) -> None:
    flow = fixed_form(catalog, "backend-karachi")
    assert draw(flow, catalog, random.Random(7)) == draw(flow, catalog, random.Random(7))


def test_seeds_vary_the_questions(catalog: Catalog) -> None:
    flow = fixed_form(catalog, "backend-karachi")
    plans = {draw(flow, catalog, random.Random(seed)) for seed in range(20)}
    assert len(plans) == 20


def test_each_section_draws_its_pick_without_repeats(catalog: Catalog) -> None:
    flow = fixed_form(catalog, "senior-backend-remote")
    plan = draw(flow, catalog, random.Random(3))
    assert len(set(plan)) == len(plan) == sum(s.pick for s in flow.sections)
    for section in flow.sections:
        assert sum(1 for ref in plan if ref.bank == section.bank) == section.pick


def test_picks_are_spread_over_difficulties(catalog: Catalog) -> None:
    flow = fixed_form(catalog, "backend-karachi")
    for seed in range(30):
        plan = draw(flow, catalog, random.Random(seed))
        db = [
            catalog.banks["databases"].question(r.question) for r in plan if r.bank == "databases"
        ]
        assert len({q.difficulty for q in db}) == 3, seed
        assert [q.difficulty for q in db] == sorted(q.difficulty for q in db)


def test_questions_seen_before_are_not_asked_again(catalog: Catalog) -> None:
    flow = fixed_form(catalog, "backend-karachi")
    first = draw(flow, catalog, random.Random(1))
    second = draw(flow, catalog, random.Random(1), seen=frozenset(first))
    assert not set(first) & set(second)


def test_a_bank_nearly_used_up_reuses_as_few_as_possible(mini: Catalog) -> None:
    flow = mini.flow("mini")
    bank = mini.banks["basics"]
    seen = frozenset(QuestionRef("basics", q.id) for q in bank.questions[:4])
    plan = draw(flow, mini, random.Random(1), seen=seen)
    assert len(plan) == 6
    assert len(set(plan)) == 6
