"""Benchmark: our equilibrium assignment against AequilibraE's bi-conjugate Frank–Wolfe on TNTP networks.

Usage::

    python benchmarks/assignment.py [--networks SiouxFalls ChicagoSketch Berlin-Center] [--gap 1e-4]

Each run happens in its own subprocess so that its peak resident memory (ru_maxrss, imports included) is its
own. Solve time excludes reading files and building the graph, for both engines; our numba kernels are
compiled and cached on a small warm-up problem first (AequilibraE's Cython is precompiled). AequilibraE runs
with OMP_WAIT_POLICY=PASSIVE, all cores, ``bfw``, the same BPR parameters and the same generalised cost
(ChicagoSketch: 0.02 min/cent toll, 0.04 min/mile distance); zero free-flow times become 1e-6 for AequilibraE,
which refuses zeros. Needs the ``[bench]`` extra (aequilibrae) and the
TNTP data ($CORRIDOR_TNTP_DIR or ../shared/data/tntp).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

TNTP = Path(os.environ.get("CORRIDOR_TNTP_DIR", Path(__file__).resolve().parents[2] / "shared" / "data" / "tntp"))


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_ours(network: str, gap: float, algorithm: str) -> dict:
    from corridor.assignment import assign
    from corridor.assignment.problem import problem_from_tntp
    from corridor.network.tntp import load_tntp

    assign(problem_from_tntp(load_tntp(TNTP / "SiouxFalls")), algorithm=algorithm, gap=1e-3, max_iter=5)
    p = problem_from_tntp(load_tntp(TNTP / network))
    t = time.perf_counter()
    r = assign(p, algorithm=algorithm, gap=gap, max_iter=100_000)
    wall = time.perf_counter() - t
    return {"engine": f"corridor {algorithm}", "network": network, "target": gap, "seconds": wall,
            "iterations": r.n_iterations, "gap": r.relative_gap, "beckmann": r.beckmann, "peak_mb": _peak_mb()}


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
    t = time.perf_counter()
    assig.execute()
    wall = time.perf_counter() - t
    rep = assig.report()
    return {"engine": "aequilibrae bfw", "network": network, "target": gap, "seconds": wall,
            "iterations": int(rep["iteration"].max()), "gap": float(rep["rgap"].iloc[-1]),
            "beckmann": None, "peak_mb": _peak_mb()}


def _spawn(*args: str) -> dict:
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
    out = subprocess.run([sys.executable, __file__, "--worker", *args], capture_output=True, text=True, env=env)
    if out.returncode != 0:
        raise SystemExit(f"worker {args} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--networks", nargs="+", default=["SiouxFalls", "ChicagoSketch", "Berlin-Center"])
    ap.add_argument("--gap", type=float, default=1e-4)
    ap.add_argument("--tight", nargs="*", type=float, default=[1e-6, 1e-8], help="extra gaps for our engine")
    ap.add_argument("--algorithm", default="gp", help="our algorithm (gp, bfw, ...)")
    ap.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        engine, network, gap, alg = a.worker
        res = run_aequilibrae(network, float(gap)) if engine == "aeq" else run_ours(network, float(gap), alg)
        print(json.dumps(res))
        return
    print(f"TNTP data: {TNTP}; cores: {os.cpu_count()}; relative gap (TSTT-SPTT)/TSTT")
    head = f"{'network':<14} {'engine':<16} {'target':>7} {'seconds':>8} {'iter':>6} {'gap':>9} {'peak MB':>8}"
    print(head)
    summary = []
    for net in a.networks:
        aeq = _spawn("aeq", net, str(a.gap), "bfw")
        runs = [aeq, _spawn("ours", net, str(a.gap), a.algorithm)]
        if a.algorithm != "bfw":
            runs.append(_spawn("ours", net, str(a.gap), "bfw"))
        runs += [_spawn("ours", net, str(g), a.algorithm) for g in a.tight]
        for r in runs:
            print(f"{net:<14} {r['engine']:<16} {r['target']:>7.0e} {r['seconds']:>8.2f} {r['iterations']:>6} "
                  f"{r['gap']:>9.2e} {r['peak_mb']:>8.0f}")
        ours = runs[1]
        summary.append((net, aeq["seconds"] / ours["seconds"], ours["peak_mb"] / aeq["peak_mb"],
                        {r["target"]: r["seconds"] for r in runs[2 + (a.algorithm != "bfw"):]}, aeq["seconds"],
                        aeq["seconds"] / runs[2]["seconds"] if a.algorithm != "bfw" else None))
    print()
    for net, speed, mem, tight, aeq_s, bfw_ratio in summary:
        extra = ", ".join(f"ours to {g:.0e}: {s:.2f} s ({'<' if s < aeq_s else '>='} AequilibraE to {a.gap:.0e})"
                          for g, s in tight.items())
        bfw = f"; our bfw {bfw_ratio:.1f}x" if bfw_ratio else ""
        print(f"{net}: speed-up vs AequilibraE bfw to {a.gap:.0e} = {speed:.1f}x ({a.algorithm}){bfw}; "
              f"peak memory ratio ours/AequilibraE = {mem:.2f}; {extra}")


if __name__ == "__main__":
    main()
