"""``corridor network info|validate|export``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from corridor.cli import _options as check
from corridor.cli._common import JsonOpt, NetworkOpt
from corridor.cli._output import cli_errors, console, emit, err_console, table

network_app = typer.Typer(help="Inspect, validate and export networks.", no_args_is_help=True)

PathArg = Annotated[Path | None, typer.Argument(callback=check.gmns_folder,
                                                help="GMNS folder (node.csv, link.csv); default: bundled region.")]
_FORMATS = {".gpkg": "GeoPackage", ".geojson": "GeoJSON"}


def _export_target(out: Path) -> Path:
    """A folder (GMNS CSV) or a .gpkg/.geojson file; anything else is refused rather than guessed."""
    if out.is_dir() or (not out.suffix and not out.exists()):
        return out
    if out.suffix.lower() not in _FORMATS:
        what = "an existing file" if out.exists() else f"unknown extension {out.suffix!r}"
        raise typer.BadParameter(f"{what}; expected a folder (GMNS CSV), *.gpkg or *.geojson (got {str(out)!r})")
    return out


def register(app: typer.Typer) -> None:
    app.add_typer(network_app, name="network")


@network_app.command("info")
def info(path: PathArg = None, as_json: JsonOpt = False) -> None:
    """Counts and lengths by mode, status and country."""
    from corridor.network import load_network

    with cli_errors():
        net = load_network(path)
    s = net.summary()

    def render() -> None:
        console.print(f"[bold]{s['name']}[/]: {s['nodes']} nodes, {s['links']} links, {s['places']} places, "
                      f"{s['border_crossings']} border crossings; countries {', '.join(s['countries'])}")
        console.print(table("Links by mode", ["mode", "links", "km"],
                            [(m, v["links"], v["length_km"]) for m, v in s["by_mode"].items()]))
        console.print(table("Links by status", ["status", "links"], list(s["by_status"].items())))

    emit(s, as_json, render)


@network_app.command("validate")
def validate(
    path: PathArg = None,
    strict: Annotated[bool, typer.Option("--strict", help="Treat warnings (unreachable parts) as errors.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Check a network; list every problem with its file, line and field (exit code 2 if invalid)."""
    import warnings

    from corridor import ValidationError
    from corridor.network import load_network

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            net = load_network(path, strict=strict)
        except ValidationError as e:
            problems = [str(p) for p in e.problems]
            if as_json:
                emit({"valid": False, "problems": problems}, True, lambda: None)
            else:
                err_console.print(f"[bold red]invalid[/]: {len(problems)} problem(s)")
                for p in problems:
                    err_console.print(f"  - {p}", highlight=False, markup=False, soft_wrap=True)
            raise typer.Exit(2) from None
    warns = [str(w.message) for w in caught]
    data = {"valid": True, "nodes": net.n_nodes, "links": net.n_links, "warnings": warns}
    emit(data, as_json, lambda: (
        console.print(f"[bold green]valid[/]: {net.n_nodes} nodes, {net.n_links} links"),
        [console.print(f"  [yellow]warning[/]: {w}", highlight=False) for w in warns]))


@network_app.command("export")
def export(
    out: Annotated[Path, typer.Argument(callback=_export_target,
                                        help="Target: a folder (GMNS CSV), *.gpkg (GeoPackage: layers nodes and "
                                        "links) or *.geojson (one file; property `layer` is nodes or links).")],
    path: NetworkOpt = None,
    scenario: Annotated[str | None, typer.Option("--scenario", "-s", callback=check.scenario,
                                                 help="Apply a scenario first (adds the `open` column).")] = None,
) -> None:
    """Export the network as GMNS CSV, GeoPackage or GeoJSON."""
    from corridor.network import export_geo, load_network, write_gmns
    from corridor.scenario import apply_scenario, load_scenario

    with cli_errors():
        net = load_network(path)
        if scenario:
            net = apply_scenario(net, load_scenario(scenario))
        files = export_geo(net, out) if out.suffix.lower() in _FORMATS else list(write_gmns(net, out))
    for f in files:
        console.print(f"wrote {f}")
