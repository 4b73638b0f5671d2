"""Fixed and adaptive flows: which keys each mode takes, and the limits lint holds them to.

Cases are real YAML loaded by the real loader; a line ending in `# <- text` must be reported on
that line with a message containing `text` (see conftest.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from screenbot.content.catalog import errors, load, load_catalog
from screenbot.content.flows import FreeTextPlan, Mode, Section
from tests.content.conftest import (
    BUNDLED_BANKS,
    ROOT,
    TINY_BANK,
    assert_reported,
    bank,
    flow,
    write,
)

FIXTURES = ROOT / "tests" / "fixtures"

# Four automatically scored questions (three here, plus the yes_no `bank()` appends) and one
# free-text question.
MIXED_BANK = bank(
    "mixed",
    """\
    - id: q-a
      type: yes_no
      difficulty: 1
      text: Is a primary key unique?
      answer: yes
      explanation: It is.
    - id: q-b
      type: numeric
      difficulty: 3
      text: On which port does PostgreSQL listen by default?
      answer: 5432
      irt: {a: 1.3, b: 0.2}
      explanation: The default port.
    - id: q-c
      type: single_choice
      difficulty: 5
      text: Which isolation level prevents phantom reads in the SQL standard?
      choices:
        - {id: a, text: Serializable, correct: true}
        - {id: b, text: Read committed}
      explanation: Only serializable.
    - id: q-essay
      type: free_text
      text: Why does an index slow writes down?
      rubric:
        - concept: index maintenance
          keywords: [update the index]
          references: [Every insert also updates the index.]
      reference_answer: Every insert also updates the index.
      explanation: Maintenance.
    """,
)

ADAPTIVE_LINES = {
    "mode": "adaptive",
    "max_questions": "6",
    "target_se": "0.4",
    "mixed": "{bank: mixed, min: 1, max: 4, weight: 1}",
    "tiny": "{bank: tiny, max: 2, weight: 1}",
    "free_text": "{pick: 1, weight: 0.2}",
}


def adaptive(flow_id: str, **lines: str | None) -> str:
    """An adaptive flow over banks `mixed` and `tiny`; a keyword replaces a line, None drops it."""
    values = {**ADAPTIVE_LINES, **lines}
    text = f"# Flow {flow_id}, written by a test.\nid: {flow_id}\ntitle: Flow {flow_id}\n"
    for key in ("mode", "max_questions", "target_se"):
        if values[key] is not None:
            text += f"{key}: {values[key]}\n"
    text += "sections:\n"
    for key in ("mixed", "tiny"):
        if values[key] is not None:
            text += f"  - {values[key]}\n"
    if values["free_text"] is not None:
        text += f"free_text: {values['free_text']}\n"
    return text + "pass_score: 0.5\n"


ADAPTIVE_CASES = [
    pytest.param(
        {"mixed": "{bank: mixed, pick: 2, min: 1, weight: 1}  # <- pick applies to fixed flows"},
        id="pick-in-an-adaptive-flow",
    ),
    pytest.param(
        {"mixed": "{bank: mixed, min: 4, max: 3, weight: 1}  # <- min 4 is above max 3"},
        id="min-above-max",
    ),
    pytest.param(
        {
            "mixed": "{bank: mixed, min: 1, max: 5, weight: 1}  # <- max 5 is more than the 4 "
            "automatically scored questions in bank 'mixed'"
        },
        id="max-beyond-the-auto-scored-questions-of-the-bank",
    ),
    pytest.param(
        {
            "tiny": "{bank: tiny, min: 3, weight: 1}  # <- min 3 is more than the 2 "
            "automatically scored questions in bank 'tiny'"
        },
        id="min-beyond-the-auto-scored-questions-of-the-bank",
    ),
    pytest.param(
        {
            "max_questions": "4",
            "mixed": "{bank: mixed, max: 4, weight: 1}  # <- max 4 can never be reached: the "
            "flow asks 3 automatically scored questions (max_questions 4 minus free_text.pick 1)",
        },
        id="max-beyond-what-the-flow-asks",
    ),
    pytest.param(
        {
            "max_questions": "3  # <- the sections' min add up to 3, more than the 2 "
            "automatically scored questions the flow asks",
            "mixed": "{bank: mixed, min: 2, max: 2, weight: 1}",
            "tiny": "{bank: tiny, min: 1, max: 2, weight: 1}",
        },
        id="mins-add-up-to-more-than-the-flow-asks",
    ),
    pytest.param(
        {
            "max_questions": "9  # <- the sections hold at most 6 automatically scored "
            "questions (their max, or what their banks have), fewer than the 8 the flow asks",
        },
        id="sections-cannot-fill-max-questions",
    ),
    pytest.param(
        {
            "free_text": "{pick: 6, weight: 0.2}  # <- free_text.pick 6 leaves no automatically "
            "scored question within max_questions 6"
        },
        id="free-text-takes-every-question",
    ),
    pytest.param(
        {
            "free_text": "{pick: 2, weight: 0.2}  # <- free_text.pick 2 is more than the 1 "
            "free-text questions in the flow's banks"
        },
        id="more-free-text-than-the-banks-hold",
    ),
    pytest.param(
        {"free_text": "{pick: 1, weight: 1}  # <- free_text.weight: Input should be less than 1"},
        id="free-text-weighing-everything",
    ),
    pytest.param(
        {"free_text": "{pick: 0, weight: 0.2}  # <- free_text.pick: Input should be greater"},
        id="free-text-pick-zero",
    ),
    pytest.param(
        {"target_se": "1  # <- target_se: Input should be less than 1"},
        id="target-se-no-better-than-the-prior",
    ),
    pytest.param(
        {"target_se": "0  # <- target_se: Input should be greater than 0"},
        id="target-se-zero",
    ),
    pytest.param(
        {"max_questions": "0  # <- max_questions: Input should be greater than or equal to 1"},
        id="max-questions-zero",
    ),
    pytest.param(
        {"mode": "smart  # <- mode: Input should be 'fixed' or 'adaptive'"},
        id="unknown-mode",
    ),
    pytest.param(
        {"tiny": "{bank: nosuch, max: 2, weight: 1}  # <- no bank called 'nosuch'"},
        id="adaptive-flow-names-a-missing-bank",
    ),
]


@pytest.mark.parametrize("lines", ADAPTIVE_CASES)
def test_each_adaptive_flow_problem_is_an_error_on_its_line(
    tmp_path: Path, lines: dict[str, str | None]
) -> None:
    write(tmp_path, "tiny.yaml", TINY_BANK)
    write(tmp_path, "mixed.yaml", MIXED_BANK)
    path = write(tmp_path, "adaptive.yaml", adaptive("adaptive", **lines))

    _, problems = load([tmp_path])

    assert_reported(errors(problems), path)
    assert {p.path for p in problems} == {str(path)}


FIXED_CASES = [
    pytest.param(
        flow("fixed") + "max_questions: 10  # <- max_questions applies to adaptive flows only\n",
        id="max-questions-in-a-fixed-flow",
    ),
    pytest.param(
        flow("fixed") + "target_se: 0.3  # <- target_se applies to adaptive flows only\n",
        id="target-se-in-a-fixed-flow",
    ),
    pytest.param(
        flow("fixed") + "mode: fixed\n"
        "free_text: {pick: 1, weight: 0.2}  # <- free_text applies to adaptive flows only\n",
        id="free-text-plan-in-an-explicitly-fixed-flow",
    ),
    pytest.param(
        flow(
            "fixed",
            section="{bank: tiny, pick: 1, min: 1, weight: 1}  # <- min applies to adaptive flows",
        ),
        id="min-in-a-fixed-flow",
    ),
    pytest.param(
        flow(
            "fixed",
            section="{bank: tiny, pick: 1, max: 1, weight: 1}  # <- max applies to adaptive flows",
        ),
        id="max-in-a-fixed-flow",
    ),
    pytest.param(
        flow(
            "fixed",
            section="{bank: tiny, weight: 1}  # <- a fixed flow needs `pick` (at least 1): how "
            "many questions to draw from bank 'tiny'",
        ),
        id="fixed-flow-without-pick",
    ),
    pytest.param(
        flow("fixed", section="{bank: tiny, pick: 0, weight: 1}  # <- a fixed flow needs `pick`"),
        id="fixed-flow-picking-none",
    ),
]


@pytest.mark.parametrize("text", FIXED_CASES)
def test_each_fixed_flow_problem_is_an_error_on_its_line(tmp_path: Path, text: str) -> None:
    write(tmp_path, "tiny.yaml", TINY_BANK)
    path = write(tmp_path, "fixed.yaml", text)

    catalog, problems = load([tmp_path])

    assert_reported(errors(problems), path)
    assert {p.path for p in problems} == {str(path)}
    assert list(catalog.flows) == ["fixed"], "mode rules are the loader's: the model still loads"


def test_the_adaptive_fixture_flow_loads_with_its_settings() -> None:
    catalog = load_catalog(FIXTURES / "banks", FIXTURES / "adaptive")
    flow = catalog.flow("adaptive-mini")

    assert flow.mode is Mode.ADAPTIVE
    assert (flow.max_questions, flow.target_se) == (8, 0.5)
    assert flow.free_text == FreeTextPlan(pick=2, weight=0.25)
    assert flow.sections == (
        Section(bank="basics", min=2, max=4, weight=0.4),
        Section(bank="tools", min=2, max=5, weight=0.6),
    )


def test_every_fixture_lints_without_a_problem_or_a_warning() -> None:
    _, problems = load([FIXTURES / "banks", FIXTURES / "flows", FIXTURES / "adaptive"])

    assert problems == []


def test_a_flow_says_nothing_of_adaptivity_and_is_fixed_with_documented_defaults(
    tmp_path: Path,
) -> None:
    write(tmp_path, "tiny.yaml", TINY_BANK)
    write(tmp_path, "plain.yaml", flow("plain"))

    catalog, problems = load([tmp_path])

    plain = catalog.flow("plain")
    assert problems == []
    assert plain.mode is Mode.FIXED
    assert (plain.max_questions, plain.target_se, plain.free_text) == (12, 0.4, None)
    assert [(s.pick, s.min, s.max) for s in plain.sections] == [(1, 0, None)]


def test_an_adaptive_flow_may_leave_out_min_max_free_text_and_target_se(tmp_path: Path) -> None:
    write(tmp_path, "tiny.yaml", TINY_BANK)
    write(tmp_path, "mixed.yaml", MIXED_BANK)
    write(
        tmp_path,
        "lean.yaml",
        adaptive(
            "lean",
            max_questions="6",
            target_se=None,
            mixed="{bank: mixed, weight: 1}",
            tiny="{bank: tiny, weight: 2}",
            free_text=None,
        ),
    )

    catalog, problems = load([tmp_path])

    assert problems == []
    lean = catalog.flow("lean")
    assert (lean.max_questions, lean.target_se, lean.free_text) == (6, 0.4, None)
    assert [(s.min, s.max) for s in lean.sections] == [(0, None), (0, None)]


def test_an_adaptive_flow_asking_the_default_12_of_banks_holding_6_is_an_error(
    tmp_path: Path,
) -> None:
    write(tmp_path, "tiny.yaml", TINY_BANK)
    write(tmp_path, "mixed.yaml", MIXED_BANK)
    path = write(
        tmp_path,
        "lean.yaml",
        adaptive("lean", max_questions=None, free_text=None, mixed="{bank: mixed, weight: 1}"),
    )

    sections_line = path.read_text(encoding="utf-8").splitlines().index("sections:") + 1

    _, problems = load([tmp_path])

    assert [(p.path, p.line) for p in errors(problems)] == [(str(path), sections_line)]
    assert "hold at most 6 automatically scored questions" in errors(problems)[0].message
    assert "fewer than the 12 the flow asks (max_questions)" in errors(problems)[0].message


def test_switching_a_flow_to_adaptive_changes_its_version(tmp_path: Path) -> None:
    write(tmp_path / "a", "tiny.yaml", TINY_BANK)
    write(tmp_path / "a", "mixed.yaml", MIXED_BANK)
    write(tmp_path / "a", "hiring.yaml", adaptive("hiring"))
    write(tmp_path / "b", "tiny.yaml", TINY_BANK)
    write(tmp_path / "b", "mixed.yaml", MIXED_BANK)
    write(tmp_path / "b", "hiring.yaml", adaptive("hiring", target_se="0.3"))
    write(tmp_path / "c", "tiny.yaml", TINY_BANK)
    write(tmp_path / "c", "hiring.yaml", flow("hiring"))
    write(tmp_path / "d", "tiny.yaml", TINY_BANK)
    write(tmp_path / "d", "hiring.yaml", flow("hiring") + "mode: fixed\n")

    versions = []
    for folder in "abcd":
        catalog, problems = load([tmp_path / folder])
        assert errors(problems) == []
        versions.append(catalog.flow_version("hiring"))

    adaptive_a, adaptive_b, fixed_c, fixed_d = versions
    assert adaptive_a != adaptive_b
    assert fixed_c == fixed_d, "writing out the default mode is not an edit"
    assert adaptive_a != fixed_c


def test_the_adaptive_example_in_the_docs_lints_clean_on_the_bundled_banks(
    tmp_path: Path,
) -> None:
    docs = (ROOT / "docs" / "content-format.md").read_text(encoding="utf-8")
    blocks = [yaml.safe_load(e) for e in re.findall(r"```yaml\n(.*?)```", docs, re.DOTALL)]
    examples = [e for e in blocks if isinstance(e, dict)]
    fixed = next(e for e in examples if "sections" in e and "id" in e)
    adaptive_part = next(e for e in examples if e.get("mode") == "adaptive")
    write(tmp_path, "backend-karachi.yaml", yaml.safe_dump({**fixed, **adaptive_part}))

    catalog, problems = load([tmp_path, BUNDLED_BANKS])

    assert problems == []
    assert catalog.flow("backend-karachi").mode is Mode.ADAPTIVE
