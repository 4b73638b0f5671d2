from __future__ import annotations

from pathlib import Path

import pytest

from screenbot.content.catalog import load
from screenbot.content.models import FreeTextQuestion
from screenbot.grading import SemanticGrader

BANKS = Path(__file__).resolve().parents[2] / "question_banks"


@pytest.fixture(scope="session")
def grader() -> SemanticGrader:
    """One grader, and so one model load, for the whole session."""
    g = SemanticGrader()
    g.load()
    return g


@pytest.fixture(scope="session")
def questions() -> dict[str, FreeTextQuestion]:
    catalog, _ = load([BANKS])
    return {
        q.id: q
        for bank in catalog.banks.values()
        for q in bank.questions
        if isinstance(q, FreeTextQuestion)
    }
