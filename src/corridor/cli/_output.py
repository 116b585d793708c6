"""Shared output helpers: rich tables for people, JSON for machines, and clean error exits."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager, suppress
from typing import Any, NoReturn

import numpy as np
import typer
from rich import box
from rich.cells import cell_len
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from corridor._errors import CorridorError, ValidationError
from corridor._json import to_json

console = Console()
err_console = Console(stderr=True)


def print_json(data: Any) -> None:
    """Print JSON to stdout without rich markup or wrapping (safe for pipes)."""
    typer.echo(to_json(data))


def _longest_word(text: str) -> int:
    return max((cell_len(w) for w in text.split()), default=0)


def _is_number(text: str) -> bool:
    return bool(text) and text.lstrip("+-−").replace(",", "").replace(".", "", 1).replace(" %", "").isdigit()


def table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]], *,
          width: int | None = None, **kw) -> RenderableType:
    """A table that fits the terminal (80 columns in pipes) without splitting a number or a word: numbers never
    wrap and text wraps between words; a table too wide for that is split into several with the first column
    repeated, and one whose single columns do not fit is stacked (``column value`` lines under each row)."""
    cells = [[fmt(v) for v in r] for r in rows]
    plain = [[Text.from_markup(c).plain for c in r] for r in cells]
    width = width or console.width
    n = len(columns)
    numeric = [bool(plain) and all(_is_number(r[i]) or r[i] in ("–", "") for r in plain) for i in range(n)]
    widest = [max([cell_len(h), *(cell_len(r[i]) for r in plain)]) for i, h in enumerate(columns)]
    narrowest = [max([_longest_word(h), *((cell_len(r[i]) if numeric[i] else _longest_word(r[i])) for r in plain)])
                 for i, h in enumerate(columns)]

    def fits(idx: list[int]) -> bool:
        return sum(narrowest[i] for i in idx) + 2 * (len(idx) - 1) <= width

    def grid(idx: list[int], head: str | None) -> Table:
        fixed: dict[int, int | None] = dict.fromkeys(idx)
        if sum(widest[i] for i in idx) + 2 * (len(idx) - 1) > width:  # each column its longest word, then the
            fixed = {i: narrowest[i] for i in idx}  # room left to text (which wraps less), then to headers
            spare = width - 2 * (len(idx) - 1) - sum(fixed.values())
            for group in ([i for i in idx if not numeric[i]], [i for i in idx if numeric[i]]):
                group.sort(key=lambda i: widest[i] - fixed[i])  # fill the short ones first, the longest wraps
                for k, i in enumerate(group):
                    give = min(widest[i] - fixed[i], spare // (len(group) - k))
                    fixed[i] += give
                    spare -= give
        t = Table(title=head, box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True,
                  min_width=min(cell_len(head or ""), width), **kw)  # the title on one line when it can be
        for i in idx:
            t.add_column(columns[i], justify="right" if numeric[i] else "left", overflow="fold", width=fixed[i])
        for r in cells:  # a number never wraps (its header may)
            t.add_row(*(_unbroken(r[i]) if numeric[i] else r[i] for i in idx))
        return t

    if fits(list(range(n))):
        return grid(list(range(n)), title)
    chunks, current = [], [0]
    for i in range(1, n):
        if not fits([*current, i]):
            if len(current) == 1 or not fits([0, i]):
                return _stacked(title, columns, cells, **kw)
            chunks.append(current)
            current = [0]
        current.append(i)
    chunks.append(current)
    chunks = _balanced(chunks, fits)
    return Group(*(grid(idx, title if k == 0 else f"{title or ''} (continued)".strip())
                   for k, idx in enumerate(chunks)))


def _unbroken(cell: str) -> Text:
    text = Text.from_markup(cell)
    text.no_wrap = True
    return text


def _balanced(chunks: list[list[int]], fits: Callable[[list[int]], bool]) -> list[list[int]]:
    """The same number of tables as the greedy split, with the columns shared out evenly when they fit so."""
    data = [i for c in chunks for i in c[1:]]
    k = len(chunks)
    even = [[0, *data[j * len(data) // k:(j + 1) * len(data) // k]] for j in range(k)]
    return even if all(fits(c) for c in even) else chunks


def _stacked(title: str | None, columns: Sequence[str], cells: list[list[str]], **kw) -> RenderableType:
    """One block per row: its first cell as a heading, then ``column  value`` lines (for tables too wide to be a
    grid at all)."""
    parts: list[RenderableType] = [Text(title, style="italic")] if title else []
    for r in cells:
        parts.append(Text(f"{columns[0]} {Text.from_markup(r[0]).plain}", style="bold"))
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column(overflow="fold")
        for c, v in zip(columns[1:], r[1:], strict=True):
            grid.add_row(f"  {c}", v)
        parts.append(grid)
    return Group(*parts)


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
    from typer._click.exceptions import BadParameter, UsageError

    if isinstance(e, UsageError):
        ctx = getattr(e, "ctx", None)
        hint = f" (see '{ctx.command_path} --help')" if ctx is not None and not isinstance(e, BadParameter) else ""
        return _usage_message(e) + hint, e.exit_code
    if isinstance(e, ValidationError) and len(e.problems) > 1:
        return f"{len(e.problems)} problems: " + "; ".join(str(p) for p in e.problems), 2
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
