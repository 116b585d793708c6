"""CLI: ``corridor assign`` — user-equilibrium assignment of a TNTP network, or of freight on a GMNS corridor network
(default: the bundled region), with a live gap progress bar."""

from __future__ import annotations

from pathlib import Path

import typer

from corridor.cli import _assign_tntp as body
from corridor.cli import _options as check
from corridor.cli._output import cli_errors, console, emit, table


def is_gmns(network: Path | None) -> bool:
    """No path (the bundled region) or a folder with GMNS ``node.csv`` and ``link.csv``."""
    return network is None or (network.is_dir() and (network / "node.csv").is_file()
                               and (network / "link.csv").is_file())


def assign_command(
    network: Path | None = typer.Argument(
        None, help="TNTP folder or *_net.tntp file, or a GMNS folder (node.csv, link.csv); default: the bundled "
                   "bundled region (freight in tonnes per year)."),
    trips: Path | None = typer.Option(
        None, "--trips", help="TNTP: trips file (default: the *_trips.tntp beside it). GMNS: freight demand CSV "
                              "(origin, destination, cargo, [modes,] tonnes_per_yr, source; default: bundled)."),
    scenario: str | None = typer.Option(
        None, "--scenario", "-s", help="GMNS: scenario to apply (bundled name or YAML; default: existing links)."),
    year: int = typer.Option(2024, "--year", help="GMNS: bundled demand year when --trips is not given (2024, 2030)."),
    algorithm: str = typer.Option("gp", "--algorithm", "-a", help="gp (path-based), bfw, cfw, fw or msa."),
    gap: float = typer.Option(1e-4, "--gap", help="Target relative gap (TSTT - SPTT) / TSTT."),
    max_iter: int = typer.Option(1000, "--max-iter", help="Stop after this many iterations."),
    toll_factor: float | None = typer.Option(None, callback=check.at_least(0),
                                             help="Time units per toll unit (default: network README)."),
    distance_factor: float | None = typer.Option(None, callback=check.at_least(0),
                                                 help="Time units per length unit (default: README)."),
    out: Path | None = typer.Option(None, "--out", help="Write links, iterations, summary and skims here."),
    csv: bool = typer.Option(False, "--csv", help="Write the link table as CSV instead of Parquet."),
    no_skims: bool = typer.Option(False, "--no-skims", help="Do not compute and write skims.omx (saves one "
                                                              "shortest-path tree per origin)."),
    select_link: list[str] | None = typer.Option(
        None, "--select-link", help="Trace the traffic using any of these links: LINK[,LINK...] or "
                                    "NAME=LINK[,...]; repeat for several selections. Exact with gp, all-or-nothing "
                                    "approximation with link-based algorithms. With --out: select_NAME.omx, "
                                    "select_NAME_links.csv, select_NAME_od.csv."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Solve the user equilibrium and report the gap, objective and busiest links (GMNS: flows by route family
    and links over capacity)."""
    with cli_errors():
        selections = body.selections(select_link)
    if is_gmns(network):
        check.refuse_unused(["toll_factor", "distance_factor"],
                            "weights a TNTP network's generalised cost; a GMNS network costs its links itself")
        if trips is not None:
            check.refuse_unused(["year"], "picks the bundled demand, which --trips replaces")
        _assign_gmns(network, trips, scenario, year, algorithm, gap, max_iter, out, csv, as_json, no_skims,
                     selections)
        return
    with cli_errors():
        code = body.run_tntp(network, trips=trips, algorithm=algorithm, gap=gap, max_iter=max_iter,
                        toll_factor=toll_factor, distance_factor=distance_factor, out=out, csv=csv,
                        no_skims=no_skims, selections=selections, as_json=as_json)
    if code:
        raise typer.Exit(code)


def _assign_gmns(network: Path | None, trips: Path | None, scenario: str | None, year: int, algorithm: str,
                 gap: float, max_iter: int, out: Path | None, csv: bool, as_json: bool, no_skims: bool,
                 selections: dict[str, list[str]]) -> None:
    """Freight assignment on a GMNS network: demand in tonnes per year between places by cargo class."""
    from corridor.assignment.corridor import assign_corridor
    from corridor.assignment.freight import bundled_demand, read_demand
    from corridor.assignment.io import write_results
    from corridor.network import load_network
    from corridor.study import default_spec

    with cli_errors():
        net = load_network(network)
        demand = read_demand(trips) if trips is not None else bundled_demand(year)
        with body.progress_bar(f"{algorithm} on {net.name}", gap, as_json) as progress:
            res = assign_corridor(net, scenario, demand, algorithm=algorithm, gap=gap, max_iter=max_iter,
                                  families=default_spec().route_families, callback=progress)
        traced = body.trace(res.result, selections)
        files = []
        if out:
            files = write_results(res.result, out, table_format="csv" if csv else "parquet", with_skims=not no_skims)
            for name, frame in (("freight_links", res.links), ("paths", res.paths), ("families", res.families)):
                if frame is not None:
                    f = Path(out) / f"{name}.csv"
                    frame.to_csv(f, index=False)
                    files.append(f)
        files += body.write_traced(traced, out)
    data = res.to_dict(paths=False) | {"files": [str(f) for f in files]}
    if traced:
        data["select_link"] = [s.summary() for s in traced]

    def render() -> None:
        s = res.summary
        console.print(table(
            f"Freight assignment on {s['network']} ({s['scenario']})",
            ["algorithm", "iter", "gap", "converged", "demand Mt/yr", "assigned", "seconds"],
            [[s["algorithm"], s["iterations"], f"{s['relative_gap']:.1e}", s["converged"],
              f"{s['demand_t'] / 1e6:,.2f}", f"{s['assigned_t'] / 1e6:,.2f}", f"{s['seconds']:.2f}"]],
        ))
        if res.families is not None:
            console.print(table("Flows by route family (a path counts in each family it uses)",
                                ["family", "Mt/yr", "share"],
                                [[r.family, f"{r.tonnes / 1e6:,.2f}", f"{r.share:.1%}"]
                                 for r in res.families.itertuples()]))
            console.print(table("Routes", ["route", "Mt/yr"],
                                [[r.route, f"{r.tonnes / 1e6:,.2f}"] for r in res.routes.itertuples()]))
        else:
            console.print("route families need the path-based algorithm (gp)")
        console.print(f"{res.rules.project_label}: " + ", ".join(
            f"{m} {t / 1e6:,.2f} Mt/yr" for m, t in res.project_t.items()))
        over = res.over_capacity
        if len(over):
            console.print(table("Links over capacity", ["link", "direction", "mode", "Mt/yr", "capacity", "v/c"],
                                [[r.link_id, f"{r.from_node_id} → {r.to_node_id}", r.mode, f"{r.flow_t / 1e6:,.2f}",
                                  f"{r.capacity_t / 1e6:,.2f}", f"{r.voc:.2f}"] for r in over.itertuples()]))
        else:
            console.print("no link over capacity")
        un = res.freight.unserved
        for r in un.itertuples():
            console.print(f"[yellow]no route[/]: {r.origin} → {r.destination} ({r.cargo}), "
                          f"{r.tonnes_per_yr / 1e6:,.2f} Mt/yr left out")
        body.render_traced(traced, " Mt/yr", 1e6)
        for f in files:
            console.print(f"wrote {f}")

    emit(data, as_json, render)
    if not res.result.converged:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the root app."""
    app.command("assign")(assign_command)
