"""The freight-assignment section of the ``corridor run`` report: equilibrium flows by route family in both
scenarios for each demand year, links over capacity, and the project's modelled tonnes that feed finance.

A view of :class:`corridor.study.StudyResult`; it computes nothing."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

import pandas as pd

from corridor.assignment.corridor import CorridorComparison
from corridor.report import Section, frame_html

if TYPE_CHECKING:
    from corridor.study import StudyResult


def _mt(v: float) -> float:
    return v / 1e6


def _families_table(runs: dict[int, CorridorComparison]) -> pd.DataFrame:
    out = None
    for y, cmp in runs.items():
        f = cmp.families()
        b, a = cmp.before.scenario, cmp.after.scenario
        part = pd.DataFrame({"route family": f["family"], f"{y} {b}": f["before_t"].map(_mt),
                             f"{y} {a}": f["after_t"].map(_mt), f"{y} change": f["change_t"].map(_mt)})
        out = part if out is None else out.merge(part, on="route family")
    return out


def _over_table(cmp: CorridorComparison) -> pd.DataFrame:
    o = cmp.over_capacity()
    b, a = cmp.before.scenario, cmp.after.scenario
    return pd.DataFrame({"link": o["link_id"], "direction": o["direction"], "mode": o["mode"],
                         "capacity, Mt/yr": o["capacity_t"].map(_mt), f"{b}: Mt/yr": o["before_flow_t"].map(_mt),
                         f"{b}: v/c": o["before_voc"], f"{a}: Mt/yr": o["after_flow_t"].map(_mt),
                         f"{a}: v/c": o["after_voc"]})


def _paths_table(cmp: CorridorComparison) -> pd.DataFrame:
    frames = []
    for side in (cmp.before, cmp.after):
        p = side.paths
        frames.append(pd.DataFrame({"scenario": side.scenario, "pair": p["origin"] + " → " + p["destination"],
                                    "class": p["class"], "route": p["family"], "Mt/yr": p["tonnes"].map(_mt),
                                    "hours": p["time_h"], "USD/t (generalised)": p["cost_usd_per_t"]}))
    return pd.concat(frames, ignore_index=True)


def _route_choice(runs) -> str:
    cmp = next(iter(runs.values()))
    s = cmp.after.summary
    if s.get("route_choice") == "logit":
        return (f"logit stochastic user equilibrium (θ = {s['theta_relative']:g} over each O–D pair's free-flow "
                "cheapest cost; SUE gap: the share of demand the logit split at the final costs would move)")
    return "deterministic user equilibrium (path-based gradient projection; relative gap)"


def _convergence(runs: dict[int, CorridorComparison]) -> str:
    items = []
    for y, cmp in runs.items():
        for s in (cmp.before, cmp.after):
            r = s.result
            items.append(f"{y} {escape(s.scenario)}: {r.n_iterations} iterations, "
                         f"{'SUE gap' if r.algorithm == 'logit' else 'relative gap'} "
                         f"{r.relative_gap:.1e} ({'converged' if r.converged else 'NOT converged'}), "
                         f"{r.seconds * 1000:.0f} ms")
    return "; ".join(items)


def section(res: StudyResult) -> Section:
    st = res.assignment
    runs = {y: st.comparison(y) for y in st.years}
    year = res.finance_year
    fin = runs[year]
    a = fin.after.freight.assumptions
    payload = a.truck_payload_t.value
    label = res.spec.project.label
    vol = st.volumes(year)
    b, af = fin.before.scenario, fin.after.scenario
    assumptions = "".join(f"<li>{escape(x)}</li>" for x in a.lines())
    demand_rows = "".join(
        f"<li>{y}: {escape(r.origin)} → {escape(r.destination)}, {escape(r.cargo)}"
        f"{' by ' + '+'.join(r.modes) if r.modes else ''}, {r.tonnes_per_yr / 1e6:g} Mt/yr — {escape(r.source)}</li>"
        for y, cmp in runs.items() for r in cmp.after.freight.demand.itertuples())
    unserved_html = "".join(
        f"<p class='assumption'>{y}: {len(u)} demand rows have no route in {escape(cmp.after.scenario)} and are "
        f"left out ({_mt(u['tonnes_per_yr'].sum()):.2f} Mt/yr).</p>"
        for y, cmp in runs.items() if len(u := cmp.after.freight.unserved))
    demand = "; ".join(f"{y}: {_mt(cmp.before.summary['demand_t']):.1f} Mt/yr ({escape(st.demand_sources[y])})"
                       for y, cmp in runs.items())
    by_mode = ", ".join(f"{m} <b>{_mt(t):.2f} Mt/yr</b>" for m, t in vol.tonnes.items())
    trucks = (f" (road ≈ {vol.tonnes['road'] / payload:,.0f} trucks/yr at {payload:g} t)"
              if "road" in vol.tonnes else "")
    over_rows = "".join(
        f"<h3>Links over capacity ({y} demand)</h3>"
        + (frame_html(_over_table(cmp), text_columns=("link", "direction", "mode"), digits=2)
           if len(cmp.over_capacity()) else "<p>None.</p>") for y, cmp in runs.items())
    html = (
        "<p>Capacity-constrained user equilibrium of freight (tonnes per year) on this network: places are zones, "
        "cargo classes are traffic classes with their own value of time, distance rates, handling and allowed "
        "modes; link capacities become tonnes per year; ferries, border crossings and rail lines delay flow as "
        "queues (Allen–Cunneen G/G/c mean wait, servers and lots from the assumptions and the operations data), "
        "roads by a BPR function. "
        f"Demand: {demand}. Route choice: {_route_choice(runs)}, to a gap of {st.gap:.0e}: "
        f"{_convergence(runs)}.</p>"
        + "<h3>Flows by route family, Mt/yr</h3>"
        "<p>A path counts in every family it uses (a tonne through a country after a ferry counts in both).</p>"
        + frame_html(_families_table(runs), text_columns=("route family",), digits=2)
        + f"<p>{escape(label)} in {escape(af)}, {year} demand: {by_mode}{trucks}; these modelled volumes are "
        f"the finance section's volumes ({escape(b)}: {_mt(sum(fin.before.project_t.values())):.2f} Mt/yr).</p>"
        + unserved_html + over_rows
        + f"<h3>Paths used ({year} demand)</h3>"
        + frame_html(_paths_table(fin), text_columns=("scenario", "pair", "class", "route"), digits=2)
        + f"<details><summary>Assumptions ({len(a.lines())}) and demand rows with sources</summary>"
        f"<ul class='assumption'>{assumptions}</ul><ul>{demand_rows}</ul></details>"
    )
    return Section("assignment", "Freight assignment", html)
