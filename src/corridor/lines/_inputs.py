"""Sourced defaults of the line models (``data/defaults.yaml``) and the bookkeeping of which were used."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pydantic import RootModel

from corridor._errors import Problem, ValidationError
from corridor.sourced import Sourced, line_of, load_yaml, validate


class _Defaults(RootModel[dict[str, dict[str, Sourced[Any]]]]):
    """Groups (gas, liquid, fibre, rail) of named sourced values."""


def read_defaults(path: str | Path) -> dict[str, dict[str, Sourced[Any]]]:
    """Defaults by group from YAML; every value needs a unit and a source (errors name file, line, field)."""
    data, node = load_yaml(path)
    groups = validate(_Defaults, data, file=str(path), node=node).root
    missing = [Problem("needs a unit", file=str(path), row=line_of(node, (g, k)), field=f"{g}.{k}")
               for g, items in groups.items() for k, s in items.items() if not s.unit]
    if missing:
        raise ValidationError(missing)
    return groups


@cache
def defaults() -> Mapping[str, Mapping[str, Sourced[Any]]]:
    """All defaults by group (gas, liquid, fibre, rail), read once from the bundled YAML (read-only)."""
    groups = read_defaults(Path(str(resources.files("corridor.lines") / "data" / "defaults.yaml")))
    return MappingProxyType({g: MappingProxyType(items) for g, items in groups.items()})


def param(group: str, name: str) -> Sourced[Any]:
    return defaults()[group][name]


class Inputs:
    """Collects the value and source of each input: given by the caller, or a default with its source."""

    def __init__(self, group: str):
        self.group = group
        self.sources: dict[str, str] = {}

    def get(self, name: str, given: Any = None, *, key: str | None = None) -> Any:
        """``given`` if not None (source "given"), else the default ``key`` (default: ``name``)."""
        if given is not None:
            self.sources[name] = "given"
            return given
        p = param(self.group, key or name)
        self.sources[name] = p.source
        return p.value

    def note(self, name: str, source: str) -> None:
        self.sources[name] = source

    @property
    def assumptions(self) -> list[str]:
        """Names of the inputs whose value is an assumption (not given and not sourced)."""
        return [k for k, s in self.sources.items() if s.lower().startswith("assumption")]
