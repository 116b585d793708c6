"""The corridor specification: everything corridor-specific, as validated data (YAML under ``study/data``).

A :class:`CorridorSpec` names the project (its route-family label, places and link cases), the do-nothing and
the committed projects that make the do-minimum, the OD pairs, demand years, finance year, line cases, transit
checkpoints, map extent and third-party cases. The general packages take these as arguments; none of them knows
a corridor by name. Errors name the file, the line and the field.
"""

from __future__ import annotations

from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic import ValidationError as PydanticError

from corridor._errors import NotFoundError, Problem, ValidationError
from corridor.scenario.compare import Constraint
from corridor.scenario.families import RouteFamilies
from corridor.scenario.model import LinkRef, Scenario
from corridor.sourced import read_yaml

DO_NOTHING = "do-nothing"
DO_MINIMUM = "do-minimum"


def _as_refs(v):
    """Link references may be written as bare link ids."""
    return [{"link": x} if isinstance(x, str) else x for x in (v or [])]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Figure(_Model):
    """A sourced figure: central value, optional low/high range, unit and source (or ``assumption: why``)."""

    value: float
    low: float | None = None
    high: float | None = None
    unit: str = ""
    source: str = Field(min_length=3)

    @model_validator(mode="after")
    def _range(self) -> Figure:
        lo = self.value if self.low is None else self.low
        hi = self.value if self.high is None else self.high
        if not lo <= self.value <= hi:
            raise ValueError(f"expected low <= value <= high, got {lo} / {self.value} / {hi}")
        return self

    @property
    def is_assumption(self) -> bool:
        return self.source.lower().startswith("assumption")

    @property
    def range(self) -> tuple[float, float, float]:
        """(low, central, high); a figure without a range has all three equal."""
        return (self.value if self.low is None else self.low, self.value,
                self.value if self.high is None else self.high)


class Project(_Model):
    label: str = Field(min_length=1)  # route-family label of paths that use the project's links
    places: tuple[str, ...] = ()


class MapBox(_Model):
    lon_min: float
    lat_min: float
    lon_max: float
    lat_max: float
    source: str = ""

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        return self.lon_min, self.lat_min, self.lon_max, self.lat_max


class DoNothing(_Model):
    description: str = ""
    close_links: tuple[LinkRef, ...] = ()

    @field_validator("close_links", mode="before")
    @classmethod
    def _refs(cls, v):
        return _as_refs(v)


class _Links(_Model):
    links: tuple[LinkRef, ...] = Field(min_length=1)

    @field_validator("links", mode="before")
    @classmethod
    def _refs(cls, v):
        return _as_refs(v)


class Committed(_Links):
    """A project under construction that opens with or without the project (part of the do-minimum)."""

    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    source: str = Field(min_length=3)
    opening_year: Figure


class Case(_Links):
    """A project case: the do-minimum plus these links."""

    name: str = Field(min_length=1)
    description: str = ""


class FamilyRule(_Model):
    label: str = Field(min_length=1)
    country: str | None = None
    mode: str | None = None

    @model_validator(mode="after")
    def _one(self) -> FamilyRule:
        if (self.country is None) == (self.mode is None):
            raise ValueError("give exactly one of country or mode")
        return self


class DemandYear(_Model):
    table: str = "bundled"  # "bundled" or a CSV path relative to the spec file
    source: str = Field(min_length=3)
    passengers: str | None = None  # None, "bundled" or a passenger CSV relative to the spec file


class Calibration(_Model):
    """Fit the base year's demand to observed counts; every demand year then uses the fitted row factors."""

    year: int  # a demand year of the spec
    scenario: str = "do-nothing"  # the network as it was in that year
    counts: str = "bundled"  # "bundled" or a screenline CSV relative to the spec file


class Finance(_Model):
    year: Figure
    bids: str = "bundled"  # "bundled" or a YAML path relative to the spec file
    lines: dict[str, str] = Field(default_factory=dict)  # bid line -> mode of the project's modelled tonnes


class Lines(_Model):
    """The project's line cases (the report shows all four): links in order, and the engineering inputs."""

    inputs: str  # engineering inputs (YAML), relative to the spec file
    gas: tuple[str, ...] = Field(min_length=1)
    oil: tuple[str, ...] = Field(min_length=1)
    fibre: tuple[str, ...] = Field(min_length=1)
    rail: tuple[str, ...] = Field(min_length=1)


class SegmentEnds(_Model):
    east: str
    west: str


class Transit(_Model):
    country: str
    east_label: str
    west_label: str
    segments: dict[str, SegmentEnds]
    operator_user: str = "operator"
    operator_agency: str = "corridor operator"


class ThirdPartyCase(_Model):
    name: str = Field(min_length=1)
    country: str = Field(min_length=2)
    pairs: tuple[tuple[str, str], ...] = ()
    links: tuple[str, ...] = ()
    shared_link: str | None = None  # a link whose flow is split into project and other traffic


class ThirdParties(_Model):
    countries: tuple[str, ...] = ()
    transit_tariff_usd_per_tkm: dict[str, Figure] = Field(default_factory=dict)  # by mode
    cases: tuple[ThirdPartyCase, ...] = ()


class SimulationFeedback(_Model):
    """The operations simulation (:mod:`corridor.simulation`) fed back into assignment: each listed demand year's
    project and comparison scenarios are assigned with the simulated delays at border posts, gauge changes,
    ferries and single track, iterating until they agree (:func:`corridor.simulation.delays.settle_delays`).
    Every figure is sourced or ``assumption: why``: the tolerance and the loop's run length are choices."""

    operations: str = "bundled"  # corridor.simulation's bundled operations, or a YAML file relative to the spec
    feedback: bool = True  # ``corridor run --no-simulate`` turns it off for one run
    years: tuple[int, ...] = ()  # demand years the loop runs for; () = every demand year
    days: Figure  # days simulated per round
    replications: Figure  # replications per round
    seed: int = 1
    tolerance_h: Figure  # settled when every simulated delay is within this many hours of the one used ...
    tolerance_share: Figure  # ... or within this share of it, whichever is larger ...
    tolerance_flow: Figure  # ... and the round's facility flows within this share of the averaged ones
    max_rounds: Figure
    damping: Literal["msa", "none"] = "msa"

    @model_validator(mode="after")
    def _check(self) -> SimulationFeedback:
        errs = [f"{name} must be a whole number >= 1 (got {getattr(self, name).value:g})"
                for name in ("days", "replications", "max_rounds")
                if getattr(self, name).value < 1 or getattr(self, name).value != int(getattr(self, name).value)]
        if not self.tolerance_h.value > 0:
            errs.append(f"tolerance_h must be > 0 (got {self.tolerance_h.value:g})")
        for name in ("tolerance_share", "tolerance_flow"):
            if not 0 <= getattr(self, name).value < 1:
                errs.append(f"{name} must be in [0, 1) (got {getattr(self, name).value:g})")
        if errs:
            raise ValueError("; ".join(errs))
        return self


class UncertaintySweep(_Model):
    """The headline ranges of ``corridor run`` (:mod:`corridor.uncertainty`): how many Latin-hypercube draws of the
    ranged inputs (0: none) and their seed. The draw count is a choice: sourced or ``assumption: why``."""

    draws: Figure
    seed: int = Field(default=1, ge=0)

    @model_validator(mode="after")
    def _check(self) -> UncertaintySweep:
        n = self.draws.value
        if n != int(n) or n < 0 or n == 1:
            raise ValueError(f"draws must be 0 (no ranges) or a whole number >= 2 (got {n:g})")
        return self


class CorridorSpec(_Model):
    """Everything specific to one corridor study (see the module docstring)."""

    name: str = Field(min_length=1)
    title: str = ""
    description: str = ""
    network: str = "bundled"  # "bundled" or a GMNS folder relative to the spec file
    project: Project
    map_box: MapBox | None = None
    do_nothing: DoNothing = DoNothing()
    committed: tuple[Committed, ...] = ()
    cases: tuple[Case, ...] = Field(min_length=1)
    od_pairs: tuple[tuple[str, str], ...] = Field(min_length=1)
    headline_pair: tuple[str, str] | None = None
    constraints: tuple[dict[str, tuple[str, ...]], ...] = ({},)
    families: tuple[FamilyRule, ...] = ()
    demand: dict[int, DemandYear] = Field(min_length=1)
    calibration: Calibration | None = None
    #: forecast inputs (YAML relative to the spec file, :mod:`corridor.study.forecast`); None: only the demand years
    forecast: str | None = None
    finance: Finance | None = None
    lines: Lines | None = None
    transit: Transit | None = None
    third_parties: ThirdParties = ThirdParties()
    simulation: SimulationFeedback | None = None
    #: the headline ranges' sweep (None: no ranges unless ``corridor run --draws`` asks)
    uncertainty: UncertaintySweep | None = None
    #: folder of the spec file (relative paths in the spec are resolved against it); set by :func:`read_spec`
    folder: str = ""

    @model_validator(mode="after")
    def _check(self) -> CorridorSpec:
        names = [c.name for c in self.cases]
        errs = []
        for reserved in (DO_NOTHING, DO_MINIMUM):
            if reserved in names:
                errs.append(f"case name {reserved!r} is reserved")
        if len(set(names)) != len(names):
            errs.append(f"case names must be unique, got {names}")
        ids = [c.id for c in self.committed]
        if len(set(ids)) != len(ids):
            errs.append(f"committed project ids must be unique, got {ids}")
        for con in self.constraints:
            bad = set(con) - {"avoid_countries", "avoid_modes"}
            if bad:
                errs.append(f"constraints accept avoid_countries and avoid_modes, got {sorted(bad)}")
        if self.finance is not None:
            fy = self.finance.year.value
            late = [c.id for c in self.committed if c.opening_year.value > fy]
            if late:
                errs.append(f"finance year {fy:g} is before the central opening year of {late}: the do-minimum "
                            "of that year would hold projects not yet open")
        if self.simulation is not None:
            missing = sorted(set(self.simulation.years) - set(self.demand))
            if missing:
                errs.append(f"simulation.years {missing} have no demand table (years: {sorted(self.demand)})")
        if self.calibration is not None and self.calibration.year not in self.demand:
            errs.append(f"calibration year {self.calibration.year} has no demand table")
        if self.headline_pair is not None and tuple(self.headline_pair) not in set(map(tuple, self.od_pairs)):
            errs.append("headline_pair must be one of od_pairs")
        if errs:
            raise ValueError("; ".join(errs))
        return self

    # ---- scenarios -----------------------------------------------------------------------------------------
    @property
    def default_case(self) -> str:
        return self.cases[0].name

    @property
    def scenario_names(self) -> tuple[str, ...]:
        return (DO_NOTHING, DO_MINIMUM, *(c.name for c in self.cases))

    def case(self, name: str) -> Case:
        for c in self.cases:
            if c.name == name:
                return c
        raise NotFoundError(f"corridor {self.name!r} has no case {name!r}; scenarios: "
                            f"{', '.join(self.scenario_names)}")

    def _scenario(self, name: str, description: str, opened: tuple[LinkRef, ...]) -> Scenario:
        return Scenario(name=name, description=description, built_statuses=("existing",),
                        close_links=self.do_nothing.close_links, open_links=opened, od_pairs=self.od_pairs)

    def committed_links(self, upto: int | None = None) -> tuple[LinkRef, ...]:
        """Links of the committed projects (the first ``upto`` of them; all by default)."""
        return tuple(ref for c in self.committed[:upto] for ref in c.links)

    def scenario(self, name: str) -> Scenario:
        """``do-nothing``, ``do-minimum`` or a case (the do-minimum plus the case's links) as a Scenario."""
        if name == DO_NOTHING:
            return self._scenario(name, self.do_nothing.description, ())
        if name == DO_MINIMUM:
            built = ", ".join(c.name for c in self.committed) or "nothing"
            return self._scenario(name, f"Today plus the committed projects: {built}.", self.committed_links())
        c = self.case(name)
        return self._scenario(c.name, c.description, self.committed_links() + c.links)

    def attribution_steps(self, case: Scenario) -> list[tuple[str, Scenario]]:
        """The incremental order of the attribution: do-nothing, + each committed project, + the case.

        Each step is (label of what it adds, the scenario after it)."""
        steps = [(DO_NOTHING, self.scenario(DO_NOTHING))]
        for i, c in enumerate(self.committed, start=1):
            if i == len(self.committed):
                sc = self.scenario(DO_MINIMUM)
            else:
                sc = self._scenario(f"+{c.id}", "do-nothing plus " + ", ".join(x.name for x in self.committed[:i]),
                                    self.committed_links(i))
            steps.append((f"+ {c.name}", sc))
        steps.append((f"+ {case.name}", case))
        return steps

    # ---- rules the general packages take ---------------------------------------------------------------------
    @cached_property
    def project_links(self) -> frozenset[str]:
        """Every link of any project case (the links whose use makes a path the project's family)."""
        return frozenset(ref.link for c in self.cases for ref in c.links)

    @cached_property
    def route_families(self) -> RouteFamilies:
        return RouteFamilies(
            project_label=self.project.label, project_links=self.project_links,
            by_country=tuple((f.label, f.country) for f in self.families if f.country),
            by_mode=tuple((f.label, f.mode) for f in self.families if f.mode))

    @property
    def route_constraints(self) -> tuple[Constraint, ...]:
        return tuple(Constraint(tuple(c.get("avoid_countries", ())), tuple(c.get("avoid_modes", ())))
                     for c in self.constraints)

    @property
    def simulation_years(self) -> tuple[int, ...]:
        """Demand years the simulation feedback runs for (none without a ``simulation`` section)."""
        if self.simulation is None:
            return ()
        return tuple(sorted(self.simulation.years or self.demand))

    def path(self, relative: str) -> Path:
        """A path named in the spec, relative to the spec file's folder."""
        return Path(self.folder) / relative

    def referenced_links(self) -> dict[str, list[str]]:
        """field -> link ids the spec names (to check against a network)."""
        out: dict[str, list[str]] = {"do_nothing.close_links": [r.link for r in self.do_nothing.close_links]}
        for i, c in enumerate(self.committed):
            out[f"committed.{i}.links"] = [r.link for r in c.links]
        for i, c in enumerate(self.cases):
            out[f"cases.{i}.links"] = [r.link for r in c.links]
        if self.lines is not None:
            for kind in ("gas", "oil", "fibre", "rail"):
                out[f"lines.{kind}"] = list(getattr(self.lines, kind))
        for i, c in enumerate(self.third_parties.cases):
            out[f"third_parties.cases.{i}.links"] = list(c.links) + ([c.shared_link] if c.shared_link else [])
        return out


# ---- loading --------------------------------------------------------------------------------------------------

def bundled_specs() -> dict[str, Path]:
    folder = Path(str(resources.files("corridor.study") / "data"))
    return {p.stem: p for p in sorted(folder.glob("*.yaml"))}


def _line_of(path: Path, loc: tuple) -> int | None:
    """The 1-based line of the YAML node at ``loc`` (keys and list indices), or of its nearest parent."""
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None
    line = None
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            hit = next(((k, v) for k, v in node.value if str(k.value) == str(key)), None)
            if hit is None:
                break
            line, node = hit[0].start_mark.line + 1, hit[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
            line = node.start_mark.line + 1
        else:
            break
    return line


def read_spec(path: str | Path) -> CorridorSpec:
    """Read and validate a corridor spec YAML file; every problem names the file, line and field."""
    path = Path(path)
    raw = read_yaml(path)
    raw.setdefault("name", path.stem)
    raw["folder"] = str(path.parent)
    try:
        return CorridorSpec.model_validate(raw)
    except PydanticError as e:
        problems = []
        for err in e.errors():
            loc = tuple(err["loc"])
            value = err.get("input") if loc and not isinstance(err.get("input"), dict | list) else None
            problems.append(Problem(err["msg"].removeprefix("Value error, "), file=str(path),
                                    row=_line_of(path, loc), field=".".join(map(str, loc)) or None, value=value))
        raise ValidationError(problems) from None


def load_spec(name_or_path: str | Path | CorridorSpec) -> CorridorSpec:
    """A bundled spec by name (``tripp``, ...) or a spec YAML file."""
    if isinstance(name_or_path, CorridorSpec):
        return name_or_path
    p = Path(name_or_path)
    if p.suffix in (".yaml", ".yml") or p.is_file():
        if not p.is_file():
            raise NotFoundError(f"corridor spec file not found: {p}")
        return read_spec(p)
    bundled = bundled_specs()
    if str(name_or_path) not in bundled:
        raise NotFoundError(f"no bundled corridor {str(name_or_path)!r}; bundled: {', '.join(bundled)} "
                            "(or give the path of a .yaml spec file)")
    return read_spec(bundled[str(name_or_path)])

