"""Small assignment problems with known answers, built directly as arrays (no data files)."""

from __future__ import annotations

import numpy as np

from corridor.assignment.problem import AssignmentProblem, TrafficClass, csr_from_links


def build(n_nodes, links, demand, *, zones=None, no_through=None, classes=None, vdf=None, name="test"):
    """``links``: rows (tail, head, free_flow_time, capacity, alpha, beta[, length, toll]) with 0-based nodes."""
    lk = np.array([list(r) + [0.0] * (8 - len(r)) for r in links], dtype=float)
    tail = lk[:, 0].astype(np.int64)
    head = lk[:, 1].astype(np.int64)
    indptr, order = csr_from_links(n_nodes, tail, head)
    zones = np.arange(demand.shape[0]) if zones is None else np.asarray(zones)
    nt = np.zeros(n_nodes, bool) if no_through is None else np.asarray(no_through, bool)
    classes = classes or (TrafficClass("all", np.asarray(demand, float)),)
    return AssignmentProblem(
        indptr=indptr, head=head[order], tail=tail[order], arc_link=order.astype(np.int64),
        free_flow_time=lk[order, 2], capacity=lk[order, 3], alpha=lk[order, 4], beta=lk[order, 5],
        length=lk[order, 6], toll=lk[order, 7], zone_nodes=zones.astype(np.int64), no_through=nt,
        classes=tuple(classes), vdf=None if vdf is None else np.asarray(vdf, np.int8)[order],
        node_labels=np.arange(n_nodes).astype(str), name=name,
    )


def two_route():
    """o=0, d=1; t1 = 10 + x/100, t2 = 15 + 0.03x; D = 1000 → x1 = 875, x2 = 125, cost 18.75."""
    links = [(0, 1, 10, 1000, 1, 1), (0, 2, 15, 500, 1, 1), (2, 1, 0, 1, 0, 1)]
    dem = np.array([[0, 1000.0], [0, 0]])
    return build(3, links, dem)


def braess(with_bridge: bool):
    """Braess: o=0, d=1, a=2, b=3; o-a and b-d: 1 + x/100; a-d and o-b: 45; a-b: 0. D = 4000.
    Without the bridge: 2000 per route, cost 66; with it: all on o-a-b-d, cost 82."""
    links = [(0, 2, 1, 100, 1, 1), (2, 1, 45, 1, 0, 1), (0, 3, 45, 1, 0, 1), (3, 1, 1, 100, 1, 1)]
    if with_bridge:
        links.append((2, 3, 0, 1, 0, 1))
    dem = np.array([[0, 4000.0], [0, 0]])
    return build(4, links, dem)


def grid(n=6, *, seed=0, zones=8, scale=1.0):
    """An n × n two-way grid with random BPR parameters and random demand between ``zones`` corner-ish nodes."""
    rng = np.random.default_rng(seed)
    links = []
    for i in range(n):
        for j in range(n):
            v = i * n + j
            for w in ((v + 1) if j + 1 < n else None, (v + n) if i + 1 < n else None):
                if w is None:
                    continue
                for a, b in ((v, w), (w, v)):
                    links.append((a, b, rng.uniform(1, 5), rng.uniform(200, 800), 0.15, 4, rng.uniform(1, 3),
                                  0.0))
    z = rng.choice(n * n, size=zones, replace=False)
    dem = rng.uniform(50, 250, size=(zones, zones)) * scale
    np.fill_diagonal(dem, 0.0)
    return build(n * n, links, dem, zones=z)
