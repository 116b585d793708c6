"""The ``corridor`` command line (typer). Each area registers its commands from its own module.

The area modules are imported lazily: running one command imports only the module that defines it (so
``corridor assign`` never loads the web service, plotting or database stacks), while ``corridor --help``
imports every area module, whose top-level imports stay light (heavy libraries are imported inside commands).
The typer application itself (:mod:`corridor.cli._app`, ``corridor.cli.app``) is built on first use: a plain
``corridor assign`` on a TNTP network runs without typer, click or rich (:mod:`corridor.cli._fast`).
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

#: Area modules under ``corridor.cli``, in the order their commands are listed.
AREAS: tuple[str, ...] = ("run_cmd", "route_cmd", "network_cmd", "assign_cmd", "lines_cmd", "economics_cmd",
                          "inputs_cmd", "simulate_cmd", "uncertainty_cmd", "transit_cmd", "calibrate_cmd")
#: Where each top-level command lives: only a shortcut, a command missing here is still found by importing
#: every area module.
COMMAND_AREA: dict[str, str] = {
    "run": "run_cmd", "route": "route_cmd", "skim": "route_cmd", "network": "network_cmd", "assign": "assign_cmd",
    "lines": "lines_cmd", "economics": "economics_cmd", "inputs": "inputs_cmd", "simulate": "simulate_cmd",
    "calibrate": "calibrate_cmd", "uncertainty": "uncertainty_cmd",
    "serve": "transit_cmd",
    "users": "transit_cmd",
    "audit": "transit_cmd", "transit": "transit_cmd",
}

_APP_NAMES = ("app", "CorridorGroup", "LazyGroup")
__all__ = ["AREAS", "COMMAND_AREA", "CorridorGroup", "LazyGroup", "app", "main"]

if TYPE_CHECKING:
    from corridor.cli._app import CorridorGroup, LazyGroup, app


def __getattr__(name: str):
    if name in _APP_NAMES:
        from corridor.cli import _app

        value = getattr(_app, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'corridor.cli' has no attribute {name!r}")


def main() -> None:
    """Entry point of the ``corridor`` script: a plain TNTP ``assign`` takes the fast path, the rest the typer
    app."""
    from corridor.cli._fast import fast_main

    code = fast_main(sys.argv[1:])
    if code is not None:
        _exit(code)
    from corridor.cli._app import app

    app()


def _exit(code: int) -> None:
    """Leave at once, without the interpreter's teardown (finalising every module and object: 50–100 ms with
    numpy loaded, a tenth of a ChicagoSketch run). Safe here: the fast path has closed every file it wrote and
    registers no exit handler; stdout and stderr are flushed first (a failed flush exits 120, as Python does)."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:
        code = 120
    os._exit(code)
