"""Simulated delays as link times for assignment, and the loop that makes the two agree.

:func:`simulated_delays` turns a :class:`~corridor.simulation.experiment.SimulationResult` into one delay per
network link (hours, both directions): at a border link the mean time in system of the posts' entry and exit
checks (weighted by the movements each served), at a gauge-change link the station's mean time in system, at a
ferry link the mean wait in port before sailing (the crossing itself is the link's running time), and on the
single-track links the mean wait for sections, shared in proportion to their running times. These replace the
links' ``fixed_time_h`` (the assignment's delay assumptions) in :func:`with_delays`.

:func:`feedback` alternates assignment and simulation: assign with the current delays, average the link flows
over the rounds (the method of successive averages: round k moves 1/k of the way to the new flows, so a
saturated ferry does not make the flows swing back and forth), simulate at the averaged flows and put the
simulated delays on the links; stop when every link's simulated delay is within ``tol_h`` (or ``tol_share`` of
it, whichever is larger) of the one the assignment used, or after ``max_rounds``. Each round also reports the
flow gap: how far the round's assigned flows on the facility links are from the average (share of the average).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from corridor.simulation.config import Operations, bundled_operations
from corridor.simulation.experiment import SimulationResult, simulate
from corridor.simulation.model import build_layout
from corridor.simulation.traffic import traffic_from_link_flows

#: Stop when no link's simulated delay differs from the one the assignment used by more than this many hours or
#: this share of it, whichever is larger: a quarter of an hour is below the resolution of the delay assumptions
#: it replaces (whole hours in the network data), and 10 % is about the replication noise of a busy ferry's wait.
DEFAULT_TOLERANCE_H = 0.25
DEFAULT_TOLERANCE_SHARE = 0.10


def simulated_delays(result: SimulationResult, ops: Operations | None = None, network=None) -> pd.DataFrame:
    """One row per link with a simulated delay: ``link_id``, ``delay_h``, ``facility`` (what it comes from),
    ``saturated`` (the facility could not serve its arrivals: the delay grows with the run length)."""
    ops = ops or bundled_operations()
    fac = result.facilities
    rows: dict[str, dict] = {}

    def add(link: str, hours: float, weight: float, what: str, saturated: bool) -> None:
        r = rows.setdefault(link, {"link_id": link, "sum": 0.0, "weight": 0.0, "facility": [], "saturated": False})
        r["sum"] += hours * weight
        r["weight"] += weight
        r["facility"].append(what)
        r["saturated"] |= bool(saturated)

    for f in fac.itertuples():
        if f.kind in ("border entry", "border exit", "gauge change") and f.link and f.served:
            add(f.link, f.mean_sojourn_h, float(f.served), f.name, f.saturated)
        elif f.kind == "ferry" and f.link:
            add(f.link, f.mean_wait_h if f.served else np.nan, 1.0, f.name, f.saturated)
    out = [{"link_id": r["link_id"], "delay_h": r["sum"] / r["weight"] if r["weight"] else np.nan,
            "facility": " + ".join(dict.fromkeys(r["facility"])), "saturated": r["saturated"]} for r in rows.values()]
    track = fac[fac["kind"] == "single track"]
    if len(track) and ops.single_track is not None:
        layout = build_layout(ops, network)
        from corridor.study import default_spec

        links = default_spec().lines.rail
        run = np.array([s.run_h for s in layout.sections])
        wait = float(track["mean_wait_h"].iloc[0])
        by_link = {r["link_id"]: r for r in out}
        for link, share in zip(links, run / run.sum(), strict=True):
            extra = wait * share
            if link in by_link:
                by_link[link]["delay_h"] += extra
                by_link[link]["facility"] += " + single track"
                by_link[link]["saturated"] |= bool(track["saturated"].iloc[0])
            else:
                out.append({"link_id": link, "delay_h": extra, "facility": "single track",
                            "saturated": bool(track["saturated"].iloc[0])})
    return pd.DataFrame(out, columns=["link_id", "delay_h", "facility", "saturated"])


def with_delays(net, delays: pd.DataFrame):
    """A copy of ``net`` whose links' ``fixed_time_h`` are the given delays (other links unchanged)."""
    links = net.links.copy()
    d = delays.dropna(subset=["delay_h"]).set_index("link_id")["delay_h"]
    col = links["fixed_time_h"].to_numpy(dtype=float).copy()
    hit = links["link_id"].isin(d.index).to_numpy()
    col[hit] = links.loc[hit, "link_id"].map(d).to_numpy(dtype=float)
    links["fixed_time_h"] = col
    return net.replace_links(links)


@dataclass
class FeedbackResult:
    """Rounds of assignment and simulation until the delays settle."""

    rounds: pd.DataFrame  # round, link_id, assumed_h (what the assignment used), simulated_h, next_h, change_h
    converged: bool
    tolerance_h: float
    tolerance_share: float
    simulation: SimulationResult  # the last round's
    assignment: object  # the last CorridorAssignment
    history: list[dict] = field(default_factory=list)  # per round: max change, project tonnes

    @property
    def n_rounds(self) -> int:
        return int(self.rounds["round"].max()) if len(self.rounds) else 0

    def converged_delays(self) -> pd.DataFrame:
        last = self.rounds[self.rounds["round"] == self.n_rounds]
        return last[["link_id", "facility", "assumed_h", "simulated_h", "observed", "saturated"]].reset_index(drop=True)

    def to_dict(self) -> dict:
        return {"converged": self.converged, "rounds": self.n_rounds, "tolerance_h": self.tolerance_h,
                "tolerance_share": self.tolerance_share,
                "history": self.history,
                "delays": self.converged_delays().replace({np.nan: None}).to_dict(orient="records")}


def _facility_links(ops: Operations) -> set[str]:
    links = {p.link for p in ops.border_posts.values()} | {g.link for g in ops.gauge_stations.values()}
    links |= {f.link for f in ops.ferries.values()} | {s.link for s in ops.segments.values()}
    return links


def feedback(scenario: str | None = None, *, year: int = 2030, ops: Operations | None = None, days: int = 365,
             replications: int = 5, seed: int = 1, tol_h: float = DEFAULT_TOLERANCE_H,
             tol_share: float = DEFAULT_TOLERANCE_SHARE, max_rounds: int = 6, workers: int | None = 1, network=None,
             progress: Callable[[int, dict], None] | None = None) -> FeedbackResult:
    """:func:`settle_delays` for a scenario of the bundled region (or ``network``) and the bundled demand of
    ``year``."""
    from corridor.assignment.freight import bundled_demand_path, read_demand
    from corridor.network import load_network
    from corridor.scenario.apply import apply_scenario
    from corridor.scenario.model import load_scenario

    if tol_h <= 0 or max_rounds < 1:
        raise ValueError(f"need tol_h > 0 and max_rounds >= 1 (got {tol_h}, {max_rounds})")
    from corridor.simulation.traffic import default_scenario

    scenario = scenario or default_scenario()
    applied = apply_scenario(network if network is not None else load_network(), load_scenario(scenario))
    return settle_delays(applied, read_demand(bundled_demand_path(year)), year=year, ops=ops, days=days,
                         replications=replications, seed=seed, tol_h=tol_h, tol_share=tol_share,
                         max_rounds=max_rounds, workers=workers, progress=progress, label=scenario)


def settle_delays(applied, demand: pd.DataFrame, *, year: int, ops: Operations | None = None, days: int = 365,
                  replications: int = 5, seed: int = 1, tol_h: float = DEFAULT_TOLERANCE_H,
                  tol_share: float = DEFAULT_TOLERANCE_SHARE, max_rounds: int = 6, workers: int | None = 1,
                  assign_kwargs: dict | None = None, progress: Callable[[int, dict], None] | None = None,
                  label: str = "") -> FeedbackResult:
    """Iterate assignment and simulation on ``applied`` (a network with its scenario applied) and a demand
    table (see the module docstring). ``assign_kwargs`` go to
    :func:`~corridor.assignment.corridor.assign_corridor` (gap, assumptions, ...); the network with the settled
    delays is ``with_delays(applied, result.converged_delays().rename(columns={"simulated_h": "delay_h"}))``.
    ``progress(round, history_row)`` after each round."""
    from corridor.assignment.corridor import assign_corridor

    if tol_h <= 0 or max_rounds < 1:
        raise ValueError(f"need tol_h > 0 and max_rounds >= 1 (got {tol_h}, {max_rounds})")
    ops = ops or bundled_operations()
    base = applied
    kwargs = {"gap": 1e-4, **(assign_kwargs or {})}
    layout = build_layout(ops, base)
    original = base.links.set_index("link_id")["fixed_time_h"].astype(float).fillna(0.0)
    facility_links = _facility_links(ops)
    net, avg = base, None
    frames, history, converged = [], [], False
    sim = ca = None
    for k in range(1, max_rounds + 1):
        ca = assign_corridor(net, None, demand, **({"families": _families()} | kwargs))
        flows = ca.links[["link_id", "from_node_id", "to_node_id", "flow_t"]].reset_index(drop=True)
        if avg is None:
            avg = flows.copy()
        else:  # method of successive averages on the flows: round k moves 1/k of the way to the new flows
            avg["flow_t"] = avg["flow_t"] + (flows["flow_t"] - avg["flow_t"]) / k
        on = flows["link_id"].isin(facility_links).to_numpy()
        gap = float(np.abs(flows["flow_t"] - avg["flow_t"])[on].sum() / max(avg["flow_t"][on].sum(), 1e-9))
        traffic = traffic_from_link_flows(avg, ops, year=year, source=f"{label} {year}, averaged flows of "
                                                                       f"round {k}")
        sim = simulate(traffic, ops=ops, days=days, replications=replications, seed=seed, workers=workers,
                       layout=layout)
        d = simulated_delays(sim, ops, base)
        assumed = net.links.set_index("link_id")["fixed_time_h"].astype(float).fillna(0.0)
        d["round"] = k
        d["assumed_h"] = d["link_id"].map(assumed).to_numpy()
        # a facility no traffic reaches has no observed delay: it falls back to the network's assumption
        d["observed"] = d["delay_h"].notna()
        d["delay_h"] = d["delay_h"].fillna(d["link_id"].map(original))
        d = d.rename(columns={"delay_h": "simulated_h"})
        d["change_h"] = (d["simulated_h"] - d["assumed_h"]).abs()
        settled = d["change_h"] <= np.maximum(tol_h, tol_share * d["assumed_h"].abs())
        frames.append(d)
        row = {"round": k, "max_change_h": float(d["change_h"].max()), "unsettled": sorted(d.loc[~settled, "link_id"]),
               "flow_gap": gap, "project_t": float(sum(ca.project_t.values())),
               "saturated": sorted(d.loc[d["saturated"], "link_id"])}
        history.append(row)
        if progress:
            progress(k, row)
        if settled.all():
            converged = True
            break
        net = with_delays(base, d.rename(columns={"simulated_h": "delay_h"})[["link_id", "delay_h"]])
    rounds = pd.concat(frames, ignore_index=True)
    return FeedbackResult(rounds, converged, tol_h, tol_share, sim, ca, history)


def _families():
    """The default corridor's route-family rules (its project's links make a path the project's)."""
    from corridor.study import default_spec

    return default_spec().route_families
