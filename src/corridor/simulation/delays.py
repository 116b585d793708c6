"""Simulated delays as link times for assignment, and the loop that makes the two agree.

:func:`simulated_delays` turns a :class:`~corridor.simulation.experiment.SimulationResult` into one delay per
network link (hours, both directions): at a border link the mean time in system of the posts' entry and exit
checks (weighted by the movements each served), at a gauge-change link the station's mean time in system, at a
ferry link the mean wait in port before sailing (the crossing itself is the link's running time), and on the
single-track links the mean wait for sections, shared in proportion to their running times. These replace the
links' ``fixed_time_h`` (the assignment's delay assumptions) in :func:`with_delays`; at a queue facility
:func:`calibrate_links` splits the delay into the service (fixed time) and the wait, and scales the facility's
Allen–Cunneen wait so that it equals the simulated wait at the simulated flows: the queue is counted once and
the flows still respond to congestion between rounds.

:func:`feedback` alternates assignment and simulation: assign with the current delays, average the link flows
over the rounds (the method of successive averages from round 2, the first assigned with simulated delays:
round k moves 1/(k-1) of the way to the new flows, so a saturated ferry does not make the flows swing back and
forth), simulate at the averaged flows and put the simulated delays on the links; stop when every link's simulated delay is within ``tol_h`` (or ``tol_share`` of
it, whichever is larger) of the one the assignment used, or after ``max_rounds``. Each round also reports the
flow gap: how far the round's assigned flows on the facility links are from the average (share of the average).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

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
#: ... and when the round's assigned flows on the facility links are within this share of the averaged flows
#: the delays were simulated at (with damping the two differ until the flows settle too).
DEFAULT_TOLERANCE_FLOW = 0.05


def simulated_delays(result: SimulationResult, ops: Operations | None = None, network=None, *,
                     track_links: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per link with a simulated delay: ``link_id``, ``delay_h``, ``ci95_h`` (half-width of its 95 %
    confidence interval over the replications; NaN with one), ``wait_h`` (the part of ``delay_h`` spent queueing;
    the rest is service: inspection, gauge change), ``facility`` (what it comes from), ``saturated`` (the
    facility could not serve its arrivals: the delay grows with the run length). NaN delay: no traffic."""
    ops = ops or bundled_operations()
    fac = result.facilities
    rows: dict[str, dict] = {}

    def add(link: str, hours: float, wait: float, half: float, weight: float, what: str, saturated: bool) -> None:
        r = rows.setdefault(link, {"link_id": link, "sum": 0.0, "wait": 0.0, "var": 0.0, "weight": 0.0,
                                   "facility": [], "saturated": False})
        r["sum"] += hours * weight
        r["wait"] += wait * weight
        r["var"] += (half * weight) ** 2  # independent facilities: half-widths add in quadrature
        r["weight"] += weight
        r["facility"].append(what)
        r["saturated"] |= bool(saturated)

    for f in fac.itertuples():
        if f.kind in ("border entry", "border exit", "gauge change") and f.link and f.served:
            add(f.link, f.mean_sojourn_h, f.mean_wait_h, f.ci95_mean_sojourn_h, float(f.served), f.name,
                f.saturated)
        elif f.kind == "ferry" and f.link:
            w = f.mean_wait_h if f.served else np.nan
            add(f.link, w, w, f.ci95_mean_wait_h, 1.0, f.name, f.saturated)
    out = [{"link_id": r["link_id"], "delay_h": r["sum"] / r["weight"] if r["weight"] else np.nan,
            "ci95_h": np.sqrt(r["var"]) / r["weight"] if r["weight"] else np.nan,
            "wait_h": r["wait"] / r["weight"] if r["weight"] else np.nan,
            "facility": " + ".join(dict.fromkeys(r["facility"])), "saturated": r["saturated"]} for r in rows.values()]
    track = fac[fac["kind"] == "single track"]
    if len(track) and ops.single_track is not None:
        layout = build_layout(ops, network)
        if track_links is None:
            from corridor.study import default_spec

            track_links = default_spec().lines.rail
        run = np.array([s.run_h for s in layout.sections])
        wait = float(track["mean_wait_h"].iloc[0])
        half = float(track["ci95_mean_wait_h"].iloc[0])
        sat = bool(track["saturated"].iloc[0])
        by_link = {r["link_id"]: r for r in out}
        for link, share in zip(track_links, run / run.sum(), strict=True):
            if link in by_link:
                r = by_link[link]
                r["delay_h"] += wait * share
                r["wait_h"] += wait * share
                r["ci95_h"] = float(np.hypot(r["ci95_h"], half * share))
                r["facility"] += " + single track"
                r["saturated"] |= sat
            else:
                out.append({"link_id": link, "delay_h": wait * share, "ci95_h": half * share, "wait_h": wait * share,
                            "facility": "single track", "saturated": sat})
    return pd.DataFrame(out, columns=["link_id", "delay_h", "ci95_h", "wait_h", "facility", "saturated"])


def with_delays(net, delays: pd.DataFrame):
    """A copy of ``net`` whose links' ``fixed_time_h`` are the given delays (other links unchanged)."""
    links = net.links.copy()
    d = delays.dropna(subset=["delay_h"]).set_index("link_id")["delay_h"]
    col = links["fixed_time_h"].to_numpy(dtype=float).copy()
    hit = links["link_id"].isin(d.index).to_numpy()
    col[hit] = links.loc[hit, "link_id"].map(d).to_numpy(dtype=float)
    links["fixed_time_h"] = col
    return net.replace_links(links)


#: below this assigned wait (h) at the simulated flows a facility's queue is not calibrated (its analytic wait
#: stays, the simulated delay goes to its fixed time): a ratio to a wait of seconds says nothing
MIN_CALIBRATION_WAIT_H = 1e-3


def calibrate_links(queues, flows: pd.DataFrame, delays: pd.Series, waits: pd.Series,
                    overrides=None) -> tuple[pd.Series, dict[str, dict]]:
    """The links' fixed times and queue overrides that make the assignment's time at ``flows`` the simulated one.

    ``queues``: link_id -> :class:`~corridor.assignment.facilities.FacilityQueue` (as the assignment built them,
    before this calibration); ``flows``: link_id, flow_t per direction (the flows the delays were simulated at);
    ``delays``: link_id -> the delay (h) to carry there; ``waits``: link_id -> the part of it that is queueing
    (NaN: not simulated). A queue facility's Allen–Cunneen wait is scaled (``wait_factor``) so that at the
    flows it equals the simulated wait, and its fixed time is the rest (the service: inspection, gauge change):
    the assigned flows still respond to congestion between rounds, as they must near a capacity (with a flat
    delay two parallel ferries take all or nothing in turns), and the queue is not counted twice (the
    simulated delay already holds it: on the bundled Caspian ferries near their capacity the analytic wait is
    hundreds of hours). Elsewhere (a road segment, a facility without a simulated wait or without a measurable
    assigned wait) the fixed time is the delay less the analytic wait at the flows, at least 0."""
    out = {k: dict(v) for k, v in (overrides or {}).items()}
    fixed = {}
    f = flows[flows["link_id"].isin(delays.index)]
    for link, d in delays.items():
        q = queues.get(link)
        if q is None:
            fixed[link] = d
            continue
        q1 = replace(q, wait_factor=1.0)
        x = f.loc[f["link_id"] == link, "flow_t"].to_numpy(dtype=float)
        a = float(np.dot(x, q1.assigned_wait_h(x)) / x.sum()) if x.sum() > 0 else 0.0
        w = float(waits.get(link, np.nan))
        row = out.setdefault(link, {})
        if np.isfinite(w) and a > MIN_CALIBRATION_WAIT_H:
            k = w / a
            fixed[link] = max(d - w, 0.0)
            row["wait_factor"] = k
            src = str(row.get("source", q.source))
            row["source"] = f"{src}; wait calibrated to the operations simulation (× {k:.3g})"
        else:
            fixed[link] = max(d - q.wait_factor * a, 0.0)
    return pd.Series(fixed, dtype=float), out


Damping = Literal["msa", "none"]
DAMPINGS: tuple[str, ...] = ("msa", "none")


@dataclass
class FeedbackResult:
    """Rounds of assignment and simulation until the delays settle (or ``max_rounds`` without: ``converged``
    False, never hidden)."""

    rounds: pd.DataFrame  # round, link_id, facility, assumed_h (what the round's assignment used), simulated_h,
    #                       ci95_h, observed, saturated, change_h (|simulated - assumed|), settled
    converged: bool
    tolerance_h: float
    tolerance_share: float
    simulation: SimulationResult | None  # the last round's
    assignment: object  # the last round's CorridorAssignment (the one assigned with the delays reported)
    history: list[dict] = field(default_factory=list)  # per round: largest change, unsettled, flow gap, ...
    damping: str = "msa"
    max_rounds: int = 0
    days: int = 0
    replications: int = 0
    tolerance_flow: float = DEFAULT_TOLERANCE_FLOW
    #: what the last round's assignment put on the facility links: their fixed times (h) and queue overrides
    #: (:func:`calibrate_links`); None when the loop was given its own ``assign``
    fixed_h: pd.Series | None = None
    queue_overrides: dict | None = None

    @property
    def n_rounds(self) -> int:
        return int(self.rounds["round"].max()) if len(self.rounds) else 0

    def converged_delays(self) -> pd.DataFrame:
        """The last round per link: the delay its assignment used, the simulated one, whether traffic reached
        the facility, whether it was saturated and whether the two agree within the tolerance."""
        last = self.rounds[self.rounds["round"] == self.n_rounds]
        return last[["link_id", "facility", "assumed_h", "simulated_h", "ci95_h", "observed", "saturated",
                     "settled"]].reset_index(drop=True)

    def delays(self) -> pd.Series:
        """link_id -> the delay (h) the last round's assignment used (what the study's flows rest on)."""
        return self.converged_delays().set_index("link_id")["assumed_h"]

    def to_dict(self) -> dict:
        return {"converged": self.converged, "rounds": self.n_rounds, "max_rounds": self.max_rounds,
                "tolerance_h": self.tolerance_h, "tolerance_share": self.tolerance_share,
                "tolerance_flow": self.tolerance_flow, "damping": self.damping,
                "days": self.days, "replications": self.replications, "history": self.history,
                "delays": self.converged_delays().replace({np.nan: None}).to_dict(orient="records")}


def facility_links(ops: Operations, track_links: Sequence[str] = ()) -> set[str]:
    """Links whose delay the simulation gives: border posts, gauge stations, ferries, segments, single track."""
    links = {p.link for p in ops.border_posts.values()} | {g.link for g in ops.gauge_stations.values()}
    links |= {f.link for f in ops.ferries.values()} | {s.link for s in ops.segments.values()}
    return links | (set(track_links) if ops.single_track is not None else set())


def iterate_delays(assign: Callable[[pd.Series], object], simulate_at: Callable[[pd.DataFrame], tuple],
                   initial: pd.Series, *, tol_h: float = DEFAULT_TOLERANCE_H,
                   tol_share: float = DEFAULT_TOLERANCE_SHARE, tol_flow: float = DEFAULT_TOLERANCE_FLOW,
                   max_rounds: int = 6, damping: Damping = "msa",
                   progress: Callable[[int, dict], None] | None = None) -> FeedbackResult:
    """The fixed point of delays ``d = S(f(d))``: ``assign(d)`` (link_id -> hours) returns an assignment whose
    ``links`` table has link_id, from_node_id, to_node_id, flow_t; ``simulate_at(flows)`` returns (a table of
    link_id, delay_h, facility, saturated, optionally ci95_h, with NaN where no traffic came; the simulation
    result or None).

    Round k assigns with d_k and simulates; d_{k+1} is the simulated delay. With ``damping`` "msa" (the method
    of successive averages) round k simulates at the average of the flows of rounds 2..k (round 1's flows rest
    on the network's delay assumptions, not on a simulated delay: kept in the average they hold the flow gap
    at about (f_2 - f_1)/k for ever, measured on the bundled project case), so a saturated facility
    in one round does not throw all its traffic onto the alternative and back: near a capacity the wait is so
    steep that the undamped map (``"none"``: simulate at the round's own flows) swings between the two for
    ever. (Averaging the delays as well was slower: a saturated first round's wait stays in the average.)
    Converged when every link's simulated delay is within ``tol_h`` or ``tol_share`` of d_k (a link without
    traffic keeps ``initial``) and the round's flows on the facility links are within ``tol_flow`` of the
    averaged ones. The 95 % CI of each simulated delay is reported (``ci95_h``), not used to loosen the test."""
    if tol_h <= 0 or tol_share < 0 or tol_flow < 0 or max_rounds < 1:
        raise ValueError(f"need tol_h > 0, tol_share >= 0, tol_flow >= 0 and max_rounds >= 1 (got {tol_h}, "
                         f"{tol_share}, {tol_flow}, {max_rounds})")
    if damping not in DAMPINGS:
        raise ValueError(f"damping must be one of {', '.join(DAMPINGS)} (got {damping!r})")
    initial = initial.astype(float).fillna(0.0)
    used = initial.copy()
    avg = None
    frames, history, converged = [], [], False
    ca = sim = None
    for k in range(1, max_rounds + 1):
        ca = assign(used)
        flows = ca.links[["link_id", "from_node_id", "to_node_id", "flow_t"]].reset_index(drop=True)
        if avg is None or damping == "none" or k == 2:
            avg = flows.copy()
        else:  # round k moves 1/(k-1) of the way to the new flows: the average of rounds 2..k
            avg["flow_t"] = avg["flow_t"] + (flows["flow_t"] - avg["flow_t"]) / (k - 1)
        on = flows["link_id"].isin(initial.index).to_numpy()
        gap = float(np.abs(flows["flow_t"] - avg["flow_t"])[on].sum() / max(avg["flow_t"][on].sum(), 1e-9))
        d, sim = simulate_at(avg)
        d = d.set_index("link_id").reindex(initial.index)
        d["facility"] = d["facility"].fillna("")
        d["saturated"] = d["saturated"].fillna(False).astype(bool)
        d["observed"] = d["delay_h"].notna()
        # a facility no traffic reaches has no observed delay: it keeps the network's assumption
        simulated = d["delay_h"].fillna(initial)
        ci = d["ci95_h"].fillna(0.0) if "ci95_h" in d.columns else pd.Series(0.0, index=d.index)
        change = (simulated - used).abs()
        settled = change <= np.maximum(tol_h, tol_share * used.abs())
        frames.append(pd.DataFrame({"round": k, "link_id": initial.index, "facility": d["facility"].to_numpy(),
                                    "assumed_h": used.to_numpy(), "simulated_h": simulated.to_numpy(),
                                    "ci95_h": ci.to_numpy(), "observed": d["observed"].to_numpy(),
                                    "saturated": d["saturated"].to_numpy(),
                                    "change_h": change.to_numpy(), "settled": settled.to_numpy()}))
        row = {"round": k, "max_change_h": float(change.max()) if len(change) else 0.0,
               "unsettled": sorted(change.index[~settled.to_numpy()]), "flow_gap": gap,
               "project_t": float(sum(getattr(ca, "project_t", {}).values())),
               "saturated": sorted(d.index[d["saturated"].to_numpy()])}
        history.append(row)
        if progress:
            progress(k, row)
        # a fixed point also needs the round's own flows near the averaged ones the delays were simulated at
        if settled.all() and gap <= tol_flow:
            converged = True
            break
        used = simulated.copy()
    rounds = pd.concat(frames, ignore_index=True)
    return FeedbackResult(rounds, converged, tol_h, tol_share, sim, ca, history, damping, max_rounds,
                          tolerance_flow=tol_flow)


def feedback(scenario: str | None = None, *, year: int = 2030, ops: Operations | None = None, days: int = 365,
             replications: int = 5, seed: int = 1, tol_h: float = DEFAULT_TOLERANCE_H,
             tol_share: float = DEFAULT_TOLERANCE_SHARE, tol_flow: float = DEFAULT_TOLERANCE_FLOW,
             max_rounds: int = 6, damping: Damping = "msa", workers: int | None = 1, network=None,
             progress: Callable[[int, dict], None] | None = None) -> FeedbackResult:
    """:func:`settle_delays` for a scenario of the bundled region (or ``network``) and the bundled demand of
    ``year``."""
    from corridor.assignment.freight import bundled_demand_path, read_demand
    from corridor.network import load_network
    from corridor.scenario.apply import apply_scenario
    from corridor.scenario.model import load_scenario
    from corridor.simulation.traffic import default_scenario

    scenario = scenario or default_scenario()
    applied = apply_scenario(network if network is not None else load_network(), load_scenario(scenario))
    return settle_delays(applied, read_demand(bundled_demand_path(year)), year=year, ops=ops, days=days,
                         replications=replications, seed=seed, tol_h=tol_h, tol_share=tol_share,
                         tol_flow=tol_flow, max_rounds=max_rounds, damping=damping, workers=workers,
                         progress=progress, label=scenario)


def settle_delays(applied, demand: pd.DataFrame, *, year: int, ops: Operations | None = None, days: int = 365,
                  replications: int = 5, seed: int = 1, tol_h: float = DEFAULT_TOLERANCE_H,
                  tol_share: float = DEFAULT_TOLERANCE_SHARE, tol_flow: float = DEFAULT_TOLERANCE_FLOW,
                  max_rounds: int = 6, damping: Damping = "msa", workers: int | None = 1,
                  assign_kwargs: dict | None = None,
                  track_links: Sequence[str] | None = None,
                  progress: Callable[[int, dict], None] | None = None, label: str = "") -> FeedbackResult:
    """:func:`iterate_delays` with the corridor assignment on ``applied`` (a network with its scenario
    applied) and ``demand``, and the discrete-event model of ``ops`` (``days`` × ``replications`` per round,
    one seed for every round: common random numbers, so rounds differ by their flows, not their draws).
    ``assign_kwargs`` go to :func:`~corridor.assignment.corridor.assign_corridor` (gap, assumptions,
    families, ...); ``track_links`` are the single track's links (default: the default corridor's rail line).
    The last round assigned on ``with_delays(applied, result.fixed_h)`` with ``result.queue_overrides``."""
    from corridor.assignment.corridor import assign_corridor

    ops = ops or bundled_operations()
    if track_links is None:
        from corridor.study import default_spec

        track_links = default_spec().lines.rail
    kwargs = {"gap": 1e-4, **(assign_kwargs or {})}
    if "families" not in kwargs:
        kwargs["families"] = _families()
    layout = build_layout(ops, applied)
    links = facility_links(ops, track_links)
    fixed = applied.links.set_index("link_id")["fixed_time_h"].astype(float).fillna(0.0)
    initial = fixed[fixed.index.isin(links)]
    initial = initial[~initial.index.duplicated()]
    base_overrides = kwargs.get("queue_overrides")
    # round 1 assigns with the network's assumptions; later rounds with the facilities calibrated to the last
    # simulation (its waits, at the flows it simulated)
    state: dict = {"sim": None, "flows": None, "queues": None, "fixed": None, "overrides": base_overrides}

    def assign(delays: pd.Series):
        if state["sim"] is None:
            fixed, overrides = delays, base_overrides
        else:
            waits = state["sim"].set_index("link_id")["wait_h"].reindex(delays.index)
            fixed, overrides = calibrate_links(state["queues"], state["flows"], delays, waits, base_overrides)
        state["fixed"], state["overrides"] = fixed, overrides
        ca = assign_corridor(with_delays(applied, fixed.rename("delay_h").rename_axis("link_id").reset_index()),
                             None, demand, **{**kwargs, "queue_overrides": overrides})
        if state["queues"] is None:
            state["queues"] = {q.link_id: q for q in ca.freight.queues}
        return ca

    def simulate_at(flows: pd.DataFrame):
        traffic = traffic_from_link_flows(flows, ops, year=year, source=f"{label} {year}, flows of the round")
        sim = simulate(traffic, ops=ops, days=days, replications=replications, seed=seed, workers=workers,
                       layout=layout)
        d = simulated_delays(sim, ops, applied, track_links=track_links)
        state["sim"], state["flows"] = d, flows
        return d, sim

    fb = iterate_delays(assign, simulate_at, initial, tol_h=tol_h, tol_share=tol_share, tol_flow=tol_flow,
                        max_rounds=max_rounds, damping=damping, progress=progress)
    fb.days, fb.replications = days, replications
    fb.fixed_h, fb.queue_overrides = state["fixed"], state["overrides"]
    return fb


def _families():
    """The default corridor's route-family rules (its project's links make a path the project's)."""
    from corridor.study import default_spec

    return default_spec().route_families
