"""Shared output helpers: rich tables for people, JSON for machines, and clean error exits."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from corridor._errors import CorridorError

console = Console()
err_console = Console(stderr=True)


def _default(o: Any):
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return None if math.isnan(o) else float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    if hasattr(o, "model_dump"):
        return o.model_dump(mode="json")
    if hasattr(o, "isoformat"):
        return o.isoformat()
    return str(o)


def _clean(o: Any):
    """Replace NaN/inf floats by None so the JSON is valid."""
    if isinstance(o, float) and not math.isfinite(o):
        return None
    if isinstance(o, dict):
        return {k: _clean(v) for k, v in o.items()}
    if isinstance(o, list | tuple):
        return [_clean(v) for v in o]
    return o


def to_json(data: Any) -> str:
    return json.dumps(_clean(json.loads(json.dumps(data, default=_default))), indent=2, ensure_ascii=False)


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
