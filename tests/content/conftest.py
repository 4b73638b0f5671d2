"""Helpers for the content tests: YAML written into tmp_path, with the bad lines marked.

A line ending in `# <- some text` is an expectation: loading must report a problem in that file,
on that line, whose message contains `some text`. Keeping the expectation next to the offending
line makes each case read like the lint output it should produce.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from textwrap import dedent

from screenbot.errors import ContentProblem

ROOT = Path(__file__).resolve().parents[2]
BUNDLED_BANKS = ROOT / "question_banks"
BUNDLED_FLOWS = ROOT / "conversations"

_MARK = re.compile(r"#\s*<-\s*(?P<fragment>.*?)\s*$")

OK_QUESTION = """\
- id: q-fine
  type: yes_no
  difficulty: 1
  text: Is this question fine?
  answer: yes
  explanation: It is the control question every test bank carries.
"""

TINY_BANK = """\
# A valid two-question bank that test flows can use.
id: tiny
title: Tiny
questions:
- id: q-one
  type: yes_no
  text: Is one a number?
  answer: yes
  explanation: It is.
- id: q-two
  type: yes_no
  text: Is two a letter?
  answer: no
  explanation: It is not.
"""


@dataclass(frozen=True)
class Expected:
    """A problem the loader must report: a file, a 1-based line and part of the message."""

    path: str
    line: int
    fragment: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.fragment}"


def write(folder: Path, name: str, text: str) -> Path:
    """Write `text` (dedented) to `folder/name` and return the path."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dedent(text), encoding="utf-8")
    return path


def expectations(path: Path) -> list[Expected]:
    """Every `# <- fragment` mark in the file, with its line number."""
    found = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = _MARK.search(line)
        if match:
            found.append(Expected(str(path), number, match["fragment"]))
    return found


def assert_reported(problems: list[ContentProblem], path: Path) -> None:
    """Each mark in `path` has a problem on exactly its file and line, with its fragment."""
    expected = expectations(path)
    assert expected, f"{path.name} marks no line with '# <-'"
    listing = "\n".join(str(p) for p in problems) or "(no problems)"
    for want in expected:
        at_line = [p.message for p in problems if p.path == want.path and p.line == want.line]
        assert any(want.fragment in message for message in at_line), (
            f"expected {want}\ngot:\n{listing}"
        )


def bank(bank_id: str, questions: str, *, id_mark: str = "") -> str:
    """A bank file: a comment line, id, title, the given questions, then a valid one."""
    return (
        f"# Bank {bank_id}, written by a test.\n"
        f"id: {bank_id}{id_mark}\n"
        f"title: Bank {bank_id}\n"
        "questions:\n"
        f"{dedent(questions)}"
        f"{OK_QUESTION}"
    )


def flow(
    flow_id: str,
    *,
    profile: str = "[full_name, email]",
    knockout: str = '{text: "Can you start within a month?", expect: yes}',
    section: str = "{bank: tiny, pick: 1, weight: 1}",
    schedule: str = '"0 9 * * MON-FRI"',
    timezone: str = "Asia/Karachi",
) -> str:
    """A flow file using bank `tiny`; each keyword replaces one line's value."""
    return (
        f"# Flow {flow_id}, written by a test.\n"
        f"id: {flow_id}\n"
        f"title: Flow {flow_id}\n"
        f"profile: {profile}\n"
        "knockout:\n"
        f"  - {knockout}\n"
        "sections:\n"
        f"  - {section}\n"
        "pass_score: 0.5\n"
        "shortlist:\n"
        '  slack_channel: "#hiring"\n'
        f"  schedule: {schedule}\n"
        f"  timezone: {timezone}\n"
    )
