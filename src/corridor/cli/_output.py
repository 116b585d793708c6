"""Shared output helpers: rich tables for people, JSON for machines, and clean error exits."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager, suppress
from typing import Any, NoReturn

import numpy as np
import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

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


_debug = {"on": False}


def set_debug(on: bool) -> None:
    """``corridor --debug``: let errors raise with their traceback instead of the one-line message."""
    _debug["on"] = on


def error_line(message: str) -> None:
    """Print ``error: message`` on stderr without wrapping, so one problem stays one line at any width."""
    err_console.print(Text.assemble(("error: ", "bold red"), message), soft_wrap=True, highlight=False)


def _usage_message(e: Exception) -> str:
    """Click's message, plus the value typed when typer's own type check does not name it."""
    msg = e.format_message()  # type: ignore[attr-defined]
    cause = e.__cause__
    errors = getattr(cause, "errors", None)
    if callable(errors) and "(got " not in msg:
        with suppress(Exception):
            msg += f" (got {errors()[0]['input']!r})"
    return msg


def describe(e: BaseException) -> tuple[str, int] | None:
    """(one-line message, exit code) for an error the user can fix; ``None`` for a bug in corridor."""
    from typer._click.exceptions import UsageError

    if isinstance(e, UsageError):
        return _usage_message(e), e.exit_code
    if isinstance(e, CorridorError):
        return str(e), 2
    if isinstance(e, OSError):
        if e.filename is not None:
            what = f"{e.filename} → {e.filename2}" if e.filename2 else str(e.filename)
            return f"{e.strerror or e}: {what}", 2
        return str(e), 2
    if type(e).__module__.startswith("sqlalchemy"):
        return f"database: {str(e).splitlines()[0]}", 2
    return None


def fail(e: BaseException) -> NoReturn:
    """The one error path: a user's problem prints one line and exits non-zero; a bug says how to see its
    traceback. With ``--debug`` everything raises as is."""
    if _debug["on"]:
        raise e
    known = describe(e)
    if known is None:
        error_line(f"internal error: {type(e).__name__}: {e} (run 'corridor --debug …' for the traceback)")
        raise typer.Exit(1) from None
    error_line(known[0])
    raise typer.Exit(known[1]) from None


@contextmanager
def cli_errors():
    """Kept for the commands' ``with cli_errors():`` blocks: expected errors take the one error path."""
    try:
        yield
    except (typer.Exit, typer.Abort):
        raise
    except Exception as e:
        if describe(e) is None:
            raise
        fail(e)


def emit(data: Any, as_json: bool, render: Callable[[], None]) -> None:
    """Print ``data`` as JSON when asked, otherwise call ``render`` to draw tables."""
    if as_json:
        print_json(data)
    else:
        render()
