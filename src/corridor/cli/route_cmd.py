"""``corridor route FROM TO``: the best route(s) between two places, under constraints."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from corridor.cli import _options as check
from corridor.cli._common import CargoOpt, JsonOpt, NetworkOpt, ScenarioOpt, load, split_list
from corridor.cli._output import cli_errors, console, emit, fmt, table

AvoidOpt = Annotated[str | None, typer.Option("--avoid", callback=check.countries,
                                              help="Countries to avoid, ISO codes or names: IR,RU or Iran.")]
AvoidModesOpt = Annotated[str | None, typer.Option("--avoid-modes", callback=check.modes,
                                                   help="Modes to avoid (any case): road,ferry.")]


def _prepare(scenario: str, network: Path | None, cargo: str, avoid: str | None, avoid_modes: str | None):
    """(scenario, network with the scenario applied, route options) for ``route`` and ``skim``."""
    from corridor.routing import RouteOptions
    from corridor.scenario import apply_scenario, load_scenario

    sc = load_scenario(scenario)
    net = apply_scenario(load(network), sc)
    return sc, net, RouteOptions.make(cargo=cargo, avoid_countries=split_list(avoid),
                                      avoid_modes=split_list(avoid_modes))


def register(app: typer.Typer) -> None:
    app.command("route")(route)
    app.command("skim")(skim)


def route(
    origin: Annotated[str, typer.Argument(help="Origin place (name, id or alternative spelling; case and accents "
                                          "don't matter).")],
    destination: Annotated[str, typer.Argument(help="Destination place.")],
    avoid: AvoidOpt = None,
    avoid_modes: AvoidModesOpt = None,
    cargo: CargoOpt = "container",
    scenario: ScenarioOpt = "baseline",
    k: Annotated[int, typer.Option("-k", min=1, max=10, help="Number of distinct alternative routes.")] = 1,
    network: NetworkOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Find the least generalised-cost route between two places (and up to k distinct alternatives)."""
    from corridor.routing import alternatives

    with cli_errors():
        sc, net, opts = _prepare(scenario, network, cargo, avoid, avoid_modes)
        routes = alternatives(net, origin, destination, k=k, options=opts)
    data = {"scenario": sc.name, "routes": [r.to_dict() for r in routes]}

    def render() -> None:
        for i, r in enumerate(routes, 1):
            head = f"Route {i}/{len(routes)}: {r.legs['from_name'].iat[0]} → {r.legs['to_name'].iat[-1]} " \
                   f"({r.cargo}, scenario {sc.name})"
            console.print(table(head, ["from", "to", "mode", "km", "hours", "USD", "country", "status"], [
                (leg.from_name, leg.to_name, leg.mode + (" (border)" if leg.border else ""), leg.length_km,
                 leg.time_h, leg.money_usd, leg.to_country, leg.status.replace("_", " "))
                for leg in r.legs.itertuples()]))
            console.print(
                f"  distance [bold]{fmt(r.distance_km)} km[/], time [bold]{fmt(r.time_h)} h[/], "
                f"money {fmt(r.money_usd, 2)} USD/{'pax' if r.cargo == 'passengers' else 't'}, "
                f"generalised cost [bold]{fmt(r.cost_usd, 2)}[/]\n"
                f"  countries {' → '.join(r.countries)}; {len(r.border_crossings)} border crossing(s); "
                f"{len(r.transfers)} transfer(s)\n", highlight=False)

    emit(data, as_json, render)


def skim(
    places: Annotated[list[str] | None, typer.Argument(help="Places (default: the scenario's OD places).")] = None,
    avoid: AvoidOpt = None,
    avoid_modes: AvoidModesOpt = None,
    cargo: CargoOpt = "container",
    scenario: ScenarioOpt = "baseline",
    out: Annotated[Path | None, typer.Option("--out", "-o", callback=check.out_folder,
                                             help="Write the three skims as CSV files into this folder.")] = None,
    network: NetworkOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """OD skims between places: time (h), distance (km) and generalised cost of the least-cost routes."""
    from corridor.routing import skim as compute_skim

    with cli_errors():
        sc, net, opts = _prepare(scenario, network, cargo, avoid, avoid_modes)
        names = places or list(dict.fromkeys(p for pair in sc.od_pairs for p in pair))
        skims = compute_skim(net, names, options=opts)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        for key, frame in skims.items():
            frame.to_csv(out / f"skim_{key}.csv")
    data = {"scenario": sc.name, "cargo": cargo, **{k: v.to_dict() for k, v in skims.items()}}

    def render() -> None:
        for key, unit in (("time_h", "hours"), ("distance_km", "km"), ("cost_usd", "generalised cost")):
            frame = skims[key]
            console.print(table(f"{unit} ({sc.name}, {cargo}; – = no route)", ["from \\ to", *frame.columns],
                                [(i, *row) for i, row in zip(frame.index, frame.to_numpy().tolist(), strict=True)]))

    emit(data, as_json, render)
