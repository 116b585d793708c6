"""A corridor's line cases (gas, oil, fibre, rail) as plain data for the CLI and the ``corridor run`` report.

Each ``*_case(net, links, inputs)`` takes the network (link lengths and sources), the case's link ids in order
and its engineering inputs (a mapping of ``{value, source}`` items, as in a corridor spec's lines file), and
returns a dict with the headline numbers, the series for plots, and ``sources``/``assumptions``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from corridor.lines import fibre as fib
from corridor.lines._inputs import Inputs, param
from corridor.lines._units import BBL, DAY_S
from corridor.lines.gas import GasLine, gas_capacity, gas_profile
from corridor.lines.liquid import LiquidLine, liquid_capacity, pump_power_kw
from corridor.lines.rail import double_track_capacity, section_running_min, single_track_capacity
from corridor.sourced import Sourced, load_yaml, sourced_tree


@cache
def _read(path: str) -> dict:
    data, node = load_yaml(path)
    return sourced_tree(data, file=path, node=node)


def read_inputs(path: str | Path) -> dict:
    """The raw engineering inputs of a corridor's line cases (YAML: ``gas``, ``oil``, ``fibre``, ``rail``)."""
    return _read(str(path))


def _links(net, ids: list[str] | tuple[str, ...]) -> pd.DataFrame:
    links = net.links.set_index("link_id")
    missing = [i for i in ids if i not in links.index]
    if missing:
        from corridor._errors import NotFoundError

        raise NotFoundError(f"line case needs links missing from network {net.name!r}: {missing}")
    return links.loc[list(ids)].reset_index()


def _v(item: Sourced, sources: dict, name: str):
    sources[name] = item.source
    return item.value


def _assumptions(sources: dict) -> list[str]:
    return [k for k, s in sources.items() if str(s).lower().startswith("assumption")]


def gas_line(net, link_ids, inputs: dict) -> tuple[GasLine, dict, dict]:
    """A gas line along ``link_ids``, its operating data (pressures, demand) and the sources of both."""
    case = inputs["gas"]
    links = _links(net, link_ids)
    src: dict[str, str] = {"length_km": "; ".join(dict.fromkeys(links["length_source"].fillna("")))}
    length = float(links["length_km"].sum())
    prof = [{"km": p["km"], "elevation_m": p["elevation_m"]} for p in case["profile"]]
    prof[-1]["km"] = length  # the last profile point is the end of the line
    src["profile"] = "; ".join(p["source"] for p in case["profile"])
    line = GasLine(name=case["name"], diameter_m=_v(case["diameter_m"], src, "diameter_m"), profile=prof,
                   min_pressure_bara=_v(case["min_pressure_bara"], src, "min_pressure_bara"))
    op = {k: _v(case[k], src, k) for k in ("p_in_bara", "p_out_bara", "demand_mcm_d", "sizes_inner_m")}
    return line, op, src


def gas_case(net, link_ids, inputs: dict) -> dict:
    """Capacity of the gas line, its pressure profile at capacity and at the stated demand."""
    line, op, src = gas_line(net, link_ids, inputs)
    cap = gas_capacity(line, op["p_in_bara"], op["p_out_bara"])
    demand = gas_profile(line, op["demand_mcm_d"] * 1e6 / DAY_S, op["p_in_bara"])
    sizes = []
    for size, d in op["sizes_inner_m"].items():
        c = gas_capacity(line.model_copy(update={"diameter_m": d}), op["p_in_bara"], op["p_out_bara"])
        sizes.append({"size": size, "inner_diameter_m": d, "capacity_mcm_d": c.flow_mcm_d,
                      "capacity_bcm_yr": c.flow_bcm_yr, "outlet_velocity_m_s": float(c.table["velocity_m_s"].iat[-1])})
    sources = {**cap.sources, **src}
    return {
        "name": line.name, "length_km": line.length_km, "diameter_m": line.diameter_m,
        "p_in_bara": op["p_in_bara"], "p_out_bara": op["p_out_bara"],
        "capacity": cap.summary() | {"sources": None, "assumptions": None},
        "capacity_mcm_d": cap.flow_mcm_d, "capacity_bcm_yr": cap.flow_bcm_yr,
        "demand_mcm_d": op["demand_mcm_d"], "demand_outlet_bara": demand.p_out_bara,
        "profile_capacity": cap.table, "profile_demand": demand.table, "by_size": pd.DataFrame(sizes),
        "sources": sources, "assumptions": _assumptions(sources),
    }


def oil_line(net, link_ids, inputs: dict) -> tuple[LiquidLine, dict, dict]:
    """A crude line along ``link_ids`` (with its pump stations), operating pressures and sources."""
    case = inputs["oil"]
    links = _links(net, link_ids)
    src: dict[str, str] = {"length_km": "; ".join(dict.fromkeys(links["length_source"].fillna("")))}
    ends = np.cumsum(links["length_km"].to_numpy())
    prof = [{"km": p["km"], "elevation_m": p["elevation_m"]} for p in case["profile"]]
    for p, km in zip(prof[1:], ends, strict=True):  # profile points at the link ends, as in the network
        p["km"] = float(km)
    src["profile"] = "; ".join(p["source"] for p in case["profile"])
    p_in = _v(case["p_in_bara"], src, "p_in_bara")
    pump_km = _v(case["pump_km"], src, "pump_km")
    line = LiquidLine(name=case["name"], diameter_m=_v(case["diameter_m"], src, "diameter_m"), profile=prof,
                      min_pressure_bara=_v(case["min_pressure_bara"], src, "min_pressure_bara"),
                      pumps=[{"km": km, "discharge_bara": p_in} for km in pump_km])
    return line, {"p_in_bara": p_in, "p_out_bara": _v(case["p_out_bara"], src, "p_out_bara")}, src


def oil_case(net, link_ids, inputs: dict) -> dict:
    """Capacity of the crude line with an inlet and intermediate pump stations, and its profile."""
    line, op, src = oil_line(net, link_ids, inputs)
    cap = liquid_capacity(line, op["p_in_bara"], op["p_out_bara"])
    rho = line.density_kg_m3 or param("liquid", "density_kg_m3").value
    eta = param("liquid", "pump_efficiency").value
    g = 9.80665
    inlet_head = (op["p_in_bara"] - 1.01325) * 1e5 / (rho * g)  # from tank at ~1 atm to the discharge pressure
    inlet_kw = pump_power_kw(cap.flow_m3_s, inlet_head, rho, eta)
    sources = {**cap.sources, **src, "pump_efficiency": param("liquid", "pump_efficiency").source}
    return {
        "name": line.name, "length_km": line.length_km, "diameter_m": line.diameter_m,
        "p_in_bara": op["p_in_bara"], "p_out_bara": op["p_out_bara"], "note": cap.note,
        "capacity_m3_s": cap.flow_m3_s, "capacity_bbl_d": cap.flow_m3_s * DAY_S / BBL,
        "capacity_mt_yr": cap.flow_m3_s * rho * DAY_S * 365 / 1e9, "velocity_m_s": cap.velocity_m_s,
        "pump_power_kw": inlet_kw + cap.pump_power_kw, "stations": cap.stations, "profile_capacity": cap.table,
        "sources": sources, "assumptions": _assumptions(sources),
    }


def _fibre_rows(net, o: str, d: str, case: dict, label: str, inp: Inputs) -> list[dict]:
    from corridor._errors import NoRouteError
    from corridor.routing import shortest_path

    nodes = net.nodes.set_index("node_id")
    rows = []
    best = shortest_path(net, o, d, cargo="data")
    via = case["via"]
    without = shortest_path(net, o, d, cargo="data", avoid_countries=tuple(case["without_avoids"]))
    try:
        a, b = shortest_path(net, o, via, cargo="data"), shortest_path(net, via, d, cargo="data")
        forced = (a.distance_km + b.distance_km, a.places + b.places[1:])
    except NoRouteError:
        forced = None
    first, last = best.node_ids[0], best.node_ids[-1]
    p0 = (nodes.at[first, "x_coord"], nodes.at[first, "y_coord"])
    p1 = (nodes.at[last, "x_coord"], nodes.at[last, "y_coord"])
    floor = fib.floor_rtt_ms(p0, p1)
    cand = [(f"best with {label}", best.distance_km, best.places),
            (f"without {label}", without.distance_km, without.places)]
    if forced:
        cand.append((f"via {label} ({via})", *forced))
    for label, km, places in cand:
        lat = fib.latency(km)
        rows.append({"pair": f"{o}–{d}", "route": label, "length_km": km, "rtt_ms": lat.round_trip_ms,
                     "floor_rtt_ms": floor, "stretch": lat.round_trip_ms / floor, "places": " → ".join(places)})
    base = rows[1]["rtt_ms"]
    for r in rows:
        r["gain_rtt_ms"] = base - r["rtt_ms"]
    inp.sources.update(lat.sources)
    return rows


def fibre_case(net, link_ids, inputs: dict, *, label: str = "project") -> dict:
    """Latency of the project's fibre (``link_ids``) and of regional data routes with and without it, against
    the floor; ``net`` has the project's links open; ``label`` names the project in route labels."""
    case = inputs["fibre"]
    src: dict[str, str] = {}
    inp = Inputs("fibre")
    seg = _links(net, link_ids)
    seg_lat = fib.latency(seg["length_km"].to_numpy())
    src["segment_length_km"] = seg["length_source"].iloc[0]
    rows = []
    for o, d in case["pairs_od"]:
        rows.extend(_fibre_rows(net, o, d, case, label, inp))
    table = pd.DataFrame(rows)
    # what one missing cable (the inputs' extra link) would change on the first two pairs
    extra = case["extra_link"]
    xy = net.nodes.drop_duplicates("place").set_index("place")[["x_coord", "y_coord"]]
    e_km = fib.great_circle_km(*xy.loc[extra["from"]], *xy.loc[extra["to"]]) * 1.2
    src["extra_link_km"] = extra["source"]
    what_if = []
    from corridor.routing import shortest_path

    for o, d in case["pairs_od"][:2]:
        west = shortest_path(net, o, extra["from"], cargo="data").distance_km
        east = shortest_path(net, extra["to"], d, cargo="data").distance_km
        km = west + e_km + east
        lat = fib.latency(km)
        base = table[(table["pair"] == f"{o}–{d}") & (table["route"] == f"without {label}")]["rtt_ms"].iloc[0]
        what_if.append({"pair": f"{o}–{d}", "route": f"via {label} + {extra['name']}", "length_km": km,
                        "rtt_ms": lat.round_trip_ms, "gain_rtt_ms": base - lat.round_trip_ms})
    cap = fib.capacity(_v(case["pairs"], src, "pairs"), band=_v(case["band"], src, "band"))
    sources = {**inp.sources, **seg_lat.sources, **cap.sources, **src}
    return {
        "label": label, "without_avoids": list(case["without_avoids"]), "extra_link_name": extra["name"],
        "segment_length_km": seg_lat.length_km, "segment_one_way_ms": seg_lat.one_way_ms,
        "segment_rtt_ms": seg_lat.round_trip_ms, "us_per_km": fib.us_per_km(),
        "capacity_tbps": cap.total_tbps, "pairs": cap.pairs, "band": cap.band, "per_pair_tbps": cap.per_pair_tbps,
        "routes": table, "what_if": pd.DataFrame(what_if),
        "sources": sources, "assumptions": _assumptions(sources),
    }


def rail_case(net, link_ids, inputs: dict) -> dict:
    """Capacity of a railway by section (single track on ``link_ids``; double track for comparison)."""
    case = inputs["rail"]
    links = _links(net, link_ids)
    inp = Inputs("rail")
    v = inp.get("speed_kmh", key="freight_speed_kmh")
    ss = inp.get("start_stop_min")
    src = {"length_km": links["length_source"].iloc[0]}
    n_pass = _v(case["passenger_trains_per_day"], src, "passenger_trains_per_day")
    claimed = _v(case["claimed_mt_per_year"], src, "claimed_mt_per_year")
    run = section_running_min(links["length_km"].to_numpy(), speed_kmh=v, start_stop_min=ss)
    names = [f"{a.removesuffix('_rail')}–{b.removesuffix('_rail')}"
             for a, b in zip(links["from_node_id"], links["to_node_id"], strict=True)]
    secs = [{"name": n, "run_up_min": float(t), "run_down_min": float(t), "length_km": float(km)}
            for n, t, km in zip(names, run, links["length_km"], strict=True)]
    single = single_track_capacity(secs, passenger_trains_per_day=n_pass)
    double = double_track_capacity(passenger_trains_per_day=n_pass)
    sections = single.sections.assign(length_km=links["length_km"].to_numpy(), run_min=run)
    sources = {**inp.sources, **single.sources, **double.sources, **src}
    return {
        "length_km": float(links["length_km"].sum()), "single": single.summary() | {"sections": None},
        "double": double.summary() | {"sections": None}, "sections": sections,
        "single_mt_yr": single.tonnes_per_year / 1e6, "double_mt_yr": double.tonnes_per_year / 1e6,
        "claimed_mt_yr": claimed, "sources": sources, "assumptions": _assumptions(sources),
    }
