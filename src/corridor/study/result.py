"""What :func:`corridor.study.run_study` returns: typed results, no files, no HTML.

Every comparison is ``project`` minus ``against`` (the do-minimum unless asked otherwise). Tables are
DataFrames with stated columns; :meth:`StudyResult.to_dict` gives the JSON form of ``corridor run --json``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from corridor.assignment.calibrate import Calibration
from corridor.assignment.corridor import CorridorAssignment, CorridorComparison
from corridor.assignment.passengers import PassengerFlows
from corridor.economics.appraisal import Appraisal
from corridor.network.model import Network
from corridor.scenario import Comparison, Scenario
from corridor.study.spec import CorridorSpec, Figure


def records(df: pd.DataFrame | None) -> list[dict] | None:
    return None if df is None else df.replace({np.nan: None}).to_dict(orient="records")


@dataclass(frozen=True)
class CorridorVolumes:
    """The hand-off from assignment to finance: tonnes per year that use the project's links, by the mode of
    those links, in one scenario and demand year (modelled, never a stated figure)."""

    scenario: str
    year: int
    tonnes: dict[str, float]
    #: True when the tonnes already include the project's ramp-up (the study's forecast): finance must then not
    #: apply its own ramp-up to them; False: the modelled full effect of that year
    ramp_up_applied: bool = False

    @property
    def total_t(self) -> float:
        return float(sum(self.tonnes.values()))


@dataclass(frozen=True)
class AssignmentStudy:
    """Freight equilibria per (scenario name, demand year), and the project-against comparison per year."""

    runs: dict[tuple[str, int], CorridorAssignment]
    against: str
    project: str
    years: tuple[int, ...]
    gap: float
    demand_sources: dict[int, str]

    def get(self, scenario: str, year: int) -> CorridorAssignment:
        return self.runs[(scenario, year)]

    def comparison(self, year: int) -> CorridorComparison:
        return CorridorComparison(self.get(self.against, year), self.get(self.project, year))

    def volumes(self, year: int) -> CorridorVolumes:
        a = self.get(self.project, year)
        return CorridorVolumes(self.project, year, dict(a.project_t))

    def to_dict(self) -> dict:
        return {"against": self.against, "project": self.project, "gap": self.gap,
                **{str(y): self.comparison(y).to_dict() for y in self.years}}


@dataclass(frozen=True)
class VolumesByYear:
    """Every year from the first to the last modelled year: tonnes of the headline flows with the project's ramp-up
    applied (:mod:`corridor.study.forecast`; ``ramp_up_applied`` is True), interpolated between modelled years.

    ``table`` columns: ``year``, ``modelled`` (assigned that year), ``ramp_up_share``, ``demand_t``,
    ``generated_t``, ``project_t`` (on the project's links), ``mode_<mode>_t``, ``class_<cargo>_t``,
    ``family_<family>_t`` and ``project_full_t`` (the project's tonnes before ramp-up)."""

    scenario: str
    against: str
    modelled_years: tuple[int, ...]
    opening_year: int
    ramp_up_applied: bool
    table: pd.DataFrame
    method: dict[str, str]
    demand_sources: dict[int, str]

    @property
    def years(self) -> list[int]:
        return [int(y) for y in self.table["year"]]

    def row(self, year: int) -> pd.Series:
        hit = self.table[self.table["year"] == year]
        if hit.empty:
            raise KeyError(f"year {year} is outside the forecast ({self.years[0]}–{self.years[-1]})")
        return hit.iloc[0]

    def project_t(self, year: int) -> float:
        return float(self.row(year)["project_t"])

    def volumes(self, year: int) -> CorridorVolumes:
        """The project's tonnes by mode in ``year``, ramp-up applied (for finance by year)."""
        r = self.row(year)
        modes = {c.removeprefix("mode_").removesuffix("_t"): float(r[c]) for c in self.table.columns
                 if c.startswith("mode_")}
        return CorridorVolumes(self.scenario, int(year), modes, ramp_up_applied=self.ramp_up_applied)

    def to_dict(self) -> dict:
        return {"scenario": self.scenario, "against": self.against, "modelled_years": list(self.modelled_years),
                "opening_year": self.opening_year, "ramp_up_applied": self.ramp_up_applied, "method": self.method,
                "demand_sources": {str(y): s for y, s in self.demand_sources.items()},
                "years": records(self.table)}


@dataclass(frozen=True)
class LinesResult:
    """The project's line cases (engineering) on the run's network: plain dicts from :mod:`corridor.lines.cases`."""

    gas: dict
    oil: dict
    fibre: dict
    rail: dict

    def to_dict(self) -> dict:
        out: dict[str, Any] = {}
        if self.gas:
            out["gas"] = {k: self.gas[k] for k in ("name", "length_km", "diameter_m", "p_in_bara", "p_out_bara",
                                                   "capacity_mcm_d", "capacity_bcm_yr", "demand_mcm_d",
                                                   "demand_outlet_bara")}
        if self.oil:
            out["oil"] = {k: self.oil[k] for k in ("name", "length_km", "diameter_m", "capacity_bbl_d",
                                                   "capacity_mt_yr", "pump_power_kw", "note")}
        if self.fibre:
            out["fibre"] = {"rtt_ms": self.fibre["segment_rtt_ms"], "capacity_tbps": self.fibre["capacity_tbps"],
                            "routes": records(self.fibre["routes"]), "what_if": records(self.fibre["what_if"])}
        if self.rail:
            r = self.rail
            out["rail"] = {"single_pairs_per_day": r["single"]["trains_per_day_per_direction"],
                           "single_mt_yr": r["single_mt_yr"], "double_mt_yr": r["double_mt_yr"],
                           "claimed_mt_yr": r["claimed_mt_yr"], "critical_section": r["single"]["critical_section"]}
        out["assumptions"] = sorted({a for c in (self.gas, self.oil, self.fibre, self.rail) if c
                                     for a in c["assumptions"]})
        return out


@dataclass(frozen=True)
class FinanceResult:
    """The concession bids evaluated on modelled volumes."""

    volumes: CorridorVolumes
    bid_volumes: dict[str, float]  # bid line -> volume in the line's unit per year (from ``volumes``)
    basis: dict[str, str]  # bid line -> how its volume was set ("modelled: ..." or "stated in the bid file")
    case: dict  # :func:`corridor.economics.finance.bundled_finance_case` output
    by_year: dict[str, dict[int, float]] = field(default_factory=dict)  # bid line -> modelled year -> volume

    @property
    def comparison(self) -> list[dict]:
        return self.case["comparison"]

    def to_dict(self) -> dict:
        return {"volumes_t": {"scenario": self.volumes.scenario, "year": self.volumes.year, **self.volumes.tonnes},
                "bid_volumes": self.bid_volumes,
                "bid_volumes_by_year": {k: {str(y): v for y, v in ys.items()} for k, ys in self.by_year.items()},
                "basis": self.basis, "comparison": self.comparison}


@dataclass(frozen=True)
class EconomicsResult:
    trade: dict  # :meth:`corridor.economics.trade.TradeImpact.summary` of project against
    stated_trade: dict  # the stated-assumption trade case, for comparison
    finance: FinanceResult | None

    def to_dict(self) -> dict:
        return {"trade": self.trade, "stated_trade_case": self.stated_trade,
                "finance": self.finance.to_dict() if self.finance else None}


@dataclass(frozen=True)
class ThirdPartyCase:
    """A named third-party case: routes of its OD pairs, flows on its links, and a shared link's traffic split."""

    name: str
    country: str
    pairs: pd.DataFrame  # pair, against/project km, h, USD/t, family; delta_h, delta_cost_usd
    links: pd.DataFrame  # link_id, against_t, project_t, change_t (both directions)
    shared: pd.DataFrame | None  # link_id, scenario, project_t, other_t (tonnes of paths using the link)

    def to_dict(self) -> dict:
        return {"name": self.name, "country": self.country, "pairs": records(self.pairs),
                "links": records(self.links), "shared": records(self.shared)}


@dataclass(frozen=True)
class ThirdParties:
    """Per country, tonnes and tonne-km on its territory, transit tonnes, transit revenue and route-family
    shares, with the project and against it, in one demand year."""

    year: int
    countries: pd.DataFrame  # country, {against,project}_{t,tkm,transit_t,transit_tkm,revenue_low,..._high}, delta_*
    shares: pd.DataFrame  # country, route, against_share, project_share
    cases: tuple[ThirdPartyCase, ...]
    tariffs: dict[str, Figure]

    def to_dict(self) -> dict:
        return {"year": self.year, "countries": records(self.countries), "route_shares": records(self.shares),
                "cases": [c.to_dict() for c in self.cases],
                "transit_tariffs_usd_per_tkm": {m: f.model_dump() for m, f in self.tariffs.items()}}


@dataclass(frozen=True)
class Attribution:
    """What each step adds, in the stated order (do-nothing, + each committed project, + the project)."""

    order: tuple[str, ...]
    year: int
    pair: tuple[str, str] | None
    table: pd.DataFrame  # step, scenario, then per metric its value and the change from the previous step

    def to_dict(self) -> dict:
        return {"order": list(self.order), "year": self.year, "pair": list(self.pair) if self.pair else None,
                "steps": records(self.table)}


@dataclass(frozen=True)
class DelayFeedback:
    """The simulated delays the study assigned with: one assignment ↔ simulation loop
    (:class:`corridor.simulation.delays.FeedbackResult`) per (scenario, demand year) it ran for."""

    runs: dict[tuple[str, int], Any]
    settings: dict  # days, replications, tolerance_h, tolerance_share, max_rounds, damping, years, sources

    @property
    def converged(self) -> bool:
        return all(fb.converged for fb in self.runs.values())

    def table(self) -> pd.DataFrame:
        """Per loop and facility link: the network's delay assumption, the delay the last round assigned with,
        the simulated one (± its 95 % CI), rounds, and the state (settled, NOT settled, no traffic)."""
        rows = []
        for (sc, year), fb in self.runs.items():
            first = fb.rounds[fb.rounds["round"] == 1].set_index("link_id")["assumed_h"]
            for r in fb.converged_delays().itertuples():
                state = ("no traffic" if not r.observed else "settled" if r.settled else "NOT settled")
                rows.append({"scenario": sc, "year": year, "link_id": r.link_id, "facility": r.facility,
                             "assumed_h": float(first[r.link_id]), "used_h": r.assumed_h,
                             "simulated_h": r.simulated_h if r.observed else np.nan, "ci95_h": r.ci95_h,
                             "saturated": bool(r.saturated), "rounds": fb.n_rounds,
                             "converged": fb.converged, "state": state})
        return pd.DataFrame(rows, columns=["scenario", "year", "link_id", "facility", "assumed_h", "used_h",
                                           "simulated_h", "ci95_h", "saturated", "rounds", "converged", "state"])

    def to_dict(self) -> dict:
        return {"converged": self.converged, "settings": self.settings,
                "runs": [{"scenario": sc, "year": y, **fb.to_dict()} for (sc, y), fb in self.runs.items()],
                "table": records(self.table())}


@dataclass(frozen=True)
class MetricRange:
    """P10 / P50 / P90 (and mean) of one metric over the draws; None: no draw defines it (e.g. no unique IRR)."""

    p10: float | None
    p50: float | None
    p90: float | None
    mean: float | None = None
    undefined_draws: int = 0

    def to_dict(self) -> dict:
        return {"p10": self.p10, "p50": self.p50, "p90": self.p90, "mean": self.mean,
                "undefined_draws": self.undefined_draws}


@dataclass(frozen=True)
class HeadlineRanges:
    """The headline metrics as ranges: a Latin-hypercube sweep of the study over every ranged input
    (:func:`corridor.uncertainty.study_ranges.study_ranges`; plain data, computed outside :func:`run_study`)."""

    draws: int
    seed: int
    metrics: dict[str, MetricRange]  # metric key (corridor.uncertainty.model) -> its range
    p_enpv_positive: float
    central_enpv_usd: float  # ENPV with every input central (the tornado's axis)
    tornado_enpv: tuple[dict, ...]  # input, low_value, high_value, enpv_low_usd, enpv_high_usd, swing_usd
    samples: dict[str, tuple[float, ...]] = field(default_factory=dict, repr=False)  # the draws of plotted metrics
    inputs: tuple[dict, ...] = field(default=(), repr=False)  # the sampled inputs (name, low, central, high, source)

    def to_dict(self) -> dict:
        return {"draws": self.draws, "seed": self.seed, "p_enpv_positive": self.p_enpv_positive,
                "metrics": {k: m.to_dict() for k, m in self.metrics.items()},
                "tornado_enpv": list(self.tornado_enpv), "inputs": list(self.inputs)}


@dataclass(frozen=True)
class StudyResult:
    """The corridor study: ``project`` compared with ``against`` on ``network``."""

    spec: CorridorSpec
    network: Network = field(repr=False)
    project: Scenario
    against: Scenario
    cargo: str
    comparison: Comparison
    assignment: AssignmentStudy
    lines: LinesResult | None
    economics: EconomicsResult
    third_parties: ThirdParties
    attribution: Attribution
    delays: DelayFeedback | None = None  # simulated delays fed back into assignment (None: not run)
    appraisal: Appraisal | None = None
    seconds: float = 0.0
    calibration: Calibration | None = field(default=None, repr=False)  # the base year fitted to counts
    #: passengers (their own class, not loading freight capacity) by (scenario, year)
    passengers: dict[tuple[str, int], PassengerFlows] = field(default_factory=dict, repr=False)

    def project_passengers(self, scenario: str, year: int) -> float | None:
        """Passengers per year on the busiest project link (both directions); None: no passenger table."""
        flows = self.passengers.get((scenario, year))
        if flows is None:
            return None
        ids = set(self.spec.route_families.project_links)
        return float(max((v for k, v in flows.links.items() if k in ids), default=0.0))
    forecast: VolumesByYear | None = None  # volumes by year (None: the spec has no forecast)
    #: the headline metrics' P10-P90 over a sweep of the ranged inputs (None: not run; run_study never sets it)
    ranges: HeadlineRanges | None = None

    @property
    def finance_year(self) -> int:
        return int(self.spec.finance.year.value) if self.spec.finance else max(self.assignment.years)

    def to_dict(self) -> dict:
        from corridor.economics.appraisal_report import summary as appraisal_summary
        from corridor.study import tables

        return {
            "corridor": self.spec.name, "network": self.network.name, "project": self.project.name,
            "against": self.against.name, "cargo": self.cargo, **self.comparison.to_dict(),
            "assignment": {"headline": tables.assignment_headline(self), **self.assignment.to_dict()},
            "lines": {"headline": tables.lines_headline(self), **self.lines.to_dict()} if self.lines else None,
            "economics": {"headline": tables.economics_headline(self), **self.economics.to_dict()},
            "third_parties": self.third_parties.to_dict(),
            "attribution": self.attribution.to_dict(),
            "passengers": {f"{sc} {y}": {"project_pax_per_yr": self.project_passengers(sc, y),
                                         "unserved_pax_per_yr": float(f.unserved["pax_per_yr"].sum())}
                           for (sc, y), f in self.passengers.items()},
            "calibration": None if self.calibration is None else {
                k: v for k, v in self.calibration.to_dict().items() if k != "rows"},
            "forecast": ({"headline": tables.forecast_headline(self), **self.forecast.to_dict()} if self.forecast
                         else None),
            "delays": {"headline": tables.delays_headline(self), **self.delays.to_dict()} if self.delays else None,
            "appraisal": ({"project": self.project.name, "against": self.against.name,
                           **appraisal_summary(self.appraisal)} if self.appraisal else None),
            "ranges": self.ranges.to_dict() if self.ranges else None,
            "seconds": round(self.seconds, 3),
        }
