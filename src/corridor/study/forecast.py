"""The forecast over the concession: demand grown by cargo class, generated traffic, ramp-up, volumes by year.

A spec's ``forecast`` file (YAML, every figure a :class:`~corridor.sourced.Sourced` value) gives

* ``years``: the modelled years, each assigned in both scenarios;
* ``growth``: the yearly growth of tonnes per cargo class. A modelled year's demand is the spec's latest demand
  table at or before that year, each row times ``(1 + rate of its class) ** (year - table year)``; a class with
  no rate is an error naming the row;
* ``elasticity``: of each OD pair's tonnes to its generalised cost (USD/t), against the do-minimum. The project's
  demand is ``T * (C_project / C_against) ** elasticity`` with both costs at equilibrium with the reference
  demand ``T`` (one step, not an elastic-demand equilibrium); pairs without a route in either scenario keep
  ``T``. The other scenarios (do-minimum, attribution steps) take the reference demand;
* ``opening_year`` and ``ramp_up``: the project's share of its modelled effect in operating year ``k`` (1 = the
  opening year) rises linearly from ``first_year_share`` to 1 in year ``years_to_full``; before opening it is 0.

Every year from the first to the last modelled year: each flow is interpolated linearly between modelled years
and then ``against + share * (project - against)``: the ramp-up is applied once, here, and
:attr:`~corridor.study.result.VolumesByYear.ramp_up_applied` says so to whoever takes the volumes (finance).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from corridor._errors import Problem, ValidationError
from corridor.assignment import AssignmentResult
from corridor.assignment.corridor import CorridorAssignment, FreightProblem, class_name
from corridor.sourced import Sourced, load_model
from corridor.study.result import VolumesByYear


class RampUp(BaseModel):
    """Share of the project's modelled effect reached in its operating years (linear to 1)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    first_year_share: Sourced[float]
    years_to_full: Sourced[int]

    @model_validator(mode="after")
    def _check(self) -> RampUp:
        if not 0 < self.first_year_share.value <= 1:
            raise ValueError("first_year_share must be in (0, 1]")
        if self.years_to_full.value < 1:
            raise ValueError("years_to_full must be >= 1")
        return self

    def share(self, operating_year: int) -> float:
        """Share in operating year ``operating_year`` (1 = the opening year; < 1: not open, 0)."""
        if operating_year < 1:
            return 0.0
        first, n = float(self.first_year_share.value), int(self.years_to_full.value)
        if operating_year >= n:
            return 1.0
        return first + (1.0 - first) * (operating_year - 1) / (n - 1)


class Forecast(BaseModel):
    """A spec's forecast inputs (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    years: tuple[int, ...] = Field(min_length=1)
    opening_year: Sourced[int]
    growth: dict[str, Sourced[float]] = Field(min_length=1)  # cargo class -> yearly growth (0.03 = 3 %/yr)
    elasticity: Sourced[float]
    ramp_up: RampUp

    @field_validator("years")
    @classmethod
    def _years(cls, v: tuple[int, ...]) -> tuple[int, ...]:
        if list(v) != sorted(set(v)):
            raise ValueError(f"years must be increasing and unique, got {list(v)}")
        return v

    @field_validator("growth")
    @classmethod
    def _rates(cls, v: dict[str, Sourced[float]]) -> dict[str, Sourced[float]]:
        bad = [k for k, s in v.items() if not -0.5 < s.value < 0.5 or (s.low is not None and s.low <= -0.5)]
        if bad:
            raise ValueError(f"growth rates are yearly fractions in (-0.5, 0.5) (0.03 = 3 %/yr); check {bad}")
        return v

    @field_validator("elasticity")
    @classmethod
    def _elasticity(cls, v: Sourced[float]) -> Sourced[float]:
        if v.value > 0 or (v.high is not None and v.high > 0):
            raise ValueError("the elasticity of demand to generalised cost must be <= 0")
        return v

    def rate(self, cargo: str) -> float:
        return float(self.growth[cargo].value)

    def describe(self) -> dict[str, str]:
        """How each part of the forecast is made, with its figures and sources (for the result and report)."""
        g = "; ".join(f"{c} {s.value:+.1%}/yr ({s.source})" for c, s in self.growth.items())
        r = self.ramp_up
        return {
            "growth": f"tonnes grown from the latest demand table at or before each year, by class: {g}",
            "elasticity": (f"generated traffic: T × (C_project / C_against)^{self.elasticity.value:g} per OD pair "
                           f"and class, one step at the reference demand ({self.elasticity.source})"),
            "ramp_up": (f"opening {self.opening_year.value} ({self.opening_year.source}); the project's effect "
                        f"{r.first_year_share.value:.0%} of the modelled in year 1 ({r.first_year_share.source}), "
                        f"linear to 100 % in year {r.years_to_full.value} ({r.years_to_full.source}); "
                        "applied once, in the study"),
            "interpolation": "linear between modelled years, then the ramp-up share of the project's effect",
        }


def load_forecast(path) -> Forecast:
    """Read a forecast YAML file; errors name the file, line and field."""
    return load_model(Forecast, path)


def check_years(fc: Forecast, demand_years: tuple[int, ...], *, file: str) -> None:
    """Every modelled year has a demand table at or before it."""
    first = min(demand_years)
    early = [y for y in fc.years if y < first]
    if early:
        raise ValidationError([Problem(f"modelled year(s) {early} come before the first demand table ({first})",
                                       file=file, field="years")])


def grown_demand(tables: Mapping[int, pd.DataFrame], fc: Forecast, year: int, *, file: str = "forecast"
                 ) -> pd.DataFrame:
    """The demand of ``year``: the latest table at or before it, each row grown at its class's rate."""
    base = max((y for y in tables if y <= year), default=None)
    if base is None:
        raise ValidationError([Problem(f"no demand table at or before {year} (tables: {sorted(tables)})",
                                       file=file, field="years")])
    t = tables[base]
    missing = [(int(line), cargo) for line, cargo in zip(t["line"], t["cargo"], strict=True) if cargo not in fc.growth]
    if missing:
        where = t.attrs.get("file", "demand")
        raise ValidationError([Problem(f"cargo class {cargo!r} has no growth rate in the forecast ({file}; rates "
                                       f"for: {', '.join(fc.growth)})", file=where, row=line, field="cargo",
                                       value=cargo) for line, cargo in missing])
    if year == base:
        return t
    out = t.assign(tonnes_per_yr=grown_tonnes(t["tonnes_per_yr"].to_numpy(dtype=float), t["cargo"],
                                              {c: fc.rate(c) for c in fc.growth}, year - base))
    out.attrs = dict(t.attrs)
    return out


def grown_tonnes(tonnes: np.ndarray, cargo, rates: Mapping[str, float], years: int) -> np.ndarray:
    """Row tonnes grown ``years`` years, each at its cargo class's yearly rate (``years`` 0: unchanged)."""
    if years == 0:
        return tonnes
    return tonnes * np.array([(1.0 + rates[c]) ** years for c in cargo])


def od_cost_matrix(fp: FreightProblem, r: AssignmentResult) -> np.ndarray:
    """Generalised cost (USD/t) per class and O-D zone pair (classes x zones x zones) of an equilibrium: the
    tonne-weighted mean over the pair's used paths (equal at equilibrium); NaN where it has no path."""
    n_c, n_z = len(fp.problem.classes), len(fp.zones)
    ps = r.paths
    if ps is None or len(ps) == 0:
        return np.full((n_c, n_z, n_z), np.nan)
    fixed = fp.problem.fixed_costs()
    rows, ods, pos, owner = ps.flat()
    cls = ps.od_class[ods].astype(np.int64)
    arcs = ps.pool[pos]
    cost_h = np.bincount(owner, weights=r.time[arcs] + fixed[cls[owner], arcs], minlength=rows.size)
    flow = ps.p_flow[rows]
    use = flow > 0
    cell = ((cls * n_z + ps.od_origin[ods]) * n_z + ps.od_dest[ods])[use]
    w = np.bincount(cell, weights=flow[use] * cost_h[use] * fp.value_of_time[cls[use]], minlength=n_c * n_z * n_z)
    t = np.bincount(cell, weights=flow[use], minlength=n_c * n_z * n_z).astype(float, copy=False)
    w, t = w.reshape(n_c, n_z, n_z), t.reshape(n_c, n_z, n_z)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(t > 0, w / np.where(t > 0, t, 1.0), np.nan)


def row_costs(fp: FreightProblem, costs: np.ndarray) -> np.ndarray:
    """Each demand row's entry of an :func:`od_cost_matrix` of its problem."""
    cls, o, d, _ = fp.demand_rows
    return costs[cls, o, d]


def od_costs(ca: CorridorAssignment) -> np.ndarray:
    """Generalised cost (USD/t) of each demand row of ``ca`` (:func:`od_cost_matrix`); NaN where it has no path."""
    return row_costs(ca.freight, od_cost_matrix(ca.freight, ca.result))


def generation_factors(cost_against: np.ndarray, cost_project: np.ndarray, elasticity: float) -> np.ndarray:
    """Per demand row ``(C_project / C_against) ** elasticity``; 1 where either cost is missing or not positive."""
    ca, cp = cost_against, cost_project
    ok = np.isfinite(ca) & np.isfinite(cp) & (ca > 0) & (cp > 0)
    factor = np.ones(len(ca))
    factor[ok] = (cp[ok] / ca[ok]) ** elasticity
    return factor


def with_generated(demand: pd.DataFrame, against: CorridorAssignment, project: CorridorAssignment,
                   elasticity: float) -> pd.DataFrame:
    """``demand`` (the rows both runs were solved with) with each row's tonnes times
    ``(C_project / C_against) ** elasticity``; rows without a cost in either run are unchanged. Adds
    ``generated_t`` (the change)."""
    factor = generation_factors(od_costs(against), od_costs(project), elasticity)
    t = demand["tonnes_per_yr"].to_numpy(dtype=float)
    out = demand.assign(tonnes_per_yr=t * factor, generated_t=t * (factor - 1.0))
    out.attrs = dict(demand.attrs)
    return out


# ---- volumes by year -----------------------------------------------------------------------------------------

def _project_by_class(ca: CorridorAssignment) -> dict[str, float]:
    """Tonnes on the project's links by cargo class (paths that use any project link)."""
    if ca.paths is None or ca.paths.empty:
        return {}
    used = ca.paths[ca.paths["project_modes"] != ""]
    cargo = {class_name(*k): k[0] for k in ca.freight.class_keys}
    return used.assign(cargo=used["class"].map(cargo)).groupby("cargo")["tonnes"].sum().to_dict()


def flows(ca: CorridorAssignment) -> dict[str, float]:
    """The headline flows of one run: demand, project tonnes (total, by mode, by class) and route families."""
    out = {"demand_t": float(ca.freight.demand["tonnes_per_yr"].sum()),
           "project_t": float(sum(ca.project_t.values()))}
    out |= {f"mode_{m}_t": float(t) for m, t in ca.project_t.items()}
    out |= {f"class_{c}_t": float(t) for c, t in _project_by_class(ca).items()}
    fam = ca.summary.get("families_t") or {}
    out |= {f"family_{f}_t": float(t) for f, t in fam.items() if f != ca.rules.project_label}
    return out


def volumes_by_year(fc: Forecast, against: Mapping[int, CorridorAssignment],
                    project: Mapping[int, CorridorAssignment], generated: Mapping[int, float], *,
                    scenario: str, against_name: str, sources: Mapping[int, str]) -> VolumesByYear:
    """The yearly table from the modelled runs (see the module docstring)."""
    years = list(fc.years)
    a_rows = pd.DataFrame([flows(against[y]) for y in years], index=years)
    p_rows = pd.DataFrame([flows(project[y]) | {"generated_t": generated.get(y, 0.0)} for y in years],
                          index=years)
    cols = list(dict.fromkeys([*p_rows.columns, *a_rows.columns]))
    a_rows = a_rows.reindex(columns=cols).fillna(0.0)
    p_rows = p_rows.reindex(columns=cols).fillna(0.0)
    all_years = np.arange(years[0], years[-1] + 1)

    def interp(df: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame({c: np.interp(all_years, years, df[c].to_numpy(dtype=float)) for c in cols},
                            index=all_years)

    a, p = interp(a_rows), interp(p_rows)
    opening = int(fc.opening_year.value)
    share = np.array([fc.ramp_up.share(int(y) - opening + 1) for y in all_years])
    table = a + share[:, None] * (p - a)
    table.insert(0, "ramp_up_share", share)
    table.insert(0, "modelled", np.isin(all_years, years))
    table.insert(0, "year", all_years)
    table["project_full_t"] = p["project_t"].to_numpy()
    return VolumesByYear(scenario=scenario, against=against_name, modelled_years=tuple(years), opening_year=opening,
                         ramp_up_applied=True, table=table.reset_index(drop=True), method=fc.describe(),
                         demand_sources=dict(sources))
