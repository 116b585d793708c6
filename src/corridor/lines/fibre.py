"""Fibre-optic lines: latency along a route, its physical floor, and capacity per fibre pair.

Light in fibre travels at c/n_g (group index n_g ≈ 1.468 → 4.90 µs/km, anchors §5). The floor between two
places is the great-circle distance (spherical Earth, IUGG mean radius 6371.0088 km) at that speed; a real
route is longer (cable follows roads, rail and sea floor) and adds equipment latency.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from corridor._errors import ValidationError
from corridor.lines._inputs import Inputs

EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius R1
BANDS = {"C": "c_band_tbps", "C+L": "c_l_band_tbps"}


def us_per_km(group_index: float | None = None) -> float:
    """One-way propagation delay of fibre in µs per km (default group index from the sourced defaults)."""
    inp = Inputs("fibre")
    n = inp.get("group_index", group_index)
    return n / inp.get("speed_of_light_km_s") * 1e6


def great_circle_km(lon1, lat1, lon2, lat2):
    """Great-circle distance (km) on the mean-radius sphere (haversine); vectorised over numpy arrays."""
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(a, float)) for a in (lon1, lat1, lon2, lat2))
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    d = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    return float(d) if d.ndim == 0 else d


def path_km(waypoints: Sequence[Sequence[float]]) -> float:
    """Length of a polyline of (lon, lat) waypoints along great circles (km)."""
    w = np.asarray(waypoints, float)
    if w.ndim != 2 or w.shape[1] != 2 or len(w) < 2:
        raise ValidationError("waypoints must be >= 2 (lon, lat) pairs")
    if np.any(np.abs(w[:, 1]) > 90) or np.any(np.abs(w[:, 0]) > 180):
        raise ValidationError("waypoints must be (lon, lat) in degrees: lon within ±180, lat within ±90")
    return float(np.sum(great_circle_km(w[:-1, 0], w[:-1, 1], w[1:, 0], w[1:, 1])))


@dataclass(frozen=True)
class Latency:
    """Latency of a fibre route."""

    length_km: float
    one_way_ms: float
    round_trip_ms: float
    equipment_us: float
    sources: dict[str, str] = field(default_factory=dict)


def latency(length_km, *, group_index: float | None = None, equipment_us: float | None = None) -> Latency:
    """One-way and round-trip latency of ``length_km`` of fibre (a number or the link lengths of a route).

    ``equipment_us`` is added once per direction (regenerators, switches along the route).
    """
    lengths = np.atleast_1d(np.asarray(length_km, float))
    if np.any(lengths < 0):
        raise ValidationError(f"fibre lengths must be >= 0 km (got {length_km})")
    inp = Inputs("fibre")
    n = inp.get("group_index", group_index)
    eq = inp.get("equipment_us", equipment_us, key="equipment_us_per_site")
    total = float(lengths.sum())
    one_way_us = total * n / inp.get("speed_of_light_km_s") * 1e6 + eq
    return Latency(total, one_way_us / 1e3, 2 * one_way_us / 1e3, eq, dict(inp.sources))


def floor_rtt_ms(origin: Sequence[float], destination: Sequence[float], *, group_index: float | None = None) -> float:
    """Physical floor of the round trip: great circle between (lon, lat) points at the speed of light in fibre."""
    d = great_circle_km(origin[0], origin[1], destination[0], destination[1])
    return latency(d, group_index=group_index, equipment_us=0.0).round_trip_ms


@dataclass(frozen=True)
class FibreCapacity:
    pairs: int
    band: str
    per_pair_tbps: float
    total_tbps: float
    sources: dict[str, str]


def capacity(pairs: int, *, band: str = "C", per_pair_tbps: float | None = None) -> FibreCapacity:
    """Capacity of ``pairs`` lit fibre pairs: per-pair capacity of the band (C or C+L) × pairs."""
    if band not in BANDS:
        raise ValidationError(f"band must be one of {sorted(BANDS)} (got {band!r})")
    if pairs < 0 or int(pairs) != pairs:
        raise ValidationError(f"pairs must be a whole number >= 0 (got {pairs})")
    inp = Inputs("fibre")
    per = inp.get("per_pair_tbps", per_pair_tbps, key=BANDS[band])
    return FibreCapacity(int(pairs), band, per, per * int(pairs), dict(inp.sources))


def compare_routes(routes: dict[str, float | Sequence[Sequence[float]]], origin: Sequence[float],
                   destination: Sequence[float], *, baseline: str | None = None, route_factor: float | None = None,
                   group_index: float | None = None, equipment_us: float | None = None) -> pd.DataFrame:
    """Latency of alternative routes between two (lon, lat) points against the physical floor.

    Each route is a fibre length in km (used as is) or a list of (lon, lat) waypoints (great-circle legs
    × ``route_factor``, the cable's detour over its waypoints). Columns: route, length_km, one_way_ms,
    rtt_ms, floor_rtt_ms, stretch (RTT / floor) and, with ``baseline``, gain_rtt_ms (baseline − route).
    """
    if not routes:
        raise ValidationError("no routes to compare")
    inp = Inputs("fibre")
    rf = inp.get("route_factor", route_factor)
    floor = floor_rtt_ms(origin, destination, group_index=group_index)
    rows = []
    for name, r in routes.items():
        length = float(r) if np.isscalar(r) else path_km(r) * rf
        lat = latency(length, group_index=group_index, equipment_us=equipment_us)
        rows.append({"route": name, "length_km": length, "one_way_ms": lat.one_way_ms, "rtt_ms": lat.round_trip_ms,
                     "floor_rtt_ms": floor, "stretch": lat.round_trip_ms / floor})
        inp.sources.update(lat.sources)
    df = pd.DataFrame(rows)
    if baseline is not None:
        if baseline not in routes:
            raise ValidationError(f"baseline {baseline!r} is not one of the routes {list(routes)}")
        df["gain_rtt_ms"] = float(df.loc[df["route"] == baseline, "rtt_ms"].iloc[0]) - df["rtt_ms"]
    df.attrs["sources"] = dict(inp.sources)
    return df
