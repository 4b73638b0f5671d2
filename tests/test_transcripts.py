"""Golden transcripts: whole screenings replayed through the service, every bot message compared.

Each `transcripts/*.yaml` names a flow, a seed and the candidate's turns. A turn sends typed text
(`send`), presses a button (`press`), sends something that is not text (`unsupported`), or answers
the bank question on screen without naming its options: `answer: right`, `answer: wrong` or
`answer: unreadable` (text that question cannot take), worked out from the bundled banks, so a
script keeps its meaning when the banks grow. A changed message fails the test; after a deliberate
change to wording or content, re-record with `UPDATE_TRANSCRIPTS=1 pytest tests/test_transcripts.py`
and review the diff like code.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from screenbot.channels.console import to_event
from screenbot.content.catalog import Catalog
from screenbot.engine.events import ChoicePicked, InboundEvent, Unsupported
from screenbot.engine.messages import Ask, render_plain
from screenbot.service import Identity, Inbound, ScreeningService
from screenbot.store.database import Database
from tests.answers import question_asked, right_answer, unreadable_answer, wrong_answer
from tests.conftest import Clock
from tests.service.conftest import Person

FOLDER = Path(__file__).resolve().parent / "transcripts"
UPDATE = os.environ.get("UPDATE_TRANSCRIPTS") == "1"


class _Literal(str):
    pass


def _literal(dumper: yaml.SafeDumper, text: _Literal) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|")


yaml.SafeDumper.add_representer(_Literal, _literal)


ANSWERS = {"right": right_answer, "wrong": wrong_answer, "unreadable": unreadable_answer}


def _event(
    turn: dict[str, Any], last_ask: Ask | None, catalog: Catalog, flow_id: str
) -> InboundEvent:
    if "answer" in turn:
        assert last_ask is not None, "an `answer` turn needs a question on screen"
        return ANSWERS[turn["answer"]](question_asked(catalog, flow_id, last_ask))
    if "unsupported" in turn:
        return Unsupported(turn["unsupported"])
    if "press" in turn:
        return ChoicePicked(turn["press"]["prompt"], tuple(turn["press"]["choices"]))
    return to_event(str(turn["send"]), last_ask)


def _said(texts: list[str]) -> list[str]:
    return [_Literal(t) if "\n" in t else t for t in texts]


@pytest.mark.parametrize("path", sorted(FOLDER.glob("*.yaml")), ids=lambda p: p.stem)
async def test_transcript(path: Path, database: Database, catalog: Catalog) -> None:
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))  # noqa: ASYNC240 - a small local file
    clock = Clock()

    def boot() -> ScreeningService:
        return ScreeningService(database, catalog, seeds=lambda: int(spec["seed"]), clock=clock)

    service = boot()
    who = Identity("console", spec["candidate"], address=spec["candidate"])
    last_ask: Ask | None = None
    for number, turn in enumerate(spec["turns"], start=1):
        if turn.get("restart"):
            service = boot()
        inbound = Inbound(
            f"transcript:{number}", who, _event(turn, last_ask, catalog, spec["flow"]), clock.tick()
        )
        result = await service.handle(inbound)
        await service.delivered(result.deliveries)
        said = [render_plain(d.message) for d in result.deliveries]
        asks = [d.message for d in result.deliveries if isinstance(d.message, Ask)]
        last_ask = asks[-1] if asks else last_ask
        if UPDATE:
            turn["bot"] = _said(said)
        else:
            what = turn.get("send", turn.get("answer"))
            assert said == turn["bot"], f"{path.name}, turn {number} ({what!r})"

    final = await Person(service, clock, name=spec["candidate"]).stored()
    assert final is not None
    outcome = {
        "stage": final.state.stage.value,
        "score": final.state.score,
        "passed": final.state.passed,
    }
    if UPDATE:
        spec["expect"] = outcome
        text = yaml.safe_dump(spec, sort_keys=False, allow_unicode=True, width=100)
        path.write_text(text, encoding="utf-8")  # noqa: ASYNC240 - a small local file
    else:
        assert outcome == spec["expect"]
