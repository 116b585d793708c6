"""CLI commands: ``corridor lines pipeline|fibre|rail`` (YAML file or flags; no input: the bundled TRIPP case)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.markup import escape

from corridor._errors import Problem, ValidationError
from corridor.cli import _options as check
from corridor.cli._common import JsonOpt
from corridor.cli._output import cli_errors, console, emit, table
from corridor.sourced import read_yaml

lines_app = typer.Typer(help="Pipelines (gas, liquid), fibre latency and rail line capacity.", no_args_is_help=True)

FileArg = Annotated[Path | None, typer.Argument(help="YAML file (see docs/lines.md). Omit: the bundled TRIPP case.",
                                                exists=True, dir_okay=False)]


def _records(df: pd.DataFrame) -> list[dict]:
    return df.to_dict(orient="records")


def _read_yaml(path: Path) -> dict:
    return read_yaml(path)


def _sources_table(sources: dict[str, str]):
    return table("Inputs and their sources", ["input", "source"], ((k, escape(str(v))) for k, v in sorted(sources.items())))


_DIGITS = {"km": 1, "elevation_m": 0, "p_bara": 2, "z": 4, "velocity_m_s": 2}


def _thin(df: pd.DataFrame, rows: int) -> list[list[str]]:
    """At most ``rows`` evenly spaced rows (first and last kept), formatted per column."""
    if len(df) > rows > 1:
        df = df.iloc[sorted({round(i * (len(df) - 1) / (rows - 1)) for i in range(rows)})]
    return [[f"{v:,.{_DIGITS.get(c, 2)}f}" for c, v in zip(df.columns, r, strict=True)]
            for r in df.itertuples(index=False)]


def _equation(value: str | None) -> str | None:
    from corridor.lines.gas import EQUATIONS

    return check.one_of(*EQUATIONS)(value)


def _tracks(value: int) -> int:
    if value not in (1, 2):
        raise typer.BadParameter(f"expected 1 (single) or 2 (double track) (got {value})")
    return value


# --- pipeline ----------------------------------------------------------------------------------------------

@lines_app.command("pipeline")
def pipeline_cmd(
    file: FileArg = None,
    kind: Annotated[str | None, typer.Option(callback=check.one_of("gas", "liquid"),
                                             help="gas or liquid (flags only).")] = None,
    diameter_m: Annotated[float | None, typer.Option(callback=check.positive("m"), help="Inner diameter, m.")] = None,
    length_km: Annotated[float | None, typer.Option(callback=check.positive("km"),
                                                    help="Length, km (flat line).")] = None,
    equation: Annotated[str | None, typer.Option(
        callback=_equation, help="Gas: isothermal (Colebrook), aga, weymouth, panhandle_a, panhandle_b.")] = None,
    p_in: Annotated[float | None, typer.Option("--p-in", callback=check.positive("bar(a)"),
                                               help="Inlet pressure, bar(a).")] = None,
    p_out: Annotated[float | None, typer.Option("--p-out", callback=check.positive("bar(a)"),
                                                help="Outlet pressure, bar(a): gives the capacity.")] = None,
    flow: Annotated[float | None, typer.Option(callback=check.positive(),
        help="Flow: gas mcm/d (standard), liquid m3/s; gives the outlet pressure and profile.")] = None,
    rows: Annotated[int, typer.Option(callback=check.at_least(2), help="Profile rows shown in the table.")] = 12,
    tripp: Annotated[str, typer.Option(callback=check.one_of("gas", "oil"),
                                       help="Bundled TRIPP case shown without a file or flags: gas or oil.")] = "gas",
    as_json: JsonOpt = False,
) -> None:
    """Gas or liquid line: capacity at given pressures, or outlet pressure and profile at a given flow."""
    from corridor.lines import pipelines as pl
    from corridor.lines._units import DAY_S

    if as_json:
        check.refuse_unused(["rows"], "only shapes the profile table; --json prints every row")
    if check.given("p_out", "flow") == ["p_out", "flow"]:
        check.refuse_unused(["flow"], "give --p-out (capacity) or --flow (profile), not both")
    with cli_errors():
        if file is None and diameter_m is None:
            check.refuse_unused(["kind", "length_km", "equation", "p_in", "p_out", "flow"],
                                "the bundled TRIPP case fixes the line; give --diameter-m and --length-km "
                                "(or a FILE)")
            return _tripp_gas(as_json, rows) if tripp == "gas" else _tripp_oil(as_json, rows)
        check.refuse_unused(["tripp"], "chooses the bundled case, which a FILE or --diameter-m replaces")
        if file is not None:
            check.refuse_unused(["kind", "diameter_m", "length_km", "equation"], "the FILE defines the line")
            line, raw = pl.load_line(file)
        else:
            if length_km is None:
                raise ValidationError("give --length-km with --diameter-m (or a YAML file)")
            if kind == "liquid":
                check.refuse_unused(["equation"], "a flow equation is for gas lines (--kind gas)")
            raw = {"kind": kind or "gas", "diameter_m": diameter_m, "length_km": length_km}
            if equation:
                raw["equation"] = equation
            line = pl.line_from_dict(raw, file="command-line flags")
        gas = isinstance(line, pl.GasLine)
        p_in = p_in if p_in is not None else raw.get("p_in_bara")
        if flow is None and p_out is None:  # a flag given replaces the file's operating point
            flow = raw.get("flow_mcm_d") if gas else raw.get("flow_m3_s")
        p_out = p_out if p_out is not None else raw.get("p_out_bara")
        if p_in is None or (p_out is None and flow is None):
            raise ValidationError("need --p-in and one of --p-out (capacity) or --flow (profile)")
        if flow is not None:
            res = pl.gas_profile(line, flow * 1e6 / DAY_S, p_in) if gas else pl.liquid_profile(line, flow, p_in)
            what = "profile at the given flow"
        else:
            res = pl.gas_capacity(line, p_in, p_out) if gas else pl.liquid_capacity(line, p_in, p_out)
            what = "capacity"
        data = {"what": what, **res.summary(), "profile": _records(res.table)}
        emit(data, as_json, lambda: _render_pipeline(data, res.table, gas, rows))


def _num(x: float, spec: str) -> str:
    return "not used by this equation" if x is None or x != x else format(x, spec)


def _render_pipeline(d: dict, prof: pd.DataFrame, gas: bool, rows: int) -> None:
    if gas:
        head = [("flow", f"{d['flow_sm3_s']:.3f} Sm3/s = {d['flow_mcm_d']:.3f} mcm/d = {d['flow_bcm_yr']:.3f} bcm/yr"),
                ("equation", d["equation"]), ("Reynolds", _num(d["reynolds"], ",.0f")),
                ("friction factor (Darcy)", _num(d["friction_factor"], ".5f")),
                ("max velocity", f"{d['max_velocity_m_s']:.1f} m/s"),
                ("compressor power", f"{d['compressor_power_kw']:,.0f} kW"), ("Z within correlation range", d["z_in_range"])]
    else:
        head = [("flow", f"{d['flow_m3_s']:.4f} m3/s = {d['flow_bbl_d']:,.0f} bbl/d"), ("Reynolds", f"{d['reynolds']:,.0f}"),
                ("friction factor (Darcy)", f"{d['friction_factor']:.5f}"), ("velocity", f"{d['velocity_m_s']:.2f} m/s"),
                ("pump power", f"{d['pump_power_kw']:,.0f} kW")]
    what = f"{d['what']}: {d['note']}" if d.get("note") else d["what"]
    head = [("line", d["name"]), ("result", what), *head,
            ("inlet / outlet", f"{d['p_in_bara']:.2f} / {d['p_out_bara']:.2f} bar(a)"),
            ("lowest pressure", f"{d['min_p_bara']:.2f} bar(a)"),
            ("assumed inputs", ", ".join(d["assumptions"]) or "none")]
    console.print(table("Pipeline", ["quantity", "value"], head))
    cols = [c for c in ("km", "elevation_m", "p_bara", "z", "velocity_m_s") if c in prof]
    console.print(table("Pressure profile", cols, _thin(prof[cols], rows)))
    if d["stations"]:
        keys = list(d["stations"][0])
        console.print(table("Stations", keys, ([s[k] for k in keys] for s in d["stations"])))
    console.print(_sources_table(d["sources"]))


def _tripp_gas(as_json: bool, rows: int) -> None:
    from corridor.study.lines import spec_case

    c = spec_case("gas")
    data = {k: (_records(v) if isinstance(v, pd.DataFrame) else v) for k, v in c.items()}

    def render() -> None:
        console.print(table("TRIPP gas line (bundled case: diameter and pressures are assumptions)", ["quantity", "value"], [
            ("line", c["name"]), ("length", f"{c['length_km']:.1f} km"), ("inner diameter", f"{c['diameter_m']:.4f} m"),
            ("inlet / delivery", f"{c['p_in_bara']:g} / {c['p_out_bara']:g} bar(a)"),
            ("capacity", f"{c['capacity_mcm_d']:.2f} mcm/d = {c['capacity_bcm_yr']:.2f} bcm/yr"),
            ("today's Nakhchivan demand", f"{c['demand_mcm_d']:g} mcm/d → outlet {c['demand_outlet_bara']:.1f} bar(a)"),
            ("assumed inputs", ", ".join(c["assumptions"]))]))
        prof = c["profile_capacity"][["km", "elevation_m", "p_bara", "z", "velocity_m_s"]]
        console.print(table("Pressure profile at capacity", list(prof.columns), _thin(prof, rows)))
        sizes = c["by_size"].assign(inner_diameter_m=c["by_size"]["inner_diameter_m"].map("{:.4f}".format))
        console.print(table("Capacity by pipe size (same route and pressures)", list(sizes.columns),
                            _fixed(sizes, 2)))
        console.print(_sources_table(c["sources"]))

    emit(data, as_json, render)


def _fixed(df: pd.DataFrame, digits: int) -> list[list[str]]:
    return [[f"{v:,.{digits}f}" if isinstance(v, float) else str(v) for v in r] for r in df.itertuples(index=False)]


def _tripp_oil(as_json: bool, rows: int) -> None:
    from corridor.study.lines import spec_case

    c = spec_case("oil")
    data = {k: (_records(v) if isinstance(v, pd.DataFrame) else v) for k, v in c.items()}

    def render() -> None:
        console.print(table("TRIPP oil line (bundled case: size, pressures and pump sites are assumptions)",
                            ["quantity", "value"], [
            ("line", c["name"]), ("length", f"{c['length_km']:.1f} km"), ("inner diameter", f"{c['diameter_m']:.4f} m"),
            ("pump discharge / delivery", f"{c['p_in_bara']:g} / {c['p_out_bara']:g} bar(a)"),
            ("capacity", f"{c['capacity_bbl_d']:,.0f} bbl/d = {c['capacity_mt_yr']:.2f} Mt/yr "
                         f"({c['velocity_m_s']:.2f} m/s); {c['note']}"),
            ("pump power (all stations)", f"{c['pump_power_kw']:,.0f} kW"),
            ("assumed inputs", ", ".join(c["assumptions"]))]))
        prof = c["profile_capacity"][["km", "elevation_m", "p_bara"]]
        console.print(table("Pressure profile at capacity", list(prof.columns), _thin(prof, rows)))
        keys = list(c["stations"][0])
        console.print(table("Pump stations", keys, ([s[k] for k in keys] for s in c["stations"])))
        console.print(_sources_table(c["sources"]))

    emit(data, as_json, render)


# --- fibre ---------------------------------------------------------------------------------------------------

def _point(s: str | None, name: str) -> tuple[float, float] | None:
    if s is None:
        return None
    try:
        lon, lat = (float(x) for x in s.split(","))
    except ValueError:
        raise ValidationError([Problem("expected LON,LAT in degrees", field=name, value=s)]) from None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValidationError([Problem("expected LON in [-180, 180] and LAT in [-90, 90]", field=name, value=s)])
    return lon, lat


def _lonlat(value: str | None) -> str | None:
    try:
        _point(value, "")
    except ValidationError:
        raise typer.BadParameter(f"expected LON,LAT in degrees, LON in [-180, 180], LAT in [-90, 90] "
                                 f"(got {value!r})") from None
    return value


@lines_app.command("fibre")
def fibre_cmd(
    file: FileArg = None,
    length_km: Annotated[list[float] | None, typer.Option(callback=check.positive("km"),
                                                          help="Fibre link length, km (repeat for a route).")] = None,
    origin: Annotated[str | None, typer.Option("--from", callback=_lonlat,
                                               help="Origin LON,LAT (for the physical floor).")] = None,
    destination: Annotated[str | None, typer.Option("--to", callback=_lonlat, help="Destination LON,LAT.")] = None,
    group_index: Annotated[float | None, typer.Option(callback=check.between(1.0, 2.0),
                                                      help="Group index of the fibre (default 1.468).")] = None,
    equipment_us: Annotated[float | None, typer.Option(callback=check.at_least(0, "µs"),
                                                       help="Equipment latency one way, µs.")] = None,
    pairs: Annotated[int | None, typer.Option(callback=check.at_least(1), help="Lit fibre pairs (capacity).")] = None,
    band: Annotated[str, typer.Option(callback=check.one_of("C", "C+L"), help="C or C+L (capacity per pair).")] = "C",
    as_json: JsonOpt = False,
) -> None:
    """Latency of a fibre route (one way, round trip) against the great-circle floor; capacity per pair."""
    from corridor.lines import fibre as fib

    if pairs is None:
        check.refuse_unused(["band"], "sets the capacity per pair, so it needs --pairs")
    if (origin is None) != (destination is None):
        check.refuse_unused(["origin", "destination"], "the physical floor needs both --from and --to")
    with cli_errors():
        if file is None and not length_km and origin is None:
            check.refuse_unused(["group_index", "equipment_us", "pairs", "band"],
                                "the bundled TRIPP case uses its own; give --length-km or --from/--to (or a FILE)")
            return _tripp_fibre(as_json)
        if file is not None:
            check.refuse_unused(["length_km"], "the FILE lists the routes")
        o, d = _point(origin, "--from"), _point(destination, "--to")
        data: dict[str, Any] = {}
        if file is not None:
            raw = _read_yaml(file)
            routes = raw.get("routes")
            if not isinstance(routes, dict) or not routes:
                raise ValidationError([Problem("expected a mapping of route name → length_km or [[lon, lat], ...]",
                                               file=str(file), field="routes")])
            o = o or tuple(raw.get("origin") or ())
            d = d or tuple(raw.get("destination") or ())
            if len(o) != 2 or len(d) != 2:
                raise ValidationError([Problem("origin and destination must be [lon, lat]", file=str(file),
                                               field="origin/destination")])
            df = fib.compare_routes(routes, o, d, baseline=raw.get("baseline"), route_factor=raw.get("route_factor"),
                                    group_index=group_index, equipment_us=equipment_us)
            data["routes"] = _records(df)
            data["sources"] = df.attrs["sources"]
        else:
            if not length_km and (o is None or d is None):
                raise ValidationError("give --length-km (repeatable) and/or --from LON,LAT --to LON,LAT")
            lengths = length_km or [fib.great_circle_km(*o, *d)]
            lat = fib.latency(lengths, group_index=group_index, equipment_us=equipment_us)
            data.update(length_km=lat.length_km, one_way_ms=lat.one_way_ms, round_trip_ms=lat.round_trip_ms,
                        sources=lat.sources)
            if o is not None and d is not None:
                data["floor_rtt_ms"] = fib.floor_rtt_ms(o, d, group_index=group_index)
                data["stretch"] = lat.round_trip_ms / data["floor_rtt_ms"]
        if pairs is not None:
            cap = fib.capacity(pairs, band=band)
            data["capacity"] = {"pairs": cap.pairs, "band": cap.band, "per_pair_tbps": cap.per_pair_tbps,
                                "total_tbps": cap.total_tbps, "source": cap.sources["per_pair_tbps"]}
        emit(data, as_json, lambda: _render_fibre(data))


def _render_fibre(d: dict) -> None:
    if "routes" in d:
        cols = [c for c in ("route", "length_km", "one_way_ms", "rtt_ms", "floor_rtt_ms", "stretch", "gain_rtt_ms")
                if c in d["routes"][0]]
        console.print(table("Fibre routes", cols, ([r[c] for c in cols] for r in d["routes"])))
    else:
        rows = [("length", f"{d['length_km']:.1f} km"), ("one way", f"{d['one_way_ms']:.3f} ms"),
                ("round trip", f"{d['round_trip_ms']:.3f} ms")]
        if "floor_rtt_ms" in d:
            rows += [("floor (great circle)", f"{d['floor_rtt_ms']:.3f} ms RTT"), ("stretch", f"{d['stretch']:.2f}")]
        console.print(table("Fibre latency", ["quantity", "value"], rows))
    if "capacity" in d:
        c = d["capacity"]
        console.print(f"capacity: {c['pairs']} pairs × {c['per_pair_tbps']:g} Tb/s ({c['band']}) = "
                      f"{c['total_tbps']:g} Tb/s  ({c['source']})", markup=False, highlight=False)
    console.print(_sources_table(d["sources"]))


def _tripp_fibre(as_json: bool) -> None:
    from corridor.study.lines import spec_case

    c = spec_case("fibre")
    data = {k: (_records(v) if isinstance(v, pd.DataFrame) else v) for k, v in c.items()}

    def render() -> None:
        console.print(table("TRIPP fibre (bundled case)", ["quantity", "value"], [
            ("TRIPP fibre", f"{c['segment_length_km']:.1f} km: {c['segment_one_way_ms']:.3f} ms one way, "
                            f"{c['segment_rtt_ms']:.3f} ms RTT ({c['us_per_km']:.3f} µs/km)"),
            ("capacity", f"{c['pairs']} pairs × {c['per_pair_tbps']:g} Tb/s ({c['band']}) = {c['capacity_tbps']:g} Tb/s"),
            ("assumed inputs", ", ".join(c["assumptions"]))]))
        cols = ["pair", "route", "length_km", "rtt_ms", "floor_rtt_ms", "stretch", "gain_rtt_ms"]
        r = c["routes"]
        console.print(table("Routes on the region network (tripp scenario; 'without' avoids Armenia)",
                            ["pair", "route", "km", "RTT ms", "floor RTT ms", "stretch", "gain RTT ms"],
                            _fixed(r[cols], 2)))
        for row in r.itertuples(index=False):
            console.print(f"  {row.pair}, {row.route}: {row.places}", highlight=False, markup=False)
        w = c["what_if"]
        console.print(table("What if: one more cable", list(w.columns), _fixed(w, 2)))
        console.print(_sources_table(c["sources"]))

    emit(data, as_json, render)


# --- rail ----------------------------------------------------------------------------------------------------

@lines_app.command("rail")
def rail_cmd(
    file: FileArg = None,
    length_km: Annotated[float | None, typer.Option(callback=check.positive("km"),
                                                    help="Line length, km (capacity from length alone).")] = None,
    tracks: Annotated[int, typer.Option(callback=_tracks, help="1 (single) or 2 (double track).")] = 1,
    headway_min: Annotated[float | None, typer.Option(callback=check.positive("min"),
                                                      help="Double track: automatic-block headway, min.")] = None,
    speed_kmh: Annotated[float | None, typer.Option(callback=check.positive("km/h"),
                                                    help="Freight running speed, km/h.")] = None,
    passenger_trains: Annotated[float, typer.Option(callback=check.at_least(0),
                                                    help="Passenger trains per day per direction.")] = 0.0,
    net_t: Annotated[float | None, typer.Option(callback=check.positive("t"),
                                                help="Net tonnes per freight train.")] = None,
    tech_window_min: Annotated[float | None, typer.Option(callback=check.between(0, 1440, high_open=True),
                                                          help="Daily maintenance window, min.")] = None,
    alpha: Annotated[float | None, typer.Option(callback=check.between(0, 1, low_open=True),
                                                help="Reliability coefficient α.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Line capacity in trains per day and tonnes per year (CIS parallel graph), or UIC 406 consumption."""
    from corridor.lines import rail

    with cli_errors():
        kw = {"tech_window_min": tech_window_min, "alpha": alpha}
        if file is None and length_km is None and headway_min is None:
            check.refuse_unused(["tracks", "speed_kmh", "passenger_trains", "net_t", "tech_window_min", "alpha"],
                                "the bundled TRIPP case has its own sections; give --length-km or --headway-min "
                                "(or a FILE)")
            return _tripp_rail(as_json)
        if file is not None:
            check.refuse_unused(["length_km", "headway_min", "speed_kmh"], "the FILE defines the line")
            raw = _read_yaml(file)
            if "blocking" in raw:
                check.refuse_unused(["tracks", "passenger_trains", "net_t", "tech_window_min", "alpha"],
                                    "a FILE with 'blocking' is a UIC 406 compression, which does not use it")
                if "period_min" not in raw:
                    raise ValidationError([Problem("required with blocking", file=str(file), field="period_min")])
                res = rail.uic406_consumption(pd.DataFrame(raw["blocking"]), period_min=raw["period_min"],
                                              supplements_min=raw.get("supplements_min", 0.0))
                data = res.summary() | {"compressed": _records(res.compressed)}
                return emit(data, as_json, lambda: _render_uic(data))
            if "sections" not in raw:
                raise ValidationError([Problem("expected 'sections' (or 'blocking' for UIC 406)", file=str(file),
                                               field="sections")])
            if "tracks" in raw:
                check.refuse_unused(["tracks"], f"the FILE sets tracks: {raw['tracks']}")
            tracks = int(raw.get("tracks", tracks))
            flags = check.given("passenger_trains", "net_t")  # a flag given replaces the file's value
            common = dict(passenger_trains_per_day=passenger_trains if "passenger_trains" in flags
                          else raw.get("passenger_trains_per_day", passenger_trains),
                          net_t_per_train=net_t if "net_t" in flags else raw.get("net_t_per_train", net_t), **kw)
            if tracks == 1:
                cap = rail.single_track_capacity(raw["sections"], **common)
            else:
                cap = rail.double_track_capacity(sections=raw["sections"], **common)
        elif headway_min is not None:
            check.refuse_unused(["length_km", "speed_kmh", "tracks"],
                                "--headway-min gives a double-track line by its headway alone")
            cap = rail.double_track_capacity(headway_min=headway_min, passenger_trains_per_day=passenger_trains,
                                             net_t_per_train=net_t, **kw)
        else:
            cap = rail.rail_link_capacity(length_km, tracks=tracks, speed_kmh=speed_kmh,
                                          passenger_trains_per_day=passenger_trains, net_t_per_train=net_t, **kw)
        data = cap.summary()
        emit(data, as_json, lambda: _render_rail(data))


def _render_rail(d: dict) -> None:
    console.print(table("Rail line capacity", ["quantity", "value"], [
        ("method", d["method"]),
        ("capacity", f"{d['trains_per_day_per_direction']:.1f} trains/day per direction"),
        ("critical section", f"{d['critical_section']} (period {d['critical_period_min']:.2f} min)"),
        ("freight after passenger trains", f"{d['freight_trains_per_day_per_direction']:.1f} trains/day"),
        ("tonnes per year (one direction)", f"{d['mt_per_year_per_direction']:.2f} Mt at {d['net_t_per_train']:g} t net"),
        ("assumed inputs", ", ".join(d["assumptions"]) or "none")]))
    secs = d["sections"]
    console.print(table("Sections", ["section", "period_min", "trains_per_day"],
                        ([s["name"], s["period_min"], s["trains_per_day"]] for s in secs)))
    console.print(_sources_table(d["sources"]))


def _render_uic(d: dict) -> None:
    console.print(table("UIC 406 capacity consumption", ["quantity", "value"], [
        ("compressed occupancy", f"{d['occupancy_min']:.2f} min (+ {d['supplements_min']:g} min supplements)"),
        ("reference period", f"{d['period_min']:g} min"), ("consumption", f"{d['consumption_pct']:.1f} %"),
        ("UIC ceiling", f"{d['ceiling_pct']:.0f} %"), ("within ceiling", d["within_ceiling"])]))
    console.print(_sources_table(d["sources"]))


def _tripp_rail(as_json: bool) -> None:
    from corridor.study.lines import spec_case

    c = spec_case("rail")
    data = {k: (_records(v) if isinstance(v, pd.DataFrame) else v) for k, v in c.items()}

    def render() -> None:
        s, dbl = c["single"], c["double"]
        console.print(table("TRIPP railway (bundled case)", ["quantity", "value"], [
            ("length", f"{c['length_km']:.1f} km"),
            ("single track", f"{s['trains_per_day_per_direction']:.1f} pairs/day; critical {s['critical_section']}; "
                             f"{c['single_mt_yr']:.1f} Mt/yr one way"),
            ("double track (automatic block)", f"{dbl['trains_per_day_per_direction']:.0f} trains/day per direction; "
                                               f"{c['double_mt_yr']:.0f} Mt/yr one way"),
            ("claimed", f"{c['claimed_mt_yr']:g} Mt/yr initial"),
            ("assumed inputs", ", ".join(c["assumptions"]))]))
        sec = c["sections"][["name", "length_km", "run_min", "period_min", "trains_per_day"]]
        console.print(table("Sections (single track)", list(sec.columns), sec.itertuples(index=False)))
        console.print(_sources_table(c["sources"]))

    emit(data, as_json, render)


def register(app: typer.Typer) -> None:
    """Add ``corridor lines ...`` to the root app."""
    app.add_typer(lines_app, name="lines")
