"""Cargo classes: unit, allowed modes, value of time, distance rates and transfer handling (sourced YAML)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic import ValidationError as PydanticError

from corridor._errors import NotFoundError, ValidationError
from corridor._yaml import pydantic_problems, read_yaml
from corridor.network.schema import MODES


class Sourced(BaseModel):
    """A value with the source it comes from (or ``assumption: <why>``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    value: float | dict[str, float]
    source: str = Field(min_length=3)


class CargoClass(BaseModel):
    """How one kind of traffic values time and money, and which modes it may use."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = ""
    unit: str
    description: str = ""
    modes: tuple[str, ...]
    value_of_time_usd_per_unit_h: Sourced
    rate_usd_per_unit_km: Sourced
    handling_usd_per_transfer: Sourced

    @field_validator("modes")
    @classmethod
    def _known_modes(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        bad = [m for m in v if m not in MODES]
        if bad:
            raise ValueError(f"unknown mode(s) {bad}; expected some of {list(MODES)}")
        return v

    @property
    def vot(self) -> float:
        return float(self.value_of_time_usd_per_unit_h.value)  # type: ignore[arg-type]

    @property
    def handling(self) -> float:
        return float(self.handling_usd_per_transfer.value)  # type: ignore[arg-type]

    def rate(self, mode: str) -> float:
        rates = self.rate_usd_per_unit_km.value
        return float(rates.get(mode, 0.0)) if isinstance(rates, dict) else float(rates)


def read_classes(path: str | Path) -> dict[str, CargoClass]:
    """Read cargo classes from YAML; errors name the file and field."""
    path = Path(path)
    raw = read_yaml(path)
    out, problems = {}, []
    for name, body in raw.items():
        try:
            out[name] = CargoClass.model_validate({"name": name, **(body or {})})
        except PydanticError as e:
            problems += pydantic_problems(e, file=str(path), prefix=str(name))
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
