"""Compare two scenarios over a list of OD pairs, with and without avoiding countries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from corridor._errors import NoRouteError
from corridor.network.model import Network
from corridor.routing import Route, RouteOptions, resolve_place, shortest_path
from corridor.scenario.apply import apply_scenario
from corridor.scenario.families import RouteFamilies
from corridor.scenario.model import Scenario, load_scenario


@dataclass
class Comparison:
    """Routes for each OD pair and constraint in two scenarios; ``table`` has one row per pair and constraint."""

    before: str
    after: str
    cargo: str
    table: pd.DataFrame
    routes: dict[tuple[str, str, str, str], Route | None] = field(repr=False)

    def newly_possible(self) -> pd.DataFrame:
        t = self.table
        return t[t["newly_possible"]]

    def to_dict(self) -> dict:
        return {
            "before": self.before, "after": self.after, "cargo": self.cargo,
            "pairs": self.table.replace({np.nan: None}).to_dict(orient="records"),
            "newly_possible": self.newly_possible()[["origin", "destination", "constraint"]].to_dict(
                orient="records"),
        }


@dataclass(frozen=True)
class Constraint:
    """A routing constraint to compare under: countries and modes to avoid."""

    avoid_countries: tuple[str, ...] = ()
    avoid_modes: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        parts = []
        if self.avoid_modes:
            parts.append(f"no {','.join(self.avoid_modes)}")
        if self.avoid_countries:
            parts.append(f"avoid {','.join(self.avoid_countries)}")
        return ", ".join(parts) or "any"


#: Default constraints: any route; avoiding Iran and Russia; and by rail (rail ferries allowed) avoiding them.
DEFAULT_CONSTRAINTS = (Constraint(), Constraint(("IR", "RU")), Constraint(("IR", "RU"), ("road",)))


def compare_scenarios(
    net: Network,
    before: Scenario | str,
    after: Scenario | str,
    *,
    od_pairs: Sequence[tuple[str, str]] | None = None,
    cargo: str = "container",
    constraints: Sequence[Constraint] = DEFAULT_CONSTRAINTS,
    families: RouteFamilies | None = None,
) -> Comparison:
    """Route every OD pair in both scenarios under each :class:`Constraint`.

    OD pairs default to the ``after`` scenario's list (then the ``before`` one's); routes are labelled by
    ``families`` (default: no project, no country or mode rules: every route is "direct").
    """
    families = families or RouteFamilies()
    sa, sb = load_scenario(before), load_scenario(after)
    na, nb = apply_scenario(net, sa), apply_scenario(net, sb)
    pairs = list(od_pairs or sb.od_pairs or sa.od_pairs)
    rows, routes = [], {}
    name = dict(zip(net.places["place"], net.places["name"], strict=True))
    for o_raw, d_raw in pairs:
        o, d = resolve_place(net, o_raw), resolve_place(net, d_raw)
        for con in constraints:
            label = con.label
            row: dict = {"origin": name[o], "destination": name[d], "origin_id": o, "destination_id": d,
                         "constraint": label}
            for tag, scen, sn in (("before", na, sa.name), ("after", nb, sb.name)):
                try:
                    r = shortest_path(scen, o, d, options=RouteOptions.make(
                        cargo=cargo, avoid_countries=con.avoid_countries, avoid_modes=con.avoid_modes))
                except NoRouteError:
                    r = None
                routes[(sn, o, d, label)] = r
                row[f"{tag}_possible"] = r is not None
                row[f"{tag}_distance_km"] = r.distance_km if r else np.nan
                row[f"{tag}_time_h"] = r.time_h if r else np.nan
                row[f"{tag}_cost_usd"] = r.cost_usd if r else np.nan
                row[f"{tag}_borders"] = len(r.border_crossings) if r else np.nan
                row[f"{tag}_countries"] = "-".join(r.countries) if r else ""
                row[f"{tag}_family"] = families.of_route(r) if r else ""
            for q in ("distance_km", "time_h", "cost_usd"):
                row[f"delta_{q}"] = row[f"after_{q}"] - row[f"before_{q}"]
            row["newly_possible"] = (not row["before_possible"]) and row["after_possible"]
            rows.append(row)
    return Comparison(sa.name, sb.name, cargo, pd.DataFrame(rows), routes)
