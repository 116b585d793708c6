"""The typer application behind ``corridor``: the root group that loads each area module lazily (see
:mod:`corridor.cli`) and sends every error through :func:`corridor.cli._output.fail`."""

from __future__ import annotations

import importlib
import sys
from typing import Annotated, Any

import click
import typer
from typer.core import TyperGroup

from corridor.cli import AREAS, COMMAND_AREA
from corridor.cli._output import fail, set_debug


def _area_commands(area: str) -> dict[str, click.Command]:
    """The click commands that area module ``area`` registers, by name."""
    module = importlib.import_module(f"corridor.cli.{area}")
    sub = typer.Typer(pretty_exceptions_enable=False, add_completion=False)
    module.register(sub)
    sub.callback()(lambda: None)  # always a group, even for an area with a single command
    return dict(typer.main.get_group(sub).commands)


class LazyGroup(TyperGroup):
    """The root group: imports an area module the first time one of its commands is asked for."""

    def _load(self, area: str) -> None:
        loaded = self.__dict__.setdefault("_loaded_areas", set())
        if area not in loaded:
            loaded.add(area)
            for name, cmd in _area_commands(area).items():
                self.commands.setdefault(name, cmd)

    def list_commands(self, ctx: click.Context) -> list[str]:
        for area in AREAS:
            self._load(area)
        return list(self.commands)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            area = COMMAND_AREA.get(cmd_name)
            if area is not None:
                self._load(area)
            if cmd_name not in self.commands:
                self.list_commands(ctx)
        return self.commands.get(cmd_name)


class CorridorGroup(LazyGroup):
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
    """Plan and operate transit corridors."""
    set_debug(debug)
