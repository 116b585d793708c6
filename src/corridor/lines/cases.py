"""The bundled TRIPP line cases (gas, fibre, rail) as plain data for the CLI and the ``corridor run`` report.

Inputs come from ``data/tripp_lines.yaml`` (each with its source or ``assumption:``) and link lengths from
the bundled region network. Each ``tripp_*_case()`` returns a dict with the headline numbers, the series
for plots, and ``sources``/``assumptions``; :func:`lines_summary` returns all three.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
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
def tripp_inputs() -> dict:
    """The bundled case data (``data/tripp_lines.yaml``), each ``{value, source}`` as a :class:`Sourced`."""
    path = Path(str(resources.files("corridor.lines") / "data" / "tripp_lines.yaml"))
    data, node = load_yaml(path)
    return sourced_tree(data, file=str(path), node=node)


def _network(scenario: str | None = None):
    from corridor.network.io import load_network

    net = load_network()
    if scenario is None:
        return net
    from corridor.scenario.apply import apply_scenario
    from corridor.scenario.model import load_scenario

    return apply_scenario(net, load_scenario(scenario))


def _links(net, ids: list[str]) -> pd.DataFrame:
    links = net.links.set_index("link_id")
    missing = [i for i in ids if i not in links.index]
    if missing:
        from corridor._errors import NotFoundError

        raise NotFoundError(f"bundled TRIPP case needs links missing from the network: {missing}")
    return links.loc[ids].reset_index()


def _v(item: Sourced, sources: dict, name: str):
    sources[name] = item.source
    return item.value


def _assumptions(sources: dict) -> list[str]:
    return [k for k, s in sources.items() if str(s).lower().startswith("assumption")]


def tripp_gas_line(net=None) -> tuple[GasLine, dict, dict]:
    """The bundled TRIPP gas line, its operating data (pressures, demand) and the sources of both."""
    case = tripp_inputs()["gas"]
    net = net if net is not None else _network()
    links = _links(net, case["links"])
    src: dict[str, str] = {"length_km": "; ".join(dict.fromkeys(links["length_source"].fillna("")))}
    length = float(links["length_km"].sum())
    prof = [{"km": p["km"], "elevation_m": p["elevation_m"]} for p in case["profile"]]
    prof[-1]["km"] = length  # the last profile point is the end of the line
    src["profile"] = "; ".join(p["source"] for p in case["profile"])
    line = GasLine(name=case["name"], diameter_m=_v(case["diameter_m"], src, "diameter_m"), profile=prof,
                   min_pressure_bara=_v(case["min_pressure_bara"], src, "min_pressure_bara"))
    op = {k: _v(case[k], src, k) for k in ("p_in_bara", "p_out_bara", "demand_mcm_d", "sizes_inner_m")}
    return line, op, src


def tripp_gas_case(net=None) -> dict:
    """Capacity of the TRIPP gas line, its pressure profile at capacity and at today's Nakhchivan demand."""
    line, op, src = tripp_gas_line(net)
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


def tripp_oil_line(net=None) -> tuple[LiquidLine, dict, dict]:
    """The bundled TRIPP crude line (with its pump stations), operating pressures and sources."""
    case = tripp_inputs()["oil"]
    net = net if net is not None else _network()
    links = _links(net, case["links"])
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


def tripp_oil_case(net=None) -> dict:
    """Capacity of the TRIPP crude line with an inlet and an intermediate pump station, and its profile."""
    line, op, src = tripp_oil_line(net)
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


def _fibre_rows(net, o: str, d: str, via: str, inp: Inputs) -> list[dict]:
    from corridor._errors import NoRouteError
    from corridor.routing import shortest_path

    nodes = net.nodes.set_index("node_id")
    rows = []
    best = shortest_path(net, o, d, cargo="data")
    without = shortest_path(net, o, d, cargo="data", avoid_countries=("AM",))
    try:
        a, b = shortest_path(net, o, via, cargo="data"), shortest_path(net, via, d, cargo="data")
        forced = (a.distance_km + b.distance_km, a.places + b.places[1:])
    except NoRouteError:
        forced = None
    first, last = best.node_ids[0], best.node_ids[-1]
    p0 = (nodes.at[first, "x_coord"], nodes.at[first, "y_coord"])
    p1 = (nodes.at[last, "x_coord"], nodes.at[last, "y_coord"])
    floor = fib.floor_rtt_ms(p0, p1)
    cand = [("best with TRIPP", best.distance_km, best.places), ("without TRIPP", without.distance_km, without.places)]
    if forced:
        cand.append((f"via TRIPP ({via})", *forced))
    for label, km, places in cand:
        lat = fib.latency(km)
        rows.append({"pair": f"{o}–{d}", "route": label, "length_km": km, "rtt_ms": lat.round_trip_ms,
                     "floor_rtt_ms": floor, "stretch": lat.round_trip_ms / floor, "places": " → ".join(places)})
    base = rows[1]["rtt_ms"]
    for r in rows:
        r["gain_rtt_ms"] = base - r["rtt_ms"]
    inp.sources.update(lat.sources)
    return rows


def tripp_fibre_case(net=None) -> dict:
    """Latency of the TRIPP fibre and of regional data routes with and without it, against the floor."""
    case = tripp_inputs()["fibre"]
    net = net if net is not None else _network("tripp")
    src: dict[str, str] = {}
    inp = Inputs("fibre")
    seg = _links(net, ["tripp_aghband_meghri_fibre", "tripp_meghri_sallammelik_fibre"])
    seg_lat = fib.latency(seg["length_km"].to_numpy())
    src["tripp_length_km"] = seg["length_source"].iloc[0]
    rows = []
    for o, d in case["pairs_od"]:
        rows.extend(_fibre_rows(net, o, d, case["via"], inp))
    table = pd.DataFrame(rows)
    # what one missing cable (Erzurum–Iğdır) would change on the Europe–Asia pairs
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
        base = table[(table["pair"] == f"{o}–{d}") & (table["route"] == "without TRIPP")]["rtt_ms"].iloc[0]
        what_if.append({"pair": f"{o}–{d}", "route": f"via TRIPP + {extra['name']}", "length_km": km,
                        "rtt_ms": lat.round_trip_ms, "gain_rtt_ms": base - lat.round_trip_ms})
    cap = fib.capacity(_v(case["pairs"], src, "pairs"), band=_v(case["band"], src, "band"))
    sources = {**inp.sources, **seg_lat.sources, **cap.sources, **src}
    return {
        "tripp_length_km": seg_lat.length_km, "tripp_one_way_ms": seg_lat.one_way_ms,
        "tripp_rtt_ms": seg_lat.round_trip_ms, "us_per_km": fib.us_per_km(),
        "capacity_tbps": cap.total_tbps, "pairs": cap.pairs, "band": cap.band, "per_pair_tbps": cap.per_pair_tbps,
        "routes": table, "what_if": pd.DataFrame(what_if),
        "sources": sources, "assumptions": _assumptions(sources),
    }


def tripp_rail_case(net=None) -> dict:
    """Capacity of the TRIPP railway by section (single track today's alignment; double track for comparison)."""
    case = tripp_inputs()["rail"]
    net = net if net is not None else _network()
    links = _links(net, case["links"])
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


def lines_summary(*, scenario: str = "tripp") -> dict:
    """The bundled TRIPP cases: ``{"gas", "oil", "fibre", "rail"}`` (plain data and DataFrames).

    Gas and rail read link lengths from the bundled network; fibre routes run on it with ``scenario`` applied.
    """
    base = _network()
    return {"gas": tripp_gas_case(base), "oil": tripp_oil_case(base), "fibre": tripp_fibre_case(_network(scenario)),
            "rail": tripp_rail_case(base)}
