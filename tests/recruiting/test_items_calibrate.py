"""`screenbot items calibrate` on a database filled by simulated screenings through the service."""

from __future__ import annotations

import random

import pytest

from screenbot.app import App, open_app
from screenbot.engine.adaptive_order import setup
from screenbot.runner import calibration_job
from screenbot.settings import Settings
from screenbot.store.database import Database
from screenbot.store.item_parameters import parameters_of
from screenbot.store.results import latest_results
from tests.conftest import Clock
from tests.recruiting.simulated import (
    ADAPTIVE_BANKS,
    ADAPTIVE_FLOWS,
    adaptive_mini,
    people,
    screen,
    screen_many,
    screenbot,
    service_for,
)


async def test_calibrate_stores_parameters_and_new_screenings_use_them(
    database: Database, clock: Clock
) -> None:
    catalog = adaptive_mini()
    service = service_for(database, catalog, clock)
    await screen_many(service, catalog, clock, "adaptive-mini", people(60))
    before = {
        r.screening_id: r.state.score for r in await latest_results(database, "adaptive-mini")
    }

    run = screenbot(
        database, "items", "calibrate", env={"SCREENBOT_MIN_ANSWERS_TO_CALIBRATE": "20"}
    )
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].startswith(f"basics (version {catalog.bank_version('basics')}, 60 screenings)")
    assert lines[1].startswith("tools (")
    assert "kept their prior (fewer than 20 answers)" in lines[0]

    rows = await parameters_of(database)
    auto = {
        (b.id, q.id) for b in catalog.banks.values() for q in b.questions if q.type != "free_text"
    }
    assert {(r.bank_id, r.question_id) for r in rows} == auto
    calibrated = [r for r in rows if r.status == "calibrated"]
    assert len(calibrated) >= 6
    for r in calibrated:
        assert r.answers >= 20
        assert r.a_se is not None
        assert 0 < r.a_se < 2
        assert r.b_se is not None
        assert 0 < r.b_se < 1.5
        assert r.bank_version == catalog.bank_version(r.bank_id)
        assert r.calibrated_at.tzinfo is not None
    for r in rows:
        if r.status == "too_few_answers":
            assert r.answers < 20
            assert r.fitted_a is None

    # The engine takes them up as plain values; finished screenings keep their scores.
    service.min_answers_to_calibrate = 20
    assert await service.reload_calibrations() == len(calibrated)
    flow = catalog.flow("adaptive-mini")
    pool = setup(flow, catalog, service.calibrations).pool
    used = {(i.bank, i.question): i.params for i in pool.items}
    for r in calibrated:
        assert used[(r.bank_id, r.question_id)].a == pytest.approx(r.a)
        assert used[(r.bank_id, r.question_id)].b == pytest.approx(r.b)
    assert {
        r.screening_id: r.state.score for r in await latest_results(database, "adaptive-mini")
    } == before
    [newcomer] = people(1, seed=99)
    newcomer.name = "late-comer"
    state = await screen(service, catalog, clock, "adaptive-mini", newcomer, random.Random(1))
    assert state.score is not None
    assert state.ability_se is not None

    # More answers asked of each question than there are: every question keeps its prior.
    strict = screenbot(
        database,
        "items",
        "calibrate",
        "--bank",
        "tools",
        env={"SCREENBOT_MIN_ANSWERS_TO_CALIBRATE": "1000"},
    )
    assert strict.returncode == 0, strict.stderr
    [line] = strict.stdout.splitlines()
    assert "0 calibrated, 6 kept their prior (fewer than 1000 answers)" in line
    tools = await parameters_of(database, "tools")
    assert {r.status for r in tools} == {"too_few_answers"}
    assert await service.reload_calibrations() == sum(
        1 for r in calibrated if r.bank_id == "basics"
    )

    unknown = screenbot(database, "items", "calibrate", "--bank", "nope")
    assert unknown.returncode == 2
    assert "no bank 'nope'" in unknown.stderr


async def test_the_nightly_job_calibrates_once_per_night_and_takes_the_result_up(
    database: Database, clock: Clock
) -> None:
    catalog = adaptive_mini()
    service = service_for(database, catalog, clock)
    await screen_many(service, catalog, clock, "adaptive-mini", people(40))
    settings = Settings(
        SCREENBOT_DATABASE_URL=database.url,
        SCREENBOT_BANKS_DIR=ADAPTIVE_BANKS,
        SCREENBOT_FLOWS_DIR=ADAPTIVE_FLOWS,
        SCREENBOT_MIN_ANSWERS_TO_CALIBRATE=10,
    )
    async with open_app(settings, migrate=False, clock=clock) as parts:
        assert isinstance(parts, App)
        assert len(parts.service.calibrations) == 0
        await calibration_job(parts)()
        assert len(parts.service.calibrations) > 0
        rows = await parameters_of(parts.database)
        assert {r.calibrated_at for r in rows} == {clock.now}

    # A second process of the deployment runs its nightly job a few minutes later: the banks
    # were calibrated tonight, so it leaves them be; the next night one process calibrates again.
    first = clock.now
    async with open_app(settings, migrate=False, clock=clock) as other:
        clock.tick(600)
        await calibration_job(other)()
        assert {r.calibrated_at for r in await parameters_of(other.database)} == {first}
        assert len(other.service.calibrations) == len(parts.service.calibrations)
        clock.tick(24 * 3600)
        await calibration_job(other)()
        assert {r.calibrated_at for r in await parameters_of(other.database)} == {clock.now}
