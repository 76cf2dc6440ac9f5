"""YAML read into pydantic models, with every problem tied to a line of the file."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Problem:
    line: int
    message: str

    def render(self, path: str) -> str:
        return f"{path}:{self.line}: {self.message}"


class ContentError(Exception):
    """A content file is not valid; `problems` says where and why."""

    def __init__(self, problems: list[Problem], path: str = "<input>") -> None:
        self.problems = problems
        self.path = path
        super().__init__("; ".join(p.render(path) for p in problems))


def _line_of(node: yaml.Node | None, loc: tuple[Any, ...], default: int) -> int:
    """The 1-based line of the deepest node on the path `loc`."""
    line = default
    for part in loc:
        if node is None:
            break
        line = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            node = None
    if node is not None:
        line = node.start_mark.line + 1
    return line


def _describe(error: dict[str, Any]) -> str:
    loc = [str(p) for p in error["loc"] if not str(p).startswith("function-")]
    field = ".".join(loc)
    if error["type"] == "missing":
        return f"missing field '{field}'"
    if error["type"] == "extra_forbidden":
        return f"unknown field '{field}'"
    if error["type"] == "string_pattern_mismatch":
        return f"{field}: '{error['input']}' is not allowed here: use letters, digits and hyphens"
    message = error["msg"].removeprefix("Value error, ")
    return f"{field}: {message}" if field else message


def load_model(text: str, model: type[M], *, first_line: int = 1) -> M:
    """Parse YAML `text` into `model`; raise ContentError with line numbers on any problem.

    `first_line` is the file line on which `text` starts (for YAML embedded in a larger file).
    """
    offset = first_line - 1
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = (mark.line + 1 if mark else 1) + offset
        reason = getattr(exc, "problem", None) or str(exc)
        raise ContentError([Problem(line, f"invalid YAML: {reason}")]) from None
    if not isinstance(data, dict):
        raise ContentError([Problem(first_line, "expected a mapping of fields (key: value)")])
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = [
            Problem(_line_of(node, tuple(e["loc"]), 1) + offset, _describe(e))
            for e in exc.errors()
        ]
        raise ContentError(sorted(problems, key=lambda p: p.line)) from None


def locate(text: str, loc: tuple[Any, ...], *, first_line: int = 1) -> int:
    """The file line of the value at path `loc` in YAML `text` (which starts at `first_line`)."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        node = None
    return _line_of(node, loc, 1) + first_line - 1
