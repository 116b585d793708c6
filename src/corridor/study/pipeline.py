"""``run_study``: the whole corridor study as one pure call (no file written, nothing printed, no HTML)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from corridor._errors import NotFoundError, Problem, ValidationError
from corridor.assignment.corridor import CorridorAssignment, assign_corridor
from corridor.assignment.freight import bundled_assumptions, bundled_demand, read_demand
from corridor.economics.appraisal_flows import appraisal_of_runs
from corridor.network.model import Network
from corridor.scenario import Scenario, apply_scenario, compare_scenarios, load_scenario
from corridor.study.attribution import attribution
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


def demand_table(spec: CorridorSpec, year: int) -> pd.DataFrame:
    d = spec.demand[year]
    return bundled_demand(year) if d.table == "bundled" else read_demand(spec.path(d.table))


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
    fc = study_forecast(spec)
    years = fc.years if fc is not None else tuple(sorted(spec.demand))
    freight = bundled_assumptions()
    tables = {y: demand_table(spec, y) for y in sorted(spec.demand)}
    demand = year_demands(spec, fc, tables, years)

    say("routing OD pairs")
    comp = compare_scenarios(net, base, proj, od_pairs=spec.od_pairs, cargo=cargo,
                             constraints=spec.route_constraints, families=families)

    say("lines")
    applied: dict[str, Network] = {proj.name: apply_scenario(net, proj)}
    lines = lines_cases(spec, net, applied[proj.name])
    rail_capacity = modelled_rail_capacity(spec, lines)

    cache: dict[tuple[str, int], CorridorAssignment] = {}
    generated: dict[int, float] = {}

    def solve(sc: Scenario, dem: pd.DataFrame) -> CorridorAssignment:
        if sc.name not in applied:
            applied[sc.name] = apply_scenario(net, sc)
        return assign_corridor(with_capacity(applied[sc.name], rail_capacity), None, dem, gap=gap,
                               assumptions=freight, families=families)

    def assign(sc: Scenario, year: int) -> CorridorAssignment:
        """``sc`` in ``year`` at the reference demand; the project, once open, with its generated traffic."""
        key = (sc.name, year)
        if key not in cache:
            ref = solve(sc, demand[year][0])
            if sc.name == proj.name and fc is not None and year >= fc.opening_year.value:
                dem = with_generated(ref.freight.demand, assign(base, year), ref, float(fc.elasticity.value))
                generated[year] = float(dem["generated_t"].sum())
                ref = solve(sc, dem.drop(columns=["generated_t"]))
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
    return StudyResult(spec, net, proj, base, cargo, comp, study, lines, econ, tp, attr, app,
                       seconds=time.perf_counter() - t0, forecast=by_year)
