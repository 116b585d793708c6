"""Cargo classes: unit, allowed modes, value of time, distance rates and transfer handling (sourced YAML)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, field_validator
from pydantic import ValidationError as PydanticError

from corridor._errors import NotFoundError, Problem, ValidationError
from corridor.network.schema import MODES
from corridor.sourced import Sourced, line_of, load_yaml, problems_from_pydantic


class CargoClass(BaseModel):
    """How one kind of traffic values time and money, and which modes it may use."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = ""
    unit: str
    description: str = ""
    modes: tuple[str, ...]
    value_of_time_usd_per_unit_h: Sourced[float]
    rate_usd_per_unit_km: Sourced[float | dict[str, float]]
    handling_usd_per_transfer: Sourced[float]

    @field_validator("modes")
    @classmethod
    def _known_modes(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        bad = [m for m in v if m not in MODES]
        if bad:
            raise ValueError(f"unknown mode(s) {bad}; expected some of {list(MODES)}")
        return v

    @property
    def vot(self) -> float:
        return float(self.value_of_time_usd_per_unit_h.value)

    @property
    def handling(self) -> float:
        return float(self.handling_usd_per_transfer.value)

    def rate(self, mode: str) -> float:
        rates = self.rate_usd_per_unit_km.value
        return float(rates.get(mode, 0.0)) if isinstance(rates, dict) else float(rates)


def read_classes(path: str | Path) -> dict[str, CargoClass]:
    """Read cargo classes from YAML; errors name the file and field."""
    path = Path(path)
    raw, node = load_yaml(path)
    if not isinstance(raw, dict):
        raise ValidationError([Problem("expected a mapping of cargo classes", file=str(path), row=1)])
    out, problems = {}, []
    for name, body in raw.items():
        if not isinstance(body, dict):
            problems.append(Problem("expected a mapping of the class's fields", file=str(path),
                                    row=line_of(node, (name,)), field=str(name)))
            continue
        try:
            out[name] = CargoClass.model_validate({"name": name, **body})
        except PydanticError as e:
            problems += problems_from_pydantic(e, file=str(path), node=node, loc_prefix=(name,))
    if problems:
        raise ValidationError(problems)
    return out


@lru_cache(maxsize=1)
def bundled_classes() -> dict[str, CargoClass]:
    return read_classes(Path(str(resources.files("corridor.routing") / "data" / "cargo_classes.yaml")))


def get_class(cargo: str | CargoClass) -> CargoClass:
    if isinstance(cargo, CargoClass):
        return cargo
    classes = bundled_classes()
    if cargo not in classes:
        raise NotFoundError(f"unknown cargo class {cargo!r}; expected one of {', '.join(classes)}")
    return classes[cargo]
