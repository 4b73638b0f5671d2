"""The grader in a child process of its own, for a bot that grades where it screens.

Grading is CPU work in Python and numpy; on a thread of the bot's process it holds the
interpreter lock that candidates' turns wait for, and a batch shows up in their slowest replies.
In a child process it runs on another core (or is scheduled by the operating system beside the
turns, not in front of them), and a crash in the model takes only the child down: the worker
sees the grader unavailable, releases its batch and starts a new child.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from screenbot.content.models import FreeTextQuestion
from screenbot.errors import GraderUnavailableError
from screenbot.grading.results import Grade
from screenbot.grading.semantic import shared_grader


def _child_start() -> None:
    """Ctrl-C reaches the whole process group: the bot, not its child, decides when to stop.
    And a bot killed outright (kill -9, out of memory) cannot stop its child, so the child
    watches for its parent's end and ends with it rather than linger, holding its model."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is not None:
        sentinel = parent.sentinel

        def end_with_parent() -> None:
            multiprocessing.connection.wait([sentinel])
            os._exit(0)

        threading.Thread(target=end_with_parent, name="end with parent", daemon=True).start()


def _load() -> tuple[str, int]:
    grader = shared_grader()
    grader.load()
    return grader.name, os.getpid()


def _grade(items: list[tuple[FreeTextQuestion, str]]) -> list[Grade]:
    return shared_grader().grade_batch(items)


class ProcessGrader:
    """A `LoadableGrader` whose model lives in one child process, started by `load()`.

    Raises GraderUnavailableError when the model cannot load in the child or the child dies;
    a grader whose child died stays unavailable (make a new one).
    """

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self._name = "not loaded"
        self._lock = threading.Lock()
        self.pid: int | None = None  # the child's, once loaded

    @property
    def name(self) -> str:
        """Grader and model versions, as the child reports them."""
        return self._name

    def load(self) -> None:
        """Start the child and load the model in it; later calls return at once."""
        with self._lock:
            if self._pool is not None:
                return
            pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),  # no fork of a threaded process
                initializer=_child_start,
            )
            try:
                self._name, self.pid = pool.submit(_load).result()
            except BrokenProcessPool as exc:
                pool.shutdown(wait=False, cancel_futures=True)
                raise GraderUnavailableError(f"The grading process could not start: {exc}") from exc
            except BaseException:
                pool.shutdown(wait=False, cancel_futures=True)
                raise
            self._pool = pool

    def grade_batch(self, items: Sequence[tuple[FreeTextQuestion, str]]) -> list[Grade]:
        """One grade per (question, answer), in order, graded in the child."""
        pool = self._pool
        if pool is None:
            raise GraderUnavailableError("The grading process is not running.")
        try:
            return pool.submit(_grade, list(items)).result()
        except BrokenProcessPool as exc:
            self.close()
            raise GraderUnavailableError("The grading process stopped unexpectedly.") from exc

    def close(self) -> None:
        """Stop the child (after the batch in hand, if any)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
