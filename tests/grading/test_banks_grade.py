"""`screenbot banks grade` as an admin trying a rubric runs it: JSON lines in, one result each."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from screenbot.cli import app

ROOT = Path(__file__).resolve().parents[2]
BANK = ROOT / "question_banks" / "databases.yaml"
STRONG = (
    "This is a lost update race. Do the decrement in one statement: UPDATE products SET "
    "stock = stock - 1 WHERE id = 1 AND stock > 0, or lock the row with SELECT ... FOR UPDATE."
)


def _grade(lines: list[str], *args: str) -> tuple[int, list[str]]:
    result = CliRunner().invoke(
        app,
        ["banks", "grade", str(BANK), "--question", "db-lost-update-fix", *args],
        input="\n".join(lines) + "\n",
    )
    return result.exit_code, result.stdout.splitlines()


def test_each_answer_gets_one_json_result_in_order() -> None:
    answers = [STRONG, "lost update, race condition, FOR UPDATE, optimistic locking", "🙂"]
    code, out = _grade([json.dumps({"answer": a}) for a in answers], "--format", "json")
    assert code == 0
    results = [json.loads(line) for line in out]
    assert [r["question"] for r in results] == ["db-lost-update-fix"] * 3
    assert all(0.0 <= r["score"] <= 1.0 for r in results)
    strong, keywords, emoji = (r["score"] for r in results)
    assert strong > keywords
    assert emoji == 0.0
    assert any(c["evidence"] and c["evidence"] in STRONG for c in results[0]["concepts"])


def test_a_line_that_is_not_an_answer_is_reported_and_the_rest_still_graded() -> None:
    code, out = _grade([json.dumps({"answer": STRONG}), "not json", '{"text": "x"}'])
    assert code == 1
    assert len(out) == 3
    assert out[1].split()[:2] == ["2", "error"]
    assert "answer" in out[2]


def test_an_unknown_question_is_refused() -> None:
    result = CliRunner().invoke(app, ["banks", "grade", str(BANK), "--question", "nope"], input="")
    assert result.exit_code == 1
    assert "no free-text question 'nope'" in result.output


def test_a_bank_with_errors_is_refused_with_file_and_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: broken\ntitle: Broken\nquestions:\n  - id: q1\n    type: essay\n")
    result = CliRunner().invoke(app, ["banks", "grade", str(broken), "--question", "q1"], input="")
    assert result.exit_code == 1
    assert f"{broken}:" in result.output
