"""``run_study``: the whole corridor study as one pure call (no file written, nothing printed, no HTML)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from corridor._errors import NotFoundError, Problem, ValidationError
from corridor.assignment.corridor import CorridorAssignment, assign_corridor
from corridor.assignment.freight import bundled_assumptions
from corridor.assignment.passengers import assign_passengers, congested_times
from corridor.network.model import Network
from corridor.scenario import Scenario, apply_scenario, compare_scenarios, load_scenario
from corridor.study.attribution import attribution
from corridor.study.calibration import apply_factors, calibrate_spec, demand_table, passenger_table
from corridor.study.economics import economics
from corridor.study.lines import lines_cases
from corridor.study.result import AssignmentStudy, LinesResult, StudyResult
from corridor.study.spec import DO_MINIMUM, CorridorSpec, load_spec
from corridor.study.third_parties import third_parties

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



def run_study(
    spec: CorridorSpec | str | Path,
    *,
    network: Network | None = None,
    project: str | Path | Scenario | None = None,
    against: str | Path | Scenario = DO_MINIMUM,
    cargo: str = "container",
    gap: float = GAP,
    progress: Callable[[str], None] | None = None,
) -> StudyResult:
    """Compare ``project`` (default: the spec's first case) with ``against`` (default: the do-minimum).

    Routes the spec's OD pairs under its constraints, assigns each demand year's freight in both scenarios
    (and in every attribution step for the finance year), evaluates the line cases, trade and the concession
    bids on the modelled project tonnes, and the third-party effects. ``progress`` is told each stage's name.
    Any failure raises; nothing is skipped or replaced by a stated figure.
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
    years = tuple(sorted(spec.demand))
    freight = bundled_assumptions()

    calibration = None
    demand: dict[int, pd.DataFrame] = {y: demand_table(spec, y) for y in years}
    if spec.calibration is not None:
        say("calibrating the base year")
        calibration = calibrate_spec(spec, net)
        demand = {y: apply_factors(d, calibration) for y, d in demand.items()}

    say("routing OD pairs")
    comp = compare_scenarios(net, base, proj, od_pairs=spec.od_pairs, cargo=cargo,
                             constraints=spec.route_constraints, families=families)

    say("lines")
    applied: dict[str, Network] = {proj.name: apply_scenario(net, proj)}
    lines = lines_cases(spec, net, applied[proj.name])
    rail_capacity = modelled_rail_capacity(spec, lines)

    cache: dict[tuple[str, int], CorridorAssignment] = {}

    def assign(sc: Scenario, year: int) -> CorridorAssignment:
        key = (sc.name, year)
        if key not in cache:
            if sc.name not in applied:
                applied[sc.name] = apply_scenario(net, sc)
            cache[key] = assign_corridor(with_capacity(applied[sc.name], rail_capacity), None,
                                         demand[year], gap=gap, assumptions=freight,
                                         families=families)
        return cache[key]

    say("assigning freight")
    for y in years:
        for sc in (base, proj):
            assign(sc, y)
    fin_year = int(spec.finance.year.value) if spec.finance else years[-1]
    if fin_year not in spec.demand:
        raise ValidationError([Problem(f"finance year {fin_year} has no demand table (years: {list(years)})",
                                       file=f"corridor spec {spec.name!r}", field="finance.year")])
    study = AssignmentStudy({k: v for k, v in cache.items() if k[0] in (base.name, proj.name)}, base.name,
                            proj.name, years, gap, {y: spec.demand[y].source for y in years})

    passengers = {}
    for y in years:
        pax = passenger_table(spec, y)
        if pax is not None:
            say("passengers")
            for sc in (base, proj):
                times = congested_times(applied[sc.name], cache[(sc.name, y)].links)
                passengers[(sc.name, y)] = assign_passengers(applied[sc.name], pax, arc_time_h=times)

    say("attribution")
    attr = attribution(spec, net, spec.attribution_steps(proj), fin_year, cargo, assign)

    say("economics")
    econ = economics(spec, comp, net, study.volumes(fin_year), freight)

    say("third parties")
    tp = third_parties(spec, net, {"against": applied[base.name], "project": applied[proj.name]},
                       {"against": cache[(base.name, fin_year)], "project": cache[(proj.name, fin_year)]},
                       fin_year, cargo)
    return StudyResult(spec, net, proj, base, cargo, comp, study, lines, econ, tp, attr,
                       seconds=time.perf_counter() - t0, calibration=calibration,
                       passengers=passengers)
