"""Ranged link figures in a draw, applied to the prepared problems without rebuilding them.

A :class:`LinkRange` is one uncertain figure (e.g. the border time of several crossings) and the ``(link_id,
field)`` places that take it; links naming one range share its draw. Fields: ``fixed_time_h`` (added to the
arcs' free-flow time), ``free_speed_kmh`` (free-flow time ``length / speed``), ``capacity`` (scaled) and
``toll_usd`` (a money cost: each class's fixed cost in hours, and the toll transfer). The network's value of each
place must be the figure's central value (as the data's own check requires), so a draw changes the arrays by
``value - central``.

The trade case's route times move with the same draws, first order: each route keeps its links (route choice is
not redone per draw) and its time and money change by the drawn deltas on those links.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np

from corridor._errors import Problem, ValidationError
from corridor.assignment.corridor import FreightProblem
from corridor.sourced import Sourced

FIELDS = ("fixed_time_h", "free_speed_kmh", "capacity", "toll_usd")


@dataclass(frozen=True)
class LinkRange:
    figure: Sourced
    targets: tuple[tuple[str, str], ...]  # (link_id, field)


@dataclass(frozen=True)
class ArcTargets:
    """For one problem and one range: the arcs (CSR order) each field applies to, and their lengths (km)."""

    by_field: dict[str, np.ndarray]


def arc_targets(fp: FreightProblem, ranges: Mapping[str, LinkRange]) -> dict[str, ArcTargets]:
    """Where each range acts in one prepared problem (links absent from it are ignored)."""
    index = fp.network.link_index
    p = fp.problem
    out = {}
    for name, r in ranges.items():
        by_field: dict[str, list[int]] = {}
        for lid, f in r.targets:
            if f not in FIELDS:
                raise ValidationError([Problem(f"field {f!r} cannot take a range; expected one of {list(FIELDS)}",
                                               field=f"{name}.{lid}")])
            if lid in index:
                by_field.setdefault(f, []).append(int(index[lid]))
        out[name] = ArcTargets({f: np.flatnonzero(np.isin(p.arc_link, rows)) for f, rows in by_field.items()})
    return out


def apply_draw(fp: FreightProblem, targets: Mapping[str, ArcTargets], ranges: Mapping[str, LinkRange],
               values: Mapping[str, float], tolls: np.ndarray) -> tuple[FreightProblem, np.ndarray]:
    """The problem (and arc tolls) with the drawn link figures; the prepared arrays are not changed."""
    if not values:
        return fp, tolls
    p = fp.problem
    fft, cap, toll = p.free_flow_time.copy(), p.capacity.copy(), tolls.copy()
    dtoll = np.zeros(p.n_arcs)
    for name, v in values.items():
        c = float(ranges[name].figure.value)  # type: ignore[arg-type]
        for f, arcs in targets[name].by_field.items():
            if f == "fixed_time_h":
                fft[arcs] += v - c
            elif f == "free_speed_kmh":
                fft[arcs] += p.length[arcs] / v - p.length[arcs] / c
            elif f == "capacity":
                cap[arcs] *= v / c
            else:
                dtoll[arcs] += v - c
    classes = p.classes
    if dtoll.any():
        toll += dtoll
        classes = tuple(replace(k, fixed_cost=(k.fixed_cost if k.fixed_cost is not None else 0.0)
                                + dtoll / float(fp.value_of_time[i]))
                        for i, k in enumerate(p.classes))
    out = replace(fp, problem=p.derive(free_flow_time=fft, capacity=cap, classes=classes))
    if "demand_rows" in fp.__dict__:  # the same demand rows: keep their arrays (FreightProblem.demand_rows)
        out.__dict__["demand_rows"] = fp.demand_rows
    return out, toll


@dataclass(frozen=True)
class RouteSensitivity:
    """How fixed routes' time and money move with the ranges (rows: routes, columns: ranges, in ``names``)."""

    names: tuple[str, ...]
    fixed_h: np.ndarray  # links of the route taking the range as fixed_time_h (count)
    speed_km: np.ndarray  # km of the route's links taking the range as free_speed_kmh
    toll: np.ndarray  # links of the route taking the range as toll_usd (count)

    def deltas(self, ranges: Mapping[str, LinkRange], values: Mapping[str, float]) -> tuple[np.ndarray, np.ndarray]:
        """Change of each route's time (h) and money (USD/t) under the drawn figures."""
        if not self.names:
            n = self.fixed_h.shape[0]
            return np.zeros(n), np.zeros(n)
        c = np.array([float(ranges[k].figure.value) for k in self.names])  # type: ignore[arg-type]
        v = np.array([float(values.get(k, ranges[k].figure.value)) for k in self.names])  # type: ignore[arg-type]
        return self.fixed_h @ (v - c) + self.speed_km @ (1 / v - 1 / c), self.toll @ (v - c)


def route_sensitivity(routes: list[list[str]], lengths_km: Mapping[str, float],
                      ranges: Mapping[str, LinkRange]) -> RouteSensitivity:
    """The sensitivity matrices of fixed routes (each a list of link ids) to the ranges."""
    names = tuple(ranges)
    mats = {f: np.zeros((len(routes), len(names))) for f in ("fixed_time_h", "free_speed_kmh", "toll_usd")}
    for j, name in enumerate(names):
        for lid, f in ranges[name].targets:
            if f not in mats:
                continue
            for i, links in enumerate(routes):
                n = links.count(lid)
                if n:
                    mats[f][i, j] += n * (lengths_km[lid] if f == "free_speed_kmh" else 1.0)
    return RouteSensitivity(names, mats["fixed_time_h"], mats["free_speed_kmh"], mats["toll_usd"])


def bundled_link_ranges() -> dict[str, LinkRange]:
    """The bundled network's ranged link figures (``network/data/region/link_figures.yaml``) as link ranges."""
    from corridor.network.figures import bundled_figures

    figures = bundled_figures()
    out = {}
    for name, s in figures.ranges.items():
        if not s.has_range:
            continue
        targets = tuple((lid, f) for lid, fields in figures.links.items() for f, n in fields.items() if n == name)
        out[name] = LinkRange(s, targets)
    return out
