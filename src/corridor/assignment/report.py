"""The freight-assignment section of the ``corridor run`` report: equilibrium flows by route family in both
scenarios for the bundled 2024 and 2030 demand, links over capacity, and TRIPP volumes for the finance section."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

import pandas as pd

from corridor._errors import CorridorError
from corridor.assignment.corridor import CorridorComparison, compare_corridor
from corridor.assignment.freight import BUNDLED_DEMAND, bundled_assumptions, bundled_demand
from corridor.report import Section, frame_html

if TYPE_CHECKING:
    from corridor.run import JobContext

GAP = 1e-6
#: The year whose TRIPP flows feed the finance section (TRIPP cannot carry anything before it is built).
FINANCE_YEAR = 2030


def run_years(ctx: JobContext, *, gap: float = GAP) -> dict[int, CorridorComparison]:
    c = ctx.comparison
    return {y: compare_corridor(ctx.network, c.before, c.after, bundled_demand(y), gap=gap) for y in BUNDLED_DEMAND}


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


def _convergence(runs: dict[int, CorridorComparison]) -> str:
    items = []
    for y, cmp in runs.items():
        for s in (cmp.before, cmp.after):
            r = s.result
            items.append(f"{y} {escape(s.scenario)}: {r.n_iterations} iterations, relative gap "
                         f"{r.relative_gap:.1e} ({'converged' if r.converged else 'NOT converged'}), "
                         f"{r.seconds * 1000:.0f} ms")
    return "; ".join(items)


def section(ctx: JobContext) -> tuple[Section, dict] | None:
    try:
        runs = run_years(ctx)
    except CorridorError as e:  # e.g. a user network without the bundled demand's places
        html = f"<p>Freight assignment not run: {escape(str(e))}</p>"
        return Section("assignment", "Freight assignment", html), {"headline": f"not run: {e}"}
    fin = runs[FINANCE_YEAR]
    a = bundled_assumptions()
    payload = a.truck_payload_t.value
    tripp = fin.after.tripp_t
    if tripp["rail"] + tripp["road"] > 0:
        # the finance bids count rail in tonnes and road in trucks (economics/data/tripp_bids.yaml)
        ctx.extras["tripp_volumes_t"] = {"rail": tripp["rail"], "road": tripp["road"] / payload}
    demand_mt = {y: _mt(cmp.before.summary["demand_t"]) for y, cmp in runs.items()}
    b, af = fin.before.scenario, fin.after.scenario
    assumptions = "".join(f"<li>{escape(x)}</li>" for x in a.lines())
    demand_rows = "".join(
        f"<li>{y}: {escape(r.origin)} → {escape(r.destination)}, {escape(r.cargo)}"
        f"{' by ' + '+'.join(r.modes) if r.modes else ''}, {r.tonnes_per_yr / 1e6:g} Mt/yr — {escape(r.source)}</li>"
        for y in runs for r in bundled_demand(y).itertuples())
    unserved = {y: cmp.after.freight.unserved for y, cmp in runs.items()}
    unserved_html = "".join(
        f"<p class='assumption'>{y}: {len(u)} demand rows have no route in {escape(af)} and are left out "
        f"({_mt(u['tonnes_per_yr'].sum()):.2f} Mt/yr).</p>" for y, u in unserved.items() if len(u))
    html = (
        "<p>Capacity-constrained user equilibrium of freight (tonnes per year) on this network: places are zones, "
        "cargo classes are traffic classes with their own value of time, distance rates, handling and allowed "
        "modes; link capacities become tonnes per year and a BPR function delays flow as it nears them. "
        f"Demand: the bundled 2024 table ({demand_mt[2024]:.1f} Mt/yr; Middle Corridor 4.5 Mt, facts[121]) and "
        f"2030 table ({demand_mt[2030]:.1f} Mt/yr; Middle Corridor 11 Mt, World Bank, facts[67]). Path-based "
        f"gradient projection to a relative gap of {GAP:.0e}: {_convergence(runs)}.</p>"
        + "<h3>Flows by route family, Mt/yr</h3>"
        "<p>A path counts in every family it uses (a tonne through Georgia after a Caspian ferry counts in both).</p>"
        + frame_html(_families_table(runs), text_columns=("route family",), digits=2)
        + f"<p>TRIPP in {escape(af)}, {FINANCE_YEAR} demand: rail <b>{_mt(tripp['rail']):.2f} Mt/yr</b>, road "
        f"<b>{_mt(tripp['road']):.2f} Mt/yr</b> (≈ {tripp['road'] / payload:,.0f} trucks/yr at {payload:g} t); "
        "these volumes replace the stated ones in the finance section below.</p>"
        + unserved_html
        + f"<h3>Links over capacity ({FINANCE_YEAR} demand)</h3>"
        + (frame_html(_over_table(fin), text_columns=("link", "direction", "mode"), digits=2)
           if len(fin.over_capacity()) else "<p>None.</p>")
        + ("<h3>Links over capacity (2024 demand)</h3>"
           + frame_html(_over_table(runs[2024]), text_columns=("link", "direction", "mode"), digits=2)
           if len(runs[2024].over_capacity()) else "<p>2024 demand: no link over capacity.</p>")
        + f"<h3>Paths used ({FINANCE_YEAR} demand)</h3>"
        + frame_html(_paths_table(fin), text_columns=("scenario", "pair", "class", "route"), digits=2)
        + f"<details><summary>Assumptions ({len(a.lines())}) and demand rows with sources</summary>"
        f"<ul class='assumption'>{assumptions}</ul><ul>{demand_rows}</ul></details>"
    )
    headline = f"{FINANCE_YEAR} demand: {fin.headline()}"
    summary = {"headline": headline, "gap": GAP, **{str(y): cmp.to_dict() for y, cmp in runs.items()},
               "tripp_volumes": {"rail_t": tripp["rail"], "road_t": tripp["road"],
                                 "road_trucks": tripp["road"] / payload, "year": FINANCE_YEAR, "scenario": af,
                                 "against": b}}
    return Section("assignment", "Freight assignment", html), summary
