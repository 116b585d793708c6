"""Benchmark: one year of the bundled TRIPP corridor operations at 2030 volumes, 10 replications.

Usage::

    python benchmarks/simulation.py [--days 365] [--replications 10] [--workers N] [--seed 1] [--repeat 1]

Prints the wall time of the replications (not the assignment that feeds them, timed apart), the SimPy events
processed and events per second, and the load average before and after (``os.getloadavg``: the machine is
shared, so say how busy it was) and the CPU time the replications took (what the wall time would be on idle
cores: CPU time / processes). Target (issue 10): under 30 s on the 2-core machine. With ``--repeat N`` the
run is repeated and the median wall time is shown as well.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import time


def _cpu_s() -> float:
    """User + system CPU seconds of this process and its finished children (the worker processes)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--replications", type=int, default=10)
    ap.add_argument("--workers", type=int, default=None, help="processes (default: one per CPU)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()

    from corridor.simulation.config import bundled_operations
    from corridor.simulation.experiment import simulate
    from corridor.simulation.model import build_layout
    from corridor.simulation.traffic import corridor_traffic

    load0 = os.getloadavg()
    t = time.perf_counter()
    ops = bundled_operations()
    traffic = corridor_traffic("tripp", year=2030, ops=ops)
    layout = build_layout(ops)
    setup_s = time.perf_counter() - t
    walls, res = [], None
    cpu0 = _cpu_s()
    for _ in range(args.repeat):
        res = simulate(traffic, ops=ops, layout=layout, days=args.days, replications=args.replications,
                       seed=args.seed, workers=args.workers)
        walls.append(res.wall_s)
    cpu = (_cpu_s() - cpu0) / args.repeat
    load1 = os.getloadavg()
    workers = args.workers or os.cpu_count()
    print(f"TRIPP operations at 2030 volumes: {args.days} days × {args.replications} replications, seed {args.seed}, "
          f"{min(workers, args.replications)} worker process(es) on {os.cpu_count()} CPUs")
    print(f"load average before {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f}, after {load1[0]:.2f} {load1[1]:.2f} "
          f"{load1[2]:.2f}")
    print(f"setup (assignment, layout): {setup_s:.2f} s")
    print(f"wall time: {walls[-1]:.2f} s" + (f" (median of {len(walls)}: {statistics.median(walls):.2f} s)"
                                             if len(walls) > 1 else ""))
    print(f"events: {res.events:,}; events per second: {res.events / walls[-1]:,.0f} "
          f"(per replication and process: {res.events / args.replications / (walls[-1] * min(workers, args.replications) / args.replications):,.0f})")
    n_proc = min(workers, args.replications)
    print(f"CPU time of the replications: {cpu:.1f} s ({cpu / args.replications:.2f} s a replication); on "
          f"{n_proc} otherwise idle core(s) that is about {cpu / n_proc:.1f} s wall")
    print(f"target under 30 s: {'met' if walls[-1] < 30 else 'NOT met'}"
          + ("" if walls[-1] < 30 else f" at this load ({'met' if cpu / n_proc < 30 else 'not met either'} on "
                                        "idle cores by the CPU time)"))
    fac = res.facilities.set_index("facility")
    for key in ("nrnadzor_road:entry", "agarak_road:entry", "nrnadzor_rail:entry", "agarak_rail:entry",
                "single_track"):
        r = fac.loc[key]
        if not r["served"]:
            print(f"  {r['name']:<30} no traffic")
            continue
        by_channel = ", ".join(f"{c} {60 * r[f'mean_wait_h_{c}']:.1f}" for c in ("green", "yellow", "red")
                               if f"mean_wait_h_{c}" in r and r[f"mean_wait_h_{c}"] == r[f"mean_wait_h_{c}"])
        print(f"  {r['name']:<30} mean wait {60 * r['mean_wait_h']:6.1f} ± {60 * r['ci95_mean_wait_h']:.1f} min, "
              f"P95 {60 * r['p95_wait_h']:6.1f} min, utilisation {100 * r['utilisation']:.0f} %"
              + (f" (by channel, min: {by_channel})" if by_channel else ""))
    tr = res.track
    if not max(tr["trains_per_day_westbound"], tr["trains_per_day_eastbound"]):
        print(f"  single track: no traffic (capacity {tr['capacity']['trains_per_day']:.1f} trains a day from "
              "lines.rail)")
    else:
        print(f"  single track: {tr['trains_per_day_westbound']:.2f} / {tr['trains_per_day_eastbound']:.2f} trains "
              f"a day (west / east) against {tr['capacity']['trains_per_day']:.1f} from lines.rail")


if __name__ == "__main__":
    main()
