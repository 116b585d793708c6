"""Steady isothermal gas flow in a transmission line: capacity, outlet pressure and pressure profile.

Flow equations (Menon, *Gas Pipeline Hydraulics*, 2005, ch. 2), with elevation by the Menon/AGA correction
P1² − e^s P2², s = 2 g G Δh / (R_air T Z), L_e = L (e^s − 1)/s:

- ``isothermal``: general flow equation Q_b = (π/4)(T_b/P_b) √[(P1² − e^s P2²) D⁵ R_air / (f L_e G T Z)] with
  the Darcy factor from Colebrook at the line's Reynolds number, and the kinetic-energy (acceleration)
  term: the friction term f L/D becomes f L/D + 2 ln(P1/P2) (as in ``fluids.isothermal_gas``);
- ``aga``: the general equation (no kinetic term) with the AGA fully turbulent factor F = 4 log10(3.7 D/ε),
  f = 4/F²;
- ``weymouth``, ``panhandle_a``, ``panhandle_b``: Menon's US-unit forms, evaluated in US units.

A line is marched node by node (profile points, compressor stations, steps of at most ``max_step_km``), with
Z from the segment's mean pressure; a pressure at or below zero or the stated minimum raises
:class:`~corridor._errors.PhysicsError` naming the chainage where it happens.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import ClassVar, Literal

import numpy as np
import pandas as pd
from pydantic import ConfigDict, Field
from scipy.optimize import brentq

from corridor._errors import PhysicsError
from corridor.lines._inputs import Inputs
from corridor.lines._route import LineGeometry, Station, capacity_search
from corridor.lines._units import BAR, DAY_S, FT, G_ACC, INCH, MILE, PSI, R_AIR, YEAR_DAYS
from corridor.lines.compressibility import average_pressure, compressibility
from corridor.lines.friction import aga_fully_turbulent, colebrook

Equation = Literal["isothermal", "aga", "weymouth", "panhandle_a", "panhandle_b"]
EQUATIONS: tuple[str, ...] = ("isothermal", "aga", "weymouth", "panhandle_a", "panhandle_b")
#: Menon US-unit constants: Q[scfd] = C E (Tb/Pb)^a [(P1² − e^s P2²)/(G^g T L_e Z)]^b D^d (psia, °R, mi, in).
_EMPIRICAL = {
    "weymouth": (433.5, 1.0, 1.0, 0.5, 2.667),
    "panhandle_a": (435.87, 1.0788, 0.8539, 0.5394, 2.6182),
    "panhandle_b": (737.0, 1.02, 0.961, 0.51, 2.53),
}


class Compressor(Station):
    """A compressor station at ``km``: raises the pressure to ``discharge_bara`` or by ``ratio``."""

    kind: ClassVar[str] = "compressor"
    boost: ClassVar[str] = "ratio"
    ratio: float | None = Field(default=None, gt=1)


class GasLine(LineGeometry):
    """A gas line. Unset (None) properties take the sourced defaults of ``data/defaults.yaml``."""

    model_config = ConfigDict(extra="forbid")
    name: str = "gas line"
    equation: Equation = "isothermal"
    roughness_mm: float | None = Field(default=None, ge=0)
    efficiency: float | None = Field(default=None, gt=0, le=1.2)
    specific_gravity: float | None = Field(default=None, gt=0.3, lt=2)
    temperature_k: float | None = Field(default=None, gt=150, lt=500)
    viscosity_pa_s: float | None = Field(default=None, gt=0)
    z: float | None = Field(default=None, gt=0.2, le=1.5, description="fixed Z; None: from z_method")
    z_method: Literal["papay", "cnga"] | None = None
    base_temperature_k: float | None = Field(default=None, gt=0)
    base_pressure_pa: float | None = Field(default=None, gt=0)
    min_pressure_bara: float | None = Field(default=None, gt=0, description="lowest allowed pressure")
    heat_capacity_ratio: float | None = Field(default=None, gt=1, lt=2)
    compressors: list[Compressor] = Field(default_factory=list)

    def stations_km(self) -> list[float]:
        return [c.km for c in self.compressors]


@dataclass
class GasProfile:
    """Steady state of a gas line at one flow: pressures along it and at its compressor stations."""

    name: str
    equation: str
    flow_sm3_s: float
    p_in_bara: float
    p_out_bara: float
    reynolds: float
    friction_factor: float
    table: pd.DataFrame  # km, elevation_m, p_bara, z, velocity_m_s
    stations: list[dict]
    z_in_range: bool
    sources: dict[str, str] = field(default_factory=dict)
    note: str = ""  # e.g. what limits a capacity

    @property
    def flow_mcm_d(self) -> float:
        return self.flow_sm3_s * DAY_S / 1e6

    @property
    def flow_bcm_yr(self) -> float:
        return self.flow_mcm_d * YEAR_DAYS / 1e3

    @property
    def compressor_power_kw(self) -> float:
        return float(sum(s["power_kw"] for s in self.stations))

    @property
    def assumptions(self) -> list[str]:
        return [k for k, s in self.sources.items() if s.lower().startswith("assumption")]

    def summary(self) -> dict:
        """Plain data (no table) for reports and JSON."""
        return {
            "name": self.name, "equation": self.equation, "flow_sm3_s": self.flow_sm3_s,
            "flow_mcm_d": self.flow_mcm_d, "flow_bcm_yr": self.flow_bcm_yr, "p_in_bara": self.p_in_bara,
            "p_out_bara": self.p_out_bara, "min_p_bara": float(self.table["p_bara"].min()),
            "reynolds": self.reynolds, "friction_factor": self.friction_factor,
            "max_velocity_m_s": float(self.table["velocity_m_s"].max()),
            "compressor_power_kw": self.compressor_power_kw, "stations": self.stations,
            "z_in_range": self.z_in_range, "sources": self.sources, "assumptions": self.assumptions, "note": self.note,
        }


@dataclass(frozen=True)
class _Gas:
    """Resolved properties (SI) of a gas line."""

    name: str
    equation: str
    d: float
    eps: float
    e: float
    sg: float
    t: float
    mu: float
    z: float | None
    z_method: str
    tb: float
    pb: float
    p_min: float
    k: float

    def z_of(self, p1: float, p2: float) -> tuple[float, bool]:
        if self.z is not None:
            return self.z, True
        r = compressibility(float(average_pressure(p1, p2)), self.t, self.sg, self.z_method)
        return r.z, r.in_range

    def mass_flow(self, q: float) -> float:
        return q * self.pb * self.sg / (R_AIR * self.tb)

    def reynolds(self, q: float) -> float:
        return 4.0 * self.mass_flow(q) / (math.pi * self.d * self.mu)

    def friction(self, q: float) -> float:
        if self.equation == "aga":
            return float(aga_fully_turbulent(self.eps / self.d))
        return float(colebrook(self.reynolds(q), self.eps / self.d))

    def drop_term(self, q: float, length_m: float, dh: float, z: float, f: float) -> tuple[float, float]:
        """(P1² − e^s P2²) needed to pass ``q`` over ``length_m`` rising ``dh``, and e^s (SI, Pa²)."""
        s = 2.0 * G_ACC * self.sg * dh / (R_AIR * self.t * z)
        le = length_m * (math.expm1(s) / s if abs(s) > 1e-12 else 1.0)
        if self.equation in ("isothermal", "aga"):
            k = (math.pi / 4.0) * (self.tb / self.pb) * self.e
            x = q * q * f * le * self.sg * self.t * z / (k * k * self.d**5 * R_AIR)
        else:
            c, a, g, b, dexp = _EMPIRICAL[self.equation]
            q_scfd = q * DAY_S / FT**3
            lead = c * self.e * (self.tb * 1.8 / (self.pb / PSI)) ** a * (self.d / INCH) ** dexp
            x = (q_scfd / lead) ** (1.0 / b) * self.sg**g * (self.t * 1.8) * (le / MILE) * z * PSI**2
        return x, math.exp(s)

    def segment(self, p1: float, q: float, length_m: float, dh: float, f: float) -> tuple[float, float, bool] | None:
        """Outlet pressure, Z and Z-in-range of one segment; None if the pressure would fall to zero.

        Fixed-point iteration on Z (from the segment's mean pressure) and, for ``isothermal``, on the
        kinetic-energy term 2 ln(P1/P2) D/(f L) of the full isothermal equation.
        """
        z, ok = self.z_of(p1, p1)
        p2 = p1
        for _ in range(200):
            x, es = self.drop_term(q, length_m, dh, z, f)
            if self.equation == "isothermal" and length_m > 0:
                x *= 1.0 + 2.0 * self.d * math.log(p1 / p2) / (f * length_m)
            p2sq = (p1 * p1 - x) / es
            if p2sq <= 0.0:
                return None
            p2_new = math.sqrt(p2sq)
            z, ok = self.z_of(p1, p2_new)
            done = abs(p2_new - p2) <= 1e-11 * p1
            p2 = p2_new
            if done:
                break
        return p2, z, ok


def _resolve(line: GasLine) -> tuple[_Gas, Inputs]:
    inp = Inputs("gas")
    eq = line.equation
    e_key = "efficiency_friction" if eq in ("isothermal", "aga") else "efficiency_empirical"
    z_method = inp.get("z_method", line.z_method) if line.z is None else "fixed"
    if line.z is not None:
        inp.note("z", "given")
    g = _Gas(
        name=line.name, equation=eq, d=line.diameter_m,
        eps=inp.get("roughness_mm", line.roughness_mm) / 1e3 if eq in ("isothermal", "aga") else 0.0,
        e=inp.get("efficiency", line.efficiency, key=e_key),
        sg=inp.get("specific_gravity", line.specific_gravity),
        t=inp.get("temperature_k", line.temperature_k),
        mu=inp.get("viscosity_pa_s", line.viscosity_pa_s) if eq == "isothermal" else 1e-5,
        z=line.z, z_method=z_method,
        tb=inp.get("base_temperature_k", line.base_temperature_k),
        pb=inp.get("base_pressure_pa", line.base_pressure_pa),
        p_min=(line.min_pressure_bara or 0.0) * BAR,
        k=inp.get("heat_capacity_ratio", line.heat_capacity_ratio) if line.compressors else 1.3,
    )
    return g, inp


def _compressor_power_w(g: _Gas, q: float, p_s: float, p_d: float, z_s: float, eta: float) -> float:
    """Adiabatic compression power ṁ k/(k−1) Z R T [r^((k−1)/k) − 1] / η (Menon ch. 10), suction at T."""
    r_gas = R_AIR / g.sg
    m = (g.k - 1.0) / g.k
    return g.mass_flow(q) / m * z_s * r_gas * g.t * ((p_d / p_s) ** m - 1.0) / eta


def _march(line: GasLine, g: _Gas, inp: Inputs, q: float, p_in: float, *, strict: bool):
    """March the line at flow ``q`` (Sm³/s) from ``p_in`` (Pa). Non-strict: return None when infeasible."""
    floor = max(g.p_min, 0.0)
    what = f"the minimum {g.p_min / BAR:g} bar(a)" if g.p_min > 0 else "zero absolute pressure"
    if p_in <= floor:
        if strict:
            raise PhysicsError(f"{line.name}: inlet pressure {p_in / BAR:g} bar(a) is at or below {what}")
        return None
    km, elev = line.grid()
    f = g.friction(q) if g.equation in ("isothermal", "aga") else float("nan")
    comp = {c.km: c for c in line.compressors}
    p = np.empty(km.size)
    zs = np.empty(km.size)
    p[0] = p_in
    zs[0] = g.z_of(p_in, p_in)[0]
    z_ok = True
    stations = []
    for i in range(1, km.size):
        p1 = p[i - 1]
        if km[i - 1] in comp:
            c = comp[km[i - 1]]
            p_d = c.discharge_bara * BAR if c.discharge_bara is not None else p1 * c.ratio
            eta = c.efficiency if c.efficiency is not None else inp.get("compressor_efficiency")
            power = _compressor_power_w(g, q, p1, p_d, zs[i - 1], eta) if p_d > p1 else 0.0
            stations.append({"km": float(km[i - 1]), "suction_bara": float(p1 / BAR),
                             "discharge_bara": float(max(p_d, p1) / BAR),
                             "ratio": float(max(p_d, p1) / p1), "power_kw": float(power / 1e3),
                             "bypassed": bool(p_d <= p1)})
            p1 = max(p_d, p1)
        seg = g.segment(p1, q, (km[i] - km[i - 1]) * 1e3, elev[i] - elev[i - 1], f)
        if seg is None or seg[0] <= floor:
            if not strict:
                return None
            at = _crossing_km(g, p1, q, f, km[i - 1], km[i], elev[i - 1], elev[i], floor)
            raise PhysicsError(
                f"{line.name}: at {q:.4g} Sm3/s ({q * DAY_S / 1e6:.3g} mcm/d) the pressure falls to {what} "
                f"at km {at:.2f} of {line.length_km:g} (flow too high for the inlet pressure, or add compression)")
        p[i], zs[i], ok = seg
        z_ok = z_ok and ok
    r_gas = R_AIR / g.sg
    vel = g.mass_flow(q) * zs * r_gas * g.t / p / (math.pi * g.d**2 / 4.0)
    table = pd.DataFrame({"km": km, "elevation_m": elev, "p_bara": p / BAR, "z": zs, "velocity_m_s": vel})
    re = g.reynolds(q) if g.equation == "isothermal" else float("nan")
    return GasProfile(line.name, g.equation, q, p_in / BAR, float(p[-1] / BAR), re, f, table, stations, z_ok,
                      dict(inp.sources))


def _crossing_km(g: _Gas, p1, q, f, k0, k1, e0, e1, floor) -> float:
    """Chainage where the pressure reaches ``floor`` inside the segment k0..k1 (km)."""

    def h(x):
        seg = g.segment(p1, q, x * 1e3, (e1 - e0) * x / (k1 - k0), f)
        return (seg[0] if seg else 0.0) - floor - 1e-9

    if h(k1 - k0) > 0:  # pragma: no cover - only called when the segment end fails
        return float(k1)
    return float(k0 + brentq(h, 0.0, k1 - k0, xtol=1e-6))


def gas_profile(line: GasLine, flow_sm3_s: float, p_in_bara: float) -> GasProfile:
    """Pressure along ``line`` at ``flow_sm3_s`` (standard m³/s at the base conditions) from ``p_in_bara``.

    Raises
    ------
    PhysicsError
        If the pressure would reach zero or ``line.min_pressure_bara`` anywhere (the chainage is named).
    """
    if flow_sm3_s <= 0:
        raise PhysicsError(f"{line.name}: flow must be > 0 Sm3/s (got {flow_sm3_s})")
    g, inp = _resolve(line)
    return _march(line, g, inp, float(flow_sm3_s), float(p_in_bara) * BAR, strict=True)


def gas_capacity(line: GasLine, p_in_bara: float, p_out_bara: float) -> GasProfile:
    """Largest flow delivered at ``p_out_bara`` from ``p_in_bara`` (brentq on the marched outlet pressure)."""
    if p_out_bara <= 0:
        raise PhysicsError(f"{line.name}: outlet pressure must be > 0 bar(a) (got {p_out_bara})")
    g, inp = _resolve(line)
    p_in = float(p_in_bara) * BAR
    return capacity_search(line.name, lambda q, strict: _march(line, g, inp, q, p_in, strict=strict), p_in_bara,
                           p_out_bara, q_first=1.0)

