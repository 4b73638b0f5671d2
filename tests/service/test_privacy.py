"""Retention and data-subject requests: old screenings lose personal data, scores stay."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from screenbot.errors import CandidateNotFoundError
from screenbot.store.database import Database, open_database
from screenbot.store.migrate import upgrade
from screenbot.store.privacy import anonymise_finished, export_candidate
from screenbot.store.repository import Repository
from screenbot.store.schema import Answer, Candidate, Screening
from tests.conftest import ROOT
from tests.recruiting.conftest import finish

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


async def test_retention_anonymises_only_screenings_older_than_the_cutoff(
    database: Database,
) -> None:
    old = await finish(database, "Old Applicant", 0.8, NOW - timedelta(days=200), raw="my secret")
    new = await finish(database, "New Applicant", 0.7, NOW - timedelta(days=2), raw="fresh")
    assert await anonymise_finished(database, NOW - timedelta(days=180)) == 1
    assert await anonymise_finished(database, NOW - timedelta(days=180)) == 0
    rows = {r.id: r for r in await database.read(lambda c: c.execute(select(Screening)).all())}
    query = select(Answer.screening_id, Answer.raw_answer)
    raws = dict(await database.read(lambda conn: conn.execute(query).all()))
    named = select(Candidate.display_name)
    names = set(await database.read(lambda conn: conn.execute(named).scalars().all()))
    old_profile = dict(rows[old].state["profile"])
    assert "full_name" not in old_profile
    assert old_profile["city"] == "Karachi"
    assert rows[old].score == 0.8
    assert [a["raw"] for a in rows[old].state["answers"]] == ["", "", ""]
    assert raws[old] is None
    assert dict(rows[new].state["profile"])["full_name"] == "New Applicant"
    assert raws[new] == "fresh"
    assert names == {None, "New Applicant"}


async def test_export_lists_everything_stored_about_a_candidate(database: Database) -> None:
    sid = await finish(database, "Hira", 0.9, NOW, raw="use an index")
    query = select(Screening.candidate_id).where(Screening.id == sid)
    cid = await database.read(lambda conn: conn.execute(query).scalar_one())
    data = await export_candidate(database, cid)
    [screening] = data["screenings"]
    assert screening["profile"]["full_name"] == "Hira"
    assert [a["answer"] for a in screening["answers"]] == ["use an index"] * 3
    with pytest.raises(CandidateNotFoundError):
        await export_candidate(database, 9999)


async def test_forgetting_an_unknown_candidate_is_an_error(database: Database) -> None:
    with pytest.raises(CandidateNotFoundError):
        await database.write(lambda conn: Repository(conn).erase_candidate(9999, NOW))


def test_candidate_export_and_forget_commands(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'dsr.db'}"

    async def seed() -> None:
        db = open_database(url)
        await upgrade(db)
        await finish(db, "Sana", 0.6, NOW)
        await db.dispose()

    asyncio.run(seed())
    env = {
        **os.environ,
        "SCREENBOT_DATABASE_URL": url,
        "SCREENBOT_BANKS_DIR": str(ROOT / "question_banks"),
        "SCREENBOT_FLOWS_DIR": str(ROOT / "conversations"),
    }
    screenbot = str(Path(sys.executable).with_name("screenbot"))

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [screenbot, *args], env=env, capture_output=True, text=True, timeout=60, check=False
        )

    exported = run("candidate", "export", "1")
    assert exported.returncode == 0, exported.stderr
    assert json.loads(exported.stdout)["screenings"][0]["profile"]["full_name"] == "Sana"
    assert run("candidate", "forget", "1").returncode == 0
    assert json.loads(run("candidate", "export", "1").stdout)["screenings"] == []
    missing = run("candidate", "forget", "42")
    assert missing.returncode == 2
    assert "There is no candidate with id 42." in missing.stderr
