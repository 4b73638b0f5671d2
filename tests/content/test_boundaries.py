"""Content stands alone: it imports only the standard library, pydantic and yaml, and leaves
the schedule to `screenbot.scheduling`, which the loader runs as a check when asked to."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from screenbot.app import open_app
from screenbot.content.catalog import load
from screenbot.errors import ContentError
from screenbot.scheduling import check_schedule
from screenbot.settings import Settings
from tests.content.conftest import ROOT, TINY_BANK, assert_reported, flow, write

CONTENT = ROOT / "src" / "screenbot" / "content"
ALLOWED = {"pydantic", "pydantic_core", "yaml", "screenbot.content", "screenbot.errors"}


def imported(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    return names | {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}


def allowed(module: str) -> bool:
    return module.split(".")[0] in sys.stdlib_module_names or any(
        module == a or module.startswith(f"{a}.") for a in ALLOWED
    )


def test_content_modules_import_only_stdlib_pydantic_yaml_and_content() -> None:
    modules = sorted(CONTENT.glob("*.py"))
    assert len(modules) >= 5

    strays = {p.name: sorted(m for m in imported(p) if not allowed(m)) for p in modules}

    assert {name: found for name, found in strays.items() if found} == {}


def test_importing_content_loads_no_scheduler() -> None:
    probe = (
        "import json, sys\n"
        "import screenbot.content, screenbot.content.catalog, screenbot.content.lint\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    ran = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    )
    loaded = set(json.loads(ran.stdout))

    assert "screenbot.content.catalog" in loaded
    assert {m for m in loaded if m.startswith(("apscheduler", "screenbot.scheduling"))} == set()


def test_content_alone_keeps_a_schedule_as_text(tmp_path: Path) -> None:
    write(tmp_path, "tiny.yaml", TINY_BANK)
    write(tmp_path, "late.yaml", flow("late", schedule='"0 25 * * MON"'))

    catalog, problems = load([tmp_path])

    assert problems == []
    shortlist = catalog.flow("late").shortlist
    assert shortlist is not None
    assert shortlist.schedule == "0 25 * * MON"


def test_the_schedule_check_reports_file_and_line_through_the_loader(tmp_path: Path) -> None:
    write(tmp_path, "tiny.yaml", TINY_BANK)
    path = write(
        tmp_path,
        "late.yaml",
        flow("late", schedule="\"0 25 * * MON\"  # <- bad cron schedule '0 25 * * MON'"),
    )

    catalog, problems = load([tmp_path], checks=[check_schedule])

    assert_reported(problems, path)
    assert "late" in catalog.flows, "a check reports; the flow itself is still well formed"


def test_the_schedule_check_ignores_flows_without_a_shortlist() -> None:
    assert check_schedule({"id": "quiet", "sections": []}) == []
    assert check_schedule({"shortlist": {"schedule": "0 9 * * MON-FRI"}}) == []


async def test_the_server_refuses_to_start_on_a_schedule_that_cannot_run(tmp_path: Path) -> None:
    banks, flows = tmp_path / "banks", tmp_path / "flows"
    write(banks, "tiny.yaml", TINY_BANK)
    path = write(
        flows, "late.yaml", flow("late", schedule='"0 25 * * MON"  # <- bad cron schedule')
    )
    settings = Settings(
        SCREENBOT_BANKS_DIR=str(banks),
        SCREENBOT_FLOWS_DIR=str(flows),
        SCREENBOT_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'never.db'}",
    )

    with pytest.raises(ContentError) as refused:
        async with open_app(settings):
            pass

    assert_reported(refused.value.problems, path)
