"""YAML parsing that remembers where every value came from, so errors can name a line."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from screenbot.errors import ContentProblem


@dataclass(frozen=True)
class YamlDocument:
    """A parsed file: its data plus the node tree that maps a location to a line."""

    path: str
    data: Any
    root: Node

    def line_of(self, loc: Sequence[str | int]) -> int:
        """The 1-based line of `loc`: a key's own line when the location ends on a key.

        Parts not found (pydantic's union tags, missing keys) are skipped.
        """
        node = self.root
        line = int(node.start_mark.line)
        for part in loc:
            if isinstance(node, MappingNode):
                for key, value in node.value:
                    if isinstance(key, ScalarNode) and key.value == str(part):
                        node, line = value, int(key.start_mark.line)
                        break
            elif (
                isinstance(node, SequenceNode) and isinstance(part, int) and part < len(node.value)
            ):
                node = node.value[part]
                line = int(node.start_mark.line)
        return line + 1

    def problem(self, loc: Sequence[str | int], message: str) -> ContentProblem:
        """A problem with this document, reported at the line of the value `loc` leads to."""
        return ContentProblem(self.path, self.line_of(loc), message)


def _duplicate_keys(node: Node, path: str) -> list[ContentProblem]:
    problems: list[ContentProblem] = []
    if isinstance(node, MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            if isinstance(key, ScalarNode):
                if key.value in seen:
                    line = int(key.start_mark.line) + 1
                    problems.append(ContentProblem(path, line, f"key {key.value!r} appears twice"))
                seen.add(key.value)
            problems.extend(_duplicate_keys(value, path))
    elif isinstance(node, SequenceNode):
        for item in node.value:
            problems.extend(_duplicate_keys(item, path))
    return problems


def _syntax_problem(exc: yaml.MarkedYAMLError, text: str, path: str) -> ContentProblem:
    """Where YAML gave up, plus where the construct it was reading began, with a likely fix."""
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark is not None else 1
    message = f"not valid YAML: {exc.problem or exc}"
    start = exc.context_mark
    if start is not None and start.line + 1 != line:
        message += f" ({exc.context} on line {start.line + 1})"
    if "expected ',' or '}'" in str(exc.problem) and start is not None:
        opened = text.splitlines()[start.line][start.column :]
        message += (
            " (inside {…}, put text containing ?, : or # in quotes)"
            if "}" in opened
            else f" (the {{ on line {start.line + 1} is never closed)"
        )
    return ContentProblem(path, line, message)


def parse(text: str, path: str) -> tuple[YamlDocument | None, list[ContentProblem]]:
    """Parse one YAML document; syntax errors and repeated keys come back as problems."""
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None, [ContentProblem(path, 1, "the file is empty")]
        problems = _duplicate_keys(root, path)
        data = loader.construct_document(root)
    except yaml.MarkedYAMLError as exc:
        return None, [_syntax_problem(exc, text, path)]
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        return None, [ContentProblem(path, 1, "the file must hold a mapping of keys to values")]
    return YamlDocument(path, data, root), problems
