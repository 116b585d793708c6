"""Reading YAML input files with errors that name the file and line, and pydantic errors as Problems."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pydantic
import yaml

from corridor._errors import Problem, ValidationError


def read_yaml(path: str | Path, *, mapping: bool = True) -> Any:
    """Parse a YAML file. Raises ValidationError naming the file (and the line of a syntax error); with
    ``mapping=True`` the top level must be a mapping."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise ValidationError([Problem(f"not valid YAML: {getattr(e, 'problem', None) or e}", file=str(path),
                                       row=mark.line + 1 if mark else None)]) from None
    except UnicodeDecodeError as e:
        raise ValidationError([Problem(f"not UTF-8 text ({e.reason})", file=str(path))]) from None
    if mapping and not isinstance(data, dict):
        raise ValidationError([Problem("expected a mapping of keys at the top level", file=str(path))])
    return data


def pydantic_problems(err: pydantic.ValidationError, *, file: str | None = None, prefix: str = "") -> list[Problem]:
    """One Problem per pydantic error, with the dotted field path (and the bad value when it is a scalar)."""
    out = []
    for e in err.errors():
        loc = ".".join(str(x) for x in ([prefix] if prefix else []) + list(e["loc"]))
        value = e.get("input") if e["loc"] and not isinstance(e.get("input"), dict | list) else None
        out.append(Problem(e["msg"], file=file, field=loc or None, value=value))
    return out
