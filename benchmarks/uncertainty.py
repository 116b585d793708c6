"""Benchmark: study evaluations per second for ``corridor uncertainty`` — a plain loop against a Dask LocalCluster.

Usage::

    python benchmarks/uncertainty.py [--draws 200] [--workers 2] [--seed 1]

Prints the time of one prepared evaluation (median of the loop's draws), draws per second for the loop and for
the LocalCluster (timed from the first submitted draw to the last result; the cluster's start-up and the one
scatter of the prepared study are printed apart), their ratio, and the load average (``os.getloadavg``), because
the machine is shared. Both runs evaluate the same Latin-hypercube draws and must give identical metrics.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=200)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    import numpy as np

    from corridor.uncertainty.inputs import draw_matrix, draw_values
    from corridor.uncertainty.model import prepare
    from corridor.uncertainty.sweep import dask_client, run_draws

    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (cores: {os.cpu_count()})")
    t = time.perf_counter()
    model = prepare()
    print(f"prepare (freight problems of both scenarios and years, candidate trade routes): "
          f"{time.perf_counter() - t:.2f} s; {len(model.inputs)} ranged inputs, years {list(model.years)}")
    values = draw_values(model.inputs, draw_matrix(len(model.inputs), args.draws, args.seed))

    model.evaluate(values[0])  # warm-up (kernels, caches)
    per = []
    loop = []
    t = time.perf_counter()
    for v in values:
        s = time.perf_counter()
        loop.append(model.evaluate(v))
        per.append(time.perf_counter() - s)
    t_loop = time.perf_counter() - t
    print(f"one evaluation: median {1000 * statistics.median(per):.1f} ms, p90 "
          f"{1000 * sorted(per)[int(0.9 * len(per))]:.1f} ms")

    t = time.perf_counter()
    with dask_client(None, args.workers) as client:
        t_up = time.perf_counter() - t
        shared = client.scatter(model, broadcast=True)  # warm the workers (imports, one scatter)
        client.submit(lambda m: len(m.inputs), shared).result()
        t_warm = time.perf_counter() - t - t_up
        t = time.perf_counter()
        dask = run_draws(model, values, client=client)
        t_dask = time.perf_counter() - t
    same = all(a.keys() == b.keys() and np.allclose([a[k] for k in a], [b[k] for k in a], rtol=0, atol=0,
                                                     equal_nan=True) for a, b in zip(dask, loop, strict=True))
    assert same, "the cluster's metrics differ from the loop's"
    print(f"LocalCluster of {args.workers} workers: start {t_up:.1f} s, first scatter and worker imports "
          f"{t_warm:.1f} s")
    print(f"{'run':<28}{'draws':>7}{'seconds':>10}{'draws/s':>10}")
    print(f"{'plain loop':<28}{args.draws:>7}{t_loop:>10.2f}{args.draws / t_loop:>10.1f}")
    print(f"{f'LocalCluster ({args.workers} workers)':<28}{args.draws:>7}{t_dask:>10.2f}{args.draws / t_dask:>10.1f}")
    print(f"ratio (cluster / loop draws per second): {t_loop / t_dask:.2f}")
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
