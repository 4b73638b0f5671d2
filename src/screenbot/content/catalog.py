"""Loading every bank and flow from disk into one immutable catalog, or every problem found."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from screenbot.content.flows import Flow
from screenbot.content.lint import FlowCheck, check_bank, check_flow
from screenbot.content.models import Bank, content_hash
from screenbot.content.yaml_source import YamlDocument, parse
from screenbot.errors import ContentError, ContentProblem, Severity, UnknownFlowError

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Catalog:
    """All content a process serves; looked up by id, versioned by content hash."""

    banks: Mapping[str, Bank]
    flows: Mapping[str, Flow]
    _bank_versions: Mapping[str, str] = field(init=False, repr=False, compare=False)
    _flow_versions: Mapping[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Hash every bank and flow once here, so a turn never pays for hashing content."""
        bank_versions = {bank_id: content_hash(bank) for bank_id, bank in self.banks.items()}
        flow_versions = {flow_id: content_hash(flow) for flow_id, flow in self.flows.items()}
        object.__setattr__(self, "_bank_versions", MappingProxyType(bank_versions))
        object.__setattr__(self, "_flow_versions", MappingProxyType(flow_versions))

    def flow(self, flow_id: str) -> Flow:
        """The flow with `flow_id`; `UnknownFlowError` (which a candidate may be shown) if there is
        none."""
        try:
            return self.flows[flow_id]
        except KeyError:
            raise UnknownFlowError(flow_id) from None

    @property
    def open_flows(self) -> tuple[Flow, ...]:
        """The flows taking candidates, by title: what a candidate may choose among when
        starting."""
        return tuple(f for f in sorted(self.flows.values(), key=lambda f: f.title) if f.open)

    def bank_version(self, bank_id: str) -> str:
        """The content hash of a bank: a screening records it, so its answers stay tied to the
        questions as they were asked."""
        return self._bank_versions[bank_id]

    def flow_version(self, flow_id: str) -> str:
        """The content hash of a flow, recorded with each screening like `bank_version`."""
        return self._flow_versions[flow_id]

    def bank_versions(self, flow: Flow) -> dict[str, str]:
        """The content hash of every bank `flow` draws on, by bank id."""
        return {s.bank: self._bank_versions[s.bank] for s in flow.sections}


_QUESTION_TAGS = {"single_choice", "multi_choice", "free_text", "numeric", "yes_no"}


def _describe(error: ErrorDetails) -> tuple[tuple[str | int, ...], str]:
    loc = tuple(error["loc"])
    kind = error["type"]
    if kind == "extra_forbidden" and loc[-1] == "irt" and "free_text" in loc:
        return loc, "a free_text question takes no irt: it is graded after the screening"
    if kind == "extra_forbidden":
        return loc, f"unknown key {loc[-1]!r}"
    if kind == "missing":
        return loc, f"missing key {loc[-1]!r}"
    if kind == "union_tag_invalid":
        ctx = error.get("ctx", {})
        return loc, f"type must be one of {ctx.get('expected_tags')}, not {ctx.get('tag')}"
    message = error["msg"].removeprefix("Value error, ")
    where = ".".join(
        str(p)
        for n, p in enumerate(loc)
        if not (n and isinstance(loc[n - 1], int) and p in _QUESTION_TAGS)
    )
    return loc, f"{where}: {message}" if where else message


def _validate(doc: YamlDocument, model: type[M]) -> tuple[M | None, list[ContentProblem]]:
    try:
        return model.model_validate(doc.data), []
    except ValidationError as exc:
        errors = exc.errors()
    # A list whose item failed is also "too short" to pydantic; the item's own error says it all.
    inner = [tuple(e["loc"]) for e in errors]
    kept = [
        e
        for e in errors
        if e["type"] != "too_short"
        or not any(len(o) > len(e["loc"]) and o[: len(e["loc"])] == tuple(e["loc"]) for o in inner)
    ]
    return None, [doc.problem(*_describe(e)) for e in kept]


_FLOW_KEYS = {"sections", "pass_score", "profile", "knockout", "shortlist", "mode"}


def _is_bank(data: dict[str, Any]) -> bool:
    """Banks hold questions; a file with neither questions nor flow keys is a broken bank."""
    return "questions" in data or not _FLOW_KEYS & data.keys()


def _read(paths: Iterable[Path]) -> tuple[list[YamlDocument], list[ContentProblem]]:
    docs: list[YamlDocument] = []
    problems: list[ContentProblem] = []
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(ContentProblem(str(path), 1, f"cannot read the file: {exc}"))
            continue
        doc, found = parse(text, str(path))
        problems.extend(found)
        if doc is not None:
            docs.append(doc)
    return docs, problems


def _yaml_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted([*path.glob("*.yaml"), *path.glob("*.yml")])
    return [path]


def _index(
    docs: list[YamlDocument], model: type[M], problems: list[ContentProblem]
) -> dict[str, tuple[YamlDocument, M]]:
    found: dict[str, tuple[YamlDocument, M]] = {}
    for doc in docs:
        item, errors = _validate(doc, model)
        problems.extend(errors)
        if item is None:
            continue
        item_id: str = getattr(item, "id")  # noqa: B009 - both models have an id; TypeVar hides it
        if item_id in found:
            first = found[item_id][0].path
            problems.append(doc.problem(("id",), f"id {item_id!r} is already used by {first}"))
            continue
        if Path(doc.path).stem != item_id:
            problems.append(doc.problem(("id",), f"id {item_id!r} should match the file name"))
        found[item_id] = (doc, item)
    return found


def load(
    paths: Iterable[Path], fallback_banks: Path | None = None, checks: Iterable[FlowCheck] = ()
) -> tuple[Catalog, list[ContentProblem]]:
    """Load banks and flows from files or folders; flows may use banks from `fallback_banks`.

    The problems include warnings, which leave their file in the catalog; `checks` add what
    content alone cannot judge (a flow's schedule) to every flow.
    """
    files = list({f.resolve(): f for p in paths for f in _yaml_files(p)}.values())
    docs, problems = _read(files)
    bank_docs = [d for d in docs if _is_bank(d.data)]
    repeated = set()
    for doc in bank_docs:
        found = check_bank(doc)
        problems.extend(found)
        if errors(found):
            repeated.add(doc.path)
    banks = {
        bank_id: pair
        for bank_id, pair in _index(bank_docs, Bank, problems).items()
        if pair[0].path not in repeated
    }
    if fallback_banks is not None and fallback_banks.is_dir():
        given = {Path(f).resolve() for f in files}
        extra = [f for f in _yaml_files(fallback_banks) if f.resolve() not in given]
        extra_docs, _ = _read(extra)
        for doc_id, pair in _index([d for d in extra_docs if _is_bank(d.data)], Bank, []).items():
            banks.setdefault(doc_id, pair)
    bank_models = {bank_id: bank for bank_id, (_, bank) in banks.items()}
    flow_docs = [d for d in docs if not _is_bank(d.data)]
    checks = tuple(checks)
    for doc in flow_docs:
        problems.extend(check_flow(doc, bank_models, checks))
    flows = _index(flow_docs, Flow, problems)
    catalog = Catalog(
        banks=MappingProxyType(bank_models),
        flows=MappingProxyType({flow_id: flow for flow_id, (_, flow) in flows.items()}),
    )
    return catalog, problems


def errors(problems: Iterable[ContentProblem]) -> list[ContentProblem]:
    """The problems that refuse content, without the warnings."""
    return [p for p in problems if p.severity is Severity.ERROR]


def load_catalog(banks_dir: Path, flows_dir: Path, checks: Iterable[FlowCheck] = ()) -> Catalog:
    """The catalog a process serves; any error at all refuses to start, warnings do not."""
    catalog, problems = load([banks_dir, flows_dir], checks=checks)
    if refused := errors(problems):
        raise ContentError(refused)
    return catalog
