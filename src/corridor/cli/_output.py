"""Shared output helpers: rich tables for people, JSON for machines, and clean error exits."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from corridor._errors import CorridorError
from corridor._json import to_json

console = Console()
err_console = Console(stderr=True)


def print_json(data: Any) -> None:
    """Print JSON to stdout without rich markup or wrapping (safe for pipes)."""
    typer.echo(to_json(data))


def table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]], **kw) -> Table:
    t = Table(title=title, **kw)
    for c in columns:
        t.add_column(c, overflow="fold")
    for r in rows:
        t.add_row(*[fmt(v) for v in r])
    return t


def fmt(v: Any, digits: int = 1) -> str:
    if v is None:
        return "–"
    if isinstance(v, bool | np.bool_):
        return "yes" if v else "no"
    if isinstance(v, float | np.floating):
        if math.isnan(v):
            return "–"
        return f"{v:,.{digits}f}"
    return str(v)


@contextmanager
def cli_errors():
    """Turn our errors into a red message and exit code 2 (no traceback for expected failures)."""
    try:
        yield
    except CorridorError as e:
        err_console.print(f"[bold red]error:[/] {e}", highlight=False, markup=True)
        raise typer.Exit(2) from None
    except FileNotFoundError as e:
        err_console.print(f"[bold red]error:[/] file not found: {e.filename or e}")
        raise typer.Exit(2) from None


def emit(data: Any, as_json: bool, render: Callable[[], None]) -> None:
    """Print ``data`` as JSON when asked, otherwise call ``render`` to draw tables."""
    if as_json:
        print_json(data)
    else:
        render()
