"""Slow but obvious references (scipy Dijkstra, numpy loops) that the compiled kernels are tested against."""

from __future__ import annotations

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra


def reference_aon(problem, cost: np.ndarray, demand: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(arc flows, O–D shortest-path costs) by scipy Dijkstra, one origin at a time.

    Paths may not pass through ``no_through`` nodes: each origin gets a graph in which the arcs leaving the
    other no-through nodes are removed. Parallel arcs keep the cheapest one (as Dijkstra would)."""
    n, m, z = problem.n_nodes, problem.n_arcs, problem.n_zones
    flows = np.zeros(m)
    sp = np.full((z, z), np.inf)
    finite = np.isfinite(cost)
    for i in range(z):
        o = problem.zone_nodes[i]
        keep = finite & ~(problem.no_through[problem.tail] & (problem.tail != o))
        idx = np.flatnonzero(keep)
        # cheapest arc per (tail, head); scipy sums duplicates, so pick the minimum first
        best: dict[tuple[int, int], int] = {}
        for a in idx:
            key = (int(problem.tail[a]), int(problem.head[a]))
            if key not in best or cost[a] < cost[best[key]]:
                best[key] = int(a)
        arcs = np.array(sorted(best.values()), dtype=np.int64)
        # scipy treats explicit zeros as missing edges: shift all weights by a tiny epsilon-free trick
        w = cost[arcs] + 1e-300
        g = csr_matrix((w, (problem.tail[arcs], problem.head[arcs])), shape=(n, n))
        dist, pred = dijkstra(g, directed=True, indices=o, return_predecessors=True)
        arc_of = {(int(problem.tail[a]), int(problem.head[a])): int(a) for a in arcs}
        for j in range(z):
            d = problem.zone_nodes[j]
            sp[i, j] = 0.0 if d == o else dist[d]
            if demand[i, j] > 0 and d != o and np.isfinite(dist[d]):
                v = d
                while v != o:
                    u = pred[v]
                    flows[arc_of[(int(u), int(v))]] += demand[i, j]
                    v = u
    return flows, sp


def reference_frank_wolfe(problem, *, iterations: int = 2000) -> np.ndarray:
    """Plain Frank–Wolfe (scipy Dijkstra, numpy BPR, golden-section step) for one class, BPR links only.

    Returns arc flows. Independent of the compiled kernels: used to check them on small networks."""
    (cls,) = problem.classes
    t0, cap, a, b = problem.free_flow_time, problem.capacity, problem.alpha, problem.beta
    fixed = problem.fixed_costs()[0]

    def cost(x):
        return t0 * (1 + a * (x / cap) ** b) + fixed

    def objective(x):
        return float(np.sum(t0 * (x + a * cap / (b + 1) * (x / cap) ** (b + 1)) + fixed * x))

    x, _ = reference_aon(problem, cost(np.zeros_like(t0)), cls.demand)
    for k in range(iterations):
        y, _ = reference_aon(problem, cost(x), cls.demand)
        d = y - x
        lo, hi = 0.0, 1.0
        phi = (np.sqrt(5) - 1) / 2
        for _ in range(80):
            m1, m2 = hi - phi * (hi - lo), lo + phi * (hi - lo)
            if objective(x + m1 * d) < objective(x + m2 * d):
                hi = m2
            else:
                lo = m1
        x = x + 0.5 * (lo + hi) * d
        if k > 10 and np.abs(d).max() < 1e-9:
            break
    return x


def reference_time(kind, t0, cap, a, b, x) -> np.ndarray:
    """Volume-delay times by numpy (BPR where ``kind`` is 0, conical elsewhere)."""
    r = x / cap
    bpr = t0 * (1 + a * np.power(np.maximum(r, 0.0), b))
    with np.errstate(divide="ignore", invalid="ignore"):
        beta = (2 * a - 1) / (2 * a - 2)
        u = 1 - r
        con = t0 * (2 + np.sqrt(a**2 * u**2 + beta**2) - a * u - beta)
    return np.where(kind == 0, bpr, con)
