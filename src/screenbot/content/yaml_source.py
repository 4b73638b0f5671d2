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
        """The 1-based line of the value at `loc`; parts not found (union tags) are skipped."""
        node = self.root
        for part in loc:
            if isinstance(node, MappingNode):
                for key, value in node.value:
                    if isinstance(key, ScalarNode) and key.value == str(part):
                        node = value
                        break
            elif (
                isinstance(node, SequenceNode) and isinstance(part, int) and part < len(node.value)
            ):
                node = node.value[part]
        return int(node.start_mark.line) + 1

    def problem(self, loc: Sequence[str | int], message: str) -> ContentProblem:
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
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        hint = ""
        if "expected ',' or '}'" in str(exc.problem):
            hint = " (inside {…}, put text containing ?, : or # in quotes)"
        return None, [ContentProblem(path, line, f"not valid YAML: {exc.problem or exc}{hint}")]
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        return None, [ContentProblem(path, 1, "the file must hold a mapping of keys to values")]
    return YamlDocument(path, data, root), problems
