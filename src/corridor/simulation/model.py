"""One replication of the corridor model: facilities from the operations data, arrivals from the traffic, a
seeded run of ``days`` days, and plain per-facility statistics back.

The layout (sections of the single track, ferry crossing times, road running time) is computed once from the
network and the line cases (:func:`build_layout`) and shared by every replication.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Callable, Generator
from dataclasses import dataclass, field

import numpy as np
import simpy

from corridor.simulation.arrivals import arrival_times
from corridor.simulation.channels import ChannelDraw
from corridor.simulation.config import Operations
from corridor.simulation.facilities import (
    BorderPost,
    FerryRoute,
    GaugeStation,
    Recorder,
    Section,
    SingleTrack,
)
from corridor.simulation.traffic import DIRECTIONS, Traffic
from corridor.transit.risk import DEFAULT_RULES, RuleSet
from corridor.transit.traffic import RUNNING_FACTOR


@dataclass(frozen=True)
class Layout:
    """Geometry and timings derived from the network and the line cases (not random)."""

    sections: tuple[Section, ...] = ()
    interval_h: float = 0.0
    maintenance_h: float = 0.0
    road_run_h: float = 0.0
    ferry_ports: dict[str, tuple[str, str]] = field(default_factory=dict)
    ferry_crossing_h: dict[str, float] = field(default_factory=dict)
    track_capacity: dict = field(default_factory=dict)  # lines.rail's figures for the same line
    sources: dict[str, str] = field(default_factory=dict)


def build_layout(ops: Operations, network=None) -> Layout:
    """Sections and running times of the single track from the default corridor's rail line case (the
    same inputs as its capacity), ferry crossing times from the network's links, road running time from the
    transit service's segment."""
    from corridor.lines._inputs import Inputs

    sources: dict[str, str] = {}
    sections: tuple[Section, ...] = ()
    interval_h = maintenance_h = 0.0
    capacity: dict = {}
    if ops.single_track is not None:
        from corridor.study.lines import spec_case

        case = spec_case("rail", net=network)
        secs = case["sections"]
        sections = tuple(Section(str(r.name), *str(r.name).split("–", 1), float(r.run_min) / 60.0)
                         for r in secs.itertuples())
        inp = Inputs("rail")
        interval_h = float(inp.get("station_interval_min")) / 60.0
        maintenance_h = float(inp.get("tech_window_min")) / 60.0
        alpha = float(inp.get("alpha", key="reliability_alpha"))
        sources.update({f"single_track.{k}": v for k, v in inp.sources.items()})
        single = case["single"]
        capacity = {"trains_per_day": single["trains_per_day_per_direction"], "alpha": alpha,
                    "trains_per_day_without_alpha": single["trains_per_day_per_direction"] / alpha,
                    "freight_trains_per_day": single["freight_trains_per_day_per_direction"],
                    "critical_section": single["critical_section"],
                    "critical_period_min": single["critical_period_min"], "method": single["method"]}
    road_run_h = 0.0
    if "road" in ops.segments:
        from corridor.transit.route import load_corridor

        seg = load_corridor().segment("road")
        road_run_h = seg.length_km / seg.speed_kmh
        sources["segments.road.running"] = f"transit segment: {seg.length_km:.1f} km at {seg.speed_kmh:.0f} km/h ({seg.source})"
    ports, crossing = {}, {}
    if ops.ferries:
        from corridor.network import load_network

        net = network if network is not None else load_network()
        links = net.links.set_index("link_id")
        for key, f in ops.ferries.items():
            if f.link not in links.index:
                raise KeyError(f"ferries.{key}.link: {f.link!r} is not a link of the network")
            row = links.loc[f.link]
            ports[key] = (str(row["from_node_id"]), str(row["to_node_id"]))
            crossing[key] = float(row["length_km"]) / float(row["free_speed_kmh"])
            sources[f"ferries.{key}.crossing_h"] = f"network link {f.link}: {row['length_km']} km at {row['free_speed_kmh']} km/h"
    return Layout(sections, interval_h, maintenance_h, road_run_h, ports, crossing, capacity, sources)


@dataclass
class ReplicationStats:
    """Per-facility observations of one replication (plain data: picklable for worker processes)."""

    seed: int
    days: int
    window_h: float
    events: int
    facilities: dict[str, dict]
    track: dict
    queue_h: np.ndarray  # sample times
    queues: dict[str, np.ndarray]  # facility key → queue length at the sample times
    waits: dict[str, np.ndarray]  # facility key → every wait (h), only when asked for


def _summary(rec: Recorder, window_h: float) -> dict:
    w = np.asarray(rec.waits)
    s = np.asarray(rec.sojourns)
    days = window_h / 24.0
    q50, q95 = (np.quantile(w, [0.5, 0.95]) if w.size else (np.nan, np.nan))
    s50, s95 = (np.quantile(s, [0.5, 0.95]) if s.size else (np.nan, np.nan))
    return {
        "name": rec.name, "kind": rec.kind, "link": rec.link, "unit": rec.unit, "servers": rec.servers,
        "served": int(w.size), "units_per_day": rec.units / days if days else np.nan,
        "mean_wait_h": float(w.mean()) if w.size else np.nan, "p50_wait_h": float(q50), "p95_wait_h": float(q95),
        "mean_sojourn_h": float(s.mean()) if s.size else np.nan, "p50_sojourn_h": float(s50),
        "p95_sojourn_h": float(s95),
        "utilisation": rec.busy_h / (rec.servers * window_h) if window_h else np.nan,
        "groups": {g: float(np.mean(v)) for g, v in rec.groups.items() if v},
        "offered_per_day": rec.offered / days if days else np.nan,
        "left_in_system": rec.offered - rec.units,
    }


def _drive(env: simpy.Environment, times: np.ndarray, start: Callable[[int], None]) -> None:
    """Call ``start(i)`` at ``times[i]`` (sorted): a chain of SimPy timeouts, one per arrival, whose callback
    starts the movement and schedules the next arrival (no generator process to resume)."""
    ts = times.tolist()
    n = len(ts)
    if not n:
        return

    def fire(ev, i: int = 0) -> None:
        start(i)
        if i + 1 < n:
            nxt = env.timeout(max(ts[i + 1] - env.now, 0.0))
            nxt.callbacks.append(lambda e, j=i + 1: fire(e, j))

    env.timeout(max(ts[0] - env.now, 0.0)).callbacks.append(fire)


def run_replication(ops: Operations, traffic: Traffic, layout: Layout, *, days: int, seed: int,
                    warmup_days: float = 0.0, sample_h: float = 1.0, rules: RuleSet = DEFAULT_RULES,
                    keep_waits: bool = False) -> ReplicationStats:
    """Run the corridor for ``days`` days from 1 January of ``traffic.year`` (see the module docstring)."""
    rng_np = np.random.default_rng(seed)
    rng = random.Random(int(rng_np.integers(2**63)))

    def stream(name: str) -> np.random.Generator:
        """The arrivals (or closures) of one source from their own stream of the seed: a run at other flows
        with the same seed keeps every other source's draws (common random numbers across the feedback
        loop's rounds, so rounds differ by their flows, not by reshuffled draws)."""
        return np.random.default_rng([seed, zlib.crc32(name.encode())])
    env = simpy.Environment()
    horizon = days * 24.0
    warm = warmup_days * 24.0
    prof = ops.profiles
    recorders: list[Recorder] = []
    draw = ChannelDraw(rng, rules)

    posts = {k: BorderPost(env, k, spec, rng, warm) for k, spec in ops.border_posts.items()
             if any(k in seg.posts for seg in ops.segments.values())}
    for p in posts.values():
        recorders += [p.entry, p.exit]
    track = None
    if "rail" in ops.segments and layout.sections:
        track = SingleTrack(env, ops.single_track.name, layout.sections, interval_h=layout.interval_h,
                            maintenance_start_h=ops.single_track.maintenance_start_h.value,
                            maintenance_h=layout.maintenance_h, days=days, warmup_h=warm)
        recorders.append(track.rec)

    def movement(mode: str, direction: str, channel: str, service_h: tuple[float, float]) -> Generator:
        seg = ops.segments[mode]
        entry, exit_ = (posts[seg.posts[0]], posts[seg.posts[1]]) if direction == "westbound" else \
            (posts[seg.posts[1]], posts[seg.posts[0]])
        if mode == "rail":
            stops = {entry.spec.loop: lambda: entry.enter(channel, service_h), exit_.spec.loop: exit_.leave}
            yield from track.run(direction, stops)
        else:
            yield from entry.enter(channel, service_h)
            yield env.timeout(layout.road_run_h * rng.uniform(*RUNNING_FACTOR))
            yield from exit_.leave()

    def road(direction: str, channel: str, service_h: tuple[float, float]) -> None:
        """A road movement from now: events only where it joins a queue (see BorderPost.enter_now)."""
        seg = ops.segments["road"]
        entry, exit_ = (posts[seg.posts[0]], posts[seg.posts[1]]) if direction == "westbound" else \
            (posts[seg.posts[1]], posts[seg.posts[0]])

        def drive(after_h: float) -> None:
            env.timeout(after_h + layout.road_run_h * rng.uniform(*RUNNING_FACTOR)).callbacks.append(
                lambda _ev: exit_.leave_now(horizon))

        entry.enter_now(channel, service_h, horizon, drive)

    def start_movement(mode: str, direction: str, channel: str, service_h: tuple[float, float]) -> None:
        if mode == "road":
            road(direction, channel, service_h)
        else:
            env.process(movement(mode, direction, channel, service_h))

    def drawn(mode: str, direction: str, empty_share: float) -> Callable[[int], None]:
        def start(_i: int) -> None:
            if mode == "rail" and rng.random() < empty_share:
                channel = "green"  # an empty train returns with no cargo to assess
            else:
                channel = draw.channel(mode, env.now)
            start_movement(mode, direction, channel, draw.entry_service_h(channel))
        return start

    if traffic.replay:
        moves = [m for m in traffic.replay if m.mode in ops.segments and m.at_h < horizon]
        times = np.array([m.at_h for m in moves])

        def replayed(i: int) -> None:
            m = moves[i]
            start_movement(m.mode, m.direction, m.channel, m.service)

        _drive(env, times, replayed)
    else:
        for mode in ops.segments:
            dow = prof.rail_day_of_week.value if mode == "rail" else prof.road_day_of_week.value
            hours = None if mode == "rail" or prof.road_hour_of_day is None else prof.road_hour_of_day.value
            loaded = {d: traffic.segments.get((mode, d), 0.0) for d in DIRECTIONS}
            for direction in DIRECTIONS:
                n = loaded[direction]
                if n <= 0:
                    continue
                empty = max(0.0, 1.0 - traffic.loaded.get((mode, direction), n) / n) if mode == "rail" else 0.0
                times = arrival_times(n, days, stream(f"{mode}:{direction}"), year=traffic.year, day_of_week=dow,
                                      month=prof.month.value, hour_of_day=hours)
                _drive(env, times, drawn(mode, direction, empty))

    for key, spec in ops.gauge_stations.items():
        if key not in traffic.gauge:
            continue  # no traffic given for it (e.g. a replay of the posts' records)
        n = traffic.gauge[key]
        st = GaugeStation(env, key, spec, rng, warm)
        recorders.append(st.rec)
        if n > 0:
            times = arrival_times(n, days, stream(f"gauge:{key}"), year=traffic.year,
                                  day_of_week=prof.rail_day_of_week.value,
                                  month=prof.month.value)
            _drive(env, times, lambda _i, st=st: env.process(st.serve()))

    ferries = {}
    for key, spec in ops.ferries.items():
        if key not in layout.ferry_ports or key not in traffic.ferries:
            continue
        closures = _closures(spec, days, stream(f"closures:{key}"), traffic.year)
        route = FerryRoute(env, key, spec, layout.ferry_ports[key], layout.ferry_crossing_h[key], closures, warm)
        ferries[key] = route
        recorders.append(route.rec)
        for port, wagons in traffic.ferries.get(key, {}).items():
            if wagons <= 0:
                continue
            lots = wagons / spec.lot_wagons.value
            times = arrival_times(lots, days, stream(f"ferry:{key}:{port}"), year=traffic.year,
                                  day_of_week=prof.rail_day_of_week.value,
                                  month=prof.month.value)
            _drive(env, times, lambda _i, r=route, p=port, k=spec.lot_wagons.value: r.arrive(p, k))

    n_samples = int(horizon // sample_h)
    sample_t = np.arange(n_samples) * sample_h
    queues = {r.key: np.zeros(n_samples) for r in recorders}

    probes = [(queues[r.key], r.queue) for r in recorders]

    def sample(i: int) -> None:
        for q, probe in probes:
            q[i] = probe()

    _drive(env, sample_t, sample)
    env.run(until=horizon)

    window = horizon - warm
    facilities = {r.key: _summary(r, window) for r in recorders}
    after = sample_t >= warm
    for r in recorders:
        q = queues[r.key][after]
        facilities[r.key]["mean_queue"] = float(q.mean()) if q.size else np.nan
        facilities[r.key]["max_queue"] = float(q.max()) if q.size else np.nan
        f = facilities[r.key]
        # more left in the system at the end than a stable queue holds (its mean plus two days of arrivals):
        # arrivals exceed what the facility can serve and its waits grow with the run length
        f["saturated"] = bool(f["left_in_system"] > max(10.0, 0.03 * r.offered,
                                                         1.5 * f["mean_queue"] + 2 * f["offered_per_day"]))
    for key, route in ferries.items():
        f = facilities[route.rec.key]
        f["utilisation"] = route.load_factor()
        f["sailings_per_day"] = route.sailings / (window / 24)
        f["closed_share"] = route.closed_h / horizon
        f["t_per_day"] = f["units_per_day"] * ops.ferries[key].t_per_wagon.value
    track_stats = {}
    if track is not None:
        per_day = {d: n / (window / 24) for d, n in track.completed.items()}
        crit = int(np.argmax(track.section_busy_h))
        track_stats = {"trains_per_day": per_day, "section_utilisation":
                       {s.name: float(b / window) for s, b in zip(layout.sections, track.section_busy_h, strict=True)},
                       "critical_section": layout.sections[crit].name}
        facilities[track.rec.key]["utilisation"] = float(track.section_busy_h[crit] / window)
    events = int(next(env._eid)) if hasattr(env, "_eid") else 0
    waits = {r.key: np.asarray(r.waits) for r in recorders} if keep_waits else {}
    return ReplicationStats(seed, days, window, events, facilities, track_stats, sample_t, queues, waits)


def _closures(spec, days: int, rng: np.random.Generator, year: int) -> list[tuple[float, float]]:
    """Weather closures of a ferry route: starts as a Poisson process with monthly weights, exponential lengths."""
    if spec.closures_per_year.value <= 0:
        return []
    starts = arrival_times(spec.closures_per_year.value, days, rng, year=year, month=spec.closure_months.value)
    return [(float(s), float(h)) for s, h in zip(starts, rng.exponential(spec.closure_mean_h.value, starts.size),
                                                  strict=True)]
