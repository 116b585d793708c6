"""Attribution: what each committed project and the project add, one after the other in the spec's order.

Steps: do-nothing → + committed project 1 → + project 2 … → + the project case. Each step's headline metrics
(generalised cost and time of the headline OD pair, the corridor's flows by route family, trade) and the change
from the step before. The changes add up to the project-minus-do-nothing total; the last step alone is the
project minus do-minimum (when the against scenario is the do-minimum).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from corridor._errors import NoRouteError
from corridor.assignment.corridor import CorridorAssignment
from corridor.network.model import Network
from corridor.routing import RouteOptions, resolve_place, shortest_path
from corridor.scenario import Constraint, Scenario, apply_scenario, compare_scenarios
from corridor.study.economics import trade_summary
from corridor.study.result import Attribution
from corridor.study.spec import CorridorSpec


def attribution(spec: CorridorSpec, net: Network, steps: list[tuple[str, Scenario]], year: int, cargo: str,
                assign: Callable[[Scenario, int], CorridorAssignment]) -> Attribution:
    """``assign(scenario, year)`` gives a step's freight equilibrium (the caller caches them)."""
    pair = spec.headline_pair
    rows, prev = [], None
    families = spec.route_families
    for label, sc in steps:
        row: dict = {"step": label, "scenario": sc.name}
        if pair is not None:
            applied = apply_scenario(net, sc)
            o, d = resolve_place(net, pair[0]), resolve_place(net, pair[1])
            try:
                r = shortest_path(applied, o, d, options=RouteOptions.make(cargo=cargo))
                row |= {"pair_cost_usd": r.cost_usd, "pair_h": r.time_h, "pair_km": r.distance_km,
                        "pair_route": families.of_route(r)}
            except NoRouteError:
                row |= {"pair_cost_usd": np.nan, "pair_h": np.nan, "pair_km": np.nan, "pair_route": "no route"}
        a = assign(sc, year)
        fam = dict(zip(a.families["family"], a.families["tonnes"], strict=True)) if a.families is not None else {}
        for f in families.names:
            row[f"{f}_t"] = fam.get(f, np.nan)
        row["unserved_t"] = a.summary["unserved_t"]
        if prev is None:
            row |= {"trade_low_usd": 0.0, "trade_central_usd": 0.0, "trade_high_usd": 0.0}
        else:
            c = compare_scenarios(net, prev, sc, cargo=cargo, constraints=(Constraint(),), families=families)
            tot = trade_summary(c, net)["totals_usd"]
            row |= {f"trade_{k}_usd": tot[k] for k in ("low", "central", "high")}
        rows.append(row)
        prev = sc
    table = pd.DataFrame(rows)
    for col in [c for c in table.columns if c.endswith(("_t", "_cost_usd", "_h", "_km"))]:
        table[f"delta_{col}"] = table[col].diff()
    return Attribution(tuple(label for label, _ in steps), year, tuple(pair) if pair else None, table)
