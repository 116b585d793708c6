"""The ``corridor`` command line (typer). Each area registers its commands from its own module."""

from __future__ import annotations

import typer

from corridor.cli import (
    assign_cmd,
    economics_cmd,
    lines_cmd,
    network_cmd,
    route_cmd,
    run_cmd,
    simulate_cmd,
    transit_cmd,
)

app = typer.Typer(
    name="corridor",
    help="Plan and operate transit corridors: the TRIPP region network, routes, assignment, lines, "
    "economics and the transit control service.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

for _module in (run_cmd, route_cmd, network_cmd, assign_cmd, lines_cmd, economics_cmd, transit_cmd,
                simulate_cmd):
    _module.register(app)


def main() -> None:
    """Entry point of the ``corridor`` script."""
    app()
