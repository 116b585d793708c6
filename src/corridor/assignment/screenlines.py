"""Observed counts (screenlines) for calibration: a CSV of where, what mode, which direction, how much.

One row per screenline: ``name, place, links, direction, mode, transit_of, between, observed, low, high, unit,
year, source``. A screenline's modelled value is the freight whose route uses **any** of its ``links`` in
``direction`` (each route counted once), optionally only the freight passing through country ``transit_of``
(origin and destination outside it) or only that between two countries (``between``: ``RU;IR``, either way).
Units: ``t/yr``, ``Mt/yr`` or ``veh/day`` (trucks: tonnes ÷ the truck payload of the freight assumptions ÷ 365).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from corridor._errors import Problem, ValidationError
from corridor.assignment.freight import read_table

COLUMNS = ("name", "place", "links", "direction", "mode", "transit_of", "between", "observed", "low", "high",
           "unit", "year", "source")
REQUIRED = ("name", "links", "observed", "unit", "year", "source")
DIRECTIONS = ("both", "forward", "backward")
UNITS = ("t/yr", "Mt/yr", "veh/day")


@dataclass(frozen=True)
class Screenline:
    """One observed count (see the module docstring)."""

    name: str
    place: str
    links: tuple[str, ...]
    direction: str
    mode: str
    transit_of: str
    between: tuple[str, ...]
    observed: float
    low: float
    high: float
    unit: str
    year: int
    source: str
    line: int = 0

    def to_tonnes(self, value: float, truck_payload_t: float) -> float:
        """A value in this screenline's unit as tonnes per year."""
        return {"t/yr": 1.0, "Mt/yr": 1e6, "veh/day": 365.0 * truck_payload_t}[self.unit] * value

    def from_tonnes(self, tonnes: float, truck_payload_t: float) -> float:
        return tonnes / self.to_tonnes(1.0, truck_payload_t)


def bundled_screenlines_path() -> Path:
    return Path(str(resources.files("corridor.assignment") / "data" / "screenlines.csv"))


def read_screenlines(path: str | Path) -> list[Screenline]:
    """Read a screenline CSV; every problem (file, line, field) in one :class:`ValidationError`."""
    return check_screenlines(read_table(path, "counts file"), file=str(path))


def _number(raw: str) -> float:
    try:
        return float(raw.replace("_", "").replace(",", ""))
    except ValueError:
        return float("nan")


def check_screenlines(frame: pd.DataFrame, *, file: str = "counts") -> list[Screenline]:
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise ValidationError([Problem(f"missing required column(s): {', '.join(missing)}", file=file, row=1)])
    unknown = [c for c in frame.columns if c not in COLUMNS]
    if unknown:
        raise ValidationError([Problem(f"unknown column(s) {unknown}; expected some of {list(COLUMNS)}",
                                       file=file, row=1)])
    problems: list[Problem] = []
    out, names = [], set()
    for i, rec in enumerate(frame.to_dict(orient="records")):
        line = i + 2

        def bad(field: str, msg: str, value=None, _line=line) -> None:
            problems.append(Problem(msg, file=file, row=_line, field=field, value=value))

        get = {c: str(rec.get(c, "") or "").strip() for c in COLUMNS}
        if not get["name"]:
            bad("name", "empty")
        elif get["name"] in names:
            bad("name", "duplicate screenline name", get["name"])
        names.add(get["name"])
        links = tuple(x.strip() for x in get["links"].replace(",", ";").split(";") if x.strip())
        if not links:
            bad("links", "give at least one link id (';' separated)")
        direction = get["direction"] or "both"
        if direction not in DIRECTIONS:
            bad("direction", f"expected one of {list(DIRECTIONS)}", direction)
        between = tuple(x.strip() for x in get["between"].replace(",", ";").split(";") if x.strip())
        if between and len(between) != 2:
            bad("between", "give two country codes, e.g. 'RU;IR'", get["between"])
        obs = _number(get["observed"])
        if not (np.isfinite(obs) and obs > 0):
            bad("observed", "must be a number > 0", get["observed"])
        lo = _number(get["low"]) if get["low"] else obs
        hi = _number(get["high"]) if get["high"] else obs
        if get["low"] and not (np.isfinite(lo) and 0 < lo <= obs):
            bad("low", "must be a number in (0, observed]", get["low"])
        if get["high"] and not (np.isfinite(hi) and hi >= obs):
            bad("high", "must be a number ≥ observed", get["high"])
        if get["unit"] not in UNITS:
            bad("unit", f"expected one of {list(UNITS)}", get["unit"])
        try:
            year = int(get["year"])
        except ValueError:
            year = 0
        if not 1900 <= year <= 2100:
            bad("year", "must be a year", get["year"])
        if len(get["source"]) < 3:
            bad("source", "give the source (facts[N], a named source, or 'assumption: <why>')", get["source"])
        out.append(Screenline(get["name"], get["place"], links, direction, get["mode"], get["transit_of"], between,
                              obs, lo, hi, get["unit"], year, get["source"], line))
    if not out:
        problems.append(Problem("no screenlines", file=file, row=2))
    if problems:
        raise ValidationError(problems)
    return out


@lru_cache(maxsize=1)
def _bundled() -> tuple[Screenline, ...]:
    return tuple(read_screenlines(bundled_screenlines_path()))


def bundled_screenlines() -> list[Screenline]:
    """The bundled counts (data/screenlines.csv, each with its source)."""
    return list(_bundled())
