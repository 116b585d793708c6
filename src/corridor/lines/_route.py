"""What gas and liquid lines share: chainage/elevation profile, stations, the march grid and the capacity search."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator
from scipy.optimize import brentq

from corridor._errors import PhysicsError
from corridor.lines._units import BAR


class ProfilePoint(BaseModel):
    """A point of the line's elevation profile: chainage from the inlet (km) and elevation (m)."""

    model_config = ConfigDict(extra="forbid")
    km: float = Field(ge=0)
    elevation_m: float


class Station(BaseModel):
    """A compressor or pump station at ``km``: it raises the pressure to ``discharge_bara`` or by its own boost
    (a compressor's ``ratio``, a pump's ``head_m``), exactly one of the two."""

    model_config = ConfigDict(extra="forbid")
    kind: ClassVar[str] = "station"
    boost: ClassVar[str] = ""
    km: float = Field(gt=0)
    discharge_bara: float | None = Field(default=None, gt=0)
    efficiency: float | None = Field(default=None, gt=0, le=1)

    @model_validator(mode="after")
    def _one_setting(self):
        if (self.discharge_bara is None) == (getattr(self, self.boost) is None):
            raise ValueError(f"{self.kind} at km {self.km}: give exactly one of discharge_bara or {self.boost}")
        return self


class LineGeometry(BaseModel):
    """Length and elevation profile; without a profile the line is flat."""

    model_config = ConfigDict(extra="forbid")
    name: str = "line"
    diameter_m: float = Field(gt=0, le=5, description="inner diameter (m)")
    length_km: float | None = Field(default=None, gt=0)
    profile: list[ProfilePoint] = Field(default_factory=list)
    max_step_km: float = Field(default=2.0, gt=0, description="longest march step of the profile (km)")

    @model_validator(mode="after")
    def _check_profile(self):
        if self.profile:
            kms = [p.km for p in self.profile]
            if len(kms) < 2 or kms[0] != 0 or any(b <= a for a, b in itertools.pairwise(kms)):
                raise ValueError("profile: need >= 2 points, the first at km 0, km strictly increasing")
            if self.length_km is not None and abs(self.length_km - kms[-1]) > 1e-9:
                raise ValueError(f"length_km {self.length_km} differs from the profile's last km {kms[-1]}")
            self.length_km = kms[-1]
        elif self.length_km is None:
            raise ValueError("give length_km or a profile")
        return self

    def stations_km(self) -> list[float]:
        return []

    @model_validator(mode="after")
    def _check_stations(self):
        for km in self.stations_km():
            if not 0 < km < self.length_km:
                raise ValueError(f"station at km {km} is not inside the line (0, {self.length_km})")
        return self

    def grid(self) -> tuple[np.ndarray, np.ndarray]:
        """Chainage (km) and elevation (m) of the march nodes: profile points, stations, max-step splits."""
        if self.profile:
            pk = np.array([p.km for p in self.profile])
            pe = np.array([p.elevation_m for p in self.profile])
        else:
            pk, pe = np.array([0.0, self.length_km]), np.zeros(2)
        knots = np.unique(np.concatenate([pk, self.stations_km()]))
        pieces = [np.linspace(a, b, max(1, int(np.ceil((b - a) / self.max_step_km))) + 1)[:-1]
                  for a, b in itertools.pairwise(knots)]
        km = np.concatenate([*pieces, knots[-1:]])
        return km, np.interp(km, pk, pe)


def limit_note(res, p_out_bara: float):
    """Say what limits a capacity when it is not the outlet pressure (a minimum reached upstream)."""
    if res.p_out_bara - p_out_bara > 1e-6 * p_out_bara:
        t = res.table
        i = int(t["p_bara"].to_numpy().argmin())
        res.note = (f"limited by the minimum pressure {t['p_bara'].iat[i]:.2f} bar(a) at km {t['km'].iat[i]:.1f} "
                    f"(outlet {res.p_out_bara:.2f} bar(a) > {p_out_bara:g} asked)")
    else:
        res.note = f"limited by the outlet pressure {p_out_bara:g} bar(a)"
    return res


def capacity_search(name: str, march: Callable, p_in_bara: float, p_out_bara: float, q_first: float):
    """Largest flow whose marched outlet pressure reaches ``p_out_bara`` from ``p_in_bara``: brackets it from
    ``q_first`` up, solves with brentq, and names what limits it. ``march(q, strict)`` returns the line's profile
    at flow ``q``, or None (``strict=False``) where the pressure falls below the minimum on the way."""
    p_out = float(p_out_bara) * BAR

    def h(q: float) -> float:
        r = march(q, False)
        return (r.p_out_bara * BAR if r else 0.0) - p_out

    q_lo = 1e-9
    if h(q_lo) <= 0:
        raise PhysicsError(f"{name}: even at zero flow the outlet pressure does not reach {p_out_bara:g} bar(a) "
                           f"from {p_in_bara:g} bar(a) (check elevation, minimum pressure and stations)")
    q_hi = q_first
    while h(q_hi) > 0:
        q_lo, q_hi = q_hi, q_hi * 4.0
        if q_hi > 1e7:  # pragma: no cover - would need a pipe kilometres wide
            raise PhysicsError(f"{name}: no finite capacity found")
    q = brentq(h, q_lo, q_hi, xtol=1e-12, rtol=1e-12)
    while march(q, False) is None:  # a root on a minimum-pressure edge: step inside
        q *= 1 - 1e-10
    return limit_note(march(q, True), p_out_bara)
