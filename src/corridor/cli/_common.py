"""Options and loaders shared by several commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from corridor.cli import _options as check
from corridor.cli._options import split_list

__all__ = ["CargoOpt", "JsonOpt", "NetworkOpt", "ScenarioOpt", "load", "split_list"]

NetworkOpt = Annotated[
    Path | None,
    typer.Option("--network", "-n", callback=check.gmns_folder,
                 help="GMNS folder (node.csv, link.csv); default: the bundled TRIPP region."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for machines instead of tables.")]
ScenarioOpt = Annotated[str, typer.Option("--scenario", "-s", callback=check.scenario,
                                          help="Bundled scenario name or YAML file.")]
CargoOpt = Annotated[str, typer.Option("--class", "-c", callback=check.cargo_class,
                                       help="Cargo class: container, general_cargo, dry_bulk, oil, passengers, "
                                       "natural_gas, data.")]


def load(network: Path | None):
    from corridor.network import load_network

    return load_network(network)
