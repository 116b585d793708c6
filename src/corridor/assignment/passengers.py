"""Passengers: their own class (unit: passengers per year), assigned apart from freight.

A passenger table is ``origin, destination, [modes,] pax_per_yr, [low, high,] source`` (class ``passengers`` of
``routing/data/cargo_classes.yaml``: rail, road and transfers; value of time and fares per km). Passengers are
assigned **all-or-nothing on the least generalised-cost route**, at the link times of the freight equilibrium of
the same scenario and year when one is given (free-flow times otherwise), and do **not** load the freight
capacities: the network's capacities are freight capacities (tonnes per year), and passenger trains, coaches and
cars are taken to run on their own paths and lanes (assumption). What passengers give is their count on each link
and border crossing, beside the freight tonnes.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from corridor._errors import NoRouteError, NotFoundError
from corridor.assignment.freight import read_demand
from corridor.network.model import Network
from corridor.routing import RouteOptions, get_class, shortest_path

CLASS = "passengers"
#: bundled passenger tables by year
BUNDLED: dict[int, str] = {2024: "passenger_demand.csv", 2030: "passenger_demand_2030.csv"}


def read_passengers(path: str | Path) -> pd.DataFrame:
    """Read a passenger table; errors name the file, line and field."""
    return read_demand(path, unit=get_class(CLASS).unit, value_column="pax_per_yr", cargo=CLASS)


def bundled_passengers(year: int = 2024) -> pd.DataFrame:
    if year not in BUNDLED:
        raise NotFoundError(f"no bundled passenger demand for {year}; bundled: {', '.join(map(str, BUNDLED))}")
    return read_passengers(Path(str(resources.files("corridor.assignment") / "data" / BUNDLED[year])))


@dataclass(frozen=True, eq=False)
class PassengerFlows:
    """Passengers per year on each link (both directions) and each row's route."""

    links: pd.Series  # pax/yr by link id
    rows: pd.DataFrame  # the demand rows with route_links (';'), time_h, cost_usd; served

    @property
    def unserved(self) -> pd.DataFrame:
        return self.rows[~self.rows["served"]]


def congested_times(net: Network, links: pd.DataFrame) -> np.ndarray:
    """Time of each arc of ``net`` from an equilibrium's link table (``link_id, from_node_id, time_h``; e.g.
    :attr:`CorridorAssignment.links`); NaN where the table has no such direction."""
    key = pd.Series(links["time_h"].to_numpy(dtype=float),
                    index=pd.MultiIndex.from_arrays([links["link_id"], links["from_node_id"]]))
    key = key[~key.index.duplicated()]
    ids = net.links["link_id"].to_numpy(dtype=object)[net.arc_link]
    tails = net.nodes["node_id"].to_numpy(dtype=object)[net.arc_tail]
    return key.reindex(pd.MultiIndex.from_arrays([ids, tails])).to_numpy(dtype=float)


def assign_passengers(net: Network, demand: pd.DataFrame, *, arc_time_h: np.ndarray | None = None) -> PassengerFlows:
    """All-or-nothing at generalised cost on ``net`` (a scenario applied), at ``arc_time_h`` (e.g.
    :func:`congested_times`) or free-flow times; see the module docstring."""
    cls = get_class(CLASS)
    flows: dict[str, float] = {}
    routes, times, costs, served = [], [], [], []
    for rec in demand.itertuples():
        avoid = set(cls.modes) - set(rec.modes) if rec.modes else set()
        try:
            r = shortest_path(net, rec.origin, rec.destination, arc_time_h=arc_time_h,
                              options=RouteOptions.make(cargo=CLASS, avoid_modes=avoid))
        except NoRouteError:
            routes.append("")
            times.append(float("nan"))
            costs.append(float("nan"))
            served.append(False)
            continue
        ids = r.legs["link_id"].astype(str).tolist()
        for lid in ids:
            flows[lid] = flows.get(lid, 0.0) + float(rec.pax_per_yr)
        routes.append(";".join(ids))
        times.append(r.time_h)
        costs.append(r.cost_usd)
        served.append(True)
    rows = demand.assign(route_links=routes, time_h=times, cost_usd=costs, served=served)
    return PassengerFlows(pd.Series(flows, dtype=float, name="pax_per_yr"), rows)
