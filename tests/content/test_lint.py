"""Linting banks and flows: every problem names its file and line, and one load finds them all.

Each case writes real YAML into a temporary folder and loads it with the real loader
(`screenbot.content.catalog.load`). A line ending in `# <- text` must be reported, on that line,
with a message containing `text` (see conftest.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from screenbot.content.catalog import errors, load, load_catalog
from screenbot.errors import ContentError
from screenbot.scheduling import check_schedule
from tests.content.conftest import (
    BUNDLED_BANKS,
    OK_QUESTION,
    ROOT,
    TINY_BANK,
    assert_reported,
    bank,
    expectations,
    flow,
    write,
)

CASES = [
    pytest.param(
        {
            "syntax.yaml": """\
                # A bank whose title line is followed by a badly indented key.
                id: syntax
                title: Syntax
                  oops: indented  # <- not valid YAML: mapping values are not allowed here
                questions: []
                """
        },
        id="yaml-syntax-error",
    ),
    pytest.param(
        {
            "tiny.yaml": TINY_BANK,
            "relocate.yaml": flow(
                "relocate",
                knockout="{text: Can you relocate?, expect: yes}"
                "  # <- (inside {…}, put text containing ?, : or # in quotes)",
            ),
        },
        id="unquoted-question-mark-inside-braces-hints-at-quotes",
    ),
    pytest.param(
        {
            "repeat.yaml": bank(
                "repeat",
                """\
                - id: q-repeat
                  type: yes_no
                  text: Is the answer given twice?
                  answer: yes
                  explanation: Only one answer may count.
                  answer: no  # <- key 'answer' appears twice
                """,
            )
        },
        id="repeated-key",
    ),
    pytest.param(
        {
            "typo.yaml": bank(
                "typo",
                """\
                - id: q-typo
                  type: yes_no
                  dificulty: 2  # <- unknown key 'dificulty'
                  text: Is difficulty spelled right?
                  answer: no
                  explanation: It is not.
                """,
            )
        },
        id="unknown-key-in-a-question",
    ),
    pytest.param(
        {
            "essay.yaml": bank(
                "essay",
                """\
                - id: q-essay  # <- type must be one of 'single_choice', 'multi_choice', 'free_text', 'numeric', 'yes_no', not essay
                  type: essay
                  text: Write an essay.
                  explanation: There is no essay type.
                """,  # noqa: E501
            )
        },
        id="unknown-question-type",
    ),
    pytest.param(
        {
            "hard.yaml": bank(
                "hard",
                """\
                - id: q-hard
                  type: yes_no
                  difficulty: 6  # <- questions.0.difficulty: Input should be less than or equal
                  text: Is six a difficulty?
                  answer: no
                  explanation: Difficulty runs from 1 to 5.
                """,
            )
        },
        id="difficulty-6",
    ),
    pytest.param(
        {
            "none-right.yaml": bank(
                "none-right",
                """\
                - id: q-none  # <- single_choice question needs exactly one correct choice, found 0
                  type: single_choice
                  text: Which one?
                  choices:
                    - {id: a, text: This}
                    - {id: b, text: That}
                  explanation: Nobody marked the right one.
                """,
            )
        },
        id="single-choice-without-a-correct-choice",
    ),
    pytest.param(
        {
            "two-right.yaml": bank(
                "two-right",
                """\
                - id: q-two  # <- a single_choice question needs exactly one correct choice, found 2
                  type: single_choice
                  text: Which one?
                  choices:
                    - {id: a, text: This, correct: true}
                    - {id: b, text: That, correct: true}
                  explanation: Two right answers make it a multi_choice question.
                """,
            )
        },
        id="single-choice-with-two-correct-choices",
    ),
    pytest.param(
        {
            "multi-none.yaml": bank(
                "multi-none",
                """\
                - id: q-multi  # <- a multi_choice question needs at least one correct choice
                  type: multi_choice
                  text: Which ones?
                  choices:
                    - {id: a, text: This}
                    - {id: b, text: That}
                  explanation: Nobody marked any right one.
                """,
            )
        },
        id="multi-choice-without-a-correct-choice",
    ),
    pytest.param(
        {
            "twins.yaml": bank(
                "twins",
                """\
                - id: q-same
                  type: yes_no
                  text: First of two.
                  answer: yes
                  explanation: The first.
                - id: q-same  # <- question id 'q-same' is used twice
                  type: yes_no
                  text: Second of two.
                  answer: no
                  explanation: The second.
                """,
            )
        },
        id="duplicate-question-ids-on-the-repeated-question",
    ),
    pytest.param(
        {
            "choice-twins.yaml": bank(
                "choice-twins",
                """\
                - id: q-choices
                  type: single_choice
                  text: Which one?
                  choices:
                    - {id: a, text: This, correct: true}
                    - {id: b, text: That}
                    - {id: a, text: Other}  # <- choice id 'a' is used twice
                  explanation: Choice ids must differ.
                """,
            )
        },
        id="duplicate-choice-ids-on-the-repeated-choice",
    ),
    pytest.param(
        {
            "no-answer.yaml": bank(
                "no-answer",
                """\
                - id: q-number  # <- a numeric question needs either `answer` or `ranges`
                  type: numeric
                  text: How many?
                  unit: ms
                  explanation: There is nothing to score against.
                """,
            )
        },
        id="numeric-without-answer-or-ranges",
    ),
    pytest.param(
        {
            "tiny.yaml": TINY_BANK,
            "lost.yaml": flow(
                "lost", section="{bank: nosuch, pick: 1, weight: 1}  # <- no bank called 'nosuch'"
            ),
        },
        id="flow-names-a-missing-bank",
    ),
    pytest.param(
        {
            "tiny.yaml": TINY_BANK,
            "greedy.yaml": flow(
                "greedy",
                section="{bank: tiny, pick: 5, weight: 1}"
                "  # <- pick 5 is more than the 2 questions in bank 'tiny'",
            ),
        },
        id="pick-larger-than-the-bank",
    ),
    pytest.param(
        {
            "tiny.yaml": TINY_BANK,
            "late.yaml": flow(
                "late",
                schedule="\"0 25 * * MON\"  # <- bad cron schedule '0 25 * * MON'",
            ),
        },
        id="bad-cron-hour",
    ),
    pytest.param(
        {
            "tiny.yaml": TINY_BANK,
            "vague.yaml": flow(
                "vague",
                schedule="\"every morning\"  # <- bad cron schedule 'every morning'",
            ),
        },
        id="cron-that-is-not-cron",
    ),
    pytest.param(
        {
            "tiny.yaml": TINY_BANK,
            "numeric-days.yaml": flow(
                "numeric-days",
                schedule='"0 9 * * 1-5"  # <- write days of the week as names (MON-FRI)',
            ),
        },
        id="numeric-day-of-week-asks-for-names",
    ),
    pytest.param(
        {
            "tiny.yaml": TINY_BANK,
            "gulf-week.yaml": flow(
                "gulf-week",
                schedule='"0 10 * * SUN-THU"  # <- a range cannot wrap past SUN: write SUN,MON-THU',
            ),
        },
        id="weekday-range-wrapping-past-sunday",
    ),
    pytest.param(
        {
            "tiny.yaml": TINY_BANK,
            "lahore.yaml": flow(
                "lahore",
                timezone="Asia/Lahore  # <- unknown time zone 'Asia/Lahore' (try an IANA name",
            ),
        },
        id="unknown-time-zone",
    ),
    pytest.param(
        {
            "tiny.yaml": TINY_BANK,
            "shoes.yaml": flow(
                "shoes",
                profile="[full_name, shoe_size]  # <- profile.1: Input should be 'full_name'",
            ),
        },
        id="unknown-profile-field",
    ),
    pytest.param(
        {
            "tiny.yaml": TINY_BANK,
            "greedy-pay.yaml": flow(
                "greedy-pay",
                profile="[expected_salary_pkr, expected_salary_usd]"
                "  # <- profile: ask for one expected salary, in one currency",
            ),
        },
        id="two-salary-fields",
    ),
    pytest.param(
        {
            "wrong-name.yaml": bank(
                "right-name", "", id_mark="  # <- id 'right-name' should match the file name"
            )
        },
        id="bank-id-differs-from-file-name",
    ),
    pytest.param(
        {
            "tiny.yaml": TINY_BANK,
            "renamed.yaml": flow("original").replace(
                "id: original", "id: original  # <- id 'original' should match the file name"
            ),
        },
        id="flow-id-differs-from-file-name",
    ),
]


@pytest.mark.parametrize("files", CASES)
def test_each_problem_is_reported_on_its_file_and_line(
    tmp_path: Path, files: dict[str, str]
) -> None:
    paths = [write(tmp_path, name, text) for name, text in files.items()]
    marked = [p for p in paths if expectations(p)]
    assert marked, "the case marks no line"

    _, problems = load([tmp_path], checks=[check_schedule])

    for path in marked:
        assert_reported(problems, path)
    unmarked = {str(p) for p in paths if p not in marked}
    assert not [p for p in problems if p.path in unmarked], "a valid file got a problem"


def test_the_same_id_in_two_files_names_the_file_that_has_it_first(tmp_path: Path) -> None:
    first = write(tmp_path / "old", "shared.yaml", bank("shared", ""))
    second = write(
        tmp_path / "new",
        "shared.yaml",
        bank("shared", "", id_mark=f"  # <- id 'shared' is already used by {first}"),
    )

    catalog, problems = load([tmp_path / "old", tmp_path / "new"])

    assert_reported(problems, second)
    assert not [p for p in problems if p.path == str(first)]
    assert catalog.banks["shared"].title == "Bank shared"


def test_duplicate_ids_are_reported_in_their_file_whatever_the_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "twins.yaml",
        bank(
            "twins",
            """\
            - id: q-same
              type: single_choice
              text: Which one?
              choices:
                - {id: a, text: This, correct: true}
                - {id: a, text: That}
              explanation: Both the choice ids and the question ids repeat.
            - id: q-same
              type: yes_no
              text: Again?
              answer: no
              explanation: Repeated id.
            """,
        ),
    )

    catalog, problems = load([tmp_path])

    messages = [p.message for p in problems if p.path == str(path)]
    assert any("choice id 'a' is used twice" in m for m in messages), problems
    assert "twins" not in catalog.banks


def test_problems_in_several_files_are_all_reported_in_one_load(tmp_path: Path) -> None:
    write(tmp_path, "tiny.yaml", TINY_BANK)
    two_bad_questions = write(
        tmp_path,
        "alpha.yaml",
        bank(
            "alpha",
            """\
            - id: q-typo
              type: yes_no
              dificulty: 2  # <- unknown key 'dificulty'
              text: First bad question.
              answer: yes
              explanation: Typo in a key.
            - id: q-hard
              type: yes_no
              difficulty: 9  # <- less than or equal to 5
              text: Second bad question.
              answer: yes
              explanation: Too hard.
            """,
        ),
    )
    not_yaml = write(
        tmp_path,
        "beta.yaml",
        flow("beta", knockout="{text: Why?, expect: yes}  # <- not valid YAML"),
    )
    bad_zone = write(tmp_path, "gamma.yaml", flow("gamma", timezone="Mars/Olympus  # <- Mars"))
    lost_bank = write(
        tmp_path,
        "delta.yaml",
        flow("delta", section="{bank: alpha, pick: 1, weight: 1}  # <- no bank called 'alpha'"),
    )

    catalog, problems = load([tmp_path], checks=[check_schedule])

    for path in (two_bad_questions, not_yaml, bad_zone, lost_bank):
        assert_reported(problems, path)
    assert {p.path for p in problems} == {
        str(p) for p in (two_bad_questions, not_yaml, bad_zone, lost_bank)
    }
    assert list(catalog.banks) == ["tiny"], "good files still load beside broken ones"


def test_the_server_refuses_broken_content_and_lists_every_problem(tmp_path: Path) -> None:
    banks, flows = tmp_path / "banks", tmp_path / "flows"
    write(banks, "tiny.yaml", TINY_BANK)
    lahore = write(flows, "lahore.yaml", flow("lahore", timezone="Asia/Lahore  # <- time zone"))
    lost = write(flows, "lost.yaml", flow("lost", section="{bank: gone, pick: 1, weight: 1}  # <-"))

    with pytest.raises(ContentError) as raised:
        load_catalog(banks, flows, checks=[check_schedule])

    lines = str(raised.value).splitlines()
    assert [line.split(": ", 1)[0] for line in lines] == [
        f"{lahore}:{expectations(lahore)[0].line}",
        f"{lost}:{expectations(lost)[0].line}",
    ]


def test_an_unknown_key_holding_a_list_is_reported_on_the_key_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "misspelt.yaml",
        bank(
            "misspelt",
            """\
            - id: q-choices
              type: single_choice
              text: Which one?
              choises:  # <- unknown key 'choises'
                - {id: a, text: This, correct: true}
                - {id: b, text: That}
              explanation: The key is misspelt.
            """,
        ),
    )

    _, problems = load([tmp_path])

    assert_reported(problems, path)


def test_a_broken_question_in_a_one_question_bank_is_reported_once(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "single.yaml",
        """\
        id: single
        title: Single
        questions:
        - id: q-only
          type: yes_no
          difficulty: 6
          text: The only question.
          answer: yes
          explanation: Too hard.
        """,
    )

    _, problems = load([tmp_path])

    assert [p.message for p in problems if p.path == str(path)] == [
        "questions.0.difficulty: Input should be less than or equal to 5"
    ]


def test_a_bank_with_a_misspelt_questions_key_is_not_checked_as_a_flow(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "plural.yaml",
        """\
        id: plural
        title: Plural
        question:  # <- unknown key 'question'
        - id: q-one
          type: yes_no
          text: Is one a number?
          answer: yes
          explanation: It is.
        """,
    )

    _, problems = load([tmp_path])

    assert_reported(problems, path)
    assert not [p for p in problems if "sections" in p.message or "pass_score" in p.message]


def test_an_unclosed_quote_is_reported_where_it_opens(tmp_path: Path) -> None:
    text = bank(
        "quote",
        """\
        - id: q-quote
          type: yes_no
          text: "Is this quote ever closed?  # <- not valid YAML
          answer: no
          explanation: It is not.
        """,
    )
    path = write(tmp_path, "quote.yaml", text)
    opened = expectations(path)[0].line

    _, problems = load([tmp_path])

    assert len(problems) == 1
    assert problems[0].line == opened or f"line {opened}" in problems[0].message, problems


def test_a_missing_closing_brace_is_not_blamed_on_quoting(tmp_path: Path) -> None:
    write(
        tmp_path,
        "brace.yaml",
        bank(
            "brace",
            """\
            - id: q-brace
              type: single_choice
              text: Which one?
              choices:
                - {id: a, text: This, correct: true
                - {id: b, text: That}
              explanation: The first choice lacks its closing brace.
            """,
        ),
    )

    _, problems = load([tmp_path])

    assert len(problems) == 1
    assert "not valid YAML" in problems[0].message
    assert "in quotes" not in problems[0].message


def test_a_flow_with_a_bad_field_still_reports_its_schedule_and_bank(tmp_path: Path) -> None:
    write(tmp_path, "tiny.yaml", TINY_BANK)
    path = write(
        tmp_path,
        "messy.yaml",
        flow(
            "messy",
            profile="[full_name, shoe_size]  # <- profile.1",
            section="{bank: nosuch, pick: 1, weight: 1}  # <- no bank called 'nosuch'",
            schedule='"0 9 * * 1-5"  # <- write days of the week as names',
        ),
    )

    _, problems = load([tmp_path], checks=[check_schedule])

    assert_reported(problems, path)


def test_the_flow_example_in_the_docs_loads(tmp_path: Path) -> None:
    docs = (ROOT / "docs" / "content-format.md").read_text(encoding="utf-8")
    examples = re.findall(r"```yaml\n(.*?)```", docs, flags=re.DOTALL)
    flow_example = next(e for e in examples if "sections:" in e)
    write(tmp_path, "backend-karachi.yaml", flow_example)

    _, problems = load([tmp_path, BUNDLED_BANKS], checks=[check_schedule])

    assert errors(problems) == []


def test_the_bank_example_in_the_docs_loads(tmp_path: Path) -> None:
    docs = (ROOT / "docs" / "content-format.md").read_text(encoding="utf-8")
    examples = re.findall(r"```yaml\n(.*?)```", docs, flags=re.DOTALL)
    bank_example, more_questions = examples[0], examples[1]
    write(tmp_path, "databases.yaml", bank_example + more_questions)

    catalog, problems = load([tmp_path])

    assert errors(problems) == []
    assert len(catalog.banks["databases"].questions) == 4


def test_a_valid_bank_and_flow_load_without_problems(tmp_path: Path) -> None:
    write(tmp_path, "tiny.yaml", TINY_BANK)
    write(tmp_path, "fine.yaml", bank("fine", OK_QUESTION.replace("q-fine", "q-also-fine")))
    write(tmp_path, "hiring.yaml", flow("hiring"))

    catalog, problems = load([tmp_path])

    assert problems == []
    assert sorted(catalog.banks) == ["fine", "tiny"]
    assert list(catalog.flows) == ["hiring"]
