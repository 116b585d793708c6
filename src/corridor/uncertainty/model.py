"""One study evaluation, fast: the freight problems of both scenarios and every modelled year are built once; a
draw changes only the sampled parameters and re-solves the equilibria, then values them (appraisal, trade,
finance, third parties). The same chain as the study (forecast demand -> assignment -> generated traffic ->
appraisal flows -> economics), no second model.

With the spec's forecast a draw grows each modelled year's demand from its table at the drawn growth rates, and
from the opening year solves the project twice, as ``run_study``: at the reference demand, then with the traffic
the drawn elasticity generates from the two scenarios' costs. Equilibria per draw: two per modelled year plus one
per modelled year from the opening (14 for the bundled spec: 2024, 2030-2060 with opening 2030); none fewer gives
the study's figures, since every one of them moves with the drawn growth, link figures and dispersion."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd
from threadpoolctl import ThreadpoolController

from corridor._errors import Problem, ValidationError
from corridor.assignment.corridor import (
    CorridorAssignment,
    FreightProblem,
    corridor_result,
    freight_problem,
    path_project_tonnes,
    project_link_modes,
    project_selection,
    relative_theta,
    solve_freight,
    with_demand,
)
from corridor.assignment.freight import bundled_assumptions
from corridor.assignment.pathbased import PathSet
from corridor.economics.appraisal import AppraisalFlows, AppraisalInputs, ClassFlows, appraise, load_inputs
from corridor.economics.appraisal_flows import ArcGroups, arc_groups, arc_tolls, class_totals
from corridor.economics.finance import Bid, evaluate_bid, load_bids
from corridor.economics.trade import TradeParameters, load_parameters
from corridor.network.model import Network
from corridor.scenario import Scenario, apply_scenario, compare_scenarios
from corridor.sourced import Sourced
from corridor.study.forecast import (
    Forecast,
    generation_factors,
    grown_tonnes,
    od_cost_matrix,
    row_costs,
    with_generated,
)
from corridor.study.result import Calibration
from corridor.study.spec import DO_MINIMUM, CorridorSpec, load_spec
from corridor.uncertainty.inputs import UncertainInput, appraisal_inputs, trade_inputs
from corridor.uncertainty.network_inputs import ArcTargets, LinkRange, apply_draw, arc_targets
from corridor.uncertainty.trade_case import TradeCase, trade_case

#: relative gap of the equilibria in a draw (as the study)
GAP = 1e-6


@lru_cache(maxsize=1)
def _openmp() -> ThreadpoolController:
    """The process's thread-pool controller (OpenMP and BLAS; made once, after the assignment kernels are
    loaded)."""
    import corridor.assignment._native  # noqa: F401  (load the OpenMP kernels so the controller sees them)

    return ThreadpoolController()


@dataclass(frozen=True, eq=False)
class PreparedStudy:
    """Everything a draw needs, built once and shared (scattered) to the workers."""

    without: str
    project: str
    years: tuple[int, ...]
    finance_year: int
    problems: dict[tuple[str, int], FreightProblem]
    tolls: dict[tuple[str, int], np.ndarray]
    modes: dict[tuple[str, int], ArcGroups]
    countries: dict[tuple[str, int], ArcGroups]
    #: per problem: the project's links, their modes and each link's mode index (path_project_tonnes)
    selection: dict[tuple[str, int], tuple[np.ndarray, list[str], np.ndarray]]
    trade: TradeCase
    appraisal: AppraisalInputs
    trade_params: TradeParameters
    bid: Bid
    payload_t: float
    finance_modes: dict[str, str]  # bid line -> mode of the project links whose tonnes it earns on
    inputs: tuple[UncertainInput, ...] = field(default=())
    link_ranges: dict[str, LinkRange] = field(default_factory=dict)
    targets: dict[tuple[str, int], dict[str, ArcTargets]] = field(default_factory=dict)
    #: the central solution's paths per problem (logit route choice): every draw starts from them; the project's
    #: solve with generated traffic under ``(project, year, "generated")``
    starts: dict[tuple, PathSet] = field(default_factory=dict)
    forecast: Forecast | None = None
    #: per year: the demand table's year it grows from, its rows' tonnes there and their cargo classes
    base_rows: dict[int, tuple[int, np.ndarray, tuple[str, ...]]] = field(default_factory=dict)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(i.name for i in self.inputs)

    def central(self) -> dict[str, float]:
        return {i.name: i.central for i in self.inputs}

    def evaluate(self, values: Mapping[str, float] | None = None) -> dict[str, float]:
        """One study evaluation with the named inputs set (the others central): the metrics of one draw.

        The equilibria are solved on one OpenMP thread: the path-based solver's result at a given gap depends on
        how many lanes update paths together, and a draw must give the same numbers on any worker. BLAS too: the
        logit Newton steps' matrices are small (~100 paths), where a second BLAS thread only waits for a core
        (the draws run one per core already)."""
        with _openmp().limit(limits=1):
            return self._evaluate(dict(values or {}))

    def theta(self, fp: FreightProblem, theta_relative: float | None) -> np.ndarray | None:
        """The logit θ of a drawn problem (:func:`relative_theta` at the drawn dispersion, or the assumptions');
        None when its route choice is not the logit."""
        rc = fp.assumptions.route_choice
        if rc is None or rc.model.value != "logit":
            return None
        return relative_theta(fp.problem, rc.theta_relative.value if theta_relative is None else theta_relative)

    def generates(self, year: int) -> bool:
        """The project's demand in ``year`` takes generated traffic (a forecast, from its opening year)."""
        return self.forecast is not None and year >= self.forecast.opening_year.value

    def _evaluate(self, values: dict[str, float]) -> dict[str, float]:
        app = self.appraisal.with_values({k[len("appraisal:"):]: v for k, v in values.items()
                                          if k.startswith("appraisal:")})
        tp = self.trade_params
        trade_values = {k[len("trade:"):]: v for k, v in values.items() if k.startswith("trade:")}
        if trade_values:
            tp = tp.model_copy(update={name: Sourced[float](value=float(v), source="uncertainty draw")
                                       for name, v in trade_values.items()})

        net_values = {k[len("network:"):]: v for k, v in values.items() if k.startswith("network:")}
        fc = self.forecast
        rates = {c: values.get(f"{GROWTH}{c}", float(s.value)) for c, s in fc.growth.items()} if fc else {}
        elasticity = values.get(ELASTICITY, float(fc.elasticity.value)) if fc else 0.0
        classes, tkm0, tkm1, corridor, country0, country1, modes_t, against_t = [], {}, {}, {}, {}, {}, {}, {}
        for y in self.years:
            totals, tkm, ctry, solved = {}, {}, {}, {}
            if fc is not None:
                base, t_base, cargo = self.base_rows[y]
                tonnes = grown_tonnes(t_base, cargo, rates, y - base)
            for sc in (self.without, self.project):
                fp = self.problems[(sc, y)]
                if fc is not None:
                    fp = with_demand(fp, tonnes)
                fp, tolls = apply_draw(fp, self.targets.get((sc, y), {}), self.link_ranges, net_values,
                                       self.tolls[(sc, y)])
                # the assumptions' route choice, as run_study, at the drawn logit dispersion if one is drawn
                theta = self.theta(fp, values.get(THETA))
                r, _, _ = solve_freight(fp, gap=GAP, start=self.starts.get((sc, y)), theta=theta)
                if sc == self.project and self.generates(y):
                    # as run_study: the traffic the project's costs generate against the comparison's, re-solved
                    (f0, r0), costs = solved[self.without], od_cost_matrix(fp, r)
                    factor = generation_factors(row_costs(f0, od_cost_matrix(f0, r0)), row_costs(fp, costs),
                                                elasticity)
                    fp = with_demand(fp, fp.demand["tonnes_per_yr"].to_numpy(float) * factor)
                    # the same costs (only the demand changed): the same θ, where the generated traffic has demand
                    r, _, _ = solve_freight(fp, gap=GAP, start=self.starts.get((sc, y, "generated")), theta=theta)
                solved[sc] = (fp, r)
                totals[sc] = class_totals(fp, r, tolls)
                tkm[sc] = self.modes[(sc, y)].tkm(fp, r)
                if y == self.finance_year:
                    ctry[sc] = self.countries[(sc, y)].tkm(fp, r)
                if sc == self.project:
                    modes_t[y] = path_project_tonnes(fp, r, *self.selection[(sc, y)])
                elif fc is not None:
                    against_t[y] = sum(path_project_tonnes(fp, r, *self.selection[(sc, y)]).values())
            c0, c1 = totals[self.without], totals[self.project]
            for name in sorted(set(c0) | set(c1)):
                t0, h0, m0, l0, v0 = c0.get(name, (0.0, 0.0, 0.0, 0.0, np.nan))
                t1, h1, m1, l1, v1 = c1.get(name, (0.0, 0.0, 0.0, 0.0, np.nan))
                classes.append(ClassFlows(y, name, t0, t1, h0, h1, m0, m1, float(np.nanmax([v0, v1])), l0, l1))
            tkm0[y], tkm1[y] = tkm[self.without], tkm[self.project]
            corridor[y] = sum(modes_t[y].values())
            if y == self.finance_year:
                country0, country1 = ctry[self.without], ctry[self.project]
        a = appraise(AppraisalFlows(tuple(classes), tkm0, tkm1, corridor), app)

        by_year = {line: {y: modes_t[y].get(mode, 0.0) / (self.payload_t if self.bid.lines[line].unit == "truck"
                                                              else 1.0) for y in self.years}
                   for line, mode in self.finance_modes.items()}
        fin = evaluate_bid(self.bid, volumes_by_year=by_year).metrics
        out: dict[str, float] = {f"corridor_flow_t_{y}": corridor[y] for y in self.years}
        if fc is not None:  # the flows by year from the opening, ramp-up applied (as volumes_by_year)
            share = values.get(FIRST_YEAR_SHARE)
            ramp = fc.ramp_up if share is None else fc.ramp_up.model_copy(
                update={"first_year_share": Sourced[float](value=float(share), source="uncertainty draw")})
            opening = int(fc.opening_year.value)
            out |= {f"flow_by_year_t_{y}": against_t[y] + ramp.share(y - opening + 1) * (corridor[y] - against_t[y])
                    for y in self.years if y >= opening}
        out |= {"trade_change_usd": self.trade.change_usd(tp, self.link_ranges, net_values), "enpv_usd": a.enpv_usd,
                "eirr": np.nan if a.eirr is None else a.eirr, "bcr": np.nan if a.bcr is None else a.bcr,
                "co2_t_per_yr": float(a.table["co2_t"].iloc[-1]),
                "project_irr": np.nan if fin["project_irr"] is None else fin["project_irr"],
                "project_npv_usd": fin["project_npv_usd"]}
        for c in sorted(set(country0) | set(country1)):
            out[f"tkm_change_{c}"] = country1.get(c, 0.0) - country0.get(c, 0.0)
        return out


def prepare(spec: CorridorSpec | str | None = None, *, network: Network | None = None,
            project: str | Scenario | None = None,
            against: str | Scenario = DO_MINIMUM, link_ranges: Mapping[str, LinkRange] | None = None,
            cargo: str = "container", calibration: Calibration | None = None) -> PreparedStudy:
    """Build, once, what :func:`corridor.study.run_study` builds for a study: the freight problems of the project
    case and the comparison base in every demand year, the trade routes and the finance bid; and the inputs a draw
    samples. ``link_ranges`` are the network's ranged link figures (sampled as ``network:<name>``); None: those of
    ``link_figures.yaml`` when the study runs on the bundled network, none on another network. ``cargo``: the trade
    routes' cargo class (as ``run_study``); ``calibration``: the base-year fit to use (None: fitted here, as
    ``run_study`` fits it).

    With the spec's forecast, its modelled years and its ranged growth rates, elasticity and first-year ramp-up
    share (sampled as ``forecast:growth.<class>``, ``forecast:elasticity``, ``forecast:ramp_up.first_year_share``)."""
    from corridor.simulation.config import operations_queues
    from corridor.study import default_spec
    from corridor.study.calibration import apply_factors, calibrate_spec
    from corridor.study.lines import lines_cases
    from corridor.study.pipeline import (
        demand_table,
        modelled_rail_capacity,
        resolve_scenario,
        study_forecast,
        study_network,
        with_capacity,
        year_demands,
    )

    spec = default_spec() if spec is None else load_spec(spec)
    net = network if network is not None else study_network(spec)
    proj = resolve_scenario(spec, project or spec.default_case)
    base = resolve_scenario(spec, against)
    if proj.name == base.name:
        raise ValidationError([Problem(f"project and against are both {proj.name!r}", field="--against")])
    if link_ranges is None:
        from corridor.uncertainty.network_inputs import bundled_link_ranges

        link_ranges = bundled_link_ranges() if network is None and spec.network == "bundled" else {}
    ranges = dict(link_ranges)
    fc = study_forecast(spec)
    years = fc.years if fc is not None else tuple(sorted(spec.demand))
    fin_year = int(spec.finance.year.value) if spec.finance else years[-1]
    freight = bundled_assumptions()
    applied = {sc.name: apply_scenario(net, sc) for sc in (base, proj)}
    # as run_study: the project's rail links take the single-track capacity corridor.lines.rail computes
    capacity = modelled_rail_capacity(spec, lines_cases(spec, net, applied[proj.name], kinds=("rail",)))
    # as run_study: the base year fitted to the counts scales every year's tables; the operations data's queues
    tables = {y: demand_table(spec, y) for y in sorted(spec.demand)}
    if spec.calibration is not None:
        calibration = calibration if calibration is not None else calibrate_spec(spec, net)
        tables = {y: apply_factors(d, calibration) for y, d in tables.items()}
    demand = year_demands(spec, fc, tables, years)
    base_rows = {}
    if fc is not None:  # a draw grows each year's rows from their table's tonnes at the drawn rates
        for y in years:
            b = max(t for t in tables if t <= y)
            base_rows[y] = (b, tables[b]["tonnes_per_yr"].to_numpy(dtype=float), tuple(tables[b]["cargo"]))
    queues = operations_queues(net)
    problems, tolls, modes, countries, targets, selection, starts = {}, {}, {}, {}, {}, {}, {}
    central: dict[tuple[str, int], CorridorAssignment] = {}
    for sc in (base, proj):  # the comparison first: the project's generated traffic needs its costs
        scenario_net = with_capacity(applied[sc.name], capacity)
        for y in years:
            fp = freight_problem(scenario_net, demand[y][0], assumptions=freight, queue_overrides=queues)
            key = (sc.name, y)
            problems[key], tolls[key] = fp, arc_tolls(fp)
            modes[key], countries[key] = arc_groups(fp, "mode"), arc_groups(fp, "country")
            targets[key] = arc_targets(fp, ranges)
            mask, sel_modes = project_selection(fp, spec.route_families)
            selection[key] = (mask, sel_modes, project_link_modes(fp, mask, sel_modes))
            # the central solutions the draws start from, on one OpenMP thread as the draws (PreparedStudy.evaluate;
            # BLAS as run_study's: the logit's path set at a given gap moves with either thread count)
            with _openmp().limit(limits=1, user_api="openmp"):
                r, model, _ = solve_freight(fp, gap=GAP)
                if model == "logit":
                    starts[key] = r.paths
                central[key] = corridor_result(fp, r, scenario=sc.name)
                if sc is proj and fc is not None and y >= fc.opening_year.value:
                    gen = with_generated(fp.demand, central[(base.name, y)], central[key],
                                         float(fc.elasticity.value))
                    r, model, _ = solve_freight(with_demand(fp, gen["tonnes_per_yr"].to_numpy(float)), gap=GAP)
                    if model == "logit":
                        starts[(*key, "generated")] = r.paths
    comp = compare_scenarios(net, base, proj, od_pairs=spec.od_pairs, cargo=cargo, constraints=spec.route_constraints,
                             families=spec.route_families)
    app = load_inputs()
    tp = load_parameters()
    inputs = (*(UncertainInput(f"network:{k}", r.figure) for k, r in ranges.items() if r.figure.has_range),
              *appraisal_inputs(app), *trade_inputs(tp), *route_choice_inputs(freight), *forecast_inputs(fc))
    bids = load_bids(None if spec.finance is None or spec.finance.bids == "bundled" else spec.path(spec.finance.bids))
    finance_modes = dict(spec.finance.lines) if spec.finance else {}
    return PreparedStudy(base.name, proj.name, years, fin_year, problems, tolls, modes, countries,
                         selection,
                         trade_case(net, base, proj, comp, ranges, cargo=cargo), app, tp, bids[0],
                         float(freight.truck_payload_t.value), finance_modes, inputs, ranges, targets, starts, fc,
                         base_rows)


#: the sampled name of the logit route choice's dispersion (``theta_relative`` of the freight assumptions)
THETA = "route_choice:theta_relative"


def route_choice_inputs(freight) -> tuple[UncertainInput, ...]:
    """The logit dispersion when the assumptions choose logit and give it a range (it moves the flows most)."""
    rc = freight.route_choice
    if rc is None or rc.model.value != "logit" or not rc.theta_relative.has_range:
        return ()
    return (UncertainInput(THETA, rc.theta_relative),)


#: prefixes and names of the sampled forecast inputs
GROWTH = "forecast:growth."
ELASTICITY = "forecast:elasticity"
FIRST_YEAR_SHARE = "forecast:ramp_up.first_year_share"


def forecast_inputs(fc: Forecast | None) -> tuple[UncertainInput, ...]:
    """The forecast's ranged figures a draw samples: each class's growth rate, the elasticity and the first-year
    ramp-up share (the opening year and the years to full ramp-up are whole years: not sampled)."""
    if fc is None:
        return ()
    figs = {**{f"{GROWTH}{c}": s for c, s in fc.growth.items()}, ELASTICITY: fc.elasticity,
            FIRST_YEAR_SHARE: fc.ramp_up.first_year_share}
    return tuple(UncertainInput(k, s) for k, s in figs.items() if s.has_range)


def metrics_frame(rows: list[dict[str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows)
