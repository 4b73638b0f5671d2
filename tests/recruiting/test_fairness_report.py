"""`screenbot report FLOW --fairness` on screenings made through the service, with decisions."""

from __future__ import annotations

import csv
import io
import json
import random

from screenbot.content.catalog import Catalog
from screenbot.recruiting.fairness import band
from screenbot.store.database import Database
from screenbot.store.decisions import record_decision
from screenbot.store.results import latest_results
from tests.conftest import ROOT, Clock
from tests.recruiting.simulated import Simulated, screen, screenbot, service_for


def profile(n: int, city: str, work_model: str, years: int) -> dict[str, str]:
    return {
        "full_name": f"Candidate {n}",
        "email": f"c{n}@example.com",
        "years_experience": str(years),
        "city": city,
        "expected_salary_pkr": "200k",
        "work_model": work_model,
    }


async def test_fairness_flags_a_group_below_four_fifths_of_the_best(
    database: Database, catalog: Catalog, clock: Clock
) -> None:
    service = service_for(database, catalog, clock)
    rng = random.Random(5)
    people = [
        Simulated(f"k{n}", 1.5, profile(n, "Karachi", "on-site", 3 + n % 2)) for n in range(8)
    ] + [
        Simulated(f"l{n}", 1.5, profile(100 + n, "Lahore", "hybrid", 6), "no" if n % 2 else "yes")
        for n in range(8)
    ]
    for who in people:
        await screen(service, catalog, clock, "backend-karachi", who, rng)
    results = {
        r.state.profile_dict["full_name"]: r
        for r in await latest_results(database, "backend-karachi")
    }
    for n in range(0, 8, 2):  # recruiters advance half of Karachi and nobody from Lahore
        await record_decision(
            database,
            results[f"Candidate {n}"].screening_id,
            "advance",
            "U1",
            clock.tick(),
            message_for=lambda _flow: None,
            claimed_until=lambda _channel: None,
        )

    run = screenbot(
        database,
        "report",
        "backend-karachi",
        "--fairness",
        "--format",
        "json",
        banks=ROOT / "question_banks",
        flows=ROOT / "conversations",
    )
    assert run.returncode == 0, run.stderr
    rows = {(r["dimension"], r["group"], r["step"]): r for r in json.loads(run.stdout)}
    karachi = rows[("city", "Karachi", "passed_knockouts")]
    lahore = rows[("city", "Lahore", "passed_knockouts")]
    assert (karachi["started"], karachi["selected"], karachi["rate"]) == (8, 8, 1.0)
    assert (lahore["started"], lahore["selected"], lahore["rate"]) == (8, 4, 0.5)
    assert karachi["impact_ratio"] == 1.0
    assert not karachi["flagged"]
    assert lahore["impact_ratio"] == 0.5
    assert lahore["flagged"]
    advanced = rows[("city", "Lahore", "advanced")]
    assert (advanced["selected"], advanced["flagged"]) == (0, True)
    assert rows[("city", "Karachi", "advanced")]["selected"] == 4
    assert rows[("work_model", "hybrid", "passed_knockouts")]["flagged"]
    assert rows[("experience", "2-4 years", "passed_knockouts")]["started"] == 8
    assert rows[("experience", "5-9 years", "passed_knockouts")]["selected"] == 4
    passed = rows[("city", "Karachi", "passed")]
    assert passed["selected"] == sum(
        1 for r in results.values() if r.state.profile_dict["city"] == "Karachi" and r.state.passed
    )

    as_csv = screenbot(
        database,
        "report",
        "backend-karachi",
        "--fairness",
        banks=ROOT / "question_banks",
        flows=ROOT / "conversations",
    )
    assert as_csv.returncode == 0, as_csv.stderr
    table = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert len(table) == len(rows)
    assert {"dimension", "group", "step", "rate", "impact_ratio", "flagged"} <= set(table[0])


def test_experience_bands() -> None:
    assert [band(y) for y in (0, 1, 2, 4, 5, 9, 10, 30)] == [
        "0-1 years",
        "0-1 years",
        "2-4 years",
        "2-4 years",
        "5-9 years",
        "5-9 years",
        "10+ years",
        "10+ years",
    ]
    assert band(None) == "unknown"
