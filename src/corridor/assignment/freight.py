"""Freight demand and the assumptions that turn a corridor network into a freight assignment problem.

Demand is a table of tonnes per year between places by cargo class (``data/freight_demand.csv``, each row with
its source); the assumptions (``data/freight_assumptions.yaml``) convert link capacities to tonnes per year and
give the BPR parameters per mode, the queue parameters per facility type (:mod:`corridor.assignment.facilities`)
and the study's route choice (logit SUE and its dispersion).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from corridor._errors import NotFoundError, Problem, ValidationError
from corridor.network.schema import MODES
from corridor.routing.classes import get_class
from corridor.sourced import Sourced, load_model

DEMAND_COLUMNS = ("origin", "destination", "cargo", "tonnes_per_yr", "source")
#: optional column: allowed modes (';' or ',' separated), narrowing the cargo class's modes (e.g. ``road``)
MODES_COLUMN = "modes"
#: optional columns: the range of an uncertain row (tonnes per year; empty: the central value). Calibration
#: (:mod:`corridor.assignment.calibrate`) adjusts a row only within its range.
RANGE_COLUMNS = ("low", "high")


def _data(name: str) -> Path:
    return Path(str(resources.files("corridor.assignment") / "data" / name))


class Bpr(BaseModel):
    """BPR volume-delay parameters: t = t0 (1 + alpha (x/c)^beta)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    alpha: float = Field(ge=0)
    beta: float = Field(ge=0)


def _positive(name: str, s: Sourced) -> Sourced:
    if not float(s.value) > 0 or (s.low is not None and not s.low > 0):
        raise ValueError(f"{name} must be > 0")
    return s


#: facility types whose links get the queue delay (corridor.assignment.facilities.facility_type)
FACILITY_TYPES: tuple[str, ...] = ("rail_line", "rail_border", "road_border", "ferry")


class QueueParams(BaseModel):
    """A facility type's queue: servers, tonnes per arrival (lot) and the coefficients of variation of the
    inter-arrival and service times (the mean service time follows from the link's capacity)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    servers: Sourced[int]
    lot_t: Sourced[float]
    arrival_cv: Sourced[float]
    service_cv: Sourced[float]

    @model_validator(mode="after")
    def _positive(self) -> QueueParams:
        if self.servers.value < 1:
            raise ValueError("servers must be >= 1")
        for name in ("lot_t", "arrival_cv", "service_cv"):
            _positive(name, getattr(self, name))
        return self


class RouteChoice(BaseModel):
    """The freight study's route choice: ``ue`` (deterministic) or ``logit`` (SUE) with θ relative to each O–D
    pair's free-flow cheapest cost."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    model: Sourced[Literal["ue", "logit"]]
    theta_relative: Sourced[float]
    alternatives: Sourced[int]  # rounds of link-penalty routes added to the choice set
    penalty: Sourced[float]  # factor on the arcs already used, in those rounds

    @model_validator(mode="after")
    def _choice_set(self) -> RouteChoice:
        if self.alternatives.value < 0 or not self.penalty.value > 1:
            raise ValueError("alternatives must be >= 0 and penalty > 1")
        return self

    @field_validator("theta_relative")
    @classmethod
    def _theta_positive(cls, v: Sourced[float]) -> Sourced[float]:
        return _positive("theta_relative", v)


class FreightAssumptions(BaseModel):
    """Capacity units → tonnes per year per direction, truck payload, BPR parameters per mode, queue parameters
    per facility type, route choice."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    capacity_units: dict[str, Sourced[float]]  # value: tonnes per year per direction per unit of capacity
    truck_payload_t: Sourced[float]
    bpr: dict[str, Sourced[Bpr]]
    uncapacitated: str = Field(min_length=3)
    queues: dict[str, QueueParams] = Field(default_factory=dict)  # facility type → its queue (absent: BPR)
    route_choice: RouteChoice | None = None  # None: deterministic user equilibrium

    @field_validator("queues")
    @classmethod
    def _known_facilities(cls, v: dict[str, QueueParams]) -> dict[str, QueueParams]:
        unknown = sorted(set(v) - set(FACILITY_TYPES))
        if unknown:
            raise ValueError(f"unknown facility type(s) {unknown}; expected some of {list(FACILITY_TYPES)}")
        return v

    @field_validator("capacity_units")
    @classmethod
    def _units_positive(cls, v: dict[str, Sourced[float]]) -> dict[str, Sourced[float]]:
        return {k: _positive(f"capacity unit {k}", s) for k, s in v.items()}

    @field_validator("truck_payload_t")
    @classmethod
    def _payload_positive(cls, v: Sourced[float]) -> Sourced[float]:
        return _positive("truck_payload_t", v)

    def lines(self) -> list[str]:
        """Each assumption as one readable line (for reports)."""
        out = [f"capacity in {u}: × {v.value:,.4g} t/yr per direction ({v.source})"
               for u, v in self.capacity_units.items()]
        out.append(f"truck payload {self.truck_payload_t.value:g} t ({self.truck_payload_t.source})")
        out += [f"BPR on {m}: alpha {b.value.alpha:g}, beta {b.value.beta:g} ({b.source})"
                for m, b in self.bpr.items()]
        out += [f"queue on {f}: {q.servers.value} servers, lot {q.lot_t.value:g} t, arrival cv "
                f"{q.arrival_cv.value:g}, service cv {q.service_cv.value:g} (Allen–Cunneen G/G/c)"
                for f, q in self.queues.items()]
        out.append(f"uncapacitated links: {self.uncapacitated}")
        if self.route_choice is not None:
            rc = self.route_choice
            out.append(f"route choice {rc.model.value}" + (f", theta_relative {rc.theta_relative.value:g} "
                                                           f"({rc.theta_relative.source})"
                                                           if rc.model.value == "logit" else ""))
        return out


def read_assumptions(path: str | Path) -> FreightAssumptions:
    """Read freight assumptions from YAML; errors name the file, line and field."""
    return load_model(FreightAssumptions, path)


@lru_cache(maxsize=1)
def bundled_assumptions() -> FreightAssumptions:
    return read_assumptions(_data("freight_assumptions.yaml"))


@lru_cache(maxsize=1)
def bundled_demand_files() -> dict[int, str]:
    """Bundled freight demand files by year, from the data folder's ``demand_index.yaml``."""
    import yaml

    with open(_data("demand_index.yaml"), encoding="utf-8") as f:
        return {int(y): str(name) for y, name in yaml.safe_load(f)["freight"].items()}


def bundled_demand_path(year: int | None = None) -> Path:
    """The bundled demand file of ``year`` (None: the index's first year, the base year)."""
    files = bundled_demand_files()
    year = min(files) if year is None else year
    if year not in files:
        raise NotFoundError(f"no bundled freight demand for {year}; bundled: {', '.join(map(str, files))}")
    return _data(files[year])


def read_demand(path: str | Path, **kw) -> pd.DataFrame:
    """Read a freight demand CSV: ``origin, destination, cargo, [modes,] tonnes_per_yr, [low, high,] source``.

    Returns the rows with ``modes`` as a tuple (empty: the cargo class's modes), ``low`` and ``high`` (the
    central value where not given) and ``line`` (line number in the file, for messages). Places are checked
    against a network later (:func:`freight_problem`). Keywords go to :func:`check_demand`."""
    path = Path(path)
    return check_demand(read_table(path, "demand file"), file=str(path), **kw)


def read_table(path: str | Path, what: str) -> pd.DataFrame:
    """A CSV as text cells with stripped headers; a missing file is a :class:`NotFoundError` naming ``what``, an
    unreadable one a :class:`ValidationError` naming the file (the callers check fields and name the lines)."""
    path = Path(path)
    if not path.is_file():
        raise NotFoundError(f"{what} not found: {path}")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True, encoding="utf-8")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as e:
        raise ValidationError([Problem(f"not a readable CSV: {e}", file=str(path))]) from None
    frame.columns = [c.strip() for c in frame.columns]
    return frame


def check_demand(frame: pd.DataFrame, *, file: str = "demand", unit: str = "t",
                 value_column: str = "tonnes_per_yr", cargo: str | None = None) -> pd.DataFrame:
    """Validate a demand table (see :func:`read_demand`), collecting every problem into one error.

    ``unit``/``value_column``: the classes' unit and the column holding the volumes (``pax``/``pax_per_yr`` for
    passengers); ``cargo``: the class of every row when the table has no ``cargo`` column."""
    if cargo is not None and "cargo" not in frame.columns:
        frame = frame.assign(cargo=cargo)
    columns = [value_column if c == "tonnes_per_yr" else c for c in DEMAND_COLUMNS]
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValidationError([Problem(f"missing required column(s): {', '.join(missing)}", file=file, row=1)])
    problems: list[Problem] = []
    lines = frame["line"].tolist() if "line" in frame.columns else list(range(2, len(frame) + 2))
    rows = []
    for line, rec in zip(lines, frame.to_dict(orient="records"), strict=True):
        def bad(field: str, msg: str, value=None, _line=line) -> None:
            problems.append(Problem(msg, file=file, row=int(_line), field=field, value=value))

        o, d = str(rec["origin"]).strip(), str(rec["destination"]).strip()
        if not o:
            bad("origin", "empty")
        if not d:
            bad("destination", "empty")
        if o and o == d:
            bad("destination", "must differ from the origin", d)
        cargo = str(rec["cargo"]).strip()
        cls = None
        try:
            cls = get_class(cargo)
        except NotFoundError as e:
            bad("cargo", str(e), cargo)
        if cls is not None:
            if cls.unit != unit:
                bad("cargo", f"cargo class {cargo!r} is counted in {cls.unit}, not {unit}", cargo)
            elif not cls.vot > 0:
                bad("cargo", f"cargo class {cargo!r} has no value of time", cargo)
        raw_modes = rec.get(MODES_COLUMN, "")
        raw_modes = "" if raw_modes is None or (isinstance(raw_modes, float) and np.isnan(raw_modes)) else raw_modes
        modes = tuple(m.strip() for m in str(raw_modes).replace(",", ";").split(";") if m.strip())
        unknown = [m for m in modes if m not in MODES]
        if unknown:
            bad(MODES_COLUMN, f"unknown mode(s) {unknown}; expected some of {list(MODES)}", raw_modes)
        elif cls is not None and modes and not set(modes) <= set(cls.modes):
            bad(MODES_COLUMN, f"cargo class {cargo!r} may use only {list(cls.modes)}", raw_modes)
        t_raw = str(rec[value_column]).strip()
        try:
            tonnes = float(t_raw.replace("_", ""))
        except ValueError:
            tonnes = float("nan")
        if not (np.isfinite(tonnes) and tonnes > 0):
            bad(value_column, "must be a number > 0", t_raw)
        bounds = {}
        for col in RANGE_COLUMNS:
            raw = str(rec.get(col, "") or "").strip()
            try:
                bounds[col] = float(raw.replace("_", "")) if raw else tonnes
            except ValueError:
                bounds[col] = float("nan")
            if not (np.isfinite(bounds[col]) and bounds[col] > 0):
                bad(col, "must be a number > 0 (or empty)", raw)
        if np.isfinite(tonnes) and not bounds["low"] <= tonnes <= bounds["high"]:
            bad("low" if bounds["low"] > tonnes else "high",
                f"the range must hold the central value {tonnes:g} (low ≤ {value_column} ≤ high)",
                f"{bounds['low']:g}–{bounds['high']:g}")
        src = str(rec["source"]).strip()
        if len(src) < 3:
            bad("source", "give the source (facts[N], a named source, or 'assumption: <why>')", src)
        rows.append({"origin": o, "destination": d, "cargo": cargo, "modes": tuple(sorted(modes)),
                     value_column: tonnes, "low": bounds["low"], "high": bounds["high"], "source": src,
                     "line": int(line)})
    if not rows:
        problems.append(Problem("no demand rows", file=file, row=2))
    if problems:
        raise ValidationError(problems)
    out = pd.DataFrame(rows)
    out.attrs["file"] = file
    return out


def bundled_demand(year: int | None = None) -> pd.DataFrame:
    """The bundled freight demand of ``year`` (None: the base year; tonnes per year between the region's places;
    data/README.md)."""
    return read_demand(bundled_demand_path(year))
