"""`screenbot rescore FLOW` after an admin fixes a key, on screenings made through the service."""

from __future__ import annotations

import shutil
from pathlib import Path

from screenbot.store.answers import answers_of
from screenbot.store.database import Database
from screenbot.store.rescoring import audit_of, finished_screenings
from tests.conftest import Clock
from tests.recruiting.simulated import (
    ADAPTIVE_BANKS,
    adaptive_mini,
    people,
    screen_many,
    screenbot,
    service_for,
)


def fixed_key(tmp_path: Path) -> Path:
    """The fixture banks with `basics/pick-one` keyed to 80 instead of 443, as if the admin found
    the key wrong."""
    banks = tmp_path / "banks"
    shutil.copytree(ADAPTIVE_BANKS, banks)
    path = banks / "basics.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace('{id: a, text: "80"}', '{id: a, text: "80", correct: true}', 1)
    text = text.replace('{id: b, text: "443", correct: true}', '{id: b, text: "443"}', 1)
    path.write_text(text, encoding="utf-8")
    return banks


async def test_rescore_after_a_key_fix_audits_old_scores_and_prints_moves(
    database: Database, clock: Clock, tmp_path: Path
) -> None:
    catalog = adaptive_mini()
    service = service_for(database, catalog, clock)
    await screen_many(service, catalog, clock, "adaptive-mini", people(30))
    before = {s.screening_id: s for s in await finished_screenings(database, "adaptive-mini")}
    assert len(before) == 30
    asked = [
        sid for sid, s in before.items() if any(a.question == "pick-one" for a in s.state.answers)
    ]
    assert asked, "somebody was asked the question whose key gets fixed"
    banks = fixed_key(tmp_path)

    dry = screenbot(database, "rescore", "adaptive-mini", "--dry-run", banks=banks)
    assert dry.returncode == 0, dry.stderr
    lines = dry.stdout.splitlines()
    assert lines[0].startswith("adaptive-mini: 30 finished screening(s), ")
    assert "would change" in lines[0]
    assert lines[-1] == "dry run: nothing stored."
    assert await audit_of(database) == []
    assert {
        s.screening_id: s.state.score for s in await finished_screenings(database, "adaptive-mini")
    } == {sid: s.state.score for sid, s in before.items()}

    run = screenbot(database, "rescore", "adaptive-mini", banks=banks)
    assert run.returncode == 0, run.stderr
    assert " changed." in run.stdout.splitlines()[0]
    moves = [line for line in run.stdout.splitlines() if " -> #" in line]
    assert moves == [line for line in dry.stdout.splitlines() if " -> #" in line]
    audit = {a.screening_id: a for a in await audit_of(database)}
    assert set(asked) <= set(audit)
    after = {s.screening_id: s for s in await finished_screenings(database, "adaptive-mini")}
    for sid, row in audit.items():
        assert row.old_score == before[sid].state.score
        assert row.new_score == after[sid].state.score
        assert row.old_bank_versions == before[sid].bank_versions
        assert row.new_bank_versions["basics"] != before[sid].bank_versions["basics"]
    # The stored answers follow the new key: who picked 443 now has nothing for it.
    sid = asked[0]
    stored = {a.question_id: a for a in await answers_of(database, sid)}
    old = next(a for a in before[sid].state.answers if a.question == "pick-one")
    assert stored["pick-one"].points == (0.0 if old.points else 1.0)
    assert moves, "a key fix moves somebody in a ranking of 30"

    again = screenbot(database, "rescore", "adaptive-mini", banks=banks)
    assert again.returncode == 0, again.stderr
    assert "0 changed." in again.stdout.splitlines()[0]
    assert "nobody moved in the ranking." in again.stdout
    assert len(await audit_of(database)) == len(audit)
