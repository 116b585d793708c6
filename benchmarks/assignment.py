"""Benchmark: our equilibrium assignment against tap-b (Algorithm B in C) and AequilibraE's bi-conjugate
Frank–Wolfe on TNTP networks, and a synthetic scaling table.

Usage::

    python benchmarks/assignment.py --repeat 3 [--sections whole solve scaling]

Three sections, each printing its ratios measured in the same run:

* ``whole`` — whole-process runs, as a user meets them (interpreter start, imports, reading the files, solving,
  writing the link flows): ``corridor assign NET --gap G --out DIR --csv --no-skims --json`` against tap-b
  (``make serial`` of ../shared/peers/tap-b; it writes its link flows to flows.txt) on ChicagoSketch to 1e-4 and
  1e-8 and Berlin-Center to 1e-6, and against an AequilibraE ``bfw`` script (imports, our TNTP reader, graph,
  solve, link flows to CSV) to 1e-4. Gaps in our definition (TSTT − SPTT)/TSTT; tap-b's TSTT/SPTT − 1 target is
  converted (:mod:`_tapb`). Time: wall clock of the process; memory: its peak resident set (GNU time).
  Our package's bytecode is compiled first, as ``pip install`` does (with ``PYTHONDONTWRITEBYTECODE`` set, an
  editable checkout would otherwise compile every module it imports in every run; site-packages, where
  AequilibraE lives, has its bytecode).
  One more row per network shows ``corridor assign`` with its default outputs (Parquet links and OMX skims).
* ``solve`` — solve time only (below).
* ``scaling`` — grid networks of 10^3 to 10^5 nodes (:mod:`_synthetic`): seconds per ``gp`` iteration and peak
  memory against size, next to the all-or-nothing floor (scipy's Dijkstra from every zone, same graph).

Solve-only section: each run happens in its own subprocess, and both engines' workers read the files with the same TNTP reader.
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
import itertools
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _synthetic
import _tapb

TNTP = Path(os.environ.get("CORRIDOR_TNTP_DIR", Path(__file__).resolve().parents[2] / "shared" / "data" / "tntp"))


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
    return {"engine": f"corridor {algorithm}", "network": network, "target": gap, "seconds": wall,
            "iterations": r.n_iterations, "gap": r.relative_gap, "beckmann": r.beckmann, "peak_mb": _peak_mb(),
            "solve_mb": mem.mb}


def aequilibrae_assignment(network: str, gap: float):
    """An AequilibraE ``bfw`` TrafficAssignment of a TNTP network, ready to ``execute()``."""
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
    return assig


def run_aequilibrae(network: str, gap: float) -> dict:
    assig = aequilibrae_assignment(network, gap)
    with _SolveMemory() as mem:
        t = time.perf_counter()
        assig.execute()
        wall = time.perf_counter() - t
    rep = assig.report()
    return {"engine": "aequilibrae bfw", "network": network, "target": gap, "seconds": wall,
            "iterations": int(rep["iteration"].max()), "gap": float(rep["rgap"].iloc[-1]),
            "beckmann": None, "peak_mb": _peak_mb(), "solve_mb": mem.mb}


def _spawn(*args: str) -> dict:
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
    load = os.getloadavg()[0]
    out = subprocess.run([sys.executable, __file__, "--worker", *args], capture_output=True, text=True, env=env)
    if out.returncode != 0:
        raise SystemExit(f"worker {args} failed:\n{out.stderr[-3000:]}")
    res = json.loads(out.stdout.strip().splitlines()[-1])
    res["load"] = max(load, os.getloadavg()[0])
    return res


def _median_run(runs: list[dict]) -> dict:
    """The run of median time, with the median memory figures of all rounds."""
    med = sorted(runs, key=lambda r: r["seconds"])[(len(runs) - 1) // 2]
    return dict(med, peak_mb=statistics.median(r["peak_mb"] for r in runs),
                solve_mb=statistics.median(r["solve_mb"] for r in runs))


def run_aequilibrae_whole(network: str, gap: float, out: str) -> dict:
    """Whole AequilibraE job: what the parent times is this process from interpreter start to exit."""
    assig = aequilibrae_assignment(network, gap)
    assig.execute()
    assig.results().to_csv(Path(out) / "aequilibrae_links.csv")
    rep = assig.report()
    return {"iterations": int(rep["iteration"].max()), "gap": float(rep["rgap"].iloc[-1])}


def run_scaling(side: int, max_iter: int) -> dict:
    from corridor.assignment import assign

    p = _synthetic.grid_problem(side)
    r = assign(p, algorithm="gp", gap=1e-12, max_iter=max_iter)
    secs = [row["seconds"] for row in r.iteration_rows]
    per = [b - a for a, b in itertools.pairwise(secs)]
    return {"nodes": p.n_nodes, "arcs": p.n_arcs, "zones": p.n_zones, "pairs": int((p.classes[0].demand > 0).sum()),
            "iterations": r.n_iterations, "first": secs[0], "per_iter": statistics.median(per) if per else secs[0],
            "gap": r.relative_gap, "peak_mb": _peak_mb()}


def run_floor(side: int) -> dict:
    p = _synthetic.grid_problem(side)
    return {"seconds": _synthetic.aon_floor(p), "peak_mb": _peak_mb()}


#: GNU time reports the peak resident set of the process it runs. A child's own rusage (``wait4``) would not do:
#: Linux counts into a new process's high-water mark the memory of the process it was forked from (here the
#: benchmark's Python, ~30 MB), which would hide tap-b's ~12 MB.
GNU_TIME = "/usr/bin/time"


def _process(cmd: list[str], cwd: Path | None = None) -> tuple[float, float, str]:
    """(wall seconds, peak resident MB, stdout) of one whole process."""
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
    with tempfile.TemporaryDirectory() as tmp:
        peak_file = Path(tmp) / "peak"
        wrapped = [GNU_TIME, "-f", "%M", "-o", str(peak_file), *cmd] if os.access(GNU_TIME, os.X_OK) else cmd
        t = time.perf_counter()
        pr = subprocess.run(wrapped, cwd=cwd, env=env, capture_output=True, text=True)
        wall = time.perf_counter() - t
        if pr.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(cmd)} failed ({pr.returncode}):\n{pr.stderr[-3000:]}")
        if peak_file.exists():
            peak = float(peak_file.read_text().split()[-1]) / 1024.0
        else:  # no GNU time: the children's high-water mark (an upper bound, see above)
            peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
    return wall, peak, pr.stdout


def _ours_cmd(network: str, gap: float, out: Path, lean: bool) -> list[str]:
    cmd = [sys.executable, "-c", "from corridor.cli import main; main()", "assign", str(TNTP / network),
           "--gap", f"{gap:g}", "--max-iter", "100000", "--out", str(out), "--json"]
    return cmd + (["--csv", "--no-skims"] if lean else [])


def whole_section(networks: list[str], repeat: int) -> None:
    """Whole-process runs against tap-b and AequilibraE, interleaved round by round."""
    import compileall

    import corridor
    from corridor.network.tntp import COST_FACTORS

    compileall.compile_dir(str(Path(corridor.__file__).parent), quiet=1)
    print("\n== whole process: wall seconds and peak MB of the process (median of rounds); gaps in our "
          "definition (TSTT-SPTT)/TSTT; tap-b's TSTT/SPTT-1 target converted")
    work = Path(tempfile.mkdtemp(prefix="corridor-bench-"))
    tap = _tapb.build(work)
    jobs = []  # (network, gap, engine)
    for net in networks:
        for g in TAPB_GAPS.get(net, []):
            jobs += [(net, g, "tap-b"), (net, g, "corridor")]
        jobs += [(net, 1e-4, "aequilibrae"), (net, 1e-4, "corridor")] if (net, 1e-4, "corridor") not in jobs else \
            [(net, 1e-4, "aequilibrae")]
        jobs.append((net, 1e-4, "corridor default"))
    results: dict[tuple, list[dict]] = {j: [] for j in jobs}
    for _ in range(repeat):
        for net, g, engine in jobs:
            out = work / f"out-{net}-{g:.0e}-{engine.replace(' ', '_')}"
            out.mkdir(exist_ok=True)
            load = os.getloadavg()[0]
            if engine == "tap-b":
                params = _tapb.prepare(work, TNTP / net, COST_FACTORS.get(net.lower(), (0.0, 0.0)), g)
                wall, peak, log = _process([str(tap), params.name], cwd=params.parent)
                it, gap = _tapb.parse(log)
            elif engine == "aequilibrae":
                wall, peak, log = _process([sys.executable, __file__, "--worker", "aeq-whole", net, str(g), str(out)])
                res = json.loads(log.strip().splitlines()[-1])
                it, gap = res["iterations"], res["gap"]
            else:
                wall, peak, log = _process(_ours_cmd(net, g, out, engine == "corridor"))
                res = json.loads(log)
                it, gap = res["iterations"], res["relative_gap"]
            results[(net, g, engine)].append({"seconds": wall, "peak_mb": peak, "iterations": it, "gap": gap,
                                              "load": max(load, os.getloadavg()[0])})
    print(f"{'network':<14} {'engine':<18} {'target':>7} {'seconds':>8} {'iter':>6} {'gap':>9} {'peak MB':>8} "
          f"{'load':>5}")
    for (net, g, engine), runs in results.items():
        med = sorted(runs, key=lambda r: r["seconds"])[(len(runs) - 1) // 2]
        print(f"{net:<14} {engine:<18} {g:>7.0e} {med['seconds']:>8.2f} {med['iterations']:>6} {med['gap']:>9.2e} "
              f"{statistics.median(r['peak_mb'] for r in runs):>8.0f} {med['load']:>5.2f}")
    print()
    for (net, g, engine), runs in results.items():
        if engine not in ("tap-b", "aequilibrae"):
            continue
        ours = results[(net, g, "corridor")]
        speed = statistics.median(r["seconds"] / o["seconds"] for r, o in zip(runs, ours, strict=True))
        mem = statistics.median(o["peak_mb"] for o in ours) / statistics.median(r["peak_mb"] for r in runs)
        ours_s = " ".join(f"{o['seconds']:.2f}" for o in ours)
        theirs_s = " ".join(f"{r['seconds']:.2f}" for r in runs)
        print(f"{net} to {g:.0e}: whole-process speed-up vs {engine} = {speed:.2f}x (median of per-round ratios; "
              f"rounds: ours {ours_s} s, {engine} {theirs_s} s); peak memory ours/{engine} = {mem:.2f}")
    floors = {what: statistics.median(_process([sys.executable, "-c", code])[1] for _ in range(repeat))
              for what, code in (("python", "pass"), ("python + numpy", "import numpy"))}
    print("memory floor of any Python process here (peak MB, GNU time): "
          + ", ".join(f"{what} {mb:.1f}" for what, mb in floors.items()))
    shutil.rmtree(work, ignore_errors=True)


#: tap-b comparisons: network -> gaps (ours)
TAPB_GAPS = {"ChicagoSketch": [1e-4, 1e-8], "Berlin-Center": [1e-6]}


def scaling_section(sides: list[int], max_iter: int) -> None:
    print(f"\n== scaling: two-way grids, zones = nodes/15, {_synthetic.DESTS_PER_ZONE} destinations per zone; gp "
          f"for {max_iter} iterations; floor = scipy Dijkstra from every zone (1 thread), same graph and run; "
          f"ours uses {os.cpu_count()} threads")
    print(f"{'nodes':>7} {'arcs':>7} {'zones':>6} {'pairs':>8} {'iter 1 s':>9} {'s/iter':>8} {'floor s':>8} "
          f"{'iter/floor':>10} {'gap':>9} {'peak MB':>8} {'floor MB':>8} {'load':>5}")
    for side in sides:
        load = os.getloadavg()[0]
        r = _spawn("scale", str(side), str(max_iter), "-")
        f = _spawn("floor", str(side), "-", "-")
        print(f"{r['nodes']:>7} {r['arcs']:>7} {r['zones']:>6} {r['pairs']:>8} {r['first']:>9.2f} "
              f"{r['per_iter']:>8.3f} {f['seconds']:>8.3f} {r['per_iter'] / f['seconds']:>10.2f} {r['gap']:>9.2e} "
              f"{r['peak_mb']:>8.0f} {f['peak_mb']:>8.0f} {max(load, os.getloadavg()[0]):>5.2f}", flush=True)


def solve_section(a) -> None:
    print(f"\n== solve only (reading and graph building excluded for both); rounds: {a.repeat}")
    head = (f"{'network':<14} {'engine':<16} {'target':>7} {'seconds':>8} {'iter':>6} {'gap':>9} {'peak MB':>8} "
            f"{'solve MB':>9} {'load':>5}")
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
            print(f"{net:<14} {r['engine']:<16} {r['target']:>7.0e} {r['seconds']:>8.2f} {r['iterations']:>6} "
                  f"{r['gap']:>9.2e} {r['peak_mb']:>8.0f} {r['solve_mb']:>9.1f} {r['load']:>5.2f}", flush=True)
        speed = statistics.median(rd[0]["seconds"] / rd[1]["seconds"] for rd in rounds)
        aeq, ours = runs[0], runs[1]
        tight = {g: runs[i]["seconds"] for i, (_, g, _) in enumerate(keys) if i >= 1 and keys[i][2] == a.algorithm
                 and i > 1}
        summary.append((net, speed, ours["peak_mb"] / aeq["peak_mb"], ours["solve_mb"], aeq["solve_mb"], tight,
                        aeq["seconds"], [rd[1]["seconds"] for rd in rounds], [rd[0]["seconds"] for rd in rounds]))
    print()
    for net, speed, mem, solve_ours, solve_aeq, tight, aeq_s, ours_all, aeq_all in summary:
        extra = ", ".join(f"ours to {g:.0e}: {s:.2f} s ({'<' if s < aeq_s else '>='} AequilibraE to {a.gap:.0e})"
                          for g, s in tight.items())
        print(f"{net}: solve speed-up vs AequilibraE bfw to {a.gap:.0e} = {speed:.1f}x ({a.algorithm}; rounds ours "
              f"{' '.join(f'{v:.2f}' for v in ours_all)} s, AequilibraE {' '.join(f'{v:.2f}' for v in aeq_all)} s); "
              f"peak memory ours/AequilibraE = {mem:.2f}; solve memory ours {solve_ours:.1f} MB vs "
              f"AequilibraE {solve_aeq:.1f} MB; {extra}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sections", nargs="+", default=["whole", "solve", "scaling"],
                    choices=["whole", "solve", "scaling"])
    ap.add_argument("--networks", nargs="+", default=["SiouxFalls", "ChicagoSketch", "Berlin-Center"],
                    help="networks of the solve-only section")
    ap.add_argument("--whole-networks", nargs="+", default=["ChicagoSketch", "Berlin-Center"])
    ap.add_argument("--gap", type=float, default=1e-4)
    ap.add_argument("--tight", nargs="*", type=float, default=[1e-6, 1e-8], help="extra gaps for our engine")
    ap.add_argument("--algorithm", default="gp", help="our algorithm (gp, bfw, ...)")
    ap.add_argument("--no-bfw", action="store_true", help="skip our own bfw run")
    ap.add_argument("--repeat", type=int, default=1, help="rounds per network (medians are shown)")
    ap.add_argument("--sides", nargs="+", type=int, default=[32, 100, 316],
                    help="grid sides of the scaling section (nodes = side^2)")
    ap.add_argument("--scaling-iter", type=int, default=6, help="gp iterations per scaling run")
    ap.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        engine, network, gap, alg = a.worker
        if engine == "aeq-whole":
            res = run_aequilibrae_whole(network, float(gap), alg)
        elif engine == "scale":
            res = run_scaling(int(network), int(gap))
        elif engine == "floor":
            res = run_floor(int(network))
        else:
            res = run_aequilibrae(network, float(gap)) if engine == "aeq" else run_ours(network, float(gap), alg)
        print(json.dumps(res))
        return
    print(f"TNTP data: {TNTP}; cores: {os.cpu_count()}; rounds: {a.repeat}; "
          f"load average at start: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    if "whole" in a.sections:
        whole_section(a.whole_networks, a.repeat)
    if "solve" in a.sections:
        solve_section(a)
    if "scaling" in a.sections:
        scaling_section(a.sides, a.scaling_iter)
    print(f"load average at end: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
