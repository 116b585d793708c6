"""The ``corridor`` command line (typer). Each area registers its commands from its own module."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from corridor.cli import (
    assign_cmd,
    economics_cmd,
    lines_cmd,
    network_cmd,
    route_cmd,
    run_cmd,
    transit_cmd,
)
from corridor.cli._output import fail, set_debug


class CorridorGroup(TyperGroup):
    """The root command: every error leaves through :func:`corridor.cli._output.fail` (one line, no traceback
    unless ``--debug``), whether click, typer or a command raised it."""

    def main(self, args: Any = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        from typer._click.exceptions import NoArgsIsHelpError

        set_debug(False)
        code = 0
        try:
            try:
                rv = super().main(args=args, prog_name=prog_name, complete_var=complete_var,
                                  standalone_mode=False, **extra)
                code = rv if isinstance(rv, int) else 0
            except NoArgsIsHelpError as e:  # the help is already printed
                code = e.exit_code
            except typer.Abort:
                typer.echo("Aborted.", err=True)
                code = 1
            except Exception as e:
                fail(e)
        except typer.Exit as e:
            code = e.exit_code
        if not standalone_mode:
            return code
        sys.exit(code)


app = typer.Typer(
    name="corridor",
    cls=CorridorGroup,
    help="Plan and operate transit corridors: the TRIPP region network, routes, assignment, lines, "
    "economics and the transit control service.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", envvar="CORRIDOR_DEBUG",
                                        help="Show the full traceback of an error instead of one line.")] = False,
) -> None:
    set_debug(debug)


for _module in (run_cmd, route_cmd, network_cmd, assign_cmd, lines_cmd, economics_cmd, transit_cmd):
    _module.register(app)


def main() -> None:
    """Entry point of the ``corridor`` script."""
    app()
