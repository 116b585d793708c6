"""``run_study``: the whole corridor study as one pure call (no file written, nothing printed, no HTML)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from corridor._errors import NotFoundError, Problem, ValidationError
from corridor.assignment.corridor import CorridorAssignment, assign_corridor
from corridor.assignment.freight import bundled_assumptions
from corridor.assignment.passengers import assign_passengers, congested_times
from corridor.economics.appraisal_flows import appraisal_of_runs
from corridor.network.model import Network
from corridor.scenario import Scenario, apply_scenario, compare_scenarios, load_scenario
from corridor.simulation.config import operations_queues
from corridor.study.attribution import attribution
from corridor.study.calibration import apply_factors, calibrate_spec, demand_table, passenger_table
from corridor.study.economics import economics
from corridor.study.forecast import (
    Forecast,
    check_years,
    grown_demand,
    load_forecast,
    volumes_by_year,
    with_generated,
)
from corridor.study.lines import lines_cases
from corridor.study.result import AssignmentStudy, DelayFeedback, LinesResult, StudyResult
from corridor.study.spec import DO_MINIMUM, CorridorSpec, load_spec
from corridor.study.third_parties import third_parties

if TYPE_CHECKING:
    from corridor.simulation.delays import FeedbackResult

#: relative duality gap the study's freight equilibria are solved to
GAP = 1e-6


def study_network(spec: CorridorSpec) -> Network:
    """The spec's network: the bundled region or a GMNS folder relative to the spec file."""
    from corridor.network.io import load_network

    return load_network(None if spec.network == "bundled" else spec.path(spec.network))


def check_links(spec: CorridorSpec, net: Network) -> None:
    """Every link the spec names exists in ``net`` (one error listing all that do not)."""
    index = net.link_index
    problems = [Problem(f"link {lid!r} is not in network {net.name!r}", file=f"corridor spec {spec.name!r}",
                        field=f)
                for f, ids in spec.referenced_links().items() for lid in ids if lid not in index]
    if problems:
        raise ValidationError(problems)


def resolve_scenario(spec: CorridorSpec, name_or_path: str | Path | Scenario) -> Scenario:
    """A scenario of the spec (do-nothing, do-minimum, a case), a bundled scenario or a scenario YAML file."""
    if isinstance(name_or_path, Scenario):
        return name_or_path
    if str(name_or_path) in spec.scenario_names:
        return spec.scenario(str(name_or_path))
    try:
        return load_scenario(name_or_path)
    except NotFoundError as e:
        raise NotFoundError(f"{e}; corridor {spec.name!r} has: {', '.join(spec.scenario_names)}") from None


def modelled_rail_capacity(spec: CorridorSpec, lines: LinesResult | None) -> dict[str, tuple[float, str]]:
    """Capacity (Mt/yr per direction, source) that assignment gives the project's rail links: the single-track
    capacity :mod:`corridor.lines.rail` computes for them, not a figure typed into the link table."""
    if lines is None or not lines.rail:
        return {}
    mt = float(lines.rail["single_mt_yr"])
    src = (f"model: corridor.lines.rail single track {lines.rail['single']['trains_per_day_per_direction']:.1f} "
           f"trains/day per direction = {mt:.2f} Mt/yr")
    return {lid: (mt, src) for lid in spec.lines.rail}


def with_capacity(net: Network, capacity: dict[str, tuple[float, str]]) -> Network:
    """``net`` with the given links' capacity (Mt/yr) and capacity source replaced."""
    if not capacity:
        return net
    links = net.links
    rows = links["link_id"].isin(list(capacity))
    ids = links.loc[rows, "link_id"]
    links.loc[rows, "capacity"] = [capacity[i][0] for i in ids]
    links.loc[rows, "capacity_unit"] = "Mt/yr"
    links.loc[rows, "capacity_source"] = [capacity[i][1] for i in ids]
    return net.replace_links(links)



def study_forecast(spec: CorridorSpec) -> Forecast | None:
    """The spec's forecast inputs (None: it has none), checked against its demand years."""
    if spec.forecast is None:
        return None
    path = spec.path(spec.forecast)
    if not path.is_file():
        raise NotFoundError(f"forecast file not found: {path} (corridor spec {spec.name!r}, field forecast)")
    fc = load_forecast(path)
    check_years(fc, tuple(spec.demand), file=str(path))
    return fc


def year_demands(spec: CorridorSpec, fc: Forecast | None, tables: dict[int, pd.DataFrame],
                 years: tuple[int, ...]) -> dict[int, tuple[pd.DataFrame, str]]:
    """The reference demand of each modelled year and where it comes from: the spec's table of that year, or
    with a forecast the latest table at or before it grown by class (``tables``: the spec's tables by year)."""
    if fc is None:
        return {y: (tables[y], spec.demand[y].source) for y in years}
    out = {}
    for y in years:
        base = max(t for t in tables if t <= y)
        src = spec.demand[base].source + (f"; grown {base}→{y} by class (forecast: {spec.forecast})"
                                          if base != y else "")
        out[y] = (grown_demand(tables, fc, y, file=str(spec.path(spec.forecast))), src)
    return out


def run_study(
    spec: CorridorSpec | str | Path,
    *,
    network: Network | None = None,
    project: str | Path | Scenario | None = None,
    against: str | Path | Scenario = DO_MINIMUM,
    cargo: str = "container",
    gap: float = GAP,
    simulate: bool | None = None,
    progress: Callable[[str], None] | None = None,
) -> StudyResult:
    """Compare ``project`` (default: the spec's first case) with ``against`` (default: the do-minimum).

    Routes the spec's OD pairs under its constraints, assigns each demand year's freight in both scenarios
    (and in every attribution step for the finance year), evaluates the line cases, trade and the concession
    bids on the modelled project tonnes, and the third-party effects. ``progress`` is told each stage's name.
    Any failure raises; nothing is skipped or replaced by a stated figure.

    With the spec's ``simulation`` section (and ``simulate`` not False; None: the spec's ``feedback``), each
    of its years' project and ``against`` assignments comes from the assignment ↔ simulation loop
    (:func:`corridor.simulation.delays.settle_delays`): border posts, gauge changes, ferries and single track
    take the simulated delays; the attribution's intermediate steps take the ``against`` scenario's (they are
    not simulated themselves). ``StudyResult.delays`` holds every loop, converged or not.
    """
    t0 = time.perf_counter()
    say = progress or (lambda _msg: None)
    spec = load_spec(spec)
    net = network if network is not None else study_network(spec)
    check_links(spec, net)
    proj = resolve_scenario(spec, project or spec.default_case)
    base = resolve_scenario(spec, against)
    if proj.name == base.name:
        raise ValidationError([Problem(f"project and against are both {proj.name!r}", field="--against")])
    families = spec.route_families
    fc = study_forecast(spec)
    years = fc.years if fc is not None else tuple(sorted(spec.demand))
    freight = bundled_assumptions()
    tables = {y: demand_table(spec, y) for y in sorted(spec.demand)}
    calibration = None
    if spec.calibration is not None:
        say("calibrating the base year")
        calibration = calibrate_spec(spec, net)
        tables = {y: apply_factors(d, calibration) for y, d in tables.items()}
    demand = year_demands(spec, fc, tables, years)
    queues = operations_queues(net)  # the operations data's servers (border posts, ferries) for the queue delay

    say("routing OD pairs")
    comp = compare_scenarios(net, base, proj, od_pairs=spec.od_pairs, cargo=cargo,
                             constraints=spec.route_constraints, families=families)

    say("lines")
    applied: dict[str, Network] = {proj.name: apply_scenario(net, proj)}
    lines = lines_cases(spec, net, applied[proj.name])
    rail_capacity = modelled_rail_capacity(spec, lines)

    cache: dict[tuple[str, int], CorridorAssignment] = {}
    generated: dict[int, float] = {}
    if simulate and spec.simulation is None:
        raise ValidationError([Problem("the corridor spec has no simulation section to run", field="simulate",
                                       file=f"corridor spec {spec.name!r}")])
    sim_on = spec.simulation is not None and (spec.simulation.feedback if simulate is None else simulate)
    sim_years = spec.simulation_years if sim_on else ()
    loops: dict[tuple[str, int], FeedbackResult] = {}

    def solve(sc: Scenario, dem: pd.DataFrame, year: int) -> CorridorAssignment:
        """``sc`` assigned with ``dem``: through the simulation loop for the listed years' project and against;
        an attribution step between them with the against scenario's simulated delays."""
        if sc.name not in applied:
            applied[sc.name] = apply_scenario(net, sc)
        sc_net = with_capacity(applied[sc.name], rail_capacity)
        if year in sim_years and sc.name in (base.name, proj.name):
            say(f"simulating delays: {sc.name} {year}")
            loops[(sc.name, year)] = settle_study_delays(spec, sc_net, dem, year=year, gap=gap,
                                                         assumptions=freight, label=sc.name, queues=queues)
            return loops[(sc.name, year)].assignment
        overrides = queues
        if (base.name, year) in loops:
            from corridor.simulation.delays import with_delays

            loop = loops[(base.name, year)]
            sc_net = with_delays(sc_net, loop.fixed_h.rename("delay_h").rename_axis("link_id").reset_index())
            overrides = loop.queue_overrides
        return assign_corridor(sc_net, None, dem, gap=gap, assumptions=freight, families=families,
                              queue_overrides=overrides)

    def assign(sc: Scenario, year: int) -> CorridorAssignment:
        """``sc`` in ``year`` at the reference demand; the project, once open, with its generated traffic."""
        key = (sc.name, year)
        if key not in cache:
            ref = solve(sc, demand[year][0], year)
            if sc.name == proj.name and fc is not None and year >= fc.opening_year.value:
                dem = with_generated(ref.freight.demand, assign(base, year), ref, float(fc.elasticity.value))
                generated[year] = float(dem["generated_t"].sum())
                ref = solve(sc, dem.drop(columns=["generated_t"]), year)
            cache[key] = ref
        return cache[key]

    say("assigning freight")
    for y in years:
        for sc in (base, proj):
            assign(sc, y)
    fin_year = int(spec.finance.year.value) if spec.finance else years[-1]
    if fin_year not in years:
        what = "modelled year (forecast years" if fc is not None else "demand table (years"
        raise ValidationError([Problem(f"finance year {fin_year} has no {what}: {list(years)})",
                                       file=f"corridor spec {spec.name!r}", field="finance.year")])
    study = AssignmentStudy({k: v for k, v in cache.items() if k[0] in (base.name, proj.name)}, base.name,
                            proj.name, years, gap, {y: demand[y][1] for y in years})
    by_year = None if fc is None else volumes_by_year(
        fc, {y: study.get(base.name, y) for y in years}, {y: study.get(proj.name, y) for y in years}, generated,
        scenario=proj.name, against_name=base.name, sources=study.demand_sources)

    passengers = {}
    for y in (y for y in years if y in spec.demand):
        pax = passenger_table(spec, y)
        if pax is not None:
            say("passengers")
            for sc in (base, proj):
                times = congested_times(applied[sc.name], cache[(sc.name, y)].links)
                passengers[(sc.name, y)] = assign_passengers(applied[sc.name], pax, arc_time_h=times)

    say("attribution")
    attr = attribution(spec, net, spec.attribution_steps(proj), fin_year, cargo, assign)

    say("economics")
    econ = economics(spec, comp, net, study.volumes(fin_year), freight, {y: study.volumes(y) for y in years})

    say("appraisal")
    app = appraisal_of_runs({y: study.get(base.name, y) for y in years}, {y: study.get(proj.name, y) for y in years})

    say("third parties")
    tp = third_parties(spec, net, {"against": applied[base.name], "project": applied[proj.name]},
                       {"against": cache[(base.name, fin_year)], "project": cache[(proj.name, fin_year)]},
                       fin_year, cargo)
    delays = DelayFeedback(loops, feedback_settings(spec)) if sim_on else None
    return StudyResult(spec, net, proj, base, cargo, comp, study, lines, econ, tp, attr, delays=delays,
                       appraisal=app, seconds=time.perf_counter() - t0, forecast=by_year, calibration=calibration,
                       passengers=passengers)


def feedback_settings(spec: CorridorSpec) -> dict:
    """The spec's simulation-feedback settings as plain values (with the sources of its figures)."""
    s = spec.simulation
    if s is None:
        return {}
    figs = ("days", "replications", "tolerance_h", "tolerance_share", "tolerance_flow", "max_rounds")
    return {"operations": s.operations, "years": list(spec.simulation_years), "seed": s.seed,
            "damping": s.damping, **{f: getattr(s, f).value for f in figs},
            "sources": {f: getattr(s, f).source for f in figs}}


def settle_study_delays(spec: CorridorSpec, net: Network, demand: pd.DataFrame, *, year: int, gap: float = GAP,
                        assumptions=None, label: str = "", workers: int | None = None,
                        queues=None) -> FeedbackResult:
    """The assignment ↔ simulation loop of the spec's ``simulation`` section on ``net`` (a scenario applied)."""
    from corridor.simulation.config import load_operations
    from corridor.simulation.delays import settle_delays

    s = spec.simulation
    if s is None:
        raise ValidationError([Problem("the corridor spec has no simulation section", file=f"corridor spec "
                                       f"{spec.name!r}", field="simulation")])
    ops = load_operations(None if s.operations == "bundled" else spec.path(s.operations))
    return settle_delays(net, demand, year=year, ops=ops, days=int(s.days.value),
                         replications=int(s.replications.value), seed=s.seed, tol_h=s.tolerance_h.value,
                         tol_share=s.tolerance_share.value, tol_flow=s.tolerance_flow.value,
                         max_rounds=int(s.max_rounds.value), damping=s.damping,
                         workers=workers, track_links=spec.lines.rail if spec.lines else (),
                         assign_kwargs={"gap": gap, "assumptions": assumptions, "families": spec.route_families,
                                      "queue_overrides": queues},
                         label=label)
