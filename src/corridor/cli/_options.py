"""Validation of command-line input: a bad value fails before any computation, in one line naming the option,
the value and what is accepted.

Value checks are typer callbacks (``typer.Option(callback=positive("km/h"))``) raising ``typer.BadParameter``;
click prefixes the option's name. :func:`refuse_unused` refuses options the chosen input does not read, so no
option is silently ignored.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import typer


def _bad(message: str, value: Any) -> typer.BadParameter:
    return typer.BadParameter(f"{message} (got {value!r})")


def _number_check(test: Callable[[float], bool], accepted: str) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        for v in value if isinstance(value, list | tuple) else [value]:
            if v is not None and (not math.isfinite(v) or not test(v)):
                raise _bad(f"expected {accepted}", v)
        return value

    return check


def positive(unit: str = "") -> Callable[[Any], Any]:
    """A number > 0 (speeds, lengths, masses, flows)."""
    return _number_check(lambda v: v > 0, f"a number > 0{' ' + unit if unit else ''}")


def at_least(low: float, unit: str = "") -> Callable[[Any], Any]:
    return _number_check(lambda v: v >= low, f"a number >= {low:g}{' ' + unit if unit else ''}")


def between(low: float, high: float, *, low_open: bool = False, high_open: bool = False,
            hint: str = "") -> Callable[[Any], Any]:
    """A number in an interval; ``hint`` says what the number means (e.g. 'a fraction: 0.08 for 8 %')."""
    lo, hi = "(" if low_open else "[", ")" if high_open else "]"

    def test(v: float) -> bool:
        return (v > low if low_open else v >= low) and (v < high if high_open else v <= high)

    return _number_check(test, f"a number in {lo}{low:g}, {high:g}{hi}{'; ' + hint if hint else ''}")


def fraction(*, high_open: bool = True, low: float = 0.0) -> Callable[[Any], Any]:
    """A yearly rate or share as a fraction (0.08, not 8)."""
    return between(low, 1.0, high_open=high_open, hint="a fraction, e.g. 0.08 for 8 %")


def one_of(*accepted: str, case: bool = False) -> Callable[[str | None], str | None]:
    """One of ``accepted`` (case-insensitive unless ``case``); returns the accepted spelling."""
    table = {(a if case else a.casefold()): a for a in accepted}

    def check(value: str | None) -> str | None:
        if value is None:
            return None
        hit = table.get(value if case else value.casefold())
        if hit is None:
            raise _bad(f"expected one of {', '.join(accepted)}", value)
        return hit

    return check


def non_empty(value: str | None) -> str | None:
    if value is not None and not value.strip():
        raise _bad("expected a non-empty text", value)
    return value


def split_list(value: str | None) -> list[str]:
    """'IR, RU' → ['IR', 'RU']."""
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def countries(value: str | None) -> str | None:
    """'Iran, ru' → 'IR,RU': ISO codes or names; an unknown one is refused with suggestions."""
    if value is None:
        return None
    from corridor._errors import NotFoundError
    from corridor.network.countries import resolve_country

    items = split_list(value)
    if not items:
        raise _bad("expected countries as ISO codes or names, comma-separated (IR,RU or Iran,Russia)", value)
    try:
        return ",".join(resolve_country(c) for c in items)
    except NotFoundError as e:
        raise typer.BadParameter(str(e)) from None


def country(value: str | None) -> str | None:
    """One country: ISO code or name → code."""
    if value is not None and "," in value:
        raise _bad("expected one country", value)
    return countries(value)


def modes(value: str | None) -> str | None:
    """'Road, FERRY' → 'road,ferry'; each must be a network mode."""
    if value is None:
        return None
    from rapidfuzz import process

    from corridor.network.schema import MODES

    items = [m.casefold() for m in split_list(value)]
    if not items:
        raise _bad(f"expected modes, comma-separated, from {', '.join(MODES)}", value)
    for m in items:
        if m not in MODES:
            close = process.extractOne(m, MODES, score_cutoff=70)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise _bad(f"unknown mode {m!r}{hint}; accepted: {', '.join(MODES)}", value)
    return ",".join(items)


def cargo_class(value: str | None) -> str | None:
    if value is None:
        return None
    from corridor.routing.classes import bundled_classes

    return one_of(*bundled_classes())(value)


def scenario(value: str | None) -> str | None:
    """A bundled scenario name or an existing scenario YAML file."""
    if value is None:
        return None
    from corridor.scenario import bundled_scenarios
    from corridor.scenario.model import ALIASES

    bundled = bundled_scenarios()
    if value in bundled or value in ALIASES or Path(value).is_file():
        return value
    raise _bad(f"expected a bundled scenario ({', '.join(bundled)}) or a scenario YAML file", value)


def gmns_folder(value: Path | None) -> Path | None:
    """An existing folder holding node.csv and link.csv."""
    if value is None or (value.is_file() and value.name in ("node.csv", "link.csv")):
        return value
    if not value.is_dir():
        raise _bad("expected a GMNS folder (with node.csv and link.csv); no such folder", str(value))
    missing = [f for f in ("node.csv", "link.csv") if not (value / f).is_file()]
    if missing:
        raise _bad(f"expected a GMNS folder; {' and '.join(missing)} missing", str(value))
    return value


def existing_file(value: Path | None) -> Path | None:
    if value is not None and not value.is_file():
        raise _bad("no such file", str(value))
    return value


def out_folder(value: Path | None) -> Path | None:
    """A folder to write into: it may exist (as a folder) or not yet, but must not be a file."""
    if value is not None and value.exists() and not value.is_dir():
        raise _bad("expected a folder to write into; this is an existing file", str(value))
    return value


def scheduler_address(value: str | None) -> str | None:
    """A Dask scheduler address: ``tcp://HOST:PORT`` (or ``tls://``, or ``HOST:PORT``)."""
    import re

    if value is not None and not re.fullmatch(r"((tcp|tls)://)?[^\s:/]+:\d{1,5}", value):
        raise _bad("expected a Dask scheduler address tcp://HOST:PORT", value)
    return value


def database_url(value: str | None) -> str | None:
    """A SQLAlchemy URL for SQLite (whose folder exists) or PostgreSQL."""
    if value is None:
        return None
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    accepted = "accepted: sqlite:///FILE or postgresql://USER@HOST/DATABASE"
    try:
        url = make_url(value)
    except ArgumentError:
        raise _bad(f"not a database URL; {accepted}", value) from None
    shown = url.render_as_string(hide_password=True)
    backend = url.get_backend_name()
    if backend == "postgres":
        raise _bad("write postgresql:// (SQLAlchemy dropped the postgres:// alias)", shown)
    if backend not in ("sqlite", "postgresql"):
        raise _bad(f"unsupported database {backend!r}; {accepted}", shown)
    if backend == "sqlite" and url.database not in (None, "", ":memory:"):
        folder = Path(url.database).parent
        if not folder.is_dir():
            raise _bad(f"folder {str(folder)!r} does not exist", shown)
    return value


def existing_database(url: str) -> None:
    """Refuse a SQLite database file that does not exist (read-only commands must not create one)."""
    from sqlalchemy.engine import make_url

    u = make_url(url)
    if u.get_backend_name() == "sqlite" and u.database not in (None, "", ":memory:") \
            and not Path(u.database).is_file():
        raise typer.BadParameter(f"no database at {u.database!r} (this command does not create one; "
                                 "'corridor transit demo' or 'corridor serve' does)", param_hint="'--database-url'")


def given(*names: str) -> list[str]:
    """Which of the parameters ``names`` (python names) the user typed on the command line."""
    from typer._click.core import ParameterSource
    from typer._click.globals import get_current_context

    ctx = get_current_context()
    return [n for n in names if ctx.get_parameter_source(n) is ParameterSource.COMMANDLINE]


class UnusedOption(typer.BadParameter):
    """An option the chosen input does not read; the message says what to give instead."""

    def format_message(self) -> str:
        return self.message


def refuse_unused(names: Iterable[str], why: str) -> None:
    """Refuse the first of ``names`` the user gave: the chosen input does not read it (``why`` says so)."""
    from typer._click.globals import get_current_context

    hits = given(*names)
    if hits:
        ctx = get_current_context()
        param = next(p for p in ctx.command.params if p.name == hits[0])
        shown = param.opts[0] if getattr(param, "opts", None) and param.opts[0].startswith("-") else \
            param.name.upper()
        value = ctx.params.get(hits[0])
        if isinstance(value, list | tuple):
            value = ",".join(map(str, value))
        raise UnusedOption(f"{shown}: {why}" if isinstance(value, bool) else f"{shown} {value}: {why}")
