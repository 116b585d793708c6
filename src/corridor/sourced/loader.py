"""Reading YAML inputs with errors that name the file, line and field (from the YAML node marks)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from corridor._errors import Problem, ValidationError
from corridor.sourced.value import Sourced

M = TypeVar("M", bound=BaseModel)


def load_yaml(path: str | Path) -> tuple[Any, yaml.Node | None]:
    """Parse a YAML file once; return the data and its node tree (for line numbers). Bad YAML or text that is not
    UTF-8 raises ValidationError naming the file (and the line)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise ValidationError([Problem(f"not UTF-8 text ({e.reason})", file=str(p))]) from None
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise ValidationError([Problem(f"not valid YAML: {getattr(e, 'problem', None) or e}", file=str(p),
                                       row=mark.line + 1 if mark is not None else None)]) from None
    finally:
        loader.dispose()
    return data, node


def read_yaml(path: str | Path, *, mapping: bool = True) -> Any:
    """The data of a YAML file (see :func:`load_yaml`); with ``mapping=True`` the top level must be a mapping."""
    data, _ = load_yaml(path)
    if mapping and not isinstance(data, dict):
        raise ValidationError([Problem("expected a mapping of keys at the top level", file=str(path), row=1)])
    return data


def line_of(node: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """1-based line of the deepest node found along ``loc`` (mapping keys and list indexes)."""
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


def problems_from_pydantic(err: PydanticValidationError, *, file: str | None = None, node: yaml.Node | None = None,
                           loc_prefix: tuple[Any, ...] = ()) -> list[Problem]:
    """One Problem per pydantic error: dotted field path, line (when ``node`` is given) and the bad scalar."""
    out = []
    for e in err.errors():
        loc = tuple(x for x in e["loc"] if not (isinstance(x, str) and x.startswith("function-")))
        full = tuple(loc_prefix) + loc
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "model_type" and "Sourced" in str(e.get("ctx", "")):
            msg = "needs {value: ..., source: ...}"
        elif e["type"] in ("dict_type", "model_attributes_type") and full and full[-1] != "value":
            msg = f"{msg}; every number needs {{value: ..., source: ...}}"
        value = e.get("input") if loc and not isinstance(e.get("input"), dict | list) else None
        out.append(Problem(msg, file=file, row=line_of(node, full) if node is not None else None,
                           field=".".join(str(x) for x in full) or None, value=value))
    return out


def validate(model: type[M], data: Any, *, file: str | None = None, node: yaml.Node | None = None,
             loc_prefix: tuple[Any, ...] = ()) -> M:
    """``model.model_validate(data)``; errors become one ValidationError naming file, line and field."""
    try:
        return model.model_validate(data)
    except PydanticValidationError as e:
        raise ValidationError(problems_from_pydantic(e, file=file, node=node, loc_prefix=loc_prefix)) from None


def load_model(model: type[M], path: str | Path) -> M:
    """Read a YAML file into a pydantic model (e.g. one of :class:`~corridor.sourced.Sourced` fields)."""
    data, node = load_yaml(path)
    return validate(model, data, file=str(path), node=node)


def sourced_tree(data: Any, *, file: str | None = None, node: yaml.Node | None = None,
                 loc: tuple[Any, ...] = ()) -> Any:
    """``data`` with every mapping that has ``value`` and ``source`` keys validated into a :class:`Sourced`
    (for free-form case files); all problems are collected into one ValidationError."""
    problems: list[Problem] = []

    def walk(x: Any, here: tuple[Any, ...]) -> Any:
        if isinstance(x, dict) and "value" in x and "source" in x:
            try:
                return Sourced[Any].model_validate(x)
            except PydanticValidationError as e:
                problems.extend(problems_from_pydantic(e, file=file, node=node, loc_prefix=here))
                return None
        if isinstance(x, dict):
            return {k: walk(v, (*here, k)) for k, v in x.items()}
        if isinstance(x, list):
            return [walk(v, (*here, i)) for i, v in enumerate(x)]
        return x

    out = walk(data, tuple(loc))
    if problems:
        raise ValidationError(problems)
    return out
