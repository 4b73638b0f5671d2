"""The `screenbot` command as a person runs it: chat, quit, resume, finish, report."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCREENBOT = Path(sys.executable).with_name("screenbot")
# Each question accepts at least one of these three: a number, a yes, or a sentence.
ANYTHING = ["1", "yes", "It depends on the index and the load, say 1"] * 15


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "SCREENBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}",
        "SCREENBOT_BANKS_DIR": str(ROOT / "question_banks"),
        "SCREENBOT_FLOWS_DIR": str(ROOT / "conversations"),
    }


def screenbot(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCREENBOT), *args],
        input=stdin,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=ROOT,
    )


def test_chat_quit_resume_finish_and_report(env: dict[str, str]) -> None:
    start = ["yes", "Sara Ahmed", "sara@example.com", "3", "1", "180k", "2", "yes", "yes"]
    first = screenbot(
        env,
        "chat",
        "--flow",
        "backend-karachi",
        "--as",
        "sara",
        stdin="\n".join([*start, "/quit"]) + "\n",
    )
    assert first.returncode == 0, first.stderr
    assert "Question 1 of 12" in first.stdout
    assert first.stdout.rstrip().endswith("Run the same command again to carry on.")

    second = screenbot(
        env, "chat", "--flow", "backend-karachi", "--as", "sara", stdin="\n".join(ANYTHING) + "\n"
    )
    assert second.returncode == 0, second.stderr
    assert "Welcome back! Let's pick up where you left off.\nQuestion 1 of 12" in second.stdout
    assert "Your screening for Backend Developer, Karachi is complete." in second.stdout

    as_json = screenbot(env, "report", "backend-karachi", "--format", "json")
    assert as_json.returncode == 0, as_json.stderr
    [row] = json.loads(as_json.stdout)
    assert row["full_name"] == "Sara Ahmed"
    assert row["expected_salary_pkr"] == 180000
    assert row["work_model"] == "hybrid"
    assert row["stage"] == "completed"
    assert row["answers"] == 12
    assert 0 <= row["total"] <= 1
    assert row["ability"] is not None
    assert 0 < row["ability_se"] < 1

    as_csv = screenbot(env, "report", "backend-karachi", "--format", "csv")
    [csv_row] = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert csv_row["email"] == "sara@example.com"
    assert float(csv_row["total"]) == row["total"]
    assert float(csv_row["ability"]) == row["ability"]
    assert float(csv_row["ability_se"]) == row["ability_se"]


def test_run_without_tokens_is_a_terminal_chat(env: dict[str, str]) -> None:
    result = screenbot(env, "run", stdin="/quit\n")
    assert result.returncode == 0, result.stderr
    assert "No TELEGRAM_BOT_TOKEN or SLACK_BOT_TOKEN is set" in result.stdout
    assert "Which opening would you like to apply for?" in result.stdout


def test_report_neutralises_spreadsheet_formulas(env: dict[str, str]) -> None:
    start = ["yes", '=HYPERLINK("http://x")', "/quit"]
    screenbot(env, "chat", "--flow", "backend-karachi", "--as", "eve", stdin="\n".join(start))
    result = screenbot(env, "report", "backend-karachi", "--format", "csv")
    [row] = list(csv.DictReader(io.StringIO(result.stdout)))
    assert row["full_name"] == '\'=HYPERLINK("http://x")'


def test_unknown_flow_in_report_is_a_clear_error(env: dict[str, str]) -> None:
    result = screenbot(env, "report", "nope")
    assert result.returncode == 2
    assert "There is no screening flow called 'nope'." in result.stderr
