"""What the model runs: movements per year by facility and direction, from the corridor assignment's link flows
(:func:`traffic_from_assignment`) or replayed from the transit service's database (:func:`replay_traffic`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd

from corridor._errors import NotFoundError, ValidationError
from corridor.simulation.config import Operations

DIRECTIONS = ("westbound", "eastbound")


@dataclass(frozen=True)
class Movement:
    """One replayed declaration: when it was lodged (hours from the first), what it is, and the officer's time
    from assessment to release split into the documentary check and, when it was held, the inspection."""

    at_h: float
    mode: str
    direction: str
    channel: str
    check_h: float
    inspection_h: float = 0.0

    @property
    def service(self) -> tuple[float, float]:
        return self.check_h, self.inspection_h


@dataclass(frozen=True)
class Traffic:
    """Movements per year: ``segments[(mode, direction)]`` (trains or trucks, loaded and empty), ``gauge[station]``
    (trains), ``ferries[route][port node]`` (wagons leaving that port). ``replay`` replaces the segments' random
    arrivals with recorded ones."""

    year: int
    segments: dict[tuple[str, str], float] = field(default_factory=dict)
    loaded: dict[tuple[str, str], float] = field(default_factory=dict)  # of ``segments``, the loaded ones
    gauge: dict[str, float] = field(default_factory=dict)
    ferries: dict[str, dict[str, float]] = field(default_factory=dict)
    tonnes: dict[str, float] = field(default_factory=dict)  # facility key → tonnes per year (for reports)
    source: str = ""
    replay: tuple[Movement, ...] = ()

    def scaled(self, factor: float) -> Traffic:
        """Every volume × ``factor`` (sensitivity runs)."""
        return Traffic(self.year, {k: v * factor for k, v in self.segments.items()},
                       {k: v * factor for k, v in self.loaded.items()},
                       {k: v * factor for k, v in self.gauge.items()},
                       {r: {p: v * factor for p, v in d.items()} for r, d in self.ferries.items()},
                       {k: v * factor for k, v in self.tonnes.items()}, f"{self.source} × {factor:g}", self.replay)


def unit_tonnes() -> dict[str, float]:
    """Net tonnes per train (lines defaults) and per truck (freight assumptions): one source each."""
    from corridor.assignment.freight import bundled_assumptions
    from corridor.lines._inputs import param

    return {"rail": float(param("rail", "net_t_per_train").value),
            "road": float(bundled_assumptions().truck_payload_t.value)}


def _link_flows(links: pd.DataFrame, link_id: str) -> pd.DataFrame:
    rows = links[links["link_id"] == link_id]
    if rows.empty:
        raise NotFoundError(f"link {link_id!r} is not in the assignment's network (operations data names it)")
    return rows


def traffic_from_link_flows(links: pd.DataFrame, ops: Operations, *, year: int, source: str = "") -> Traffic:
    """Traffic from a link-flow table (columns link_id, from_node_id, flow_t in tonnes per year per direction),
    e.g. :attr:`corridor.assignment.corridor.CorridorAssignment.links`."""
    per_unit = unit_tonnes()
    segments, loaded, tonnes = {}, {}, {}
    for mode, seg in ops.segments.items():
        rows = _link_flows(links, seg.link)
        west = float(rows.loc[rows["from_node_id"] == seg.east_node, "flow_t"].sum())
        east = float(rows.loc[rows["from_node_id"] != seg.east_node, "flow_t"].sum())
        w, e = west / per_unit[mode], east / per_unit[mode]
        loaded[(mode, "westbound")], loaded[(mode, "eastbound")] = w, e
        if seg.empty_return is not None and seg.empty_return.value:
            w = e = max(w, e)
        segments[(mode, "westbound")], segments[(mode, "eastbound")] = w, e
        tonnes[f"segment:{mode}"] = west + east
    gauge = {}
    for key, st in ops.gauge_stations.items():
        t = float(_link_flows(links, st.link)["flow_t"].sum())
        gauge[key] = t / per_unit["rail"]
        tonnes[f"gauge:{key}"] = t
    ferries = {}
    for key, f in ops.ferries.items():
        rows = _link_flows(links, f.link)
        ferries[key] = {str(r.from_node_id): float(r.flow_t) / f.t_per_wagon.value for r in rows.itertuples()}
        tonnes[f"ferry:{key}"] = float(rows["flow_t"].sum())
    return Traffic(year, segments, loaded, gauge, ferries, tonnes, source)


def traffic_from_assignment(assignment, ops: Operations, *, year: int) -> Traffic:
    """Traffic from a :class:`~corridor.assignment.corridor.CorridorAssignment`."""
    return traffic_from_link_flows(assignment.links, ops, year=year,
                                   source=f"assignment: {assignment.scenario}, {year} demand")


def default_scenario() -> str:
    """The bundled corridor spec's first project case (the scenario name lives in the spec, not here)."""
    from corridor.study import default_spec

    return default_spec().default_case


def assign_for_simulation(scenario: str | None = None, *, year: int = 2030, network=None, gap: float = 1e-4):
    """Assign the bundled freight demand of ``year`` on the bundled region (or ``network``) with ``scenario``
    (default: the bundled spec's project case)."""
    scenario = scenario or default_scenario()
    from corridor.assignment.corridor import assign_corridor
    from corridor.assignment.freight import bundled_demand_path, read_demand
    from corridor.network import load_network

    net = network if network is not None else load_network()
    from corridor.study import default_spec

    return assign_corridor(net, scenario, read_demand(bundled_demand_path(year)), gap=gap,
                           families=default_spec().route_families)


def corridor_traffic(scenario: str | None = None, *, year: int = 2030, ops: Operations | None = None,
                     network=None) -> Traffic:
    """The corridor's traffic at ``year`` volumes: bundled demand assigned on the scenario (see above)."""
    scenario = scenario or default_scenario()
    from corridor.simulation.config import bundled_operations

    ops = ops or bundled_operations()
    return traffic_from_assignment(assign_for_simulation(scenario, year=year, network=network), ops, year=year)


def replay_traffic(database_url: str, *, year: int = 2030) -> Traffic:
    """Recorded movements of the transit service's database: lodging times, channels and the officer's time from
    assessment to release (inspection included). Declarations never assessed or never released are left out."""
    from sqlalchemy import select

    from corridor.transit.db import make_engine, session_factory
    from corridor.transit.models import Declaration, Inspection
    from corridor.transit.traffic import DOCUMENT_CHECK_MIN

    engine = make_engine(database_url, pool_size=1)
    try:
        with session_factory(engine)() as s:
            rows = s.execute(select(Declaration.id, Declaration.submitted_at, Declaration.mode,
                                    Declaration.direction, Declaration.channel, Declaration.assessed_at,
                                    Declaration.released_at)
                             .where(Declaration.channel.is_not(None), Declaration.released_at.is_not(None))
                             .order_by(Declaration.submitted_at)).all()
            inspected = set(s.execute(select(Inspection.declaration_id)).scalars())
    finally:
        engine.dispose()
    if not rows:
        raise ValidationError(f"{database_url}: no assessed and released declarations to replay")
    t0: datetime = rows[0][1]
    check = sum(DOCUMENT_CHECK_MIN) / 2 / 60  # the demo's mean check; the rest of a held one's time is inspection
    moves = []
    for did, sub, mode, direction, channel, ass, rel in rows:
        total = max((rel - ass).total_seconds() / 3600, 0.0)
        held = did in inspected
        moves.append(Movement((sub - t0).total_seconds() / 3600, mode, direction, channel,
                              min(total, check) if held else total, max(total - check, 0.0) if held else 0.0))
    moves = tuple(moves)
    span_days = max(moves[-1].at_h / 24, 1 / 24)
    per_year = {(m, d): sum(1 for x in moves if x.mode == m and x.direction == d) * 365 / span_days
                for m in ("rail", "road") for d in DIRECTIONS}
    return Traffic(year, per_year, per_year, source=f"replay of {len(moves)} declarations over {span_days:.2f} days",
                   replay=moves)


def replay_days(traffic: Traffic) -> int:
    """Days the replayed movements span (at least one)."""
    if not traffic.replay:
        return 0
    return max(1, int(np.ceil(traffic.replay[-1].at_h / 24 + 1e-9)))
