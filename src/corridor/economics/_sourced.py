"""Sourced values and YAML loading with line numbers for error messages.

Every bundled number is ``{value: ..., source: ...}`` where source is a reference (``facts[46]`` = reference
[46] of corridor-facts.md, or a named paper/standard) or ``assumption: <why>``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Generic, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic import ValidationError as PydanticValidationError

from corridor._errors import Problem, ValidationError

T = TypeVar("T")


class Sourced(BaseModel, Generic[T]):
    """A value with where it comes from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: T
    source: str = Field(min_length=1)

    @field_validator("source")
    @classmethod
    def _non_blank(cls, s: str) -> str:
        if not s.strip():
            raise ValueError("source must not be blank: give a reference or 'assumption: <why>'")
        return s.strip()

    @property
    def is_assumption(self) -> bool:
        return self.source.lower().startswith("assumption")


def sourced(value: Any, source: str) -> dict[str, Any]:
    """A plain ``{value, source}`` mapping (for building overrides)."""
    return {"value": value, "source": source}


def iter_sourced(obj: Any, prefix: str = "") -> Iterator[tuple[str, Sourced]]:
    """Every Sourced value inside a pydantic model, dict or list, with its dotted path."""
    if isinstance(obj, Sourced):
        yield prefix, obj
    elif isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            yield from iter_sourced(getattr(obj, name), f"{prefix}.{name}" if prefix else name)
    elif isinstance(obj, Mapping):
        for k, v in obj.items():
            yield from iter_sourced(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(obj, list | tuple):
        for i, v in enumerate(obj):
            yield from iter_sourced(v, f"{prefix}[{i}]")


def load_yaml(path: str | Path) -> tuple[Any, yaml.Node | None]:
    """Parse a YAML file; return the data and its node tree (for line numbers). Bad YAML -> ValidationError."""
    p = Path(path)
    text = p.read_text(encoding="utf-8")
    try:
        return yaml.safe_load(text), yaml.compose(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        raise ValidationError([Problem(f"not valid YAML: {getattr(e, 'problem', e)}", file=str(p), row=row)]) from None


def line_of(node: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """1-based line of the deepest node found along ``loc`` (keys and list indexes)."""
    line = None
    for key in loc:
        if node is None:
            break
        line = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == str(key)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            node = None
    if node is not None:
        line = node.start_mark.line + 1
    return line


def problems_from_pydantic(
    err: PydanticValidationError, *, file: str | None, node: yaml.Node | None, loc_prefix: tuple[Any, ...] = ()
) -> list[Problem]:
    out = []
    for e in err.errors():
        loc = tuple(x for x in e["loc"] if not (isinstance(x, str) and x.startswith("function-")))
        full = loc_prefix + loc
        field = ".".join(str(x) for x in full)
        msg = e["msg"]
        if e["type"] == "model_type" and "Sourced" in str(e.get("ctx", "")):
            msg = "needs {value: ..., source: ...}"
        elif e["type"] in ("dict_type", "model_attributes_type") and full and full[-1] != "value":
            msg = f"{msg}; every number needs {{value: ..., source: ...}}"
        value = e.get("input") if not isinstance(e.get("input"), dict | list) else None
        out.append(Problem(msg, file=file, row=line_of(node, full), field=field, value=value))
    return out
