"""The study's base-year calibration: the spec's base-year demand fitted to its counts on the base-year network,
and every demand year scaled by the fitted row factors (:mod:`corridor.assignment.calibrate`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pandas as pd

from corridor.assignment.calibrate import Calibration, calibrate
from corridor.assignment.corridor import assign_corridor
from corridor.assignment.freight import bundled_assumptions, bundled_demand, read_demand
from corridor.assignment.screenlines import bundled_screenlines, read_screenlines
from corridor.network.model import Network
from corridor.simulation.config import operations_queues
from corridor.study.spec import CorridorSpec

#: relative duality gap of the calibration's equilibria
GAP = 1e-6


def demand_table(spec: CorridorSpec, year: int) -> pd.DataFrame:
    """The spec's demand table of ``year`` as given (not calibrated)."""
    d = spec.demand[year]
    return bundled_demand(year) if d.table == "bundled" else read_demand(spec.path(d.table))


def passenger_table(spec: CorridorSpec, year: int) -> pd.DataFrame | None:
    """The spec's passenger table of ``year`` (None: it has none)."""
    from corridor.assignment.passengers import bundled_passengers, read_passengers

    p = spec.demand[year].passengers
    if p is None:
        return None
    return bundled_passengers(year) if p == "bundled" else read_passengers(spec.path(p))


def calibrate_spec(spec: CorridorSpec, net: Network, *, counts: str | Path | None = None, year: int | None = None,
                   progress: Callable[[str], None] | None = None) -> Calibration:
    """Fit the spec's base-year demand to ``counts`` (a screenline CSV; default: the spec's, else bundled) on the
    base-year scenario of ``net``."""
    cfg = spec.calibration
    year = year if year is not None else (cfg.year if cfg else min(spec.demand))
    scenario = spec.scenario(cfg.scenario if cfg else "do-nothing")
    if counts is None and cfg is not None and cfg.counts != "bundled":
        counts = spec.path(cfg.counts)
    lines = bundled_screenlines() if counts is None else read_screenlines(counts)
    freight = bundled_assumptions()
    queues = operations_queues(net)  # the same facility queues as the study's assignments

    def assign(demand: pd.DataFrame):
        return assign_corridor(net, scenario, demand, gap=GAP, assumptions=freight, families=spec.route_families,
                               queue_overrides=queues)

    cal = calibrate(demand_table(spec, year), lines, assign, assumptions=freight,
                    counts_file=str(counts or "bundled screenlines"), progress=progress)
    pax = passenger_table(spec, year)
    if pax is None:
        return cal
    from corridor.assignment.passengers import assign_passengers, congested_times
    from corridor.scenario import apply_scenario

    applied = apply_scenario(net, scenario)
    flows = assign_passengers(applied, pax, arc_time_h=congested_times(applied, cal.assignment.links))
    borders = cal.borders.assign(passengers_per_yr=[
        float(flows.links.get(lid, 0.0)) if is_open else float("nan")
        for lid, is_open in zip(cal.borders["link_id"], cal.borders["open"], strict=True)])
    return replace(cal, borders=borders)


def apply_factors(demand: pd.DataFrame, cal: Calibration) -> pd.DataFrame:
    """``demand`` with each row times the calibration factor of the same (origin, destination, cargo, modes)
    (1 for rows the base year does not have); ``low``/``high`` scaled alike."""
    f = cal.factors
    f = f[~f.index.duplicated()]
    keys = pd.MultiIndex.from_arrays([demand["origin"], demand["destination"], demand["cargo"], demand["modes"]])
    factor = f.reindex(keys).fillna(1.0).to_numpy()
    out = demand.assign(tonnes_per_yr=demand["tonnes_per_yr"] * factor, low=demand["low"] * factor,
                        high=demand["high"] * factor, calibration_factor=factor)
    out.attrs.update(demand.attrs)
    return out
