"""Rubric references and misconceptions, and 2PL item parameters: loaded, linted, versioned.

Cases are real YAML loaded by the real loader; a line ending in `# <- text` must be reported on
that line with a message containing `text` (see conftest.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from screenbot.content.catalog import errors, load
from screenbot.content.models import FreeTextQuestion, Irt, SingleChoiceQuestion, YesNoQuestion
from screenbot.errors import Severity
from tests.content.conftest import assert_reported, bank, expectations, write

ESSAY = """\
- id: q-essay
  type: free_text
  text: Why does an index slow writes down?
  rubric:
    - concept: index maintenance
      keywords: [update the index]
      references:
        - Every insert also updates the index.
        - Har insert ke saath index bhi update hota hai.
      misconceptions:
        - Indexes only slow down reads.
      points: 1
    - concept: extra io
      keywords: [extra write]
      references: [Each index costs extra writes.]
      points: 1
  reference_answer: Every insert also updates the index, which costs extra writes.
  explanation: Maintenance and write amplification.
"""

CHOICE = """\
- id: q-choice
  type: single_choice
  text: Which index type is the default?
  choices:
    - {id: a, text: B-tree, correct: true}
    - {id: b, text: Hash}
  irt: {a: 1.2, b: -0.5}
  explanation: B-tree.
"""


def marked(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


CASES = [
    pytest.param(
        marked(
            ESSAY,
            "        - Har insert ke saath index bhi update hota hai.\n",
            '        - "   "  # <- references.1: a statement cannot be empty\n',
        ),
        id="blank-reference",
    ),
    pytest.param(
        marked(
            ESSAY,
            "        - Indexes only slow down reads.\n",
            '        - ""  # <- misconceptions.0: a statement cannot be empty\n',
        ),
        id="empty-misconception",
    ),
    pytest.param(
        marked(
            ESSAY,
            "        - Har insert ke saath index bhi update hota hai.\n",
            "        - every insert ALSO updates  the index.  # <- reference 'every insert ALSO "
            "updates  the index.' is listed twice\n",
        ),
        id="reference-repeated-in-other-case-and-spacing",
    ),
    pytest.param(
        marked(
            ESSAY,
            "        - Indexes only slow down reads.\n",
            "        - Every insert also updates the index.  # <- misconception 'Every insert "
            "also updates the index.' is already a reference\n",
        ),
        id="statement-that-is-both-reference-and-misconception",
    ),
    pytest.param(
        marked(
            ESSAY,
            "      references: [Each index costs extra writes.]\n",
            "      references: [Every insert also updates the index.]  # <- is already a "
            "reference of concept 'index maintenance'\n",
        ),
        id="reference-repeated-in-another-concept",
    ),
    pytest.param(
        marked(
            ESSAY,
            "      references: [Each index costs extra writes.]\n",
            "      references: [Each index costs extra writes., 42]  # <- references.1: Input "
            "should be a valid string\n",
        ),
        id="reference-that-is-not-text",
    ),
    pytest.param(
        marked(
            CHOICE,
            "  irt: {a: 1.2, b: -0.5}\n",
            "  irt: {a: 0, b: -0.5}  # <- discrimination a = 0 must be above 0 (0 < a <= 4)\n",
        ),
        id="irt-a-zero",
    ),
    pytest.param(
        marked(
            CHOICE,
            "  irt: {a: 1.2, b: -0.5}\n",
            "  irt: {a: -1, b: -0.5}  # <- discrimination a = -1 must be above 0\n",
        ),
        id="irt-a-negative",
    ),
    pytest.param(
        marked(
            CHOICE,
            "  irt: {a: 1.2, b: -0.5}\n",
            "  irt: {a: 4.5, b: -0.5}  # <- discrimination a = 4.5 is above 4 (0 < a <= 4)\n",
        ),
        id="irt-a-too-steep",
    ),
    pytest.param(
        marked(
            CHOICE,
            "  irt: {a: 1.2, b: -0.5}\n",
            "  irt: {a: 1.2, b: -5}  # <- location b = -5 is outside -4 <= b <= 4\n",
        ),
        id="irt-b-too-far",
    ),
    pytest.param(
        marked(
            CHOICE,
            "  irt: {a: 1.2, b: -0.5}\n",
            "  irt: {a: .nan, b: 0}  # <- irt.a: Input should be a finite number\n",
        ),
        id="irt-a-not-a-number",
    ),
    pytest.param(
        marked(CHOICE, "  irt: {a: 1.2, b: -0.5}\n", "  irt: {a: 1.2}  # <- missing key 'b'\n"),
        id="irt-without-b",
    ),
    pytest.param(
        marked(
            CHOICE,
            "  irt: {a: 1.2, b: -0.5}\n",
            "  irt: {a: 1.2, b: -0.5, c: 0.2}  # <- unknown key 'c'\n",
        ),
        id="irt-with-a-guessing-parameter",
    ),
    pytest.param(
        marked(
            ESSAY,
            "  explanation: Maintenance and write amplification.\n",
            "  explanation: Maintenance and write amplification.\n"
            "  irt: {a: 1, b: 0}  # <- a free_text question takes no irt\n",
        ),
        id="irt-on-free-text",
    ),
]


@pytest.mark.parametrize("questions", CASES)
def test_each_rubric_and_irt_problem_is_an_error_on_its_line(
    tmp_path: Path, questions: str
) -> None:
    path = write(tmp_path, "broken.yaml", bank("broken", questions))

    catalog, problems = load([tmp_path])

    assert_reported(errors(problems), path)
    assert "broken" not in catalog.banks


def test_references_misconceptions_and_irt_load_as_immutable_values(tmp_path: Path) -> None:
    write(tmp_path, "fine.yaml", bank("fine", ESSAY + CHOICE))

    catalog, problems = load([tmp_path])

    assert problems == []
    essay = catalog.banks["fine"].question("q-essay")
    choice = catalog.banks["fine"].question("q-choice")
    assert isinstance(essay, FreeTextQuestion)
    assert isinstance(choice, SingleChoiceQuestion)
    first, second = essay.rubric
    assert first.references == (
        "Every insert also updates the index.",
        "Har insert ke saath index bhi update hota hai.",
    )
    assert first.misconceptions == ("Indexes only slow down reads.",)
    assert second.misconceptions == ()
    assert choice.irt == Irt(a=1.2, b=-0.5)
    plain = catalog.banks["fine"].question("q-fine")
    assert isinstance(plain, YesNoQuestion)
    assert plain.irt is None
    assert choice.auto_scored
    assert not essay.auto_scored


def test_a_concept_without_references_is_a_warning_that_keeps_the_bank(tmp_path: Path) -> None:
    questions = marked(
        ESSAY,
        "      references: [Each index costs extra writes.]\n",
        "",
    ).replace("    - concept: extra io\n", "    - concept: extra io  # <- add references\n")
    path = write(tmp_path, "partial.yaml", bank("partial", questions))

    catalog, problems = load([tmp_path])

    assert_reported(problems, path)
    [warning] = problems
    assert warning.severity is Severity.WARNING
    assert warning.line == expectations(path)[0].line
    assert "concept 'extra io' has no references" in warning.message
    assert str(warning).startswith(f"{path}:{warning.line}: warning: concept 'extra io'")
    assert errors(problems) == []
    assert "partial" in catalog.banks


def test_an_empty_reference_list_is_warned_about_like_a_missing_one(tmp_path: Path) -> None:
    questions = marked(
        ESSAY,
        "      references: [Each index costs extra writes.]\n",
        "      references: []\n",
    )
    write(tmp_path, "partial.yaml", bank("partial", questions))

    _, problems = load([tmp_path])

    assert [(p.severity, "extra io" in p.message) for p in problems] == [(Severity.WARNING, True)]


def version(folder: Path, questions: str) -> str:
    write(folder, "versioned.yaml", bank("versioned", questions))
    catalog, problems = load([folder])
    assert errors(problems) == []
    return catalog.bank_version("versioned")


def test_writing_out_empty_defaults_keeps_the_version(tmp_path: Path) -> None:
    plain = version(tmp_path / "plain", CHOICE.replace("  irt: {a: 1.2, b: -0.5}\n", ""))
    spelled = version(
        tmp_path / "spelled",
        CHOICE.replace("  irt: {a: 1.2, b: -0.5}\n", "  irt: null\n  difficulty: 3\n"),
    )

    assert spelled == plain


def test_adding_item_parameters_or_a_reference_changes_the_version(tmp_path: Path) -> None:
    without_irt = version(tmp_path / "a", CHOICE.replace("  irt: {a: 1.2, b: -0.5}\n", ""))
    with_irt = version(tmp_path / "b", CHOICE)
    fewer = version(
        tmp_path / "c",
        ESSAY.replace("      misconceptions:\n        - Indexes only slow down reads.\n", ""),
    )
    more = version(tmp_path / "d", ESSAY)

    assert without_irt != with_irt
    assert fewer != more
