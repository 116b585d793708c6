"""Sourced defaults of the line models (``data/defaults.yaml``) and the bookkeeping of which were used."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml


@dataclass(frozen=True)
class Param:
    """A default value with its unit and source (a reference or ``assumption: <why>``)."""

    value: Any
    unit: str
    source: str

    @property
    def is_assumption(self) -> bool:
        return self.source.lower().startswith("assumption")


@cache
def defaults() -> dict[str, dict[str, Param]]:
    """All defaults by group (gas, liquid, fibre, rail), read once from the bundled YAML."""
    text = resources.files("corridor.lines").joinpath("data/defaults.yaml").read_text(encoding="utf-8")
    raw = yaml.safe_load(text)
    return {g: {k: Param(v["value"], str(v["unit"]), str(v["source"])) for k, v in items.items()}
            for g, items in raw.items()}


def param(group: str, name: str) -> Param:
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
