"""SimPy resources of the corridor: border posts (lanes by risk channel), single track between passing loops,
gauge-change stations and ferry routes (vessels, berths, sail-when-full policy, weather closures).

Time unit: the hour. Each facility has a :class:`Recorder` that keeps what the outputs need (waits, times in
system, busy time, a live queue length for the sampler).
"""

from __future__ import annotations

import heapq
import random
from collections import deque
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field

import numpy as np
import simpy

from corridor.simulation.config import CHANNELS, BorderPostSpec, FerrySpec, GaugeStationSpec


@dataclass
class Recorder:
    """Observations of one facility. Movements that arrive before ``warmup_h`` are served but not counted."""

    key: str
    name: str
    kind: str
    servers: int
    link: str | None = None
    unit: str = "movements"
    warmup_h: float = 0.0
    waits: list[float] = field(default_factory=list)
    sojourns: list[float] = field(default_factory=list)
    groups: dict[str, list[float]] = field(default_factory=dict)  # waits by group (e.g. channel)
    busy_h: float = 0.0
    units: float = 0.0  # units served (wagons for ferries, movements otherwise)
    offered: float = 0.0  # units that arrived (after the warm-up)
    queue: Callable[[], float] = lambda: 0.0

    def record(self, arrived_h: float, wait_h: float, sojourn_h: float, *, group: str | None = None,
               units: float = 1.0) -> None:
        if arrived_h < self.warmup_h:
            return
        self.waits.append(wait_h)
        self.sojourns.append(sojourn_h)
        self.units += units
        if group is not None:
            self.groups.setdefault(group, []).append(wait_h)

    def offer(self, arrived_h: float, units: float = 1.0) -> None:
        if arrived_h >= self.warmup_h:
            self.offered += units

    def busy(self, started_h: float, hours: float) -> None:
        if started_h >= self.warmup_h:
            self.busy_h += hours


class FifoLanes:
    """``capacity`` identical servers, first come first served, each service time known when its movement
    arrives (lanes, bays, tracks). The start of a visit is max(now, when the first server frees)
    (Kiefer–Wolfowitz), so a visit is one SimPy timeout instead of ``simpy.Resource``'s request, timeout and
    release: the same waits (tests/simulation/test_validation.py) for a third of the events. Starts never
    decrease in arrival order, so the movements still waiting are a sorted queue of start times."""

    def __init__(self, env: simpy.Environment, capacity: int):
        self.env, self.capacity = env, capacity
        self._free = [0.0] * capacity  # heap: when each server is next free
        self._starts: deque[float] = deque()  # starts still in the future (movements waiting)

    def book(self, service_h: float) -> float:
        """Take the first free server for ``service_h`` hours from now or when it frees; returns the wait."""
        now = self.env.now
        start = max(now, self._free[0])
        heapq.heapreplace(self._free, start + service_h)
        if start > now:
            self._starts.append(start)
        return start - now

    def queue_length(self) -> int:
        """Movements waiting now (booked, not yet started)."""
        now, q = self.env.now, self._starts
        while q and q[0] <= now:
            q.popleft()
        return len(q)


def serve(env: simpy.Environment, lanes: FifoLanes, rec: Recorder, service_h: float) -> Generator:
    """Queue for one of ``lanes`` (FIFO), hold it ``service_h`` hours, and record the visit in ``rec``."""
    t0 = env.now
    rec.offer(t0)
    wait = lanes.book(service_h)
    rec.busy(t0, service_h)
    yield env.timeout(wait + service_h)
    rec.record(t0, wait, env.now - t0)


class BorderPost:
    """Entry lanes per risk channel (documentary check), inspection bays for held movements (red, and the
    inspected share of yellow) and exit lanes (seal check)."""

    def __init__(self, env: simpy.Environment, key: str, spec: BorderPostSpec, rng: random.Random,
                 warmup_h: float):
        self.env, self.spec, self.rng = env, spec, rng
        self.lanes = {c: FifoLanes(env, spec.lanes.value[c]) for c in CHANNELS}
        self.bays = FifoLanes(env, spec.inspection_bays.value)
        self.exit_lanes = FifoLanes(env, spec.exit_lanes.value)
        servers = sum(spec.lanes.value.values()) + spec.inspection_bays.value
        self.entry = Recorder(f"{key}:entry", f"{spec.name} entry", "border entry", servers, spec.link,
                              warmup_h=warmup_h)
        self.exit = Recorder(f"{key}:exit", f"{spec.name} exit", "border exit", spec.exit_lanes.value, spec.link,
                             warmup_h=warmup_h)
        self.entry.queue = lambda: float(sum(r.queue_length() for r in self.lanes.values())
                                         + self.bays.queue_length())
        self.exit.queue = lambda: float(self.exit_lanes.queue_length())

    def enter(self, channel: str, service: tuple[float, float]) -> Generator:
        """Documentary check in the channel's lanes, then (when held) inspection in a bay."""
        env, t0 = self.env, self.env.now
        self.entry.offer(t0)
        check_h, inspect_h = service
        wait = self.lanes[channel].book(check_h)
        self.entry.busy(t0, check_h)
        yield env.timeout(wait + check_h)
        if inspect_h > 0:
            bay_wait = self.bays.book(inspect_h)
            wait += bay_wait
            self.entry.busy(t0, inspect_h)
            yield env.timeout(bay_wait + inspect_h)
        self.entry.record(t0, wait, env.now - t0, group=channel)

    def leave(self) -> Generator:
        """Seal and document check at the exit lanes."""
        yield from serve(self.env, self.exit_lanes, self.exit, self.rng.uniform(*self.spec.exit_check_min.value) / 60)

    # The road path without a process per vehicle: a lane's wait is known when the vehicle books it (FIFO with
    # known service times), so a vehicle needs an event only where it joins a queue (the entry lanes on
    # arrival, an inspection bay, the exit lanes) and its visit is recorded when booked if it ends within the
    # run (what the process would have recorded by then).

    def enter_now(self, channel: str, service: tuple[float, float], horizon_h: float,
                  then: Callable[[float], None]) -> None:
        """:meth:`enter` as callbacks: ``then(hours_from_now)`` when the movement leaves the entry post."""
        env, t0 = self.env, self.env.now
        self.entry.offer(t0)
        check_h, inspect_h = service
        wait = self.lanes[channel].book(check_h)
        self.entry.busy(t0, check_h)
        if inspect_h <= 0:
            if t0 + wait + check_h < horizon_h:
                self.entry.record(t0, wait, wait + check_h, group=channel)
            then(wait + check_h)
            return

        def at_bay(_ev) -> None:
            bay_wait = self.bays.book(inspect_h)
            self.entry.busy(t0, inspect_h)
            done = env.now + bay_wait + inspect_h
            if done < horizon_h:
                self.entry.record(t0, wait + bay_wait, done - t0, group=channel)
            then(bay_wait + inspect_h)

        env.timeout(wait + check_h).callbacks.append(at_bay)

    def leave_now(self, horizon_h: float) -> None:
        """:meth:`leave` as a booking (nothing follows the exit check)."""
        t0 = self.env.now
        service_h = self.rng.uniform(*self.spec.exit_check_min.value) / 60
        self.exit.offer(t0)
        wait = self.exit_lanes.book(service_h)
        self.exit.busy(t0, service_h)
        if t0 + wait + service_h < horizon_h:
            self.exit.record(t0, wait, wait + service_h)


@dataclass(frozen=True)
class Section:
    name: str
    east_loop: str
    west_loop: str
    run_h: float  # each way


class SingleTrack:
    """Sections between passing loops, one train at a time each (non-packet working, as the parallel graph of
    :mod:`corridor.lines.rail`). A train holds a section for its running time plus the station interval (the
    headway before the next train may enter); loops hold any number of waiting trains. A daily maintenance
    window closes every section (it takes the section as soon as the train on it has cleared)."""

    def __init__(self, env: simpy.Environment, name: str, sections: Sequence[Section], *, interval_h: float,
                 maintenance_start_h: float, maintenance_h: float, days: int, warmup_h: float):
        self.env, self.sections, self.interval_h = env, list(sections), interval_h
        self.res = [simpy.PriorityResource(env, capacity=1) for _ in sections]
        self.rec = Recorder("single_track", name, "single track", 1, unit="trains", warmup_h=warmup_h)
        self.rec.queue = lambda: float(sum(len(r.queue) for r in self.res))
        self.section_busy_h = np.zeros(len(sections))
        self.warmup_h = warmup_h
        self.completed: dict[str, int] = {"westbound": 0, "eastbound": 0}
        if maintenance_h > 0:
            for r in self.res:
                env.process(self._maintenance(r, maintenance_start_h, maintenance_h, days))

    def _maintenance(self, res: simpy.PriorityResource, start_h: float, hours: float, days: int) -> Generator:
        for day in range(days):
            at = day * 24.0 + start_h
            if at > self.env.now:
                yield self.env.timeout(at - self.env.now)
            with res.request(priority=0) as req:
                yield req
                yield self.env.timeout(hours)

    def run(self, direction: str, stops: dict[str, Callable[[], Generator]]) -> Generator:
        """Run a train through in ``direction``; at a loop named in ``stops`` it calls that stop (a post)."""
        env, t0, wait, moving = self.env, self.env.now, 0.0, 0.0
        self.rec.offer(t0)
        west = direction == "westbound"
        order = range(len(self.sections)) if west else range(len(self.sections) - 1, -1, -1)
        for i in order:
            sec = self.sections[i]
            loop = sec.east_loop if west else sec.west_loop
            if loop in stops:
                yield from stops[loop]()
            t = env.now
            hold = sec.run_h + self.interval_h
            with self.res[i].request(priority=1) as req:
                yield req
                wait += env.now - t
                if t0 >= self.warmup_h:
                    self.section_busy_h[i] += hold
                yield env.timeout(hold)
            moving += hold
        last = self.sections[order[-1]]
        loop = last.west_loop if west else last.east_loop
        if loop in stops:
            yield from stops[loop]()
        self.rec.record(t0, wait, wait + moving, group=direction)
        if t0 >= self.warmup_h:
            self.completed[direction] += 1


class GaugeStation:
    """Bogie-exchange (or transhipment) tracks; triangular service time per train."""

    def __init__(self, env: simpy.Environment, key: str, spec: GaugeStationSpec, rng: random.Random,
                 warmup_h: float):
        self.env, self.spec, self.rng = env, spec, rng
        self.tracks = FifoLanes(env, spec.tracks.value)
        self.rec = Recorder(f"gauge:{key}", spec.name, "gauge change", spec.tracks.value, spec.link, unit="trains",
                            warmup_h=warmup_h)
        self.rec.queue = lambda: float(self.tracks.queue_length())

    def serve(self) -> Generator:
        low, mode, high = self.spec.service_h.value
        yield from serve(self.env, self.tracks, self.rec, self.rng.triangular(low, high, mode))


@dataclass
class _Lot:
    arrived_h: float
    wagons: int
    left: int


class FerryRoute:
    """Vessels shuttle between two ports. At a berth a vessel spends ``berth_h`` (unload and load), takes the
    queued wagons in arrival order up to its capacity and sails when full, or ``max_wait_h`` after it began
    loading, or at once when it has nothing to load; it never sails while the route is closed by weather.
    A lot's wait runs from its arrival at the port to the sailing that takes its last wagon."""

    def __init__(self, env: simpy.Environment, key: str, spec: FerrySpec, ports: tuple[str, str],
                 crossing_h: float, closures: Sequence[tuple[float, float]], warmup_h: float):
        self.env, self.spec, self.ports, self.crossing_h = env, spec, ports, crossing_h
        self.queues: dict[str, deque[_Lot]] = {p: deque() for p in ports}
        self.waiting_wagons = {p: 0 for p in ports}
        self.berths = {p: simpy.Resource(env, capacity=spec.berths.value) for p in ports}
        self.arrival = {p: env.event() for p in ports}
        self.closed = False
        self.reopened = env.event()
        self.rec = Recorder(f"ferry:{key}", spec.name, "ferry", spec.vessels.value, spec.link, unit="wagons",
                            warmup_h=warmup_h)
        self.rec.queue = lambda: float(sum(self.waiting_wagons.values()))
        self.sailings = 0
        self.capacity_wagons = {p: 0 for p in ports}  # offered on sailings from each port (after warm-up)
        self.carried_wagons = {p: 0 for p in ports}
        self.closed_h = 0.0
        self.warmup_h = warmup_h
        env.process(self._weather(closures))
        for v in range(spec.vessels.value):
            env.process(self._vessel(ports[v % 2]))

    def load_factor(self) -> float:
        """Share of the capacity used on sailings from the busier port (the loaded direction)."""
        shares = [self.carried_wagons[p] / self.capacity_wagons[p] for p in self.ports if self.capacity_wagons[p]]
        return max(shares) if shares else float("nan")

    def _weather(self, closures: Sequence[tuple[float, float]]) -> Generator:
        for start, hours in closures:
            if start > self.env.now:
                yield self.env.timeout(start - self.env.now)
            end = max(self.env.now, start) + hours
            if end <= self.env.now:
                continue
            self.closed = True
            self.closed_h += end - self.env.now
            yield self.env.timeout(end - self.env.now)
            self.closed = False
            ev, self.reopened = self.reopened, self.env.event()
            ev.succeed()

    def arrive(self, port: str, wagons: int) -> None:
        """A lot of ``wagons`` reaches ``port`` (called from an arrival process)."""
        self.queues[port].append(_Lot(self.env.now, wagons, wagons))
        self.rec.offer(self.env.now, wagons)
        self.waiting_wagons[port] += wagons
        ev, self.arrival[port] = self.arrival[port], self.env.event()
        ev.succeed()

    def _load(self, port: str, room: int, lots: list[_Lot]) -> int:
        """Take up to ``room`` queued wagons in arrival order; lots whose last wagon is taken go to ``lots``."""
        q, taken = self.queues[port], 0
        while q and taken < room:
            lot = q[0]
            k = min(lot.left, room - taken)
            lot.left -= k
            taken += k
            if lot.left == 0:
                lots.append(q.popleft())
        self.waiting_wagons[port] -= taken
        return taken

    def _vessel(self, port: str) -> Generator:
        env, cap = self.env, self.spec.wagons_per_vessel.value
        while True:
            with self.berths[port].request() as req:
                yield req
                start = env.now
                yield env.timeout(self.spec.berth_h.value)
                lots: list[_Lot] = []
                loaded = self._load(port, cap, lots)
                deadline = start + self.spec.max_wait_h.value
                while loaded < cap and env.now < deadline and (loaded > 0 or self.waiting_wagons[port] > 0):
                    yield env.any_of([self.arrival[port], env.timeout(deadline - env.now)])
                    loaded += self._load(port, cap - loaded, lots)
                while self.closed:
                    yield self.reopened
                    loaded += self._load(port, cap - loaded, lots)  # top up while storm-bound
            now = env.now
            for lot in lots:
                self.rec.record(lot.arrived_h, now - lot.arrived_h, now - lot.arrived_h + self.crossing_h,
                                units=lot.wagons)
            if now >= self.warmup_h:
                self.sailings += 1
                self.capacity_wagons[port] += cap
                self.carried_wagons[port] += loaded
                self.rec.busy(now, self.crossing_h)
            yield env.timeout(self.crossing_h)
            port = self.ports[1] if port == self.ports[0] else self.ports[0]
