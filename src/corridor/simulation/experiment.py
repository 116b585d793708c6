"""Replications: R independent runs from one seed (``numpy.random.SeedSequence.spawn``, so results do not depend
on how many worker processes ran them), per-facility means with 95 % confidence intervals (Student t over the
replications), and the one-facility experiment behind ``corridor simulate queue``."""

from __future__ import annotations

import math
import multiprocessing as mp
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import simpy
from scipy import stats

from corridor import queueing
from corridor.simulation.config import Operations, bundled_operations
from corridor.simulation.model import Layout, ReplicationStats, build_layout, run_replication
from corridor.simulation.traffic import Traffic
from corridor.transit.risk import DEFAULT_RULES, RuleSet


def mean_ci(values: Sequence[float]) -> tuple[float, float]:
    """Mean and the half-width of its 95 % confidence interval (Student t, R − 1 degrees of freedom; NaN for R < 2)."""
    x = np.asarray([v for v in values if v == v], float)
    if x.size == 0:
        return math.nan, math.nan
    if x.size < 2:
        return float(x.mean()), math.nan
    half = stats.t.ppf(0.975, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size)
    return float(x.mean()), float(half)


def replication_seeds(seed: int, replications: int) -> list[int]:
    return [int(s.generate_state(1, dtype=np.uint64)[0]) for s in np.random.SeedSequence(seed).spawn(replications)]


@dataclass
class SimulationResult:
    """R replications of the corridor model, summarised per facility (hours unless a column says otherwise)."""

    traffic: Traffic
    days: int
    replications: int
    seed: int
    facilities: pd.DataFrame
    track: dict
    runs: list[ReplicationStats] = field(repr=False, default_factory=list)
    wall_s: float = 0.0
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def events(self) -> int:
        return sum(r.events for r in self.runs)

    def facility(self, key: str) -> pd.Series:
        return self.facilities.set_index("facility").loc[key]

    def to_dict(self) -> dict:
        fac = self.facilities.replace({np.nan: None}).to_dict(orient="records")
        return {"year": self.traffic.year, "traffic_source": self.traffic.source, "days": self.days,
                "replications": self.replications, "seed": self.seed, "facilities": fac, "track": self.track,
                "events": self.events, "wall_s": self.wall_s,
                "events_per_s": self.events / self.wall_s if self.wall_s else None, "sources": self.sources}


_COLUMNS = ("mean_wait_h", "p50_wait_h", "p95_wait_h", "mean_sojourn_h", "p95_sojourn_h", "utilisation",
            "units_per_day", "mean_queue", "max_queue")


def _facility_table(runs: list[ReplicationStats]) -> pd.DataFrame:
    rows = []
    for key, first in runs[0].facilities.items():
        per = [r.facilities[key] for r in runs]
        row = {"facility": key, "name": first["name"], "kind": first["kind"], "link": first["link"],
               "unit": first["unit"], "servers": first["servers"],
               "served": int(sum(p["served"] for p in per)),
               "saturated": any(p["saturated"] for p in per)}
        for col in _COLUMNS:
            m, h = mean_ci([p[col] for p in per])
            row[col] = m
            if col in ("mean_wait_h", "p95_wait_h", "mean_sojourn_h", "utilisation"):
                row[f"ci95_{col}"] = h
        groups = sorted({g for p in per for g in p["groups"]})
        for g in groups:
            row[f"mean_wait_h_{g}"] = mean_ci([p["groups"].get(g, math.nan) for p in per])[0]
        if "t_per_day" in first:
            row["t_per_day"] = mean_ci([p["t_per_day"] for p in per])[0]
            row["closed_share"] = mean_ci([p["closed_share"] for p in per])[0]
        rows.append(row)
    return pd.DataFrame(rows)


def _track_summary(runs: list[ReplicationStats], layout: Layout) -> dict:
    if not runs[0].track:
        return {}
    out: dict = {"capacity": layout.track_capacity, "critical_section": runs[0].track["critical_section"]}
    for d in ("westbound", "eastbound"):
        m, h = mean_ci([r.track["trains_per_day"][d] for r in runs])
        out[f"trains_per_day_{d}"] = m
        out[f"ci95_trains_per_day_{d}"] = h
    cap = layout.track_capacity.get("trains_per_day")
    if cap:
        out["share_of_capacity"] = max(out["trains_per_day_westbound"], out["trains_per_day_eastbound"]) / cap
    return out


#: What the worker processes run, set before the pool forks (pydantic generics such as ``Sourced[float]`` do not
#: pickle, so the operations are inherited by fork instead of sent).
_JOB: tuple | None = None


def _one(seed_keep: tuple[int, bool]) -> ReplicationStats:
    ops, traffic, layout, days, warmup, rules = _JOB
    seed, keep = seed_keep
    return run_replication(ops, traffic, layout, days=days, seed=seed, warmup_days=warmup, rules=rules,
                           keep_waits=keep)


def simulate(traffic: Traffic, *, ops: Operations | None = None, days: int = 365, replications: int = 10,
             seed: int = 1, warmup_days: float = 0.0, rules: RuleSet = DEFAULT_RULES, workers: int | None = 1,
             network=None, layout: Layout | None = None,
             progress: Callable[[int, int], None] | None = None) -> SimulationResult:
    """Run ``replications`` replications of ``days`` days. ``workers`` > 1 (None: one per CPU) runs them in
    processes; the results are the same for any number of workers. ``progress(done, total)`` after each."""
    if days < 1:
        raise ValueError(f"days must be >= 1 (got {days})")
    if replications < 1:
        raise ValueError(f"replications must be >= 1 (got {replications})")
    if not 0 <= warmup_days < days:
        raise ValueError(f"warm-up must be in [0, days) (got {warmup_days})")
    ops = ops or bundled_operations()
    layout = layout or build_layout(ops, network)
    seeds = replication_seeds(seed, replications)
    global _JOB
    _JOB = (ops, traffic, layout, days, warmup_days, rules)
    jobs = [(s, i == 0) for i, s in enumerate(seeds)]
    t0 = time.perf_counter()
    n_workers = min(replications, workers or os.cpu_count() or 1)
    runs: list[ReplicationStats] = []
    if n_workers > 1 and "fork" not in mp.get_all_start_methods():
        n_workers = 1  # no fork (not Linux): run in this process
    if n_workers <= 1:
        for job in jobs:
            runs.append(_one(job))
            if progress:
                progress(len(runs), replications)
    else:
        with ProcessPoolExecutor(max_workers=n_workers, mp_context=mp.get_context("fork")) as pool:
            for r in pool.map(_one, jobs):
                runs.append(r)
                if progress:
                    progress(len(runs), replications)
    _JOB = None
    wall = time.perf_counter() - t0
    return SimulationResult(traffic, days, replications, seed, _facility_table(runs), _track_summary(runs, layout),
                            runs, wall, {**ops.sources(), **layout.sources})


# ---- one facility -------------------------------------------------------------------------------------------

def _service_draws(rng: np.random.Generator, n: int, mean: float, cv: float) -> np.ndarray:
    """Service times with mean ``mean`` and coefficient of variation ``cv``: deterministic (0), exponential
    (1), otherwise gamma with shape 1/cv²."""
    if cv == 0:
        return np.full(n, mean)
    if cv == 1:
        return rng.exponential(mean, n)
    k = 1.0 / cv**2
    return rng.gamma(k, mean / k, n)


def queue_replication(arrivals_per_h: float, servers: int, service_h: float, service_cv: float, hours: float,
                      seed: int, *, warmup_h: float) -> dict:
    """One run of an M/G/c queue (FIFO); waits of customers arriving after ``warmup_h``."""
    rng = np.random.default_rng(seed)
    n = rng.poisson(arrivals_per_h * hours)
    times = np.sort(rng.random(n) * hours)
    service = _service_draws(rng, n, service_h, service_cv)
    env = simpy.Environment()
    res = simpy.Resource(env, capacity=servers)
    waits = np.full(n, np.nan)
    busy = [0.0]

    def customer(i: int):
        t0 = env.now
        with res.request() as req:
            yield req
            waits[i] = env.now - t0
            if t0 >= warmup_h:
                busy[0] += service[i]
            yield env.timeout(service[i])

    def source():
        for i, t in enumerate(times):
            yield env.timeout(t - env.now)
            env.process(customer(i))

    env.process(source())
    env.run(until=hours)
    keep = (times >= warmup_h) & ~np.isnan(waits)
    w = waits[keep]
    return {"mean_wait_h": float(w.mean()) if w.size else math.nan,
            "p95_wait_h": float(np.quantile(w, 0.95)) if w.size else math.nan,
            "utilisation": busy[0] / (servers * (hours - warmup_h)), "served": int(w.size),
            "events": int(next(env._eid)) if hasattr(env, "_eid") else 0}


def analytic_wait_h(arrivals_per_h: float, servers: int, service_h: float, service_cv: float) -> tuple[float, str]:
    """The steady-state mean wait from :mod:`corridor.queueing` and the name of the formula (NaN if unstable)."""
    try:
        w = queueing.mean_wait(arrivals_per_h, service_h, servers, service_cv=service_cv)
    except ValueError:
        return math.nan, "unstable (utilisation >= 1)"
    if service_cv == 1.0:
        return w, "Erlang C (M/M/c)"
    if servers == 1:
        return w, "Pollaczek–Khinchine (M/G/1)"
    return w, "Allen–Cunneen (M/G/c)"


def simulate_queue(arrivals_per_h: float, servers: int, service_min: float, *, service_cv: float = 1.0,
                   hours: float = 10_000.0, replications: int = 10, seed: int = 1, warmup_share: float = 0.1,
                   progress: Callable[[int, int], None] | None = None) -> dict:
    """R replications of one M/G/c facility; waits in minutes with the 95 % CI of the mean, and the analytic
    steady-state wait for comparison. The first ``warmup_share`` of each run is discarded (start empty)."""
    problems = []
    if not arrivals_per_h > 0:
        problems.append(f"--arrivals-per-h must be > 0 (got {arrivals_per_h})")
    if servers < 1:
        problems.append(f"--servers must be >= 1 (got {servers})")
    if not service_min > 0:
        problems.append(f"--service-min must be > 0 (got {service_min})")
    if service_cv < 0:
        problems.append(f"--service-cv must be >= 0 (got {service_cv})")
    if not hours > 0:
        problems.append(f"--hours must be > 0 (got {hours})")
    if replications < 1:
        problems.append(f"--replications must be >= 1 (got {replications})")
    if problems:
        raise ValueError("; ".join(problems))
    service_h = service_min / 60.0
    t0 = time.perf_counter()
    runs = []
    for i, s in enumerate(replication_seeds(seed, replications)):
        runs.append(queue_replication(arrivals_per_h, servers, service_h, service_cv, hours, s,
                                      warmup_h=warmup_share * hours))
        if progress:
            progress(i + 1, replications)
    wall = time.perf_counter() - t0
    mean, half = mean_ci([r["mean_wait_h"] * 60 for r in runs])
    p95, p95_half = mean_ci([r["p95_wait_h"] * 60 for r in runs])
    util, _ = mean_ci([r["utilisation"] for r in runs])
    analytic, formula = analytic_wait_h(arrivals_per_h, servers, service_h, service_cv)
    rho = queueing.utilisation(arrivals_per_h, 1 / service_h, servers)
    return {"arrivals_per_h": arrivals_per_h, "servers": servers, "service_min": service_min,
            "service_cv": service_cv, "hours": hours, "replications": replications, "seed": seed,
            "mean_wait_min": mean, "ci95_wait_min": [mean - half, mean + half] if half == half else None,
            "p95_wait_min": p95, "ci95_p95_wait_min": [p95 - p95_half, p95 + p95_half] if p95_half == p95_half else None,
            "utilisation": util, "offered_utilisation": rho,
            "analytic_wait_min": analytic * 60, "analytic_formula": formula,
            "within_ci": bool(half == half and abs(analytic * 60 - mean) <= half) if analytic == analytic else None,
            "served": sum(r["served"] for r in runs), "events": sum(r["events"] for r in runs), "wall_s": wall}
