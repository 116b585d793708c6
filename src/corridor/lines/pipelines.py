"""Pipeline hydraulics, gas and liquid: the public face of :mod:`corridor.lines.gas` and
:mod:`corridor.lines.liquid`, plus reading a line definition from YAML."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pydantic

from corridor._errors import Problem, ValidationError
from corridor.lines.compressibility import compressibility, z_cnga, z_papay
from corridor.lines.friction import aga_fully_turbulent, colebrook, friction_factor, swamee_jain
from corridor.lines.gas import EQUATIONS, Compressor, GasLine, GasProfile, gas_capacity, gas_profile
from corridor.lines.liquid import (
    LiquidLine,
    LiquidProfile,
    Pump,
    PumpDuty,
    liquid_capacity,
    liquid_profile,
    pump_duty,
    pump_power_kw,
)
from corridor.sourced import load_yaml, problems_from_pydantic

__all__ = [
    "EQUATIONS", "Compressor", "GasLine", "GasProfile", "LiquidLine", "LiquidProfile", "Pump", "PumpDuty",
    "aga_fully_turbulent", "colebrook", "compressibility", "friction_factor", "gas_capacity", "gas_profile",
    "line_from_dict", "liquid_capacity", "liquid_profile", "load_line", "pump_duty", "pump_power_kw",
    "swamee_jain", "z_cnga", "z_papay",
]


def line_from_dict(data: dict, *, file: str | None = None, node: Any = None) -> GasLine | LiquidLine:
    """A gas or liquid line from a mapping with ``kind: gas|liquid``; errors name the file and field."""
    if not isinstance(data, dict):
        raise ValidationError([Problem("expected a mapping with 'kind: gas' or 'kind: liquid'", file=file)])
    body = dict(data)
    kind = body.pop("kind", None)
    for key in ("p_in_bara", "p_out_bara", "flow", "flow_sm3_s", "flow_m3_s", "flow_mcm_d"):
        body.pop(key, None)  # operating point: read by the caller
    model = {"gas": GasLine, "liquid": LiquidLine}.get(kind)
    if model is None:
        raise ValidationError([Problem("must be 'gas' or 'liquid'", file=file, field="kind", value=kind)])
    try:
        return model.model_validate(body)
    except pydantic.ValidationError as e:
        raise ValidationError(problems_from_pydantic(e, file=file, node=node)) from None


def load_line(path: str | Path) -> tuple[GasLine | LiquidLine, dict]:
    """Read a line definition from YAML; returns the line and the raw mapping (for the operating point)."""
    path = Path(path)
    data, node = load_yaml(path)
    return line_from_dict(data, file=str(path), node=node), data
