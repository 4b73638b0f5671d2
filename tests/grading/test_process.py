"""The grader in a child process: it grades as the grader in the bot's own process does, and it
never outlives the bot."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from screenbot.content.models import FreeTextQuestion
from screenbot.errors import GraderUnavailableError
from screenbot.grading import SemanticGrader
from screenbot.grading.process import ProcessGrader

BOT = """
import time
from screenbot.grading.process import ProcessGrader
grader = ProcessGrader()
grader.load()
print(grader.pid, flush=True)
time.sleep(120)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_the_child_grades_as_the_grader_in_process_does(
    grader: SemanticGrader, questions: dict[str, FreeTextQuestion]
) -> None:
    question = questions["docker-k8s-probes"]
    answers = [
        "When the liveness probe fails, the kubelet restarts the container.",
        "liveness, readiness, restart, endpoints",
        "",
    ]
    child = ProcessGrader()
    try:
        child.load()
        assert child.name == grader.name
        items = [(question, a) for a in answers]
        assert child.grade_batch(items) == grader.grade_batch(items)
    finally:
        child.close()
    with pytest.raises(GraderUnavailableError):
        child.grade_batch(items)


def test_a_bot_killed_outright_takes_its_grading_child_with_it() -> None:
    """It broke: after kill -9 of `screenbot run`, its grading child lived on with its model,
    one more after every restart."""
    with subprocess.Popen(
        [sys.executable, "-c", BOT], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    ) as bot:
        assert bot.stdout is not None
        child = int(bot.stdout.readline())
        assert _alive(child)
        bot.send_signal(signal.SIGKILL)
        bot.wait(10)
    deadline = time.monotonic() + 10
    while _alive(child) and not _zombie(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child) or _zombie(child)


def _zombie(pid: int) -> bool:
    """Ended and waiting for whoever inherited it to collect its exit status."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return False


def test_the_command_module_leaves_the_application_unimported() -> None:
    """It broke: a grading child starts by importing the script that started the bot, which
    imported the whole command line; the child took 2.2 s and 170 MB before loading its model."""
    probe = (
        "import sys, screenbot.__main__; print(*sorted(m for m in sys.modules if 'screenbot' in m))"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert found.stdout.split() == ["screenbot", "screenbot.__main__"]
