"""The question banks and flows that ship with screenbot meet the product's bar.

Six banks of at least 15 questions, each using every question type and difficulty, every
question explained; free-text rubrics that reward their own reference answer and not a parroted
question; two flows that lint clean, screen with knockouts and weigh their sections differently;
and content versions that follow the content, not its comments or layout.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from screenbot.content.catalog import Catalog, errors, load
from screenbot.content.models import Bank, FreeTextQuestion, content_hash
from screenbot.engine.answers import Answer
from screenbot.engine.scoring import score
from screenbot.scheduling import check_schedule
from tests.content.conftest import BUNDLED_BANKS, BUNDLED_FLOWS, write

BANK_IDS = ("databases", "docker", "security", "debugging", "apis", "caching")
FLOW_IDS = ("backend-karachi", "senior-backend-remote")
QUESTION_TYPES = {"single_choice", "multi_choice", "free_text", "numeric", "yes_no"}
VERSION = re.compile(r"^[0-9a-f]{12}$")


def test_exactly_the_six_advertised_banks_and_two_flows_ship(catalog: Catalog) -> None:
    assert sorted(catalog.banks) == sorted(BANK_IDS)
    assert sorted(catalog.flows) == sorted(FLOW_IDS)


@pytest.mark.parametrize("bank_id", BANK_IDS)
def test_each_bank_has_at_least_15_questions(catalog: Catalog, bank_id: str) -> None:
    assert len(catalog.banks[bank_id].questions) >= 15


@pytest.mark.parametrize("bank_id", BANK_IDS)
def test_each_bank_uses_all_five_question_types(catalog: Catalog, bank_id: str) -> None:
    assert {q.type for q in catalog.banks[bank_id].questions} == QUESTION_TYPES


@pytest.mark.parametrize("bank_id", BANK_IDS)
def test_each_bank_spans_every_difficulty_from_1_to_5(catalog: Catalog, bank_id: str) -> None:
    assert {q.difficulty for q in catalog.banks[bank_id].questions} == {1, 2, 3, 4, 5}


@pytest.mark.parametrize("bank_id", BANK_IDS)
def test_every_question_explains_itself_to_recruiters(catalog: Catalog, bank_id: str) -> None:
    unexplained = [q.id for q in catalog.banks[bank_id].questions if not q.explanation.strip()]
    assert unexplained == []


def free_text(bank: Bank) -> list[FreeTextQuestion]:
    questions = [q for q in bank.questions if isinstance(q, FreeTextQuestion)]
    assert questions, f"bank {bank.id} has no free_text question"
    return questions


@pytest.mark.parametrize("bank_id", BANK_IDS)
def test_every_reference_answer_earns_full_marks_on_its_own_rubric(
    catalog: Catalog, bank_id: str
) -> None:
    short = {
        q.id: f"{earned}/{q.max_points}"
        for q in free_text(catalog.banks[bank_id])
        if (earned := score(q, Answer(raw=q.reference_answer))) != q.max_points
    }
    assert short == {}


@pytest.mark.parametrize("bank_id", BANK_IDS)
def test_repeating_the_question_back_does_not_earn_full_marks(
    catalog: Catalog, bank_id: str
) -> None:
    parroted = [
        q.id
        for q in free_text(catalog.banks[bank_id])
        if score(q, Answer(raw=q.text)) >= q.max_points
    ]
    assert parroted == []


@pytest.mark.parametrize("flow_id", FLOW_IDS)
def test_each_flow_lints_clean_against_the_bundled_banks(flow_id: str) -> None:
    catalog, problems = load(
        [BUNDLED_BANKS, BUNDLED_FLOWS / f"{flow_id}.yaml"], checks=[check_schedule]
    )

    assert errors(problems) == []
    assert list(catalog.flows) == [flow_id]


@pytest.mark.parametrize("flow_id", FLOW_IDS)
def test_each_flow_screens_out_with_knockout_questions(catalog: Catalog, flow_id: str) -> None:
    assert len(catalog.flow(flow_id).knockout) >= 1


def test_the_two_flows_weigh_their_sections_differently(catalog: Catalog) -> None:
    karachi, remote = (
        {s.bank: s.weight for s in catalog.flow(flow_id).sections} for flow_id in FLOW_IDS
    )
    shared = set(karachi) & set(remote)
    assert shared, "the flows share no bank, so their weights cannot be compared"
    assert sorted(b for b in shared if karachi[b] != remote[b]) != []


def test_every_bundled_content_version_is_12_hex_digits(catalog: Catalog) -> None:
    versions = [catalog.bank_version(b) for b in catalog.banks] + [
        catalog.flow_version(f) for f in catalog.flows
    ]
    assert [v for v in versions if not VERSION.match(v)] == []
    assert len(set(versions)) == len(versions), "two different contents share a version"


BANK_TEXT = """\
id: versioned
title: Versioned
questions:
- id: q-port
  type: numeric
  difficulty: 1
  text: On which TCP port does PostgreSQL listen by default?
  answer: 5432
  explanation: The default port.
- id: q-pick
  type: single_choice
  text: Which index type is the default?
  choices:
    - {id: a, text: B-tree, correct: true}
    - {id: b, text: Hash}
  explanation: B-tree.
"""


def version_of(folder: Path, text: str) -> str:
    write(folder, "versioned.yaml", text)
    catalog, problems = load([folder])
    assert problems == []
    return catalog.bank_version("versioned")


def test_editing_a_question_text_changes_the_bank_version(tmp_path: Path) -> None:
    before = version_of(tmp_path / "before", BANK_TEXT)
    after = version_of(
        tmp_path / "after", BANK_TEXT.replace("listen by default?", "listen out of the box?")
    )

    assert VERSION.match(before)
    assert VERSION.match(after)
    assert before != after


def test_an_edited_copy_of_a_bank_gets_its_own_version(catalog: Catalog) -> None:
    before = catalog.bank_version("docker")
    bank = catalog.banks["docker"]
    first, *rest = bank.questions
    edited = bank.model_copy(
        update={"questions": (first.model_copy(update={"text": "Reworded?"}), *rest)}
    )

    copied = Catalog(banks={**catalog.banks, "docker": edited}, flows=catalog.flows)

    assert copied.bank_version("docker") != before
    assert copied.bank_version("docker") == content_hash(edited)


def test_an_edited_copy_of_a_flow_gets_its_own_version(catalog: Catalog) -> None:
    before = catalog.flow_version("backend-karachi")
    flow = catalog.flow("backend-karachi")
    edited = flow.model_copy(update={"pass_score": 1 - flow.pass_score})

    copied = Catalog(banks=catalog.banks, flows={**catalog.flows, flow.id: edited})

    assert copied.flow_version(flow.id) != before
    assert copied.flow_version(flow.id) == content_hash(edited)


def test_adding_yaml_comments_keeps_the_bank_version(tmp_path: Path) -> None:
    plain = version_of(tmp_path / "plain", BANK_TEXT)
    commented = version_of(
        tmp_path / "commented",
        "# Reviewed by the database guild.\n"
        + BANK_TEXT.replace("  answer: 5432\n", "  answer: 5432   # checked in the docs\n"),
    )

    assert commented == plain


def test_rewriting_the_layout_keeps_the_bank_version(tmp_path: Path) -> None:
    block = version_of(tmp_path / "block", BANK_TEXT)
    flowing = version_of(
        tmp_path / "flowing",
        BANK_TEXT.replace(
            "    - {id: a, text: B-tree, correct: true}\n",
            "    - id: a\n      text: 'B-tree'\n      correct: true\n",
        ),
    )

    assert flowing == block
