"""Steady liquid flow (crude, products, water): Darcy–Weisbach with Colebrook or Swamee–Jain, pumps.

dp = f (L/D) ρ v²/2 + ρ g Δz per segment; pump head H = Δp/(ρ g), shaft power ρ g Q H / η.
A pressure at or below the minimum (default: the vapour pressure) raises
:class:`~corridor._errors.PhysicsError` naming the chainage where it happens.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import ClassVar, Literal

import numpy as np
import pandas as pd
from pydantic import ConfigDict, Field

from corridor._errors import PhysicsError
from corridor.lines._inputs import Inputs
from corridor.lines._route import LineGeometry, Station, capacity_search
from corridor.lines._units import BAR, DAY_S, G_ACC
from corridor.lines.friction import friction_factor


class Pump(Station):
    """A pump station at ``km``: raises the pressure to ``discharge_bara`` or adds ``head_m``."""

    kind: ClassVar[str] = "pump"
    boost: ClassVar[str] = "head_m"
    head_m: float | None = Field(default=None, gt=0)


class LiquidLine(LineGeometry):
    """A liquid line. Unset (None) properties take the sourced defaults of ``data/defaults.yaml``."""

    model_config = ConfigDict(extra="forbid")
    name: str = "oil line"
    friction: Literal["colebrook", "swamee_jain"] = "colebrook"
    roughness_mm: float | None = Field(default=None, ge=0)
    density_kg_m3: float | None = Field(default=None, gt=0)
    viscosity_pa_s: float | None = Field(default=None, gt=0)
    min_pressure_bara: float | None = Field(default=None, gt=0, description="default: the vapour pressure")
    pump_efficiency: float | None = Field(default=None, gt=0, le=1)
    pumps: list[Pump] = Field(default_factory=list)

    def stations_km(self) -> list[float]:
        return [p.km for p in self.pumps]


@dataclass
class LiquidProfile:
    """Steady state of a liquid line at one flow."""

    name: str
    flow_m3_s: float
    p_in_bara: float
    p_out_bara: float
    reynolds: float
    friction_factor: float
    velocity_m_s: float
    table: pd.DataFrame  # km, elevation_m, p_bara
    stations: list[dict]
    sources: dict[str, str] = field(default_factory=dict)
    note: str = ""  # e.g. what limits a capacity

    @property
    def pump_power_kw(self) -> float:
        return float(sum(s["power_kw"] for s in self.stations))

    @property
    def assumptions(self) -> list[str]:
        return [k for k, s in self.sources.items() if s.lower().startswith("assumption")]

    def summary(self) -> dict:
        return {
            "name": self.name, "flow_m3_s": self.flow_m3_s, "flow_bbl_d": self.flow_m3_s * DAY_S / 0.158987294928,
            "p_in_bara": self.p_in_bara, "p_out_bara": self.p_out_bara,
            "min_p_bara": float(self.table["p_bara"].min()), "reynolds": self.reynolds,
            "friction_factor": self.friction_factor, "velocity_m_s": self.velocity_m_s,
            "pump_power_kw": self.pump_power_kw, "stations": self.stations, "sources": self.sources,
            "assumptions": self.assumptions, "note": self.note,
        }


@dataclass(frozen=True)
class _Liquid:
    d: float
    eps: float
    rho: float
    mu: float
    method: str
    p_min: float

    def hydraulics(self, q: float) -> tuple[float, float, float]:
        """Velocity, Reynolds number and Darcy factor at flow ``q`` (m³/s)."""
        v = q / (math.pi * self.d**2 / 4.0)
        re = self.rho * v * self.d / self.mu
        return v, re, float(friction_factor(re, self.eps / self.d, self.method))

    def gradient(self, q: float) -> float:
        """Frictional pressure gradient (Pa/m)."""
        v, _, f = self.hydraulics(q)
        return f / self.d * self.rho * v * v / 2.0


def _resolve(line: LiquidLine) -> tuple[_Liquid, Inputs]:
    inp = Inputs("liquid")
    liq = _Liquid(
        d=line.diameter_m,
        eps=inp.get("roughness_mm", line.roughness_mm) / 1e3,
        rho=inp.get("density_kg_m3", line.density_kg_m3),
        mu=inp.get("viscosity_pa_s", line.viscosity_pa_s),
        method=line.friction,
        p_min=inp.get("min_pressure_bara", line.min_pressure_bara, key="vapour_pressure_bara") * BAR,
    )
    return liq, inp


def _march(line: LiquidLine, liq: _Liquid, inp: Inputs, q: float, p_in: float, *, strict: bool):
    if p_in <= liq.p_min:
        if strict:
            raise PhysicsError(f"{line.name}: inlet pressure {p_in / BAR:g} bar(a) is at or below the minimum "
                               f"{liq.p_min / BAR:g} bar(a)")
        return None
    km, elev = line.grid()
    grad = liq.gradient(q)
    pumps = {p.km: p for p in line.pumps}
    p = np.empty(km.size)
    p[0] = p_in
    stations = []
    for i in range(1, km.size):
        p1 = p[i - 1]
        if km[i - 1] in pumps:
            pu = pumps[km[i - 1]]
            p_d = pu.discharge_bara * BAR if pu.discharge_bara is not None else p1 + liq.rho * G_ACC * pu.head_m
            eta = pu.efficiency if pu.efficiency is not None else inp.get("pump_efficiency")
            head = max(p_d - p1, 0.0) / (liq.rho * G_ACC)
            stations.append({"km": float(km[i - 1]), "suction_bara": float(p1 / BAR),
                             "discharge_bara": float(max(p_d, p1) / BAR),
                             "head_m": float(head), "power_kw": float(pump_power_kw(q, head, liq.rho, eta))})
            p1 = max(p_d, p1)
        dl = (km[i] - km[i - 1]) * 1e3
        dp_static = liq.rho * G_ACC * (elev[i] - elev[i - 1])
        p[i] = p1 - grad * dl - dp_static
        if p[i] <= liq.p_min:
            if not strict:
                return None
            frac = (p1 - liq.p_min) / (p1 - p[i])  # pressure is linear in chainage inside a segment
            at = km[i - 1] + frac * (km[i] - km[i - 1])
            raise PhysicsError(
                f"{line.name}: at {q:.4g} m3/s the pressure falls to the minimum {liq.p_min / BAR:g} bar(a) "
                f"(vapour pressure or stated minimum) at km {at:.2f} of {line.length_km:g}; "
                f"raise the inlet pressure or add a pump station before it")
    v, re, f = liq.hydraulics(q)
    table = pd.DataFrame({"km": km, "elevation_m": elev, "p_bara": p / BAR})
    return LiquidProfile(line.name, q, p_in / BAR, float(p[-1] / BAR), re, f, v, table, stations, dict(inp.sources))


def pump_power_kw(flow_m3_s: float, head_m: float, density_kg_m3: float, efficiency: float) -> float:
    """Shaft power ρ g Q H / η of a pump (kW)."""
    if not 0 < efficiency <= 1:
        raise ValueError(f"pump efficiency must be in (0, 1] (got {efficiency})")
    return density_kg_m3 * G_ACC * flow_m3_s * head_m / efficiency / 1e3


def liquid_profile(line: LiquidLine, flow_m3_s: float, p_in_bara: float) -> LiquidProfile:
    """Pressure along ``line`` at ``flow_m3_s`` from ``p_in_bara`` (absolute).

    Raises
    ------
    PhysicsError
        If the pressure reaches the minimum (vapour pressure by default) anywhere; the chainage is named.
    """
    if flow_m3_s <= 0:
        raise PhysicsError(f"{line.name}: flow must be > 0 m3/s (got {flow_m3_s})")
    liq, inp = _resolve(line)
    return _march(line, liq, inp, float(flow_m3_s), float(p_in_bara) * BAR, strict=True)


def liquid_capacity(line: LiquidLine, p_in_bara: float, p_out_bara: float) -> LiquidProfile:
    """Largest flow delivered at ``p_out_bara`` from ``p_in_bara`` without falling below the minimum."""
    liq, inp = _resolve(line)
    p_in = float(p_in_bara) * BAR
    if float(p_out_bara) * BAR <= liq.p_min:
        raise PhysicsError(f"{line.name}: outlet pressure {p_out_bara:g} bar(a) is at or below the minimum "
                           f"{liq.p_min / BAR:g} bar(a)")

    return capacity_search(line.name, lambda q, strict: _march(line, liq, inp, q, p_in, strict=strict),
                           p_in_bara, p_out_bara, q_first=0.1)


@dataclass(frozen=True)
class PumpDuty:
    """Head and power a single inlet pump needs to push a flow through a whole line."""

    flow_m3_s: float
    friction_head_m: float
    static_head_m: float
    pressure_head_m: float
    head_m: float
    power_kw: float
    reynolds: float
    friction_factor: float
    sources: dict[str, str]


def pump_duty(line: LiquidLine, flow_m3_s: float, *, p_in_bara: float = 0.0, p_out_bara: float = 0.0,
              efficiency: float | None = None) -> PumpDuty:
    """Total head (friction + elevation + delivery − suction pressure) and shaft power at the inlet."""
    liq, inp = _resolve(line)
    inp.sources.pop("min_pressure_bara", None)
    eta = inp.get("pump_efficiency", efficiency if efficiency is not None else line.pump_efficiency)
    _km, elev = line.grid()
    _v, re, f = liq.hydraulics(flow_m3_s)
    hf = liq.gradient(flow_m3_s) * line.length_km * 1e3 / (liq.rho * G_ACC)
    hs = float(elev[-1] - elev[0])
    hp = (p_out_bara - p_in_bara) * BAR / (liq.rho * G_ACC)
    head = hf + hs + hp
    if head <= 0:
        raise PhysicsError(f"{line.name}: no pump needed at {flow_m3_s:g} m3/s (total head {head:.1f} m)")
    return PumpDuty(flow_m3_s, hf, hs, hp, head, pump_power_kw(flow_m3_s, head, liq.rho, eta), re, f,
                    dict(inp.sources))
