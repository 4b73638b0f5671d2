"""`screenbot items stats` on a database filled by simulated screenings through the service."""

from __future__ import annotations

import csv
import io
import json
import random
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from screenbot.content.catalog import Catalog, load_catalog
from screenbot.content.models import Question
from screenbot.engine.events import InboundEvent
from screenbot.recruiting.item_stats import item_statistics
from screenbot.store.database import Database
from screenbot.store.decisions import record_decision
from screenbot.store.item_answers import ItemAnswer
from screenbot.store.results import latest_results
from tests.answers import right_answer
from tests.conftest import Clock
from tests.recruiting.simulated import (
    ADAPTIVE_BANKS,
    ADAPTIVE_FLOWS,
    Answerer,
    adaptive_mini,
    people,
    screen_many,
    screenbot,
    service_for,
    two_pl,
)

#: The question whose key the copy of the bank gets wrong, and the one everybody knows.
BROKEN = "pick-one"
EASY = "tls-sni"
DECISION = "right: advanced vs rejected"


def broken_banks(tmp_path: Path) -> Path:
    """A copy of the fixture banks whose basics/pick-one keys "80" instead of "443" (and is
    rated difficulty 3, so adaptive screenings ask it often)."""
    banks = tmp_path / "banks"
    shutil.copytree(ADAPTIVE_BANKS, banks)
    basics = banks / "basics.yaml"
    text = basics.read_text(encoding="utf-8")
    broken = (
        text.replace('{id: a, text: "80"}', '{id: a, text: "80", correct: true}', 1)
        .replace('{id: b, text: "443", correct: true}', '{id: b, text: "443"}', 1)
        .replace(
            "type: single_choice\n    difficulty: 1\n",
            "type: single_choice\n    difficulty: 3\n",
            1,
        )
    )
    assert broken.count("correct: true") == text.count("correct: true")
    assert broken != text
    basics.write_text(broken, encoding="utf-8")
    return banks


def truthful(original: Catalog) -> Answerer:
    """Candidates answer by what is true (the original key, at its original difficulty), and
    every one of them knows the easy question."""

    def answer(question: Question, theta: float, rng: random.Random) -> InboundEvent:
        if question.id == EASY:
            return right_answer(question)
        if question.id == BROKEN:
            return two_pl(original.banks["basics"].question(BROKEN), theta, rng)
        return two_pl(question, theta, rng)

    return answer


def table_row(stdout: str, question: str) -> str:
    [row] = [line for line in stdout.splitlines() if line.startswith(question + " ")]
    return row


async def test_items_stats_flags_a_broken_key_and_an_easy_question(
    database: Database, clock: Clock, tmp_path: Path
) -> None:
    banks = broken_banks(tmp_path)
    catalog = load_catalog(banks, ADAPTIVE_FLOWS)
    service = service_for(database, catalog, clock)
    await screen_many(
        service, catalog, clock, "adaptive-mini", people(80), answer=truthful(adaptive_mini())
    )
    env = {"SCREENBOT_MIN_ANSWERS_TO_CALIBRATE": "20"}
    calibrated = screenbot(database, "items", "calibrate", banks=banks, env=env)
    assert calibrated.returncode == 0, calibrated.stderr

    run = screenbot(database, "items", "stats", "--flow", "adaptive-mini", banks=banks)
    assert run.returncode == 0, run.stderr
    assert "Item statistics, flow adaptive-mini: 80 screenings" in run.stdout
    assert "suspected key error" in table_row(run.stdout, "basics/pick-one")
    assert "too easy" in table_row(run.stdout, "tools/tls-sni")
    assert "suspected key error" not in table_row(run.stdout, "tools/docker-layers")
    assert DECISION not in run.stdout
    assert "Recruiters decided on 0 candidates" in run.stdout
    assert "basics/pick-one: suspected key error: wrong choice b ('443')" in run.stdout

    as_json = screenbot(
        database, "items", "stats", "--flow", "adaptive-mini", "--format", "json", banks=banks
    )
    assert as_json.returncode == 0, as_json.stderr
    doc = json.loads(as_json.stdout)
    assert (doc["screenings"], doc["decided"], doc["outcome_feedback"]) == (80, 0, False)
    questions = {q["question"]: q for q in doc["questions"]}
    auto = {q.id for b in catalog.banks.values() for q in b.questions if q.type != "free_text"}
    assert set(questions) == auto
    broken = questions[BROKEN]
    assert broken["n"] >= 20
    assert broken["item_total"] < 0
    [wrong_443] = [c for c in broken["wrong_choices"] if c["choice"] == "b"]
    [key] = broken["key"]
    assert wrong_443["stronger_half"] > key["stronger_half"]
    assert wrong_443["stronger_half"] > wrong_443["weaker_half"]
    assert "suspected key error" in {f["name"] for f in broken["flags"]}
    assert "negative discrimination" in {f["name"] for f in broken["flags"]}
    easy = questions[EASY]
    assert easy["share_right"] == 1.0
    assert "too easy" in {f["name"] for f in easy["flags"]}
    for q in questions.values():
        assert "decision" not in q
        assert 0 <= q["exposure"] <= 1
        assert q["screenings"] == 80
        if q["n"] >= 20:
            assert q["calibration"] == "calibrated"
            assert q["a"] > 0
            assert q["b_se"] > 0
        assert q["median_seconds"] > 0
    healthy = [
        q for q in questions.values() if q["n"] >= 20 and q["question"] not in {BROKEN, EASY}
    ]
    assert healthy
    assert all("suspected key error" not in {f["name"] for f in q["flags"]} for q in healthy)

    as_csv = screenbot(
        database, "items", "stats", "--bank", "basics", "--format", "csv", banks=banks
    )
    assert as_csv.returncode == 0, as_csv.stderr
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert {r["question"] for r in rows} == {
        q.id for q in catalog.banks["basics"].questions if q.type != "free_text"
    }
    assert {r["bank"] for r in rows} == {"basics"}
    by_id = {r["question"]: r for r in rows}
    assert "suspected key error" in by_id[BROKEN]["flags"].split("; ")
    assert float(by_id[BROKEN]["share_right"]) < 0.5
    assert "advanced_minus_rejected" not in rows[0]

    # Recruiters advance the strongest dozen and reject the weakest dozen: the decision
    # column appears.
    finished = sorted(
        await latest_results(database, "adaptive-mini"), key=lambda r: r.state.score or 0.0
    )
    for decision, group in (("reject", finished[:12]), ("advance", finished[-12:])):
        for r in group:
            await record_decision(
                database,
                r.screening_id,
                decision,
                "U1",
                clock.tick(),
                message_for=lambda _flow: None,
                claimed_until=lambda _channel: None,
            )
    decided = screenbot(database, "items", "stats", "--flow", "adaptive-mini", banks=banks)
    assert decided.returncode == 0, decided.stderr
    assert DECISION in decided.stdout
    assert "Recruiters advanced or rejected 24 candidates" in decided.stdout
    doc = json.loads(
        screenbot(
            database, "items", "stats", "--flow", "adaptive-mini", "--format", "json", banks=banks
        ).stdout
    )
    assert doc["outcome_feedback"] is True
    gaps = [q["decision"] for q in doc["questions"] if q["decision"] is not None]
    assert gaps
    assert sum(g["advanced_minus_rejected"] for g in gaps) > 0
    rows = list(
        csv.DictReader(
            io.StringIO(
                screenbot(
                    database,
                    "items",
                    "stats",
                    "--flow",
                    "adaptive-mini",
                    "--format",
                    "csv",
                    banks=banks,
                ).stdout
            )
        )
    )
    assert "advanced_minus_rejected" in rows[0]

    both = screenbot(database, "items", "stats", "--flow", "adaptive-mini", "--bank", "basics")
    assert both.returncode == 2
    assert "not both" in both.stderr
    unknown = screenbot(database, "items", "stats", "--bank", "nope")
    assert unknown.returncode == 2
    assert "no bank 'nope'" in unknown.stderr


def _answers(start: int, right: int, wrong: int, seconds: float, at: datetime) -> list[ItemAnswer]:
    """Screenings `start`.. each answering the easy basics/port-number (right or wrong) and
    three other questions right, `seconds` each."""
    out = []
    for n in range(right + wrong):
        sid = start + n
        points = 1.0 if n < right else 0.0
        out.append(
            ItemAnswer(sid, "f", "basics", "v1", "port-number", "5432", points, 1.0, seconds, at)
        )
        for other in ("pick-one", "latency-budget", "yes-or-no"):
            out.append(ItemAnswer(sid, "f", "basics", "v1", other, "x", 1.0, 1.0, 30.0, at))
    return out


def test_a_jump_in_share_right_with_faster_answers_is_a_suspected_leak() -> None:
    catalog = adaptive_mini()
    bank = catalog.banks["basics"]
    questions = {("basics", q.id): q for q in bank.questions if q.type != "free_text"}
    now = datetime(2026, 6, 30, tzinfo=UTC)
    before = _answers(0, 10, 20, 60.0, now - timedelta(days=45))
    last = _answers(100, 27, 3, 20.0, now - timedelta(days=5))
    report = item_statistics(
        before + last, questions, {"basics": "v1"}, [], {}, now, scope="flow f"
    )
    [port] = [i for i in report.items if i.question == "port-number"]
    assert (port.previous.n, port.last.n) == (30, 30)
    assert port.drift is not None
    assert round(port.drift, 2) == 0.57
    assert "suspected leak" in {f.name for f in port.flags}
    assert port.exposure == 1.0

    steady = _answers(100, 27, 3, 55.0, now - timedelta(days=5))
    report = item_statistics(before + steady, questions, {"basics": "v1"}, [], {}, now, scope="f")
    [port] = [i for i in report.items if i.question == "port-number"]
    assert "suspected leak" not in {f.name for f in port.flags}
