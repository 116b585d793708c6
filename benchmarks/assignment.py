"""Benchmark: our equilibrium assignment against AequilibraE's bi-conjugate Frank–Wolfe on TNTP networks.

Usage::

    python benchmarks/assignment.py [--networks SiouxFalls ChicagoSketch Berlin-Center] [--gap 1e-4]

Each run happens in its own subprocess, and both engines' workers read the files with the same TNTP reader.
Memory is reported two ways, measured identically for both engines: ``peak MB`` is the worker's whole peak
resident set (``ru_maxrss``: interpreter, imports, data and solve); ``solve MB`` is what the solve itself adds:
the peak resident set during the solve (``VmHWM`` after resetting it through ``/proc/self/clear_refs`` just
before the solve) minus the resident set just before it. Solve time excludes reading files and building the
graph, for both engines; both engines' kernels are compiled ahead of time (Cython + OpenMP), and ours
first run once on SiouxFalls, as before a real run. AequilibraE runs with OMP_WAIT_POLICY=PASSIVE (ours too),
all cores, ``bfw``, the same BPR parameters and the same generalised cost (ChicagoSketch: 0.02 min/cent toll, 0.04 min/mile distance);
zero free-flow times become 1e-6 for AequilibraE, which refuses zeros. With ``--repeat N`` the engines run
interleaved N times and the table shows medians (the speed-up is the median of the per-round ratios); the
load average (``os.getloadavg``) is printed because the machine is shared. Needs the ``[bench]`` extra
(aequilibrae) and the TNTP data ($CORRIDOR_TNTP_DIR or ../shared/data/tntp).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

TNTP = Path(
    os.environ.get("CORRIDOR_TNTP_DIR", Path(__file__).resolve().parents[2] / "shared" / "data" / "tntp")
)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


class _SolveMemory:
    """Peak resident memory added by the code inside the ``with`` block (MB)."""

    def __enter__(self):
        import gc

        gc.collect()
        with open("/proc/self/clear_refs", "w") as f:  # resets VmHWM to the current RSS
            f.write("5")
        self.base = _status_kb("VmRSS")
        return self

    def __exit__(self, *exc):
        self.mb = (_status_kb("VmHWM") - self.base) / 1024.0


def run_ours(network: str, gap: float, algorithm: str) -> dict:
    from corridor.assignment import assign
    from corridor.assignment.problem import problem_from_tntp
    from corridor.network.tntp import load_tntp

    assign(problem_from_tntp(load_tntp(TNTP / "SiouxFalls")), algorithm=algorithm, gap=1e-3, max_iter=5)
    p = problem_from_tntp(load_tntp(TNTP / network))
    with _SolveMemory() as mem:
        t = time.perf_counter()
        r = assign(p, algorithm=algorithm, gap=gap, max_iter=100_000)
        wall = time.perf_counter() - t
    return {
        "engine": f"corridor {algorithm}",
        "network": network,
        "target": gap,
        "seconds": wall,
        "iterations": r.n_iterations,
        "gap": r.relative_gap,
        "beckmann": r.beckmann,
        "peak_mb": _peak_mb(),
        "solve_mb": mem.mb,
    }


def run_aequilibrae(network: str, gap: float) -> dict:
    import numpy as np
    import pandas as pd
    from aequilibrae.matrix import AequilibraeMatrix
    from aequilibrae.paths import Graph, TrafficAssignment, TrafficClass

    from corridor.network.tntp import load_tntp

    data = load_tntp(TNTP / network)
    lk = data.net.links
    toll_f, dist_f = data.cost_factors
    df = pd.DataFrame(
        {
            "link_id": np.arange(1, len(lk) + 1),
            "a_node": lk["init_node"].to_numpy(),
            "b_node": lk["term_node"].to_numpy(),
            "direction": 1,
            # AequilibraE refuses zero free-flow times (ChicagoSketch, Berlin-Center connectors): use 1e-6
            "free_flow_time": np.maximum(lk["free_flow_time"].to_numpy(), 1e-6),
            "capacity": lk["capacity"].to_numpy(),
            "b": lk["b"].to_numpy(),
            "power": lk["power"].to_numpy(),
            "fixed": toll_f * lk["toll"].to_numpy() + dist_f * lk["length"].to_numpy(),
        }
    )
    z = data.net.n_zones
    g = Graph()
    g.network = df
    g.prepare_graph(np.arange(1, z + 1, dtype=np.int64))
    g.set_graph("free_flow_time")
    g.set_skimming([])
    g.set_blocked_centroid_flows(data.net.first_thru_node > 1)
    mat = AequilibraeMatrix()
    mat.create_empty(zones=z, matrix_names=["matrix"], memory_only=True)
    mat.index[:] = np.arange(1, z + 1)
    mat.matrix["matrix"][:, :] = data.trips
    mat.computational_view(["matrix"])
    tc = TrafficClass("car", g, mat)
    if (df["fixed"] > 0).any():
        tc.set_fixed_cost("fixed")
        tc.set_vot(1.0)
    assig = TrafficAssignment()
    assig.set_classes([tc])
    assig.set_vdf("BPR")
    assig.set_vdf_parameters({"alpha": "b", "beta": "power"})
    assig.set_capacity_field("capacity")
    assig.set_time_field("free_flow_time")
    assig.set_algorithm("bfw")
    assig.set_cores(os.cpu_count() or 1)
    assig.max_iter = 100_000
    assig.rgap_target = gap
    with _SolveMemory() as mem:
        t = time.perf_counter()
        assig.execute()
        wall = time.perf_counter() - t
    rep = assig.report()
    return {
        "engine": "aequilibrae bfw",
        "network": network,
        "target": gap,
        "seconds": wall,
        "iterations": int(rep["iteration"].max()),
        "gap": float(rep["rgap"].iloc[-1]),
        "beckmann": None,
        "peak_mb": _peak_mb(),
        "solve_mb": mem.mb,
    }


def _spawn(*args: str) -> dict:
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
    load = os.getloadavg()[0]
    out = subprocess.run(
        [sys.executable, __file__, "--worker", *args], capture_output=True, text=True, env=env
    )
    if out.returncode != 0:
        raise SystemExit(f"worker {args} failed:\n{out.stderr[-3000:]}")
    res = json.loads(out.stdout.strip().splitlines()[-1])
    res["load"] = max(load, os.getloadavg()[0])
    return res


def _median_run(runs: list[dict]) -> dict:
    """The run of median time, with the median memory figures of all rounds."""
    med = sorted(runs, key=lambda r: r["seconds"])[(len(runs) - 1) // 2]
    return dict(
        med,
        peak_mb=statistics.median(r["peak_mb"] for r in runs),
        solve_mb=statistics.median(r["solve_mb"] for r in runs),
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--networks", nargs="+", default=["SiouxFalls", "ChicagoSketch", "Berlin-Center"])
    ap.add_argument("--gap", type=float, default=1e-4)
    ap.add_argument("--tight", nargs="*", type=float, default=[1e-6, 1e-8], help="extra gaps for our engine")
    ap.add_argument("--algorithm", default="gp", help="our algorithm (gp, bfw, ...)")
    ap.add_argument("--no-bfw", action="store_true", help="skip our own bfw run")
    ap.add_argument("--repeat", type=int, default=1, help="rounds per network (medians are shown)")
    ap.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        engine, network, gap, alg = a.worker
        res = run_aequilibrae(network, float(gap)) if engine == "aeq" else run_ours(network, float(gap), alg)
        print(json.dumps(res))
        return
    print(
        f"TNTP data: {TNTP}; cores: {os.cpu_count()}; relative gap (TSTT-SPTT)/TSTT; rounds: {a.repeat}; "
        f"load average at start: {' '.join(f'{v:.2f}' for v in os.getloadavg())}"
    )
    head = (
        f"{'network':<14} {'engine':<16} {'target':>7} {'seconds':>8} {'iter':>6} {'gap':>9} {'peak MB':>8} "
        f"{'solve MB':>9} {'load':>5}"
    )
    print(head)
    summary = []
    for net in a.networks:
        keys = [("aeq", a.gap, "bfw"), ("ours", a.gap, a.algorithm)]
        if a.algorithm != "bfw" and not a.no_bfw:
            keys.append(("ours", a.gap, "bfw"))
        keys += [("ours", g, a.algorithm) for g in a.tight]
        rounds = [[_spawn(e, net, str(g), alg) for e, g, alg in keys] for _ in range(a.repeat)]
        runs = [_median_run([rd[i] for rd in rounds]) for i in range(len(keys))]
        for r in runs:
            print(
                f"{net:<14} {r['engine']:<16} {r['target']:>7.0e} {r['seconds']:>8.2f} {r['iterations']:>6} "
                f"{r['gap']:>9.2e} {r['peak_mb']:>8.0f} {r['solve_mb']:>9.1f} {r['load']:>5.2f}",
                flush=True,
            )
        speed = statistics.median(rd[0]["seconds"] / rd[1]["seconds"] for rd in rounds)
        aeq, ours = runs[0], runs[1]
        tight = {
            g: runs[i]["seconds"]
            for i, (_, g, _) in enumerate(keys)
            if i >= 1 and keys[i][2] == a.algorithm and i > 1
        }
        summary.append(
            (
                net,
                speed,
                ours["peak_mb"] / aeq["peak_mb"],
                ours["solve_mb"],
                aeq["solve_mb"],
                tight,
                aeq["seconds"],
                [rd[1]["seconds"] for rd in rounds],
                [rd[0]["seconds"] for rd in rounds],
            )
        )
    print()
    for net, speed, mem, solve_ours, solve_aeq, tight, aeq_s, ours_all, aeq_all in summary:
        extra = ", ".join(
            f"ours to {g:.0e}: {s:.2f} s ({'<' if s < aeq_s else '>='} AequilibraE to {a.gap:.0e})"
            for g, s in tight.items()
        )
        print(
            f"{net}: speed-up vs AequilibraE bfw to {a.gap:.0e} = {speed:.1f}x ({a.algorithm}; rounds ours "
            f"{' '.join(f'{v:.2f}' for v in ours_all)} s, AequilibraE {' '.join(f'{v:.2f}' for v in aeq_all)} s); "
            f"peak memory ours/AequilibraE = {mem:.2f}; solve memory ours {solve_ours:.1f} MB vs "
            f"AequilibraE {solve_aeq:.1f} MB; {extra}"
        )
    print(f"load average at end: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
