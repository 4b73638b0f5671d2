"""The `screenbot banks` commands as an admin runs them: `lint` output and exit code, `schema`.

`lint` runs through typer's CliRunner on `screenbot.cli.app` (plus once through the installed
`screenbot` script); the working directory is a temporary folder so no `.env` or stray content
folder leaks in, and the content folders come from SCREENBOT_BANKS_DIR / SCREENBOT_FLOWS_DIR.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner, Result

from screenbot.cli import app
from tests.content.conftest import (
    BUNDLED_BANKS,
    BUNDLED_FLOWS,
    TINY_BANK,
    bank,
    expectations,
    flow,
    write,
)

PROBLEM_LINE = re.compile(r"^(?P<file>.+\.ya?ml):(?P<line>[1-9]\d*): (?P<message>\S.*)$")
QUESTION_TYPES = {"single_choice", "multi_choice", "free_text", "numeric", "yes_no"}


@pytest.fixture(autouse=True)
def _in_empty_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)


def screenbot(*args: str, banks: Path = BUNDLED_BANKS, flows: Path = BUNDLED_FLOWS) -> Result:
    env = {"SCREENBOT_BANKS_DIR": str(banks), "SCREENBOT_FLOWS_DIR": str(flows)}
    return CliRunner().invoke(app, list(args), env=env)


def broken_content(banks: Path, flows: Path | None = None) -> list[str]:
    """A broken bank and a broken flow; returns the exact lines lint must print."""
    flows = flows or banks
    write(banks, "tiny.yaml", TINY_BANK)
    broken_bank = write(
        banks,
        "typo.yaml",
        bank(
            "typo",
            """\
            - id: q-typo
              type: yes_no
              dificulty: 2  # <- unknown key 'dificulty'
              text: Is difficulty spelled right?
              answer: no
              explanation: It is not.
            """,
        ),
    )
    broken_flow = write(
        flows,
        "lahore.yaml",
        flow(
            "lahore",
            timezone="Asia/Lahore"
            "  # <- unknown time zone 'Asia/Lahore' (try an IANA name like Asia/Karachi)",
        ),
    )
    return [str(e) for e in expectations(broken_bank) + expectations(broken_flow)]


def test_lint_prints_every_problem_as_file_line_message_and_exits_1(tmp_path: Path) -> None:
    content = tmp_path / "content"
    expected = broken_content(content)

    result = screenbot("banks", "lint", str(content), banks=content, flows=content)

    assert result.exit_code == 1, result.output
    printed = result.stdout.splitlines()
    assert sorted(printed) == sorted(expected)
    assert all(PROBLEM_LINE.match(line) for line in printed), printed
    assert result.stderr.strip() == "2 problem(s) found."


def test_lint_of_a_single_broken_file_reports_only_that_file(tmp_path: Path) -> None:
    content = tmp_path / "content"
    expected = broken_content(content)
    bank_lines = [line for line in expected if line.startswith(str(content / "typo.yaml"))]

    result = screenbot("banks", "lint", str(content / "typo.yaml"), banks=content, flows=content)

    assert result.exit_code == 1
    assert result.stdout.splitlines() == bank_lines


def test_lint_names_a_path_that_does_not_exist_and_exits_1(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder"

    result = screenbot("banks", "lint", str(missing))

    assert result.exit_code == 1
    assert f"{missing}: no such file or folder" in result.stderr


def test_lint_of_the_bundled_content_is_ok() -> None:
    result = screenbot("banks", "lint", str(BUNDLED_BANKS), str(BUNDLED_FLOWS))

    assert result.exit_code == 0, result.output
    assert result.stdout == "ok: 6 bank(s), 2 flow(s).\n"


def test_lint_without_arguments_checks_the_configured_folders() -> None:
    result = screenbot("banks", "lint")

    assert result.exit_code == 0, result.output
    assert result.stdout == "ok: 6 bank(s), 2 flow(s).\n"


def test_lint_without_arguments_fails_when_the_configured_flows_are_broken(
    tmp_path: Path,
) -> None:
    flows = tmp_path / "flows"
    lost = write(
        flows,
        "lost.yaml",
        flow("lost", section="{bank: tiny, pick: 1, weight: 1}  # <- no bank called 'tiny'"),
    )

    result = screenbot("banks", "lint", flows=flows)

    assert result.exit_code == 1
    assert result.stdout.splitlines() == [str(e) for e in expectations(lost)]


def test_lint_of_one_flow_finds_its_banks_in_the_configured_banks_folder() -> None:
    result = screenbot("banks", "lint", str(BUNDLED_FLOWS / "backend-karachi.yaml"))

    assert result.exit_code == 0, result.output
    assert result.stdout.endswith("1 flow(s).\n")


def test_the_installed_screenbot_command_lints_like_the_app(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("screenbot")
    banks, flows = tmp_path / "banks", tmp_path / "flows"
    expected = broken_content(banks, flows)
    env = {**os.environ, "SCREENBOT_BANKS_DIR": str(banks), "SCREENBOT_FLOWS_DIR": str(flows)}

    broken = subprocess.run(
        [str(script), "banks", "lint"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path / "cwd",
        check=False,
    )
    bundled = subprocess.run(
        [str(script), "banks", "lint", str(BUNDLED_BANKS), str(BUNDLED_FLOWS)],
        capture_output=True,
        text=True,
        env={**env, "SCREENBOT_BANKS_DIR": str(BUNDLED_BANKS)},
        cwd=tmp_path / "cwd",
        check=False,
    )

    assert broken.returncode == 1, broken.stderr
    assert sorted(broken.stdout.splitlines()) == sorted(expected)
    assert bundled.returncode == 0, bundled.stderr
    assert bundled.stdout == "ok: 6 bank(s), 2 flow(s).\n"


def test_lint_accepts_banks_and_flows_kept_in_one_folder(tmp_path: Path) -> None:
    content = tmp_path / "content"
    write(content, "tiny.yaml", TINY_BANK)
    write(content, "hiring.yaml", flow("hiring"))

    result = screenbot("banks", "lint", banks=content, flows=content)

    assert result.stdout == "ok: 1 bank(s), 1 flow(s).\n"
    assert result.exit_code == 0


def write_schemas(out: Path) -> tuple[dict[str, Any], dict[str, Any], Result]:
    result = screenbot("banks", "schema", "--out", str(out))
    bank_schema = json.loads((out / "bank.schema.json").read_text(encoding="utf-8"))
    flow_schema = json.loads((out / "flow.schema.json").read_text(encoding="utf-8"))
    assert isinstance(bank_schema, dict)
    assert isinstance(flow_schema, dict)
    return bank_schema, flow_schema, result


def refs(node: Any) -> list[str]:
    """Every `$ref` anywhere in a JSON document."""
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for value in node.values() for r in refs(value)]
    if isinstance(node, list):
        return [r for item in node for r in refs(item)]
    return []


def test_schema_writes_both_files_into_a_new_folder(tmp_path: Path) -> None:
    out = tmp_path / "editor" / "schemas"

    _, _, result = write_schemas(out)

    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["bank.schema.json", "flow.schema.json"]
    assert result.stdout.splitlines() == [
        f"wrote {out / 'bank.schema.json'}",
        f"wrote {out / 'flow.schema.json'}",
    ]


def test_schemas_are_self_contained_object_schemas_that_refuse_unknown_keys(
    tmp_path: Path,
) -> None:
    bank_schema, flow_schema, _ = write_schemas(tmp_path)

    for schema in (bank_schema, flow_schema):
        assert schema["type"] == "object"
        assert schema["additionalProperties"] is False
        assert set(schema["required"]) <= set(schema["properties"])
        defs = schema.get("$defs", {})
        for ref in refs(schema):
            assert ref.startswith("#/$defs/"), ref
            assert ref.removeprefix("#/$defs/") in defs, f"dangling {ref}"
        for name, definition in defs.items():
            if "properties" in definition:
                assert definition.get("additionalProperties") is False, name


def test_bank_schema_offers_every_question_type(tmp_path: Path) -> None:
    bank_schema, _, _ = write_schemas(tmp_path)

    assert bank_schema["required"] == ["id", "title", "questions"]
    items = bank_schema["properties"]["questions"]["items"]
    assert items["discriminator"]["propertyName"] == "type"
    assert set(items["discriminator"]["mapping"]) == QUESTION_TYPES
    consts = {
        bank_schema["$defs"][ref.removeprefix("#/$defs/")]["properties"]["type"]["const"]
        for ref in refs(items["oneOf"])
    }
    assert consts == QUESTION_TYPES


def test_flow_schema_requires_the_keys_a_flow_needs(tmp_path: Path) -> None:
    _, flow_schema, _ = write_schemas(tmp_path)

    assert set(flow_schema["required"]) == {"id", "title", "sections", "pass_score"}
    section = flow_schema["$defs"]["Section"]
    assert set(section["required"]) == {"bank", "pick", "weight"}
    profile_ref = flow_schema["properties"]["profile"]["items"]["$ref"]
    profile_enum = flow_schema["$defs"][profile_ref.removeprefix("#/$defs/")]["enum"]
    assert "expected_salary_pkr" in profile_enum
    assert "full_name" in profile_enum


@pytest.mark.parametrize(
    ("schema_name", "folder"), [("bank", BUNDLED_BANKS), ("flow", BUNDLED_FLOWS)]
)
def test_bundled_files_use_only_keys_the_schema_offers(
    tmp_path: Path, schema_name: str, folder: Path
) -> None:
    bank_schema, flow_schema, _ = write_schemas(tmp_path)
    schema = bank_schema if schema_name == "bank" else flow_schema

    for path in sorted(folder.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert set(schema["required"]) <= set(data), path.name
        assert set(data) <= set(schema["properties"]), path.name
