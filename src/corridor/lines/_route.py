"""Shared geometry of a pipeline: chainage/elevation profile, stations, and the march grid."""

from __future__ import annotations

import itertools

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator


class ProfilePoint(BaseModel):
    """A point of the line's elevation profile: chainage from the inlet (km) and elevation (m)."""

    model_config = ConfigDict(extra="forbid")
    km: float = Field(ge=0)
    elevation_m: float


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
