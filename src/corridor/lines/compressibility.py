"""Natural-gas compressibility factor Z from gas gravity, pressure and temperature.

Two explicit correlations (both as given in Menon, *Gas Pipeline Hydraulics*, 2005, ch. 1):

- **Papay (1968)**: Z = 1 − 3.52 Pr e^(−2.260 Tr) + 0.274 Pr² e^(−1.878 Tr), a fit to the Standing–Katz
  chart, with pseudo-critical properties from gas gravity by **Sutton (1985)**:
  Tpc = 169.2 + 349.5 G − 74.0 G² (°R), Ppc = 756.8 − 131.07 G − 3.6 G² (psia).
  Stated range here: 1.2 ≤ Tr ≤ 3.0 and 0.2 ≤ Pr ≤ 15 (outside it the result carries ``in_range=False``);
  for Pr above ~6 its error grows (several %), use a measured Z or AGA-8 for precise work.
- **CNGA** (California Natural Gas Association): Z = 1 / (1 + P_g·344400·10^(1.785 G) / T^3.825),
  P_g gauge psi, T °R; stated for average pressures above 100 psig.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from corridor.lines._units import PSI

ATM_PA = 101325.0
PAPAY_TR = (1.2, 3.0)
PAPAY_PR = (0.2, 15.0)
CNGA_MIN_PSIG = 100.0


@dataclass(frozen=True)
class ZResult:
    z: float
    method: str
    in_range: bool


def sutton_pseudo_critical(specific_gravity: float) -> tuple[float, float]:
    """Pseudo-critical temperature (K) and pressure (Pa) of a natural gas from its gravity (Sutton 1985)."""
    g = specific_gravity
    tpc_r = 169.2 + 349.5 * g - 74.0 * g * g
    ppc_psia = 756.8 - 131.07 * g - 3.6 * g * g
    return tpc_r / 1.8, ppc_psia * PSI


def average_pressure(p1_pa, p2_pa):
    """Mean pressure of a gas line segment, (2/3)(P1 + P2 − P1 P2/(P1 + P2))."""
    p1, p2 = np.asarray(p1_pa, float), np.asarray(p2_pa, float)
    return 2.0 / 3.0 * (p1 + p2 - p1 * p2 / (p1 + p2))


def z_papay(pressure_pa: float, temperature_k: float, specific_gravity: float) -> ZResult:
    tpc, ppc = sutton_pseudo_critical(specific_gravity)
    pr, tr = pressure_pa / ppc, temperature_k / tpc
    z = 1.0 - 3.52 * pr * np.exp(-2.260 * tr) + 0.274 * pr * pr * np.exp(-1.878 * tr)
    ok = PAPAY_TR[0] <= tr <= PAPAY_TR[1] and pr <= PAPAY_PR[1]
    return ZResult(float(z), "papay", bool(ok))


def z_cnga(pressure_pa: float, temperature_k: float, specific_gravity: float) -> ZResult:
    pg_psi = (pressure_pa - ATM_PA) / PSI
    t_r = temperature_k * 1.8
    z = 1.0 / (1.0 + max(pg_psi, 0.0) * 344400.0 * 10 ** (1.785 * specific_gravity) / t_r**3.825)
    return ZResult(float(z), "cnga", bool(pg_psi >= CNGA_MIN_PSIG))


def compressibility(pressure_pa: float, temperature_k: float, specific_gravity: float,
                    method: str = "papay") -> ZResult:
    """Z at ``pressure_pa`` (absolute) by ``method`` ("papay" or "cnga")."""
    if pressure_pa <= 0:
        raise ValueError(f"absolute pressure must be > 0 Pa (got {pressure_pa})")
    if method == "papay":
        return z_papay(pressure_pa, temperature_k, specific_gravity)
    if method == "cnga":
        return z_cnga(pressure_pa, temperature_k, specific_gravity)
    raise ValueError(f"unknown compressibility method {method!r}; expected 'papay' or 'cnga'")
