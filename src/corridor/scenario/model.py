"""Scenario files: YAML validated with pydantic, naming the file and key on any error."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from corridor._errors import NotFoundError, Problem, ValidationError
from corridor.sourced import load_yaml, validate

Status = Literal["existing", "under_construction", "planned"]


class LinkRef(BaseModel):
    """A link named in a scenario, with the reason (policy, source) for the edit."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    link: str = Field(min_length=1)
    reason: str = ""


class Scenario(BaseModel):
    """Edits to a network that make one state of the world (today, with a project, ...), and the OD pairs to report."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(min_length=1)
    description: str = ""
    built_statuses: tuple[Status, ...] = ("existing",)
    close_links: tuple[LinkRef, ...] = ()
    open_links: tuple[LinkRef, ...] = ()
    border_delay_h: dict[str, float] = Field(default_factory=dict)
    speed_kmh: dict[str, float] = Field(default_factory=dict)
    toll_usd: dict[str, float] = Field(default_factory=dict)
    capacity: dict[str, float] = Field(default_factory=dict)
    od_pairs: tuple[tuple[str, str], ...] = ()

    @field_validator("close_links", "open_links", mode="before")
    @classmethod
    def _refs(cls, v):
        return [{"link": x} if isinstance(x, str) else x for x in (v or [])]

    @field_validator("border_delay_h", "toll_usd", "capacity")
    @classmethod
    def _non_negative(cls, v: dict[str, float]) -> dict[str, float]:
        bad = {k: x for k, x in v.items() if not x >= 0}
        if bad:
            raise ValueError(f"values must be >= 0, got {bad}")
        return v

    @field_validator("speed_kmh")
    @classmethod
    def _positive(cls, v: dict[str, float]) -> dict[str, float]:
        bad = {k: x for k, x in v.items() if not x > 0}
        if bad:
            raise ValueError(f"speeds must be > 0, got {bad}")
        return v


def bundled_scenarios() -> dict[str, Path]:
    folder = Path(str(resources.files("corridor.scenario") / "data"))
    return {p.stem: p for p in sorted(folder.glob("*.yaml"))}


def read_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario YAML file."""
    path = Path(path)
    raw, node = load_yaml(path)
    if not isinstance(raw, dict):
        raise ValidationError([Problem("expected a mapping of keys at the top level", file=str(path), row=1)])
    raw.setdefault("name", path.stem)
    return validate(Scenario, raw, file=str(path), node=node)


#: former names of bundled scenarios
ALIASES = {"baseline": "do-nothing"}


def load_scenario(name_or_path: str | Path | Scenario) -> Scenario:
    """A bundled scenario by name (see :func:`bundled_scenarios`; ``baseline`` is the ``do-nothing``) or a
    scenario YAML file."""
    if isinstance(name_or_path, Scenario):
        return name_or_path
    p = Path(name_or_path)
    if p.suffix in (".yaml", ".yml") or p.is_file():
        if not p.is_file():
            raise NotFoundError(f"scenario file not found: {p}")
        return read_scenario(p)
    bundled = bundled_scenarios()
    name_or_path = ALIASES.get(str(name_or_path), name_or_path)
    if str(name_or_path) not in bundled:
        raise NotFoundError(f"no bundled scenario {str(name_or_path)!r}; bundled: {', '.join(bundled)} "
                            "(or give the path of a .yaml file)")
    return read_scenario(bundled[str(name_or_path)])
