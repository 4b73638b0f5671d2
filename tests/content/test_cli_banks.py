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
    ROOT,
    TINY_BANK,
    bank,
    expectations,
    flow,
    write,
)

PROBLEM_LINE = re.compile(r"^(?P<file>.+\.ya?ml):(?P<line>[1-9]\d*): (?P<message>\S.*)$")
WARNING_LINE = re.compile(r"^.+\.ya?ml:[1-9]\d*: warning: \S.*$")
BUNDLED_OK = re.compile(r"^ok: 6 bank\(s\), 2 flow\(s\)(, [1-9]\d* warning\(s\))?\.$")
ROOT_FIXTURES = ROOT / "tests" / "fixtures"
QUESTION_TYPES = {"single_choice", "multi_choice", "free_text", "numeric", "yes_no"}


@pytest.fixture(autouse=True)
def _in_empty_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)


def without_warnings(output: str) -> list[str]:
    return [line for line in output.splitlines() if not WARNING_LINE.match(line)]


def assert_bundled_ok(output: str) -> None:
    """The bundled content lints clean: suggestions at most, then the summary."""
    *suggestions, summary = output.splitlines()
    assert BUNDLED_OK.match(summary), summary
    assert all(WARNING_LINE.match(line) for line in suggestions), suggestions
    warned = int(m[1]) if (m := re.search(r"(\d+) warning", summary)) else 0
    assert len(suggestions) == warned


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
    assert_bundled_ok(result.stdout)


def test_lint_without_arguments_checks_the_configured_folders() -> None:
    result = screenbot("banks", "lint")

    assert result.exit_code == 0, result.output
    assert_bundled_ok(result.stdout)


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
    assert without_warnings(result.stdout) == [str(e) for e in expectations(lost)]


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
    assert_bundled_ok(bundled.stdout)


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
    assert set(section["required"]) == {"bank", "weight"}, "pick is for fixed flows only"
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


UNREFERENCED = """\
- id: q-essay
  type: free_text
  text: Why does an index slow writes down?
  rubric:
    - {concept: maintenance, keywords: [update the index]}  # <- warning: concept 'maintenance' has no references
  reference_answer: Every insert also updates the index.
  explanation: Maintenance.
"""  # noqa: E501


def test_lint_prints_warnings_yet_passes_when_nothing_else_is_wrong(tmp_path: Path) -> None:
    content = tmp_path / "content"
    path = write(content, "essays.yaml", bank("essays", UNREFERENCED))
    [expected] = expectations(path)

    result = screenbot("banks", "lint", str(content), banks=content, flows=content)

    assert result.exit_code == 0, result.output
    warning, summary = result.stdout.splitlines()
    assert warning.startswith(str(expected)), warning
    assert WARNING_LINE.match(warning)
    assert summary == "ok: 1 bank(s), 0 flow(s), 1 warning(s)."


def test_lint_counts_warnings_apart_from_the_problems_that_fail_it(tmp_path: Path) -> None:
    content = tmp_path / "content"
    write(content, "essays.yaml", bank("essays", UNREFERENCED))
    write(content, "tiny.yaml", TINY_BANK)
    write(content, "late.yaml", flow("late", schedule='"0 25 * * MON"'))

    result = screenbot("banks", "lint", str(content), banks=content, flows=content)

    assert result.exit_code == 1
    assert len(result.stdout.splitlines()) == 2
    assert result.stderr.strip() == "1 problem(s) found, 1 warning(s)."


def test_bank_schema_covers_rubric_statements_and_item_parameters(tmp_path: Path) -> None:
    bank_schema, _, _ = write_schemas(tmp_path)
    defs = bank_schema["$defs"]

    concept = defs["RubricConcept"]["properties"]
    for key in ("references", "misconceptions"):
        assert concept[key]["type"] == "array"
        assert concept[key]["items"]["type"] == "string"
        assert concept[key]["default"] == []
    assert set(defs["RubricConcept"]["required"]) == {"concept", "keywords"}

    irt = defs["Irt"]
    assert set(irt["required"]) == {"a", "b"}
    assert irt["properties"]["a"]["exclusiveMinimum"] == 0
    assert irt["properties"]["a"]["maximum"] == 4
    assert (irt["properties"]["b"]["minimum"], irt["properties"]["b"]["maximum"]) == (-4, 4)

    for name, definition in defs.items():
        if "type" in definition.get("properties", {}):
            scored = definition["properties"]["type"]["const"] != "free_text"
            assert ("irt" in definition["properties"]) is scored, name


def test_flow_schema_covers_adaptive_flows(tmp_path: Path) -> None:
    _, flow_schema, _ = write_schemas(tmp_path)
    properties, defs = flow_schema["properties"], flow_schema["$defs"]

    mode = defs[properties["mode"]["$ref"].removeprefix("#/$defs/")]
    assert mode["enum"] == ["fixed", "adaptive"]
    assert properties["mode"]["default"] == "fixed"
    assert properties["max_questions"]["default"] == 12
    assert properties["max_questions"]["minimum"] == 1
    assert properties["target_se"]["default"] == 0.4
    assert properties["target_se"]["exclusiveMinimum"] == 0
    assert properties["target_se"]["exclusiveMaximum"] == 1
    plan_refs = refs(properties["free_text"])
    assert plan_refs == ["#/$defs/FreeTextPlan"]
    plan = defs["FreeTextPlan"]
    assert set(plan["required"]) == {"pick", "weight"}
    assert plan["properties"]["weight"]["exclusiveMaximum"] == 1
    section = defs["Section"]["properties"]
    assert {"pick", "min", "max", "weight"} <= set(section)
    assert section["min"]["default"] == 0
    assert all("description" in section[key] for key in ("pick", "min", "max", "weight"))


@pytest.mark.parametrize(
    ("schema_name", "path"),
    [
        ("bank", ROOT_FIXTURES / "banks" / "tools.yaml"),
        ("flow", ROOT_FIXTURES / "adaptive" / "adaptive-mini.yaml"),
    ],
)
def test_every_key_of_the_fixtures_is_in_the_schema(
    tmp_path: Path, schema_name: str, path: Path
) -> None:
    bank_schema, flow_schema, _ = write_schemas(tmp_path)
    schema = bank_schema if schema_name == "bank" else flow_schema
    data = yaml.safe_load(path.read_text(encoding="utf-8"))

    assert unknown_keys(schema, schema, data) == []


def unknown_keys(root: dict[str, Any], schema: dict[str, Any], data: Any) -> list[str]:
    """Keys in `data` that `schema` does not offer, following $ref, anyOf and oneOf."""
    if "$ref" in schema:
        return unknown_keys(root, root["$defs"][schema["$ref"].removeprefix("#/$defs/")], data)
    if isinstance(data, dict) and "oneOf" in schema and "discriminator" in schema:
        ref = schema["discriminator"]["mapping"][data["type"]]
        return unknown_keys(root, {"$ref": ref}, data)
    if "anyOf" in schema:
        options = [o for o in schema["anyOf"] if o.get("type") != "null"]
        return unknown_keys(root, options[0], data) if len(options) == 1 else []
    if isinstance(data, dict) and "properties" in schema:
        found = [key for key in data if key not in schema["properties"]]
        for key, value in data.items():
            if key in schema["properties"]:
                found += unknown_keys(root, schema["properties"][key], value)
        return found
    if isinstance(data, list) and "items" in schema:
        return [k for item in data for k in unknown_keys(root, schema["items"], item)]
    return []
