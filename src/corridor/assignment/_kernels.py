"""Graph kernels on the CSR arrays: one-to-all Dijkstra, all-or-nothing loading from every origin, skims.

Kernels take plain arrays only. ``no_through[v]`` marks nodes that may start or end a path but not be passed
through (TNTP zones below ``<FIRST THRU NODE>``). Arc costs may be ``inf`` (arc closed to the class).
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, inline="always")
def _push(hd, hn, size, d, v):
    i = size
    while i > 0:
        p = (i - 1) >> 1
        if hd[p] <= d:
            break
        hd[i] = hd[p]
        hn[i] = hn[p]
        i = p
    hd[i] = d
    hn[i] = v
    return size + 1


@njit(cache=True, inline="always")
def _pop(hd, hn, size):
    """Remove the root; return the new size (the caller read hd[0], hn[0] first)."""
    size -= 1
    if size == 0:
        return 0
    d = hd[size]
    v = hn[size]
    i = 0
    while True:
        c = 2 * i + 1
        if c >= size:
            break
        if c + 1 < size and hd[c + 1] < hd[c]:
            c += 1
        if hd[c] >= d:
            break
        hd[i] = hd[c]
        hn[i] = hn[c]
        i = c
    hd[i] = d
    hn[i] = v
    return size


@njit(cache=True)
def dijkstra_jit(indptr, head, time, fixed, origin, no_through, target, n_targets, dist, pred, order, hd, hn):
    """Shortest-path tree from ``origin`` with arc cost ``time + fixed``; stops once ``n_targets`` nodes with
    ``target[v]`` set are settled (``n_targets < 0``: settle all). Fills ``dist``, ``pred`` (arc, -1 none) and
    ``order`` (settle order); returns the number of settled nodes. ``dist`` must be +inf on entry."""
    dist[origin] = 0.0
    pred[origin] = -1
    size = _push(hd, hn, 0, 0.0, origin)
    n_set = 0
    left = n_targets
    while size > 0:
        d = hd[0]
        v = hn[0]
        size = _pop(hd, hn, size)
        if d > dist[v]:
            continue
        order[n_set] = v
        n_set += 1
        if target[v]:
            left -= 1
            if left == 0:
                break
        if no_through[v] and v != origin:
            continue
        for a in range(indptr[v], indptr[v + 1]):
            w = head[a]
            nd = d + time[a] + fixed[a]
            if nd < dist[w]:
                dist[w] = nd
                pred[w] = a
                size = _push(hd, hn, size, nd, w)
    return n_set


@njit(cache=True)
def aon_jit(indptr, head, tail, time, fixed, zone_nodes, demand, no_through, load, flow, sp_cost):
    """All-or-nothing from every origin zone. Adds ``demand`` (zones × zones) to ``flow`` when ``load``; writes
    the O–D shortest-path costs into ``sp_cost`` (inf when unreachable; NaN for pairs without demand, whose trees
are cut short). Returns (SPTT, unreachable demand)."""
    n = indptr.shape[0] - 1
    m = head.shape[0]
    z = zone_nodes.shape[0]
    dist = np.full(n, np.inf)
    pred = np.full(n, -1, dtype=np.int64)
    order = np.empty(n, dtype=np.int64)
    hd = np.empty(m + 1)
    hn = np.empty(m + 1, dtype=np.int64)
    target = np.zeros(n, dtype=np.bool_)
    node_load = np.zeros(n)
    sptt = 0.0
    lost = 0.0
    for i in range(z):
        o = zone_nodes[i]
        nt = 0
        for j in range(z):
            if demand[i, j] > 0.0 and zone_nodes[j] != o and not target[zone_nodes[j]]:
                target[zone_nodes[j]] = True
                nt += 1
        if nt == 0:
            for j in range(z):
                sp_cost[i, j] = np.nan if zone_nodes[j] != o else 0.0
            continue
        n_set = dijkstra_jit(indptr, head, time, fixed, o, no_through, target, nt, dist, pred, order, hd, hn)
        for j in range(z):
            dn = zone_nodes[j]
            target[dn] = False
            c = dist[dn] if dn != o else 0.0
            dem = demand[i, j]
            sp_cost[i, j] = c if dem > 0.0 or dn == o else np.nan
            if dem > 0.0 and dn != o:
                if c == np.inf:
                    lost += dem
                else:
                    sptt += dem * c
                    node_load[dn] += dem
        if load:
            for k in range(n_set - 1, 0, -1):
                v = order[k]
                ld = node_load[v]
                if ld != 0.0:
                    a = pred[v]
                    flow[a] += ld
                    node_load[tail[a]] += ld
                    node_load[v] = 0.0
            node_load[o] = 0.0
        for k in range(n_set):
            v = order[k]
            dist[v] = np.inf
            node_load[v] = 0.0
        # nodes reached but never settled (early stop) still hold a finite dist
        for k in range(n_set):
            v = order[k]
            for a in range(indptr[v], indptr[v + 1]):
                dist[head[a]] = np.inf
    return sptt, lost


@njit(cache=True)
def skims_jit(indptr, head, tail, time, fixed, zone_nodes, no_through, weights, out):
    """Accumulate each row of ``weights`` (k × arcs) along the shortest-path trees; ``out`` is k × z × z."""
    n = indptr.shape[0] - 1
    m = head.shape[0]
    z = zone_nodes.shape[0]
    k_w = weights.shape[0]
    dist = np.full(n, np.inf)
    pred = np.full(n, -1, dtype=np.int64)
    order = np.empty(n, dtype=np.int64)
    hd = np.empty(m + 1)
    hn = np.empty(m + 1, dtype=np.int64)
    target = np.zeros(n, dtype=np.bool_)
    acc = np.zeros((k_w, n))
    for i in range(z):
        o = zone_nodes[i]
        n_set = dijkstra_jit(indptr, head, time, fixed, o, no_through, target, -1, dist, pred, order, hd, hn)
        for s in range(k_w):
            acc[s, o] = 0.0
        for k in range(1, n_set):
            v = order[k]
            a = pred[v]
            for s in range(k_w):
                acc[s, v] = acc[s, tail[a]] + weights[s, a]
        for j in range(z):
            dn = zone_nodes[j]
            for s in range(k_w):
                out[s, i, j] = acc[s, dn] if dist[dn] < np.inf else np.inf
        dist[:] = np.inf
        pred[:] = -1
