"""The discrete-event model against queueing theory and against corridor.lines.rail."""

from __future__ import annotations

import random

import numpy as np
import pytest
import simpy

from corridor import queueing
from corridor.simulation.arrivals import poisson_times
from corridor.simulation.config import BorderPostSpec, GaugeStationSpec, bundled_operations
from corridor.simulation.experiment import mean_ci, replication_seeds, simulate_queue
from corridor.simulation.facilities import BorderPost, GaugeStation, SingleTrack
from corridor.simulation.model import build_layout
from corridor.sourced import Sourced

A = "assumption: test"


def test_mmc_queue_matches_erlang_c_within_ci():
    r = simulate_queue(4.0, 3, 36.0, service_cv=1.0, hours=4000, replications=8, seed=11)
    assert r["analytic_formula"] == "Erlang C (M/M/c)"
    lo, hi = r["ci95_wait_min"]
    assert lo <= r["analytic_wait_min"] <= hi
    assert r["within_ci"] is True
    assert r["utilisation"] == pytest.approx(0.8, abs=0.02)


def test_md1_queue_matches_pollaczek_khinchine_within_ci():
    r = simulate_queue(1.5, 1, 30.0, service_cv=0.0, hours=6000, replications=8, seed=5)
    assert r["analytic_formula"] == "Pollaczek–Khinchine (M/G/1)"
    lo, hi = r["ci95_wait_min"]
    assert lo <= queueing.pk_wait(1.5, 0.5, 0.0) * 60 <= hi  # 45 min


def _post_run(seed: int, lam: float, mu: float, lanes: int, hours: float) -> float:
    """An M/M/c post: green lanes only, exponential documentary check; mean wait after a 10 % warm-up."""
    spec = BorderPostSpec(name="test post", link="x", lanes=Sourced(value={"green": lanes, "yellow": 1, "red": 1},
                                                                    source=A),
                          inspection_bays=Sourced(value=1, source=A), exit_lanes=Sourced(value=1, source=A),
                          exit_check_min=Sourced(value=(1.0, 2.0), source=A))
    rng = np.random.default_rng(seed)
    env = simpy.Environment()
    post = BorderPost(env, "p", spec, random.Random(seed), warmup_h=0.1 * hours)
    times, service = poisson_times(lam, hours, rng), None
    service = rng.exponential(1 / mu, times.size)

    def source():
        for t, s in zip(times, service, strict=True):
            yield env.timeout(t - env.now)
            env.process(post.enter("green", (float(s), 0.0)))

    env.process(source())
    env.run(until=hours)
    return float(np.mean(post.entry.waits))


def test_border_post_is_an_mmc_queue():
    lam, mu, c = 5.0, 2.0, 3  # rho 0.83
    waits = [_post_run(s, lam, mu, c, 3000.0) for s in replication_seeds(3, 8)]
    mean, half = mean_ci(waits)
    assert abs(mean - queueing.mmc_wait(lam, mu, c)) <= half


def test_gauge_station_is_an_mg1_queue_with_triangular_service():
    low, mode, high = 2.0, 3.0, 7.0
    spec = GaugeStationSpec(name="g", link="x", tracks=Sourced(value=1, source=A),
                            service_h=Sourced(value=(low, mode, high), source=A))
    mean_s = (low + mode + high) / 3
    var = (low**2 + mode**2 + high**2 - low * mode - low * high - mode * high) / 18
    lam = 0.7 / mean_s
    waits = []
    for seed in replication_seeds(9, 8):
        env = simpy.Environment()
        st = GaugeStation(env, "g", spec, random.Random(seed), warmup_h=2000.0)
        times = poisson_times(lam, 20000.0, np.random.default_rng(seed))

        def source(times=times, st=st, env=env):
            for t in times:
                yield env.timeout(t - env.now)
                env.process(st.serve())

        env.process(source())
        env.run(until=20000.0)
        waits.append(np.mean(st.rec.waits))
    mean, half = mean_ci(waits)
    assert abs(mean - queueing.pk_wait(lam, mean_s, var**0.5 / mean_s)) <= half


def test_saturated_single_track_passes_what_lines_rail_computes():
    """Trains always waiting at both ends: pairs per day = (1440 − t_tech) / T of the critical section, i.e.
    lines.rail's capacity before its reliability coefficient alpha."""
    ops = bundled_operations()
    lay = build_layout(ops)
    days = 15
    env = simpy.Environment()
    track = SingleTrack(env, "t", lay.sections, interval_h=lay.interval_h, maintenance_start_h=2.0,
                        maintenance_h=lay.maintenance_h, days=days, warmup_h=24.0)

    def circulate(direction):
        while True:
            yield env.process(track.run(direction, {}))

    for d in ("westbound", "eastbound"):
        for _ in range(3):
            env.process(circulate(d))
    env.run(until=days * 24)
    cap = lay.track_capacity
    for d in ("westbound", "eastbound"):
        achieved = track.completed[d] / (days - 1)
        assert achieved == pytest.approx(cap["trains_per_day_without_alpha"], rel=0.02)
    assert cap["trains_per_day"] == pytest.approx(cap["trains_per_day_without_alpha"] * cap["alpha"])
    busiest = lay.sections[int(np.argmax(track.section_busy_h))].name
    assert busiest == cap["critical_section"]


def test_fifo_lanes_give_the_waits_of_a_simpy_resource():
    """Lanes, bays and gauge tracks book a server on arrival (one event); a simpy.Resource on the same
    arrivals and service times gives the same waits and queue lengths."""
    from corridor.simulation.facilities import FifoLanes

    rng = np.random.default_rng(4)
    times = poisson_times(5.0, 400.0, rng)
    service = rng.exponential(0.55, times.size)

    def run(kind: str) -> tuple[list[float], list[int]]:
        env = simpy.Environment()
        res = FifoLanes(env, 3) if kind == "fifo" else simpy.Resource(env, capacity=3)
        waits, queues = [0.0] * times.size, []

        def visit(i):
            t0 = env.now
            if kind == "fifo":
                w = res.book(float(service[i]))
                yield env.timeout(w + float(service[i]))
                waits[i] = w
            else:
                with res.request() as req:
                    yield req
                    waits[i] = env.now - t0
                    yield env.timeout(float(service[i]))

        def source():
            for i, t in enumerate(times):
                yield env.timeout(t - env.now)
                env.process(visit(i))

        def sampler():
            for h in range(400):
                yield env.timeout(h + 0.5 - env.now)
                queues.append(res.queue_length() if kind == "fifo" else len(res.queue))

        env.process(source())
        env.process(sampler())
        env.run(until=500.0)
        return waits, queues

    fifo, simpy_res = run("fifo"), run("simpy")
    assert np.allclose(fifo[0], simpy_res[0], atol=1e-9) and max(fifo[0]) > 1.0
    assert fifo[1] == simpy_res[1] and max(fifo[1]) > 2
