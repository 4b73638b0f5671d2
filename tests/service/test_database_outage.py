"""PostgreSQL goes away mid-run and comes back: turns wait, nothing is lost or stored twice."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from screenbot.content.catalog import Catalog
from screenbot.engine.state import Stage
from screenbot.service import ScreeningService
from screenbot.store.database import Database, open_database
from screenbot.store.schema import Answer
from screenbot.web.app import build_web
from tests.conftest import TABLES, Clock
from tests.engine.conftest import correct_reply
from tests.fakes.tcp_proxy import Proxy, proxying
from tests.service.conftest import Person

pytestmark = pytest.mark.postgres


@pytest.fixture
async def proxy(pg_url: str) -> AsyncIterator[Proxy]:
    url = make_url(pg_url)
    async with proxying(url.host or "127.0.0.1", url.port or 5432) as running:
        yield running


@pytest.fixture
async def through_proxy(pg_url: str, proxy: Proxy) -> AsyncIterator[Database]:
    url = make_url(pg_url).set(host="127.0.0.1", port=proxy.port)
    database = open_database(url.render_as_string(hide_password=False))
    await database.write(lambda c: c.exec_driver_sql(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE"))
    yield database
    await database.dispose()


async def healthz(database: Database) -> int:
    transport = httpx.ASGITransport(app=build_web(database))
    async with httpx.AsyncClient(transport=transport, base_url="http://bot") as client:
        return (await client.get("/healthz")).status_code


async def test_answers_sent_while_postgres_is_down_are_stored_once_when_it_is_back(
    through_proxy: Database, proxy: Proxy, catalog: Catalog, clock: Clock
) -> None:
    service = ScreeningService(through_proxy, catalog, clock=clock, outage_patience=20)
    people = [Person(service, clock, name=f"c{i}") for i in range(6)]
    await asyncio.gather(*(p.reach_questions() for p in people))
    questions = [await p.current_question(catalog) for p in people]
    assert await healthz(through_proxy) == 200

    proxy.cut()
    answering = [
        asyncio.create_task(p.send(correct_reply(q)))
        for p, q in zip(people, questions, strict=True)
    ]
    await asyncio.sleep(1.0)
    assert not any(task.done() for task in answering)  # waiting for the database, not failing
    assert await healthz(through_proxy) == 503
    proxy.restore()
    await asyncio.wait_for(asyncio.gather(*answering), 20)

    assert service.metrics.database_retries._value.get() > 0
    assert await healthz(through_proxy) == 200
    await asyncio.gather(*(p.answer_all(catalog) for p in people))
    for person, first in zip(people, questions, strict=True):
        state = await person.state()
        assert state.stage is Stage.COMPLETED
        assert state.answers[0].question == first.id
    query = select(func.count(Answer.id))
    stored = await through_proxy.read(lambda conn: conn.execute(query).scalar_one())
    assert stored == 12 * len(people)  # 10 adaptive questions and 2 free-text ones each
