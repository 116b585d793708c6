"""Synthetic congested grid networks for the scaling benchmark, and the all-or-nothing floor on the same graph.

A ``side × side`` two-way grid (planar), free-flow times uniform in [1, 2], BPR α 0.15 β 4; ``nodes / 15``
zones on random nodes; each zone sends demand to 20 random other zones (uniform 50–150 trips). Capacities
come from an all-or-nothing loading at free flow (half its flow, at least a quarter of the mean), so the
equilibrium is congested. Everything is drawn from one seed: the floor worker rebuilds the same graph.
"""

from __future__ import annotations

import numpy as np

DESTS_PER_ZONE = 20


def grid_problem(side: int, seed: int = 1):
    from corridor.assignment import AssignmentProblem, TrafficClass
    from corridor.assignment.linkbased import aon
    from corridor.assignment.problem import csr_from_links

    rng = np.random.default_rng(seed)
    n = side * side
    idx = np.arange(n).reshape(side, side)
    right = np.c_[idx[:, :-1].ravel(), idx[:, 1:].ravel()]
    down = np.c_[idx[:-1, :].ravel(), idx[1:, :].ravel()]
    und = np.vstack([right, down])
    tail = np.concatenate([und[:, 0], und[:, 1]])
    head = np.concatenate([und[:, 1], und[:, 0]])
    m = tail.size
    t0 = rng.uniform(1.0, 2.0, m)
    z = max(2, n // 15)
    zone_nodes = np.sort(rng.choice(n, z, replace=False))
    demand = np.zeros((z, z))
    k = min(DESTS_PER_ZONE, z - 1)
    for i in range(z):
        others = np.delete(np.arange(z), i)
        demand[i, rng.choice(others, k, replace=False)] = rng.uniform(50, 150, k)
    indptr, order = csr_from_links(n, tail, head)

    def problem(capacity):
        return AssignmentProblem(
            indptr=indptr, head=head[order], tail=tail[order], arc_link=order, free_flow_time=t0[order],
            capacity=capacity, alpha=np.full(m, 0.15), beta=np.full(m, 4.0), length=np.zeros(m), toll=np.zeros(m),
            zone_nodes=zone_nodes, no_through=np.zeros(n, dtype=bool),
            classes=(TrafficClass("all", demand),), name=f"grid {side}x{side}")

    p0 = problem(np.ones(m))
    y, _, _ = aon(p0, p0.free_flow_time, np.zeros((1, m)))
    cap = np.maximum(0.5 * y[0], 0.25 * y[0].mean())
    return problem(cap)


def aon_floor(p, chunk: int = 64) -> float:
    """Seconds for scipy's Dijkstra from every zone on the problem's graph at free-flow times (the work of one
    all-or-nothing iteration without the loading), origins in chunks so the distance rows stay small."""
    import time

    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    g = csr_matrix((p.free_flow_time, (p.tail, p.head)), shape=(p.n_nodes, p.n_nodes))
    t = time.perf_counter()
    for i in range(0, p.n_zones, chunk):
        dijkstra(g, directed=True, indices=p.zone_nodes[i:i + chunk])
    return time.perf_counter() - t
